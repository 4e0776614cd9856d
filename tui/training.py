"""The debugger's training thread: every call goes to one background thread, in order,
so steps never overlap and nothing reads or saves the model while a step changes it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from core.debugging.session_state import SessionState
from core.files.outputs import Output
from core.model.modelfile import save_model
from core.training.trainer import Trainer
from tui.console import TWIN_LOADING

T = TypeVar("T")


class TrainingRunner:
    """One background thread for everything that touches the trainer."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="train")
        self._twin_ready = threading.Event()

    def warm_up_twin(self) -> None:
        """Load the twin engine's kernels on a thread of their own (the first time after
        installing, numba compiles them: up to half a minute), so that the first go-to forward does
        not wait for them. Stepping goes on meanwhile; the kernels touch no trainer."""

        def load() -> None:
            from core.model.twin import warm_up  # imports numba

            try:
                warm_up()
            finally:
                self._twin_ready.set()  # a failure shows on the first fast-forward

        threading.Thread(target=load, name="twin-warm-up", daemon=True).start()

    @property
    def twin_loading(self) -> bool:
        """True while the twin's kernels are being loaded."""
        return not self._twin_ready.is_set()

    def note(self, state: SessionState) -> str:
        """Why the session paused or refused; else, while a go-to waits for the twin's
        kernels (the first run after installing compiles them), that it waits."""
        if not state.reason and state.goal is not None and self.twin_loading:
            return TWIN_LOADING
        return state.reason

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
