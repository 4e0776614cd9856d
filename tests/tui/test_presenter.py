"""Presenter mode (key p, `--present`): one panel at a time with all the room, its name and
place in its title, a line that narrates the step, tab / shift+tab to turn the panels, a
high-contrast theme; p again puts the layout and the theme back. Also: the themes of the
palette's switcher, and NO_COLOR."""

from __future__ import annotations

import pytest
from textual.widgets import Tab

from core.debugging.narration import Narration, narrate
from core.training.corpus import Corpus, load_corpus
from core.training.trainer import Trainer
from tests.tui.conftest import LONG_SENTENCE_WORDS
from tests.tui.drive import cut_numbers, screen_text, text_of, wait_for
from tui import keys
from tui.app import DebuggerApp
from tui.presenting import PRESENTER_THEME
from tui.screens.goto import GotoScreen
from tui.screens.main import PANELS
from tui.widgets.key_bar import KeyBar
from tui.widgets.narration_line import NarrationLine, pick
from tui.widgets.status_bar import StatusBar

THEME = "textual-dark"  # the theme the app starts in (Textual's default)


@pytest.fixture
def trainer(tiny_corpus: Corpus) -> Trainer:
    return Trainer(tiny_corpus, seed=1)


def make_app(trainer: Trainer, **options) -> DebuggerApp:
    app = DebuggerApp(trainer, deterministic=True, **options)
    app.theme = THEME
    return app


async def settle(pilot, app: DebuggerApp) -> None:
    await wait_for(pilot, lambda: not app.is_training and not app.queued, 60)
    await pilot.pause()


async def press(pilot, app: DebuggerApp, *keys_: str) -> None:
    for key in keys_:
        await pilot.press(key)
        await settle(pilot, app)


def shown_panels(app: DebuggerApp) -> list[str]:
    """The panels on screen (the attention counts as the distribution's slot)."""
    main = app.main
    ids = [*PANELS, "attention"]
    return [i for i in ids if main.query_one(f"#{i}").region.area > 0]


def narration_shown(app: DebuggerApp) -> str:
    return text_of(app.query_one(NarrationLine))


def expected_narration(app: DebuggerApp) -> tuple[str, str]:
    session = app.session
    told = session.progress if session.progress is not None else session.trace
    n = narrate(told, session.state(), session.losses)
    return n.text, n.short


def says(app: DebuggerApp) -> bool:
    """The narration line shows the core's sentence for what the session shows, long or
    short, whole."""
    shown = " ".join(narration_shown(app).split())
    return any(shown in (f"▸ {form}", form) for form in expected_narration(app))


async def test_p_shows_one_panel_named_with_its_place_and_narrates_the_step(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space")
        assert len(shown_panels(app)) == 5  # wide: every panel
        await press(pilot, app, "p")
        assert app.presenting and app.theme == PRESENTER_THEME.name
        assert shown_panels(app) == ["predictions"]
        screen = screen_text(app)
        assert "1 of 5: Predictions" in screen
        assert says(app)
        assert f"Step 1: loss {app.trace.loss:.4f} over {app.trace.n} positions" in screen


async def test_the_narration_follows_a_step_walked_stage_by_stage(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space", "p", "full_stop")
        tokens = len(app.session.progress.tokens)
        assert f"Step 2: sentence 2 of 8 is split into {tokens} tokens" in narration_shown(app)
        assert says(app)
        await press(pilot, app, "full_stop")
        assert "Step 2, position 0: " in narration_shown(app)
        assert says(app)
        assert app.query_one("#stage").region.area == 0  # the narration says it instead


async def test_tab_turns_to_the_next_panel_and_shift_tab_back(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space", "p", "tab")
        assert shown_panels(app) == ["distribution"]
        assert "2 of 5: Distribution · Next word at position 0" in screen_text(app)
        assert "1 of 5: Predictions" not in screen_text(app)
        await press(pilot, app, "tab")
        assert shown_panels(app) == ["loss"]
        assert "3 of 5: Loss" in screen_text(app)
        await press(pilot, app, "shift+tab", "shift+tab", "shift+tab")
        assert shown_panels(app) == ["adam"]  # round the five
        assert "5 of 5: Adam" in screen_text(app)
        await press(pilot, app, "3")  # the number keys still choose
        assert shown_panels(app) == ["loss"]


async def test_the_attention_shows_in_the_distributions_page(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space", "p", "t")
        assert shown_panels(app) == ["attention"]
        assert "2 of 5: Distribution · Attention at position 0" in screen_text(app)


async def test_p_again_puts_the_layout_and_the_theme_back(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space", "p", "tab", "p")
        assert not app.presenting and app.theme == THEME
        assert len(shown_panels(app)) == 5
        assert app.query_one(NarrationLine).region.area == 0
        screen = screen_text(app)
        assert "of 5:" not in screen and "Distribution" not in screen.splitlines()[0]
        await press(pilot, app, "tab")  # tab moves the focus again, as before
        assert app.screen.focused is not None and app.screen.focused.id in PANELS


async def test_a_theme_chosen_while_presenting_stays_after(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "p")
        app.theme = "textual-light"
        await press(pilot, app, "p")
        assert app.theme == "textual-light"


async def test_present_starts_in_presenter_mode(trainer):
    app = make_app(trainer, present=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.presenting and app.theme == PRESENTER_THEME.name
        assert shown_panels(app) == ["predictions"]
        assert narration_shown(app).startswith("▸ Press space to train on the first sentence")


async def test_presenting_the_keys_turn_the_panels_and_p_goes_back(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, app, "space")
        bar = text_of(app.query_one(KeyBar))
        assert "tab Next panel" not in bar  # not presenting: tab moves the focus
        await press(pilot, app, "p")
        bar = text_of(app.query_one(KeyBar))
        assert "tab Next panel" in bar and "p Present" in bar and ". Stage" in bar


def test_the_narration_line_takes_the_long_form_where_it_fits_else_the_short():
    told = Narration("Step 4: the whole of it, in many words", "Step 4: in few")
    assert pick(told, 80) == "▸ Step 4: the whole of it, in many words"
    assert pick(told, 20) == "▸ Step 4: in few"
    assert pick(told, 14) == "Step 4: in few"  # no room for the mark
    assert pick(told, 5) == "Step 4: in few"  # wrapped, whole


async def test_the_present_key_is_in_the_help_and_the_palette():
    assert any(b.action == "toggle_present" for b in keys.described())
    assert "toggle_present" in [action for _, _, action in keys.palette_entries()]


async def test_tab_over_a_dialog_is_the_dialogs(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space", "p", "g")
        await wait_for(pilot, lambda: isinstance(app.screen, GotoScreen))
        await pilot.press("tab")
        await pilot.pause()
        assert app.main.panel == "predictions"
        await pilot.press("escape")


# --- every size: one panel, whole ---


@pytest.fixture
def long_app(tutorial_words_corpus_path) -> DebuggerApp:
    trainer = Trainer(load_corpus(tutorial_words_corpus_path), seed=42)
    return make_app(trainer, present=True)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_panel_fits_the_screen_whole_while_presenting(long_app, size):
    app = long_app
    width, height = size
    async with app.run_test(size=size) as pilot:
        await press(pilot, app, "space", "space", "space")
        assert len(app.trace.words) == LONG_SENTENCE_WORDS + 2  # the sentence fills the block
        for k, pid in enumerate(PANELS, start=1):
            assert shown_panels(app) == [pid]
            panel = app.main.query_one(f"#{pid}").region
            status = app.query_one(StatusBar).region
            bar = app.query_one(KeyBar).region
            # Under the status, the narration and the tokens; above the key bar; the whole
            # width; at least half the screen's height, the rest of it when nothing else is.
            assert panel.x == 0 and panel.width == width
            assert panel.y >= status.bottom and panel.bottom <= bar.y == height - 1
            assert panel.height >= height // 2
            screen = screen_text(app)
            assert f"{k} of 5: {PANELS[pid]}" in screen
            assert not cut_numbers(screen), "\n".join(cut_numbers(screen))
            assert says(app)
            await press(pilot, app, "tab")


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_stage_walked_is_narrated_whole_at_every_size(long_app, size):
    app = long_app
    async with app.run_test(size=size) as pilot:
        await press(pilot, app, "space", "space")
        for _ in range(app.session.trainer.model.config.block_size + 4):  # into the update
            await press(pilot, app, "full_stop")
            assert says(app)
            assert not cut_numbers(screen_text(app))


# --- themes and NO_COLOR ---


@pytest.mark.parametrize("theme", ["textual-light", PRESENTER_THEME.name, "textual-dark"])
async def test_the_main_screen_draws_in_every_theme_with_its_keys_and_figures(trainer, theme):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space")
        app.theme = theme
        await pilot.pause()
        await pilot.pause()
        screen = screen_text(app)
        for shown in ("space Step", "q Quit", "step 1 of 5,000", f"loss {app.trace.loss:.4f}"):
            assert shown in screen
        assert "Predictions" in screen and "Adam" in screen


async def test_the_presenter_theme_is_in_the_palettes_list(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert PRESENTER_THEME.name in app.available_themes
        assert not app.get_theme(PRESENTER_THEME.name).dark  # black on white


async def test_with_no_color_the_focus_and_the_active_tab_read_by_weight(tiny_corpus, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the app is made
    app = make_app(Trainer(tiny_corpus, seed=1))
    assert app.no_color
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space", "4")  # focus the embedding map
        focused = app.screen.focused
        assert focused is not None and focused.id == "embeddings"
        style = focused.styles.border_title_style
        assert style.reverse and style.bold
        assert "space Step" in screen_text(app)
    async with make_app(Trainer(tiny_corpus, seed=1)).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        active = next(t for t in pilot.app.query(Tab) if t.has_class("-active"))
        assert active.styles.text_style.reverse


async def test_with_no_color_presenting_still_narrates(trainer, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(trainer, present=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, app, "space")
        assert says(app) and "1 of 5: Predictions" in screen_text(app)
