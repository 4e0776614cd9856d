"""Runs the trainer off the event loop: every call goes to one background thread, in
order, so steps never overlap and nothing reads the model while a step changes it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from core.trace import StepTrace
from core.trainer import Trainer

T = TypeVar("T")


class TrainingRunner:
    """The debugger's handle on a Trainer."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="train")

    async def call(self, fn: Callable[[Trainer], T]) -> T:
        """Run `fn(trainer)` on the training thread, after whatever is queued before it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, self.trainer)

    async def step(self, watch: Sequence[int]) -> StepTrace:
        watched = tuple(watch)
        return await self.call(lambda trainer: trainer.step(watched))

    async def values(self, indices: Sequence[int]) -> dict[int, float]:
        """Current values of some parameters (read between steps)."""
        wanted = tuple(indices)
        return await self.call(
            lambda trainer: {i: float(trainer.model.params.data[i]) for i in wanted}
        )

    def shutdown(self) -> None:
        # A step in flight finishes on its own; don't wait for it to quit.
        self._executor.shutdown(wait=False, cancel_futures=True)
