"""What one update did to the sentence it learned from: the same sentence run forward
again with the new weights (the twin engine's forward pass: no graph, no gradient, and
nothing of the run changed), position by position, before → after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.training.trace import StepTrace

if TYPE_CHECKING:
    from core.training.trainer import Trainer


@dataclass(frozen=True)
class PositionEffect:
    """One position's prediction before and after the step's update."""

    position: int
    target_word: str
    before: float
    """p(target) in the forward pass that trained (the weights before the update)."""
    after: float
    """p(target) with the updated weights."""
    loss_before: float
    loss_after: float

    @property
    def change(self) -> float:
        """Δloss = after − before: below zero, the update made this prediction better."""
        return self.loss_after - self.loss_before


@dataclass(frozen=True)
class UpdateEffect:
    """A step's sentence before and after its own update."""

    step: int
    """0-based: the step whose update this measures."""
    positions: tuple[PositionEffect, ...]
    loss_before: float
    """The step's loss (the trace's)."""
    loss_after: float
    """The same sentence's loss with the updated weights, computed as a step computes it."""

    @property
    def change(self) -> float:
        return self.loss_after - self.loss_before

    @property
    def better(self) -> int:
        """Positions whose loss went down."""
        return sum(p.change < 0 for p in self.positions)

    @property
    def worse(self) -> int:
        """Positions whose loss went up."""
        return sum(p.change > 0 for p in self.positions)


def measure_effect(trainer: Trainer, trace: StepTrace) -> UpdateEffect:
    """The effect of `trace`'s update, read from the model as it is right after that step
    (call it on the thread that steps, before the next step)."""
    if trainer.step_index != trace.step + 1:
        raise ValueError(
            f"the model is after step {trainer.step_index}, not after step {trace.step + 1}"
        )
    after = trainer.twin().forward(list(trace.tokens))
    positions = tuple(
        PositionEffect(
            p.position,
            p.target_word,
            p.prob,
            float(after.probs[p.position]),
            p.loss,
            float(after.losses[p.position]),
        )
        for p in trace.positions
    )
    return UpdateEffect(trace.step, positions, trace.loss, after.loss)
