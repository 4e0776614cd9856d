"""The debugger's training thread: every call goes to one background thread, in order,
so steps never overlap and nothing reads or saves the model while a step changes it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from core.files.outputs import Output
from core.model.modelfile import save_model
from core.training.trainer import Trainer

T = TypeVar("T")


class TrainingRunner:
    """One background thread for everything that touches the trainer."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="train")

    async def call(self, fn: Callable[[], T]) -> T:
        """Run `fn()` on the training thread, after whatever is queued before it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn)

    async def values(self, indices: Sequence[int]) -> dict[int, float]:
        """Current values of some parameters (read between steps)."""
        wanted = tuple(indices)
        data = self.trainer.model.params.data
        return await self.call(lambda: {i: float(data[i]) for i in wanted})

    def export(self, output: Output) -> int:
        """Save the model (call it on the training thread); the step it was saved at."""
        save_model(self.trainer.model, output)
        return self.trainer.step_index

    def shutdown(self) -> None:
        # A step in flight finishes on its own; don't wait for it to quit.
        self._executor.shutdown(wait=False, cancel_futures=True)
