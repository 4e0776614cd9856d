"""A trainer with a past: step forward as usual, or go back to any step the history can
reach (restore the snapshot before it, then replay: training is deterministic). The rules
of going back and running until a condition are the Session's; this is the mechanism."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from core.debugging.history import History, HistoryPolicy, Rewind
from core.training.staged_step import StagedStep
from core.training.trace import LightTrace, StepTrace
from core.training.trainer import Trainer


class Timeline:
    """Steps that can be undone."""

    def __init__(
        self,
        trainer: Trainer,
        policy: HistoryPolicy | None = None,
        losses: Sequence[float] = (),
        original_losses: Mapping[int, float] | None = None,
        held_out_losses: Mapping[int, float] | None = None,
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
        self.held_out_losses: dict[int, float] = {}
        """With a held-out set: its loss once k steps are done, for the k it was measured
        at (0: before the first step)."""
        if trainer.held_out_baseline is not None:
            self.held_out_losses = {0: trainer.held_out_baseline}
            self.held_out_losses.update(
                (k, x) for k, x in (held_out_losses or {}).items() if k <= trainer.step_index
            )
        self.history = History(policy or HistoryPolicy())
        self.history.floor = trainer.step_index  # a resumed run cannot go before its start
        self.history.add_snapshot(trainer.snapshot())
        self.weights_before: tuple[int, np.ndarray] | None = None
        """(step, the weights before it) of the last full step begun: what its gradient
        was computed from (a gradient check uses them)."""

    @property
    def steps_done(self) -> int:
        return self.trainer.step_index

    def step(self, watch: Sequence[int] = ()) -> StepTrace:
        self._keep_snapshot()
        self._keep_weights()
        trace = self.trainer.step(watch)
        self.history.add_trace(trace)
        self._record(trace)
        return trace

    def begin_step(self, watch: Sequence[int] = ()) -> StagedStep:
        """The next step, to take a stage at a time (`StagedStep.advance`), then `finish`
        it here. Until its update nothing changed: dropping it (`abandon`) is going back."""
        self._keep_snapshot()
        self._keep_weights()
        return self.trainer.begin_step(watch)

    def finish(self, staged: StagedStep) -> StepTrace:
        """The stages left of a step begun here, recorded as `step` records a step."""
        trace = staged.finish()
        self.history.add_trace(trace)
        self._record(trace)
        return trace

    def light_step(self, watch: Sequence[int] = ()) -> LightTrace:
        """A step on the twin engine: the same state as `step` leaves, with a light trace
        (the history keeps its snapshots; only full traces are kept to show again)."""
        self._keep_snapshot()
        trace = self.trainer.light_step(watch)
        self._record(trace)
        return trace

    def _keep_snapshot(self) -> None:
        """The state before the next step, when the history keeps this one."""
        if self.history.wants_snapshot(self.trainer.step_index):
            self.history.add_snapshot(self.trainer.snapshot())

    def _keep_weights(self) -> None:
        """The weights before a full step (0.5 MB for the tutorial's model)."""
        trainer = self.trainer
        self.weights_before = (trainer.step_index, trainer.model.params.data.copy())

    def _record(self, trace: StepTrace | LightTrace) -> None:
        """A step's loss, and the losses measured once it was done (if they were)."""
        del self.losses[trace.step :]
        self.losses.append(trace.loss)
        if trace.original_loss is not None:
            self.original_losses[trace.step + 1] = trace.original_loss
        if trace.held_out_loss is not None:
            self.held_out_losses[trace.step + 1] = trace.held_out_loss

    def begin_rewind(self, target: int) -> Rewind:
        """Restore the state from which `target` is reached; the caller then steps
        `rewind.replay` times (none when the target's trace was kept)."""
        if not 0 <= target <= self.trainer.step_index:
            raise ValueError(f"step {target} is not behind the current step")
        rewind = self.history.rewind_to(target)
        self.trainer.restore(rewind.state)
        del self.losses[rewind.state.step_index :]
        for measured in (self.original_losses, self.held_out_losses):
            for k in [k for k in measured if k > rewind.state.step_index]:
                del measured[k]
        return rewind
