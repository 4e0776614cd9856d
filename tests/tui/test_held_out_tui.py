"""The held-out loss in the debugger: in the status line from the start, on the loss chart
as a series of its own, and now, on demand, with h (which changes nothing of the run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from drive import text_of, unwrapped, wait_for
from textual.pilot import Pilot

from core.training.corpus import Corpus
from core.training.heldout import HeldOut, HeldOutReading
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer
from tui import keys
from tui.app import DebuggerApp
from tui.screens.help import HelpScreen
from tui.widgets.key_bar import KeyBar

HELD_OUT = ["the dog eats a muffin", "a cat runs to the park", "the cat sees the big dog"]


@pytest.fixture
def held_out_trainer(tiny_corpus: Corpus, tmp_path: Path) -> Trainer:
    path = tmp_path / "held.txt"
    path.write_text("\n".join(HELD_OUT) + "\n")
    plain = Trainer(tiny_corpus, seed=1)
    held_out = HeldOut.read(path, plain.tokenizer, tiny_corpus.path)
    schedule = AdamConfig(num_steps=50)
    return Trainer(tiny_corpus, 1, schedule, held_out=held_out, held_out_every=2)


def status_of(app: DebuggerApp) -> str:
    return unwrapped(text_of(app.main.query_one("#status")))


async def steps(pilot: Pilot, app: DebuggerApp, count: int) -> None:
    for _ in range(count):
        await pilot.press("space")
    await wait_for(pilot, lambda: app.steps_done == count and not app.is_training)
    await pilot.pause()


async def test_the_status_gives_the_held_out_loss_before_the_first_step(held_out_trainer):
    app = DebuggerApp(held_out_trainer, deterministic=True)
    async with app.run_test(size=(120, 40)):
        baseline = held_out_trainer.held_out_baseline
        assert f"held-out {baseline:.4f} (before training)" in status_of(app)


async def test_the_status_gives_the_latest_measurement_and_its_step(held_out_trainer):
    app = DebuggerApp(held_out_trainer, deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 3)
        measured = app.session.held_out_losses[2]
        assert f"held-out {measured:.4f} (step 2)" in status_of(app)


async def test_h_shows_the_loss_now_and_changes_nothing_of_the_run(held_out_trainer):
    app = DebuggerApp(held_out_trainer, deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 3)
        session = app.session
        before = (list(session.losses), dict(session.held_out_losses), session.unsaved)
        weights = held_out_trainer.model.params.data.copy()
        await pilot.press("h")
        await wait_for(
            pilot, lambda: session.held_out_reading is not None and not app.view.evaluating
        )
        await pilot.pause()
        assert held_out_trainer.held_out is not None
        now = held_out_trainer.held_out.loss(held_out_trainer.model)
        assert session.held_out_reading == HeldOutReading(3, now, asked=True)
        assert f"held-out {now:.4f} (step 3, on demand)" in status_of(app)
        assert (list(session.losses), dict(session.held_out_losses), session.unsaved) == before
        assert (held_out_trainer.model.params.data == weights).all() and app.steps_done == 3


async def test_h_works_at_80_by_24(held_out_trainer):
    app = DebuggerApp(held_out_trainer, deterministic=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await steps(pilot, app, 1)
        await pilot.press("h")
        await wait_for(pilot, lambda: app.session.held_out_reading is not None)
        await wait_for(pilot, lambda: "(step 1, on demand)" in status_of(app))


async def test_h_without_a_held_out_set_says_how_to_get_one(tiny_corpus):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("h")
        await pilot.pause()
        assert any("--eval FILE" in n.message for n in app._notifications)
        assert app.session.held_out_reading is None and "held-out" not in status_of(app)


async def test_the_loss_chart_draws_the_held_out_series_with_its_legend(held_out_trainer):
    app = DebuggerApp(held_out_trainer, deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 4)
        chart = unwrapped(text_of(app.main.query_one("#loss")))
        latest = app.session.held_out_losses[4]
        assert f"■ held-out {latest:.2f}" in chart or f"■ held-out loss {latest:.2f}" in chart


async def test_h_is_in_the_help_the_palette_and_a_wide_key_bar(held_out_trainer):
    assert any(b.key == "h" and b.action == "evaluate_held_out" for b in keys.described())
    titles = {title for title, _, _ in keys.palette_entries()}
    assert "Evaluate the held-out loss" in titles
    app = DebuggerApp(held_out_trainer, deterministic=True)
    async with app.run_test(size=(160, 40)) as pilot:
        assert "h Held-out" in text_of(app.main.query_one(KeyBar))
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "the held-out loss now" in " ".join(
            text_of(app.screen.query_one("#help-keys")).split()
        )
