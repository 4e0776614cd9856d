"""The debugger opened on a trained model and our questions, as `microgpt --model FILE
--fine-tune` opens it: it steps, shows the original-corpus loss beside the fine-tuning
loss (status and chart), the map's rows the questions never touch, and a run until the
original loss rises pauses there."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from core.training.forgetting import EVERY
from core.training.trace import RowState
from tests.tui.drive import text_of, unwrapped, wait_for
from tui.app import DebuggerApp
from tui.cli import main, parse_args
from tui.commands.start import start_run


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "trained.json"
    assert main(["train", "--stop-after", "2", "--save", str(path)]) == 0
    return path


def fine_tuning_app(trained, *more: str) -> DebuggerApp:
    args = parse_args(["--model", str(trained), "--fine-tune", *more])
    started = start_run(args, Console(file=io.StringIO()))
    return DebuggerApp(started.trainer, deterministic=True)


async def go_to(pilot, app: DebuggerApp, step: int) -> None:
    await pilot.press("g", *str(step), "enter")
    await wait_for(pilot, lambda: app.steps_done == step and not app.is_training, 120)
    await pilot.pause()


async def test_it_steps_and_shows_both_losses(trained):
    app = fine_tuning_app(trained)
    async with app.run_test(size=(120, 40)) as pilot:
        baseline = app.session.trainer.forgetting.baseline
        assert f"original corpus {baseline:.4f} (before fine-tuning)" in unwrapped(
            text_of(app.main.query_one("#status"))
        )
        await pilot.press("space")
        await wait_for(pilot, lambda: app.steps_done == 1 and not app.is_training, 60)
        await go_to(pilot, app, EVERY)
        original = app.session.original_losses[EVERY]
        status = unwrapped(text_of(app.main.query_one("#status")))
        assert f"fine-tuning step {EVERY} of 1,000" in status and "lr 0.00" in status
        assert f"loss {app.session.losses[-1]:.4f}" in status
        rise = original - baseline
        assert f"original corpus {original:.4f} ({rise:+.4f} at step {EVERY})" in status
        legend = unwrapped(text_of(app.main.query_one("#loss")))
        assert "◆" in legend and f"original {original:.2f}" in legend


async def test_the_map_shows_the_rows_the_questions_never_touch(trained):
    app = fine_tuning_app(trained)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.trace is not None, 60)
        await pilot.pause()
        outside = app.session.trace.rows_in(RowState.OUTSIDE)
        assert outside > 300
        text = unwrapped(text_of(app.main.query_one("#embeddings")))
        assert f"{outside} not in this corpus: fine-tuning never touches them" in text
        assert "- not a word of this corpus" in text


async def test_running_until_the_original_loss_rises_pauses_where_it_was_measured(trained):
    # Measured first after EVERY steps; a limit just under the rise measured there must
    # let the run go on until then, and pause it there.
    probe = fine_tuning_app(trained).session.trainer
    baseline = probe.forgetting.baseline
    traces = [probe.step() for _ in range(EVERY)]
    rise = traces[-1].original_rise
    limit = f"{rise - 1e-6:.6f}"
    app = fine_tuning_app(trained)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        await pilot.press(*f"forgetting > {limit}", "enter", "enter")
        await wait_for(pilot, lambda: app.session.state().reason != "" and not app.is_training, 120)
        await pilot.pause()
        assert app.steps_done == EVERY
        assert app.session.original_losses[EVERY] == baseline + rise
        note = unwrapped(text_of(app.main.query_one("#status-note")))
        assert f"rose by {rise:.4f} > {float(limit):g}" in note
