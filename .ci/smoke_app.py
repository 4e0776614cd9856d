"""Start the installed debugger headless, take a step and quit: proves the wheel carries
the screens, widgets, styles and corpus the app needs. Run from outside the checkout."""

import asyncio
import sys

from core.training.corpus import load_corpus
from core.training.trainer import Trainer
from tui.app import DebuggerApp


async def main() -> int:
    app = DebuggerApp(Trainer(load_corpus(), seed=42))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        for _ in range(500):  # up to 10 s for the step
            if app.steps_done == 1:
                break
            await pilot.pause(0.02)
        await pilot.press("q")
    print(f"the installed debugger started, took {app.steps_done} step and quit")
    return 0 if app.steps_done == 1 else 1


sys.exit(asyncio.run(main()))
