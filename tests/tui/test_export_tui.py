"""Exporting from the debugger: l writes the run's steps as JSON lines (the format of
`train --log-jsonl`), k an SVG screenshot named for the step; neither replaces a file it
must not."""

from __future__ import annotations

import json

from drive import wait_for
from textual.pilot import Pilot

from core.training.trainer import Trainer
from tui.app import DebuggerApp
from tui.widgets.status_bar import StatusBar


async def steps(pilot: Pilot, app: DebuggerApp, count: int) -> None:
    for _ in range(count):
        await pilot.press("space")
    await wait_for(pilot, lambda: app.steps_done == count and not app.queued)
    await pilot.pause()


async def test_l_exports_a_line_per_step_with_the_steps_losses(tiny_corpus, tmp_path):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    log = tmp_path / "steps.jsonl"
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 3)
        await pilot.press("l", "ctrl+u", *str(log), "enter")
        await wait_for(pilot, log.exists)
        await wait_for(
            pilot, lambda: any("exported the steps" in n.message for n in app._notifications)
        )
        lines = [json.loads(x) for x in log.read_text().splitlines()]
        assert [x["step"] for x in lines] == [1, 2, 3]
        assert [x["loss"] for x in lines] == app.session.losses
        assert lines[-1]["sentence"] == app.trace.sentence


async def test_l_refuses_to_replace_a_file_that_is_not_a_log(tiny_corpus, tmp_path):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        await pilot.press("l", "ctrl+u", *str(notes), "enter")
        await pilot.pause()
        assert "will not overwrite" in str(app.screen.query("#path-error").first().render())
    assert notes.read_text() == "my notes\n"


async def test_k_saves_an_svg_named_for_the_step_and_never_replaces_one(
    tiny_corpus, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 2)
        await pilot.press("k")
        first = tmp_path / "microgpt-step-2.svg"
        await wait_for(pilot, first.exists)
        await pilot.press("k")
        second = tmp_path / "microgpt-step-2-2.svg"
        await wait_for(pilot, second.exists)
        status = app.query_one(StatusBar)
        assert "step 2" in str(status.render())
    svg = first.read_text()
    assert svg.lstrip().startswith("<svg") and "step" in svg
