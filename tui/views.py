"""The records the widgets are given: what a widget shows, assembled from the session by
`RunView`. A leaf module, so that the view and the widgets both import it and neither
imports the other."""

from __future__ import annotations

from dataclasses import dataclass

from core.training.heldout import HeldOutReading
from core.training.optimizer import AdamEntry


@dataclass(frozen=True)
class StatusView:
    """Everything the status bar shows, assembled by the app."""

    step: int
    """Steps done so far (the trace shown is of step `step`)."""
    num_steps: int
    """Length of the learning-rate schedule."""
    sentence_index: int | None
    """0-based index of the shown step's sentence in the shuffled corpus."""
    num_sentences: int
    lr: float | None
    loss: float | None
    mean_loss: float | None
    """Mean loss of the last `mean_window` steps."""
    mean_window: int
    ms_per_step: float | None
    """Median milliseconds per recent step; None hides it (snapshot tests)."""
    nodes: int | None
    reference_nodes: int | None
    state: str
    """"paused", "running", "stepping" or "going"."""
    goal: int | None = None
    """The step a "go to" is heading for."""
    note: str = ""
    """A short message (e.g. why training paused)."""
    conditions: tuple[str, ...] = ()
    """Active run-until conditions, as text."""
    fine_tuning: bool = False
    """The run trains a loaded model on another corpus."""
    original: Forgotten | None = None
    """When fine-tuning: the last original-corpus loss measured."""
    held_out: HeldOutReading | None = None
    """With a held-out set: its latest loss, measured or asked for."""
    held_out_pending: bool = False
    """The held-out loss asked for is being evaluated."""
    what_if: bool = False
    """The step shown is a what-if on the user's sentence, not one of the run's."""


@dataclass(frozen=True)
class Forgotten:
    """The original-corpus loss of a fine-tuning run, as last measured."""

    at: int
    """Steps done when it was measured (0: the model as loaded)."""
    loss: float
    rise: float
    """Since the model was loaded: above 0, the fine-tuning made it forget."""


@dataclass(frozen=True)
class WatchRow:
    """One watched parameter, as the app hands it to the inspector."""

    index: int
    """Flat parameter index."""
    name: str
    """Readable name, e.g. token_embedding[cat][3]."""
    entry: AdamEntry | None
    """Its latest Adam update; None until it has been through a step while watched."""
    value: float | None = None
    """Its current value, shown while there is no entry yet."""
    m_history: tuple[float, ...] = ()
    """m after each of the last steps (at most 30), oldest first."""
    v_history: tuple[float, ...] = ()
    """v after each of the last steps, oldest first."""
    follows: bool = False
    """It follows the sentence: an entry of the shown step's first word, changing with it."""
