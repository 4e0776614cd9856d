"""The ten tasks of a learner fresh from the tutorial's training-loop chapter, at 120×40
and at 80×24, on a corpus in the tutorial's words whose first sentence fills the block.
Each test asserts that what the task needs is on screen, by value (the numbers from the
session's own trace), never by snapshot."""

from __future__ import annotations

import pytest
from textual.color import Color

from core.debugging.runfile import load_run
from core.training.corpus import load_corpus
from core.training.stats import recent_mean
from core.training.trace import RowState
from core.training.trainer import Trainer
from tests.tui.drive import screen_text, text_of, unwrapped, wait_for
from tui.app import DebuggerApp
from tui.screens.main import PANELS
from tui.widgets.status_bar import NoteLine

SIZES = [(120, 40), (80, 24)]
PANEL_KEY = {panel: str(k) for k, panel in enumerate(PANELS, start=1)}


def new_app(corpus_path, **options) -> DebuggerApp:
    trainer = Trainer(load_corpus(corpus_path), seed=42)
    return DebuggerApp(trainer, deterministic=True, **options)


async def steps(pilot, app: DebuggerApp, count: int) -> None:
    target = app.steps_done + count
    for _ in range(count):
        await pilot.press("space")
    await wait_for(pilot, lambda: app.steps_done == target and not app.is_training, 60)
    await pilot.pause()


async def look_at(pilot, app: DebuggerApp, panel: str) -> str:
    """What the learner sees of `panel`: compact, after choosing it; the whole screen."""
    if app.main.compact:
        await pilot.press(PANEL_KEY[panel])
        await pilot.pause()
    return screen_text(app)


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def size(request):
    return request.param


async def test_1_train_a_step_and_read_it(tutorial_words_corpus_path, size):
    app = new_app(tutorial_words_corpus_path)
    async with app.run_test(size=size) as pilot:
        await steps(pilot, app, 1)
        trace = app.trace
        screen = screen_text(app)
        assert "step 1 of 5,000" in screen and f"loss {trace.loss:.4f}" in unwrapped(screen)
        for position in range(trace.n):  # every input and its target, walking with →
            tokens = screen_text(app).splitlines()[:12]
            for i in (position, position + 1):
                assert any(trace.words[i] in line for line in tokens)
                assert any(str(trace.tokens[i]) in line for line in tokens)
            await pilot.press("right")
            await pilot.pause()


async def test_2_find_the_worst_position(tutorial_words_corpus_path, size):
    app = new_app(tutorial_words_corpus_path)
    async with app.run_test(size=size) as pilot:
        await steps(pilot, app, 1)
        trace = app.trace
        worst = trace.worst_position
        shown = await look_at(pilot, app, "predictions")
        assert f"▲{worst}" in shown
        for _ in range(worst):
            await pilot.press("right")
        await pilot.pause()
        row = next(line for line in screen_text(app).splitlines() if f"▲{worst} " in line)
        assert f"{trace.positions[worst].loss:.4f}" in row


async def test_3_explain_the_loss(tutorial_words_corpus_path, size):
    app = new_app(tutorial_words_corpus_path)
    async with app.run_test(size=size) as pilot:
        await steps(pilot, app, 1)
        trace = app.trace
        shown = unwrapped(await look_at(pilot, app, "predictions"))
        terms = " + ".join(f"{p.loss:.2f}" for p in trace.positions)
        assert f"loss = ({terms}) / {trace.n} = {trace.loss_sum:.4f} / {trace.n} = " in shown
        assert f"{trace.loss:.4f}" in shown


async def test_4_find_rows_moved_by_momentum(tutorial_words_corpus_path, size):
    app = new_app(tutorial_words_corpus_path)
    async with app.run_test(size=size) as pilot:
        await steps(pilot, app, 3)
        moved = app.trace.rows_in(RowState.MOMENTUM)
        assert moved > 0
        shown = unwrapped(await look_at(pilot, app, "embeddings"))
        assert f"{moved} moved by momentum" in shown
        assert "• no gradient, moved by momentum" in shown  # the legend says what • is


async def test_5_follow_a_watched_parameter_through_adam(tutorial_words_corpus_path, size):
    app = new_app(tutorial_words_corpus_path)
    async with app.run_test(size=size) as pilot:
        await steps(pilot, app, 2)
        row = app.view.watch_rows()[0]
        assert row.follows and row.entry is not None and row.entry.grad != 0.0
        shown = await look_at(pilot, app, "adam")  # not enlarged
        entry = row.entry
        for number in (entry.update, entry.data_before, entry.data_after):
            assert f"{number:+.3e}" in shown


async def test_6_step_back(tutorial_words_corpus_path, size):
    app = new_app(tutorial_words_corpus_path)
    async with app.run_test(size=size) as pilot:
        await steps(pilot, app, 2)
        first = app.session.losses[0]
        await pilot.press("b")
        await wait_for(pilot, lambda: app.steps_done == 1 and not app.is_training, 60)
        await pilot.pause()
        screen = unwrapped(screen_text(app))
        assert "step 1 of 5,000" in screen and f"loss {first:.4f}" in screen


async def test_7_run_until_the_mean_loss_drops(tutorial_words_corpus_path, size):
    app = new_app(tutorial_words_corpus_path)
    async with app.run_test(size=size) as pilot:
        await pilot.press("u", *"mean < 6.3", "enter", "enter")
        await wait_for(pilot, lambda: app.note.startswith("paused") and not app.is_training, 120)
        await pilot.pause()
        mean = recent_mean(app.session.losses)
        assert mean is not None and mean.value < 6.3
        assert unwrapped(text_of(app.query_one(NoteLine))) == f"⚠ {app.note}"
        assert f"{mean.value:.4f}" in unwrapped(screen_text(app))


async def test_8_go_to_a_step_save_and_resume(tutorial_words_corpus_path, size, tmp_path):
    path = tmp_path / "run.json"
    app = new_app(tutorial_words_corpus_path, run_path=str(path))
    async with app.run_test(size=size) as pilot:
        await pilot.press("g", "5", "enter")
        await wait_for(pilot, lambda: app.steps_done == 5 and not app.is_training, 60)
        await pilot.press("s", "enter")
        await wait_for(pilot, lambda: path.exists() and not app.session.unsaved, 30)
    run = load_run(path)
    resumed = DebuggerApp(run.trainer, deterministic=True, losses=run.losses)
    async with resumed.run_test(size=size) as pilot:
        await pilot.pause()
        said = "resumed at step 5: space trains step 6"
        assert said in unwrapped(screen_text(resumed))
        await steps(pilot, resumed, 1)
        await pilot.press("b")
        await wait_for(pilot, lambda: resumed.steps_done == 5 and not resumed.is_training, 60)
        await pilot.pause()
        assert said in unwrapped(screen_text(resumed))


async def test_9_every_panel_is_reachable_at_this_size(tutorial_words_corpus_path, size):
    app = new_app(tutorial_words_corpus_path)
    async with app.run_test(size=size) as pilot:
        await steps(pilot, app, 1)
        for panel, title in PANELS.items():
            shown = await look_at(pilot, app, panel)
            widget = app.main.query_one(f"#{panel}")
            assert widget.region.height >= 6 and widget.region.width >= 30, panel
            assert (title if panel != "distribution" else "Next word at position") in shown


def luminance(color: Color) -> float:
    """WCAG 2 relative luminance."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(color.r) + 0.7152 * linear(color.g) + 0.0722 * linear(color.b)


def contrast(a: Color, b: Color) -> float:
    """The WCAG contrast ratio of two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_10_project_it_in_class(tutorial_words_corpus_path, size):
    app = new_app(tutorial_words_corpus_path)
    async with app.run_test(size=size) as pilot:
        await steps(pilot, app, 1)
        panel = app.main.query_one("#loss")
        border = panel.styles.border_top[1]
        background = app.screen.styles.background
        assert contrast(background + border, background) >= 3.0  # WCAG, for borders
        await pilot.press(PANEL_KEY["adam"], "z")
        await pilot.pause()
        assert app.main.query_one("#adam").region.width == size[0]
