"""Snapshots of the main screen after three steps (bundled corpus, seed 42), wide and
compact. No timings or clocks are shown in deterministic mode. Snapshots are the most
brittle tests: textual and rich are pinned exactly; after an upgrade, look at the new
screens (`pytest --snapshot-update`, then the report) before accepting them."""

import asyncio
import time

from textual.pilot import Pilot

from core.training.corpus import load_corpus
from core.training.trainer import Trainer
from tui.app import DebuggerApp


def debugger() -> DebuggerApp:
    app = DebuggerApp(Trainer(load_corpus(), seed=42), deterministic=True)
    app.theme = "textual-dark"
    return app


async def three_steps(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, DebuggerApp)
    for _ in range(3):
        await pilot.press("space")
    deadline = time.monotonic() + 30
    while app.steps_done < 3 or app.is_training:
        assert time.monotonic() < deadline, "the three steps did not finish"
        await asyncio.sleep(0.02)
    await pilot.pause()


def test_main_screen_wide_after_three_steps(snap_compare):
    assert snap_compare(debugger(), terminal_size=(120, 40), run_before=three_steps)


def test_main_screen_compact_after_three_steps(snap_compare):
    assert snap_compare(debugger(), terminal_size=(80, 24), run_before=three_steps)


async def walk_into_the_fourth_step(pilot: Pilot) -> None:
    """Three steps, then the fourth walked to its third position, the attention shown."""
    await three_steps(pilot)
    app = pilot.app
    assert isinstance(app, DebuggerApp)
    for key in ("t", "full_stop", "full_stop", "full_stop", "full_stop"):
        await pilot.press(key)
        deadline = time.monotonic() + 30
        while app.is_training:
            assert time.monotonic() < deadline, "the stage did not finish"
            await asyncio.sleep(0.02)
    await pilot.pause()


def test_main_screen_inside_a_step_with_the_attention(snap_compare):
    assert snap_compare(debugger(), terminal_size=(120, 40), run_before=walk_into_the_fourth_step)
