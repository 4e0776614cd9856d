"""Runs the training off the event loop: every call goes to one background thread, in
order, so steps never overlap and nothing reads the model while a step changes it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from core.debugging.history import HistoryPolicy, Rewind
from core.debugging.runfile import save_run
from core.debugging.timeline import Timeline
from core.files.outputs import Output
from core.model.modelfile import save_model
from core.training.trace import StepTrace
from core.training.trainer import Trainer

T = TypeVar("T")


class TrainingRunner:
    """The debugger's handle on a training run (a Trainer with its history)."""

    def __init__(
        self, trainer: Trainer, policy: HistoryPolicy | None = None, losses: Sequence[float] = ()
    ) -> None:
        self.timeline = Timeline(trainer, policy, losses)
        self.trainer = trainer
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="train")

    async def call(self, fn: Callable[[], T]) -> T:
        """Run `fn()` on the training thread, after whatever is queued before it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn)

    async def step(self, watch: Sequence[int]) -> StepTrace:
        watched = tuple(watch)
        return await self.call(lambda: self.timeline.step(watched))

    async def rewind(self, target: int) -> Rewind:
        """Restore the state from which step `target` is reached (see Timeline)."""
        return await self.call(lambda: self.timeline.begin_rewind(target))

    async def values(self, indices: Sequence[int]) -> dict[int, float]:
        """Current values of some parameters (read between steps)."""
        wanted = tuple(indices)
        data = self.trainer.model.params.data
        return await self.call(lambda: {i: float(data[i]) for i in wanted})

    async def save_run(
        self, output: Output, watch: Sequence[str], conditions: Sequence[str]
    ) -> int:
        """Save between two steps, with the losses of exactly the steps done; the step
        saved at."""

        def save() -> int:
            save_run(output, self.trainer, watch, conditions, self.timeline.losses)
            return self.trainer.step_index

        return await self.call(save)

    async def export_model(self, output: Output) -> int:
        def export() -> int:
            save_model(self.trainer.model, output)
            return self.trainer.step_index

        return await self.call(export)

    def shutdown(self) -> None:
        # A step in flight finishes on its own; don't wait for it to quit.
        self._executor.shutdown(wait=False, cancel_futures=True)
