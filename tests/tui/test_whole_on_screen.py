"""Every number and message on screen is whole, at 120×40, 80×24 and 200×60: after steps
on a sentence that fills the block (15 words) in the tutorial's vocabulary, every panel,
enlarged or not, the dialogs, and the reasons for a pause. Labels may shorten (a parameter
name, the words before a position); numbers and reasons may not."""

from __future__ import annotations

import pytest

from core.training.corpus import load_corpus
from core.training.trainer import Trainer
from tests.tui.conftest import LONG_SENTENCE_WORDS
from tests.tui.drive import cut_numbers, screen_text, text_of, unwrapped, wait_for
from tui.app import DebuggerApp
from tui.screens.main import PANELS
from tui.widgets.status_bar import NoteLine, StatusBar

SIZES = [(120, 40), (80, 24), (200, 60)]


async def three_steps(pilot, app: DebuggerApp) -> None:
    for _ in range(3):
        await pilot.press("space")
    await wait_for(pilot, lambda: app.steps_done == 3 and not app.is_training, 60)
    await pilot.pause()
    assert len(app.trace.words) == LONG_SENTENCE_WORDS + 2  # the sentence fills the block


def whole(app: DebuggerApp, where: str) -> None:
    cut = cut_numbers(screen_text(app))
    assert not cut, f"{where}: numbers cut in\n" + "\n".join(cut)


@pytest.fixture
def app(tutorial_words_corpus_path) -> DebuggerApp:
    return DebuggerApp(
        Trainer(load_corpus(tutorial_words_corpus_path), seed=42), deterministic=True
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_panel_shows_whole_numbers(app, size):
    async with app.run_test(size=size) as pilot:
        await three_steps(pilot, app)
        whole(app, "main screen")
        for key, panel in enumerate(PANELS, start=1):
            await pilot.press(str(key))
            await pilot.pause()
            whole(app, f"panel {panel}")
            await pilot.press("z")
            await pilot.pause()
            whole(app, f"panel {panel} enlarged")
            await pilot.press("z")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_status_shows_every_figure_whole(app, size):
    async with app.run_test(size=size) as pilot:
        await three_steps(pilot, app)
        status = unwrapped(text_of(app.query_one(StatusBar)))
        trace = app.trace
        for figure in (
            "step 3 of 5,000",
            f"sentence {trace.sentence_index + 1:,} of {len(app.session.trainer.sentences):,}",
            f"lr {trace.lr:.6g}",
            f"loss {trace.loss:.4f}",
            "paused",
        ):
            assert figure in status
        assert "…" not in status


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_pause_reason_is_shown_whole(app, size):
    async with app.run_test(size=size) as pilot:
        await pilot.press("u", *"loss > 0", "enter", "escape")
        await pilot.press("g", *"40", "enter")
        await wait_for(pilot, lambda: app.note and not app.is_training, 60)
        await pilot.pause()
        assert "the go-to step 40 stopped at step 1" in app.note
        shown = unwrapped(text_of(app.query_one(NoteLine)))
        assert shown == f"⚠ {app.note}"
        whole(app, "paused by a condition")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_dialogs_show_their_numbers_and_errors_whole(app, size):
    async with app.run_test(size=size) as pilot:
        await three_steps(pilot, app)
        await pilot.press("g")
        await pilot.pause()
        assert "(now 3 of 5,000)" in screen_text(app)
        await pilot.press("escape", "u", *"loss < banana", "enter")
        await pilot.pause()
        error = app.screen.query_one("#until-error")
        shown = unwrapped(text_of(error))
        assert shown.startswith("✗ 'loss < banana' is not a condition") and "…" not in shown
        assert error.region.right <= size[0]
        whole(app, "run-until error")
        await pilot.press("escape", "w", *"token_embedding[nope][0]", "enter")
        await pilot.pause()
        whole(app, "parameter picker")
