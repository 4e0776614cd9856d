"""A trainer with a past: step forward as usual, or go back to any step the history can
reach (restore the snapshot before it, then replay: training is deterministic). The rules
of going back and running until a condition are the Session's; this is the mechanism."""

from __future__ import annotations

from collections.abc import Sequence

from core.debugging.history import History, HistoryPolicy, Rewind
from core.training.trace import StepTrace
from core.training.trainer import Trainer


class Timeline:
    """Steps that can be undone."""

    def __init__(
        self, trainer: Trainer, policy: HistoryPolicy | None = None, losses: Sequence[float] = ()
    ) -> None:
        self.trainer = trainer
        self.losses = list(losses)[: trainer.step_index]  # the loss of step k at index k
        self.history = History(policy or HistoryPolicy())
        self.history.floor = trainer.step_index  # a resumed run cannot go before its start
        self.history.add_snapshot(trainer.snapshot())

    @property
    def steps_done(self) -> int:
        return self.trainer.step_index

    def step(self, watch: Sequence[int] = ()) -> StepTrace:
        if self.history.wants_snapshot(self.trainer.step_index):
            self.history.add_snapshot(self.trainer.snapshot())
        trace = self.trainer.step(watch)
        self.history.add_trace(trace)
        del self.losses[trace.step :]
        self.losses.append(trace.loss)
        return trace

    def begin_rewind(self, target: int) -> Rewind:
        """Restore the state from which `target` is reached; the caller then steps
        `rewind.replay` times (none when the target's trace was kept)."""
        if not 0 <= target <= self.trainer.step_index:
            raise ValueError(f"step {target} is not behind the current step")
        rewind = self.history.rewind_to(target)
        self.trainer.restore(rewind.state)
        del self.losses[rewind.state.step_index :]
        return rewind
