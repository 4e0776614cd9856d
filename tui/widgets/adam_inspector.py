"""The Adam inspector: watched parameters followed through the optimizer, one line each,
then the selected one's update and data before → after, and below them every number of
its update written out with the formula that made it.

Drawn with the Line API from a cache rebuilt only when the data, selection, size or
styles change; taller than its panel, it scrolls (the base class says how much is hidden).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from core.training.optimizer import AdamEntry
from tui.views import WatchRow
from tui.widgets.adam_formulas import (
    derivation,
    signed,
    sparklines,
    summary,
    wrap,
    wrap_words,
)
from tui.widgets.line_widget import LineWidget

MARK = "▶"  # before the selected line, so the selection does not rest on colour alone
FOLLOWS = "↻"  # before the watch that follows the sentence
GUTTER = 2  # cells before each name: the selection mark and a space (3: and ↻)
NAME_MIN = 12  # cells kept for names however narrow the panel ("L0.a.q[0][0]")
WAITING = ("(after the next step)", "(after next step)")  # a row with no update yet


def _arrow(before: float, after: float) -> str:
    return f"{signed(before)}→{signed(after)}"


@dataclass(frozen=True)
class _Column:
    title: str
    width: int
    cell: Callable[[AdamEntry], str]


_DATA = _Column("data before→after", 21, lambda e: _arrow(e.data_before, e.data_after))
_GRAD = _Column("grad", 10, lambda e: signed(e.grad))
_M = _Column("m", 10, lambda e: signed(e.m))
_V = _Column("v", 10, lambda e: signed(e.v))
_UPDATE = _Column("update", 10, lambda e: signed(e.update))
_SHOWN_IN_ORDER = (_DATA, _GRAD, _M, _V, _UPDATE)
_KEPT_FIRST = (_M, _V, _GRAD, _UPDATE, _DATA)  # which columns stay (whole) as the panel narrows

Spans = list[tuple[str, Style]]


class AdamInspector(LineWidget, can_focus=True):
    """A watch list of parameters and the Adam arithmetic of the selected one."""

    DEFAULT_CSS = """
    AdamInspector {
        height: 1fr;
        min-height: 4;
        & > .adam-inspector--header { color: $text-muted; text-style: bold; }
        & > .adam-inspector--title { color: $text-accent; text-style: bold; }  /* light too */
        & > .adam-inspector--summary { text-style: bold; }
        & > .adam-inspector--muted { color: $text-muted; }
        & > .adam-inspector--selected {
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .adam-inspector--selected {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "adam-inspector--header",
        "adam-inspector--title",
        "adam-inspector--summary",
        "adam-inspector--muted",
        "adam-inspector--selected",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Previous", show=False),
        Binding("down,j", "cursor_down", "Next", show=False),
        Binding("x", "remove_watch", "Remove watch"),
        Binding("enter", "add_watch", "Add watch", show=False),
    ]

    class RemoveRequested(Message):
        """The learner asked to stop watching a parameter."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index
            """Flat index of the parameter to stop watching."""

    class AddRequested(Message):
        """Enter on an empty list: the learner wants to pick a parameter to watch."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: tuple[WatchRow, ...] = ()
        self._step: int | None = None
        self._cursor = 0
        self._selected: int | None = None  # flat index, which keeps the selection stable
        self._wished: int | None = None  # flat index to select once its row arrives
        self._reveal = False  # scroll the selection into view at the next build
        self._row_at_y: dict[int, int] = {}

    @property
    def selected_index(self) -> int | None:
        """The flat index of the selected parameter (None when nothing is watched)."""
        return self._selected

    def show(self, rows: Sequence[WatchRow], step: int | None) -> None:
        """Show these watched parameters; `step` is the 1-based step their entries are from."""
        rows = tuple(rows)
        if rows == self._rows and step == self._step:
            return  # the app calls this on every refresh: keep the learner's scrolling
        was, cursor = self._rows, self._cursor
        self._rows, self._step = rows, step
        wanted = self._wished if self._wished is not None else self._selected
        where = [i for i, row in enumerate(rows) if row.index == wanted]
        if where and wanted == self._wished:
            self._wished = None
        new = where[0] if where else cursor
        self._select(new, reveal=len(rows) != len(was) or new != cursor)
        if (not was) != (not rows):
            self.refresh_bindings()  # x and enter depend on whether the list is empty

    def select_parameter(self, index: int) -> None:
        """Select the parameter with flat index `index` and bring it into view, now or,
        if it is not in the list yet (a watch just added), when a `show` brings it."""
        where = [i for i, row in enumerate(self._rows) if row.index == index]
        self._wished = None if where else index
        if where:
            self._select(where[0])

    # ---- keys ----

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove_watch":
            return True if self._rows else None
        if action == "add_watch":
            return not self._rows
        return True

    def action_cursor_up(self) -> None:
        self._wished = None  # the learner's own choice wins over a pending one
        self._select(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._wished = None
        self._select(self._cursor + 1)

    def action_remove_watch(self) -> None:
        if self._selected is not None:
            self.post_message(self.RemoveRequested(self._selected))

    def action_add_watch(self) -> None:
        self.post_message(self.AddRequested())

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        y = offset.y + round(self.scroll_offset.y)
        if y in self._row_at_y:
            self._wished = None
            self._select(self._row_at_y[y])

    def _select(self, cursor: int, *, reveal: bool = True) -> None:
        """Select row `cursor` (clamped) and repaint, scrolling it into view if `reveal`."""
        self._cursor = max(0, min(cursor, len(self._rows) - 1))
        self._selected = self._rows[self._cursor].index if self._rows else None
        self._reveal = self._reveal or reveal
        self._invalidate()

    # ---- drawing ----

    def _make_style(self, name: str) -> Style:
        """A component's colour and text style (alpha blended), without its background, so
        that it can lie on the selection's ("": the widget's own style, whole)."""
        if not name:
            return self.rich_style
        full = self.get_component_rich_style(f"adam-inspector--{name}")
        return Style(color=full.color, bold=full.bold, dim=full.dim, italic=full.italic)

    def _build(self, width: int, height: int) -> list[Strip]:
        lines, shown = self._lines(width)  # narrower, from the base, when it scrolls
        base = self._style("")
        selected = self.get_component_rich_style("adam-inspector--selected")
        chosen = {y for y, i in self._row_at_y.items() if i == self._cursor}
        strips = [
            _strip(spans, width, selected if y in chosen else base) for y, spans in enumerate(lines)
        ]
        if self._reveal and height > 0:
            self._reveal = False
            self.keep_in_view(*shown)
        return strips

    def _lines(self, width: int) -> tuple[list[Spans], tuple[int, int]]:
        """The content at `width`, and which lines must be in view for the selection: its
        row to the end of its summary. Sets `_row_at_y`."""
        self._row_at_y = {}
        caption = "Adam" if self._step is None else f"Adam · step {self._step}"
        if not self._rows:
            hint = "no watched parameters: press w to add one"
            lines: list[Spans] = [[(caption, self._style("header"))]]
            return lines + self._muted(wrap_words(hint, width)), (0, 1)
        gutter = GUTTER + any(row.follows for row in self._rows)
        name_width, columns = _layout(width, [row.name for row in self._rows], gutter)
        if not any(row.entry for row in self._rows):
            columns = []  # no numbers yet: no titles over empty columns, and names make
            value = len(" = ") + len(signed(0.0))  # room for the value beside them
            longest = max(cell_len(row.name) for row in self._rows)
            name_width = max(NAME_MIN, min(longest, width - gutter - value))
        room = gutter + name_width if columns else width
        options = [caption] if self._step is None else [caption, f"step {self._step}"]
        text = next((t for t in options if cell_len(t) <= room), "")  # a step number whole
        header = text + " " * max(0, room - cell_len(text))
        header += "".join(" " + c.title.rjust(c.width) for c in columns)
        lines = [[(header, self._style("header"))]]
        selected_y = 0
        for i, row in enumerate(self._rows):
            if i == self._cursor:
                selected_y = len(lines)
            follow = (FOLLOWS if row.follows else " ") if gutter > GUTTER else ""
            marks = (MARK if i == self._cursor else " ") + follow + " "
            for spans in self._row_lines(row, marks, name_width, columns, width):
                self._row_at_y[len(lines)] = i
                lines.append(spans)
        detail, head = self._detail(width)
        return lines + detail, (selected_y, len(lines) + head - 1)

    def _row_lines(
        self, row: WatchRow, marks: str, name_width: int, columns: list[_Column], width: int
    ) -> list[Spans]:
        """The row's line (two, if a value and its hint do not fit on one); `marks` go
        before the name."""
        plain = Style()
        name = marks + _pad(shorten(row.name, name_width), name_width)
        if row.entry is not None:
            entry = row.entry
            return [
                [(name, plain)] + [(" " + c.cell(entry).rjust(c.width), plain) for c in columns]
            ]
        lines = [[(name, plain)]]
        if row.value is not None:
            lines = _after(lines, f"= {signed(row.value)}", plain, width, gap=" ")
        for hint in WAITING:  # the shorter hint where the longer one would wrap
            if _fits(lines[-1], hint, width):
                return _after(lines, hint, self._style("muted"), width)
        return _after(lines, WAITING[0], self._style("muted"), width)

    def _detail(self, width: int) -> tuple[list[Spans], int]:
        """The selected parameter: its title, the update and data before → after, then every
        number of the update with its formula, then m and v over the last steps; and how
        many of these lines are its head (title and summary), to be kept in view."""
        row = self._rows[self._cursor]
        follow = FOLLOWS + " " if row.follows else ""
        title = f"── {follow}{shorten(row.name, max(1, width - 5 - len(follow)))} "
        lines: list[Spans] = [
            [(title + "─" * max(0, width - cell_len(title)), self._style("title"))]
        ]
        entry = row.entry
        if entry is None:
            if row.value is not None:
                lines += self._plain(wrap("value", [f"= {signed(row.value)}"], width))
            note = "m, v and the update appear after the next step"
            return lines + self._muted(wrap_words(note, width)), len(lines)
        lines += [[(text, self._style("summary"))] for text in summary(entry, width)]
        head = len(lines)
        lines += self._plain(derivation(entry, self._step, width))
        return lines + self._muted(sparklines(row.m_history, row.v_history, width)), head

    def _plain(self, texts: list[str]) -> list[Spans]:
        return [[(text, Style())] for text in texts]

    def _muted(self, texts: list[str]) -> list[Spans]:
        return [[(text, self._style("muted"))] for text in texts]


def _fits(line: Spans, text: str, width: int, gap: str = "  ") -> bool:
    return sum(cell_len(t) for t, _ in line) + len(gap) + cell_len(text) <= width


def _after(lines: list[Spans], text: str, style: Style, width: int, gap: str = "  ") -> list[Spans]:
    """`text` after the last line, or on a line of its own under the name if it won't fit."""
    if _fits(lines[-1], text, width, gap):
        return [*lines[:-1], [*lines[-1], (gap + text, style)]]
    return [*lines, [(" " * (GUTTER + 2) + text, style)]]  # indented under the name


def _layout(width: int, names: list[str], gutter: int) -> tuple[int, list[_Column]]:
    """How wide the names are and which number columns fit beside them."""
    room = width - gutter - NAME_MIN
    kept = []
    for column in _KEPT_FIRST:
        if column.width + 1 <= room:
            kept.append(column)
            room -= column.width + 1
    columns = [c for c in _SHOWN_IN_ORDER if c in kept]
    longest = max(cell_len(name) for name in names)
    numbers = sum(c.width + 1 for c in columns)
    return max(NAME_MIN, min(longest, width - gutter - numbers)), columns


# Shorter spellings of matrix names, tried in turn until a name fits its column.
_SHORTER = (
    (("token_embedding", "tok_emb"), ("position_embedding", "pos_emb"), ("layers.", "L")),
    (("attention.", "att."), ("tok_emb", "tok"), ("pos_emb", "pos"), ("hidden", "hid")),
    ((".query", ".q"), (".key", ".k"), (".value", ".v"), (".output", ".out")),
    (("att.", "a."), ("mlp.", "m."), ("hid", "h"), (".out", ".o")),
)


def shorten(name: str, width: int) -> str:
    """`name` in at most `width` cells: the matrix part abbreviated (`L0.att.q[2][3]`), then
    cut, keeping `[row][column]` whole where it fits."""
    if cell_len(name) <= width:
        return name
    cut = name.find("[")
    matrix, where = (name[:cut], name[cut:]) if cut > 0 else (name, "")
    for step in _SHORTER:
        for long, short in step:
            matrix = matrix.replace(long, short)
        if cell_len(matrix + where) <= width:
            return matrix + where
    if cell_len(where) + 2 <= width:
        return _cut(matrix, width - cell_len(where) - 1) + "…" + where
    return _cut(matrix + where, width - 1) + "…"


def _cut(text: str, width: int) -> str:
    """The first `width` characters of `text`, less any digits, points or brackets they
    end on: an ellipsis never touches a number."""
    return text[:width].rstrip("0123456789.[]")


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def _strip(spans: Spans, width: int, base: Style) -> Strip:
    segments = [Segment(text, base + style) for text, style in spans]
    return Strip(segments).adjust_cell_length(width, base)
