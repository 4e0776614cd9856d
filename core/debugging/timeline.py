"""A trainer with a past: step forward as usual, or go back to any step the history can
reach (restore the snapshot before it, then replay: training is deterministic). The rules
of going back and running until a condition are the Session's; this is the mechanism."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.debugging.history import History, HistoryPolicy, Rewind
from core.training.trace import StepTrace
from core.training.trainer import Trainer


class Timeline:
    """Steps that can be undone."""

    def __init__(
        self,
        trainer: Trainer,
        policy: HistoryPolicy | None = None,
        losses: Sequence[float] = (),
        original_losses: Mapping[int, float] | None = None,
    ) -> None:
        self.trainer = trainer
        self.losses = list(losses)[: trainer.step_index]  # the loss of step k at index k
        self.original_losses: dict[int, float] = {}
        """When fine-tuning: the original-corpus loss once k steps are done, for the k it
        was measured at (0: the model as loaded)."""
        if trainer.forgetting is not None:
            self.original_losses = {0: trainer.forgetting.baseline}
            self.original_losses.update(
                (k, x) for k, x in (original_losses or {}).items() if k <= trainer.step_index
            )
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
        if trace.original_loss is not None:
            self.original_losses[trace.step + 1] = trace.original_loss
        return trace

    def begin_rewind(self, target: int) -> Rewind:
        """Restore the state from which `target` is reached; the caller then steps
        `rewind.replay` times (none when the target's trace was kept)."""
        if not 0 <= target <= self.trainer.step_index:
            raise ValueError(f"step {target} is not behind the current step")
        rewind = self.history.rewind_to(target)
        self.trainer.restore(rewind.state)
        del self.losses[rewind.state.step_index :]
        for k in [k for k in self.original_losses if k > rewind.state.step_index]:
            del self.original_losses[k]
        return rewind
