"""Messages of the debugger's training loop, posted to the app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from core.training.trace import StepTrace


@dataclass
class StepTaken(Message):
    """A training step finished. Carries history (the loss curve): never dropped."""

    trace: StepTrace

    def __repr__(self) -> str:  # traces are large: keep logs readable
        return f"StepTaken(step={self.trace.step + 1}, loss={self.trace.loss:.4f})"


@dataclass
class TrainingStopped(Message):
    """The training loop has nothing more to do, or hit a problem (`reason`)."""

    reason: str = ""
