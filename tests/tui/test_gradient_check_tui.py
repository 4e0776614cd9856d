"""The gradient check in the debugger: c checks the selected watched parameter and shows
the engine's gradient beside the slope, k a sample of its matrix; the run is unchanged;
it reads whole at 80×24; its keys are in the help and the palette."""

from __future__ import annotations

import pytest
from drive import cut_numbers, open_screen, screen_text, text_of, wait_for
from textual.pilot import Pilot

from core.training.corpus import Corpus
from core.training.trainer import Trainer
from tui import keys
from tui.app import DebuggerApp
from tui.screens.gradient_check import GradientCheckScreen
from tui.screens.gradient_origin import GradientOriginScreen
from tui.screens.help import HelpScreen

REPORTS = [("c", GradientCheckScreen), ("f", GradientOriginScreen)]  # keys with a report


async def settle(pilot: Pilot, app: DebuggerApp) -> None:
    await wait_for(pilot, lambda: not app.is_training)
    await pilot.pause()


async def open_check(pilot: Pilot, app: DebuggerApp, key: str = "c") -> GradientCheckScreen:
    return await open_screen(pilot, app, key, GradientCheckScreen)


async def test_c_shows_the_engines_gradient_beside_the_slope(tiny_corpus: Corpus):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        await settle(pilot, app)
        trace, weights = app.session.trace, app.session.trainer.model.params.data.copy()
        assert trace is not None
        screen = await open_check(pilot, app)
        watched = trace.watched[0]  # the follower, selected first
        text = " ".join(text_of(screen.query_one("#check-report")).split())
        assert f"✓ {watched.name}" in text and "agrees" in text
        assert f"engine {watched.adam.grad:+.9e}" in text
        assert screen.report.checks[0].engine == watched.adam.grad
        screen = await open_check(pilot, app, "k")
        assert len(screen.report.checks) == 8
        assert "of 8 agree" in " ".join(text_of(screen.query_one("#check-report")).split())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, GradientCheckScreen)
        assert app.session.trace is trace and app.steps_done == 1
        assert (app.session.trainer.model.params.data == weights).all()


@pytest.mark.parametrize(("key", "screen"), REPORTS)
async def test_the_report_reads_whole_at_80_by_24(tiny_corpus: Corpus, key: str, screen: type):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        await settle(pilot, app)
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, screen))
        await pilot.pause()
        assert cut_numbers(screen_text(app)) == []


@pytest.mark.parametrize(("key", "screen"), REPORTS)
async def test_the_key_with_nothing_watched_says_what_to_do(
    tiny_corpus: Corpus, key: str, screen: type
):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True, watch=[], follow=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, screen)
        message = f"watch a parameter first (w): {key} uses the selected one"
        assert any(message in n.message for n in app._notifications)


async def test_the_check_key_is_in_the_help_and_the_palette(tiny_corpus: Corpus):
    assert any(b.key == "c" and b.action == "check_gradient" for b in keys.described())
    assert "Gradient check of the watched parameter" in {t for t, _, _ in keys.palette_entries()}
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "gradient check" in " ".join(text_of(app.screen.query_one("#help-keys")).split())
