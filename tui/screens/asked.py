"""What the "Ask the model" screen asks of the app, and the answers it gets: the app runs
each question on the training thread (between two steps), and the screen only shows the
answers, never reaching into the run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.model.draws import Sample
from core.model.generation import SamplingOptions
from core.training.probe import Probe


@dataclass(frozen=True)
class ModelAt:
    """Which model answered: the run's, as it was when the question was taken."""

    step: int
    """Steps trained (0: the untrained model)."""
    num_steps: int
    """Length of the run's schedule."""

    def describe(self) -> str:
        if self.step == 0:
            return f"the untrained model (step 0 of {self.num_steps:,})"
        return f"the model after step {self.step:,} of {self.num_steps:,}"


@dataclass(frozen=True)
class Generated:
    """Sentences sampled from the model, each with its draws."""

    model: ModelAt
    options: SamplingOptions
    seed: int
    """The seed of the generator made for them (never the run's)."""
    samples: tuple[Sample, ...]


@dataclass(frozen=True)
class Probed:
    """A sentence the model was asked about, without training."""

    model: ModelAt
    probe: Probe


@dataclass(frozen=True)
class AskModel:
    """The questions the screen may ask; each runs on the training thread. An answer that
    cannot be given raises a MicrogptError whose message the screen shows."""

    generate: Callable[[SamplingOptions, int, int], Awaitable[Generated]]
    """(options, seed, how many sentences) → the sentences."""
    probe: Callable[[str], Awaitable[Probed]]
    """A sentence as typed → the model's predictions for it."""
    what_if: Callable[[str], Awaitable[None]]
    """A sentence → one training step on it, shown as a what-if (b undoes it)."""


def describe_options(options: SamplingOptions, seed: int) -> str:
    """The options as the command line would take them."""
    top_k = f"top-k {options.top_k}" if options.top_k else "top-k off"
    top_p = f"top-p {options.top_p:g}" if options.top_p < 1 else "top-p off"
    return f"temperature {options.temperature:g} · {top_k} · {top_p} · seed {seed}"
