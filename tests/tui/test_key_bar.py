"""The key bar: the screen's keys on one line, whole, the least important left out first."""

from typing import ClassVar

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget

from tui import keys
from tui.widgets.embedding_map import EmbeddingGradMap
from tui.widgets.key_bar import KeyBar

MOVE = Binding.Group("Move")


class Grid(Widget, can_focus=True):
    """A focusable stand-in with keys of its own, a group among them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Left", group=MOVE),
        Binding("right", "move(1)", "Right", group=MOVE),
        Binding("up", "move(-9)", "Up", group=MOVE),
        Binding("down", "move(9)", "Down", group=MOVE),
        Binding("x", "remove", "Remove"),
    ]


class Harness(App[None]):
    AUTO_FOCUS = None  # the grid gets focus only when a test gives it
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,n", "press('step')", "Step"),
        Binding("b", "press('step_back')", "Back"),
        Binding("r", "press('toggle_run')", "Run", tooltip="run, or pause"),
        Binding("u", "press('run_until')", "Until"),
        Binding("g", "press('goto')", "Go to"),
        Binding("w", "press('add_watch')", "Watch"),
        Binding("e", "press('toggle_embedding_mode')", "Map"),
        Binding("z", "press('toggle_enlarged')", "Enlarge"),
        Binding("s", "save_run", "Save"),
        Binding("m", "press('export_model')", "Model"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "press('quit')", "Quit"),
        Binding("y", "press('confirm_quit')", "Yes", show=False),
    ]
    # Ranked by the name inside press('...'), as the debugger's actions would be.
    PRIORITY: ClassVar[dict[str, int]] = {
        "press('step')": 0,
        "press('step_back')": 0,
        "press('toggle_run')": 0,
        "press('goto')": 0,
        "press('quit')": 0,
        "help": 0,
        "press('run_until')": 1,
        "press('toggle_enlarged')": 1,
        "press('add_watch')": 2,
        "save_run": 2,
    }

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []
        self.saved = False

    def compose(self) -> ComposeResult:
        yield Grid()
        yield KeyBar(self.PRIORITY)

    def action_press(self, name: str) -> None:
        self.pressed.append(name)

    def action_help(self) -> None:
        self.pressed.append("help")

    def action_save_run(self) -> None:
        self.pressed.append("save_run")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "save_run" and self.saved else True


def bar_text(bar: KeyBar) -> str:
    return "".join(segment.text for segment in bar.render_line(0)).rstrip()


async def shown(width: int, focus: bool = False) -> str:
    app = Harness()
    async with app.run_test(size=(width, 10)) as pilot:
        if focus:
            app.query_one(Grid).focus()
        await pilot.pause()
        return bar_text(app.query_one(KeyBar))


@pytest.mark.parametrize("width", [40, 80, 120])
async def test_every_entry_shown_is_whole_and_apart_from_the_next(width):
    app = Harness()
    async with app.run_test(size=(width, 10)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        text = bar_text(bar)
        placed = bar.fitted().placed
        assert placed
        for column, entry in placed:
            assert text[column : column + len(entry.text)] == entry.text
            assert text[column + len(entry.text) : column + len(entry.text) + 1] in ("", " ")
        assert len(text) <= width - 2  # inside its padding


async def test_at_120_columns_every_key_shows_two_spaces_apart_with_the_palette():
    assert await shown(120) == (
        "space Step  b Back  r Run  u Until  g Go to  w Watch  e Map  z Enlarge  s Save"
        "  m Model  ? Help  q Quit" + " " * 5 + "^p palette"
    )


async def test_at_80_columns_the_least_important_keys_are_left_out_first():
    assert await shown(80) == (
        "space Step b Back r Run u Until g Go to w Watch z Enlarge q Quit ? More keys"
    )


async def test_at_40_columns_core_keys_stay_and_help_says_there_are_more():
    assert await shown(40) == "space Step b Back r Run ? More keys"


async def test_a_group_shows_as_one_entry_with_the_groups_label():
    text = await shown(120, focus=True)
    assert text.startswith("← → ↑ ↓ Move x Remove space Step")
    assert text.count("Move") == 1 and "Left" not in text


async def test_focusing_a_widget_puts_its_keys_first_and_keeps_them():
    text = await shown(80, focus=True)
    own = "← → ↑ ↓ Move x Remove"
    assert text == f"{own} space Step b Back r Run g Go to q Quit ? More keys"


async def test_an_action_with_two_keys_shows_its_first():
    text = await shown(120)
    assert "space Step" in text and "n Step" not in text


async def test_a_disabled_binding_is_dimmed_once_bindings_refresh():
    app = Harness()
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)

        def save_styles() -> list[Style]:
            segments = list(bar.render_line(0))
            return [s.style for s in segments if s.text in ("s", " Save") and s.style]

        assert not any(style.dim for style in save_styles())
        app.saved = True
        app.refresh_bindings()
        await pilot.pause()
        assert len(save_styles()) == 2 and all(style.dim for style in save_styles())


async def test_clicking_an_entry_presses_its_key():
    app = Harness()
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        column = bar_text(app.query_one(KeyBar)).index("r Run")
        await pilot.click(KeyBar, offset=(1 + column + 3, 0))  # on "Run", past the padding
        await pilot.click(KeyBar, offset=(1 + column, 0))  # on "r"
        assert app.pressed == ["toggle_run", "toggle_run"]


async def test_clicking_a_disabled_entry_presses_nothing():
    app = Harness()
    app.saved = True
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        column = bar_text(app.query_one(KeyBar)).index("s Save")
        await pilot.click(KeyBar, offset=(1 + column, 0))
        assert app.pressed == []


async def test_hovering_an_entry_shows_its_tooltip():
    app = Harness()
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        column = bar_text(bar).index("r Run")
        await pilot.hover(KeyBar, offset=(1 + column, 0))
        assert bar.tooltip == "run, or pause"
        await pilot.hover(KeyBar, offset=(1 + bar_text(bar).index("b Back"), 0))
        assert bar.tooltip == "Back"


class Debugger(App[None]):
    """The debugger's own keys, with a stand-in for the focused embedding map."""

    BINDINGS = keys.BINDINGS

    def compose(self) -> ComposeResult:
        yield MapStandIn()
        yield KeyBar()


class MapStandIn(Widget, can_focus=True):
    BINDINGS = EmbeddingGradMap.BINDINGS


async def test_the_debuggers_core_keys_stay_whole_at_80_columns_with_the_map_focused():
    app = Debugger()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(MapStandIn).focus()
        await pilot.pause()
        text = bar_text(app.query_one(KeyBar))
        assert text.startswith("← → ↑ ↓ Move ")
        for entry in ("space Step", "b Back", "r Run", "g Go to", "q Quit", "? More keys"):
            assert f" {entry}" in text, entry
