"""The Adam inspector: watched parameters followed through the optimizer, one line each,
then every number of the selected one's update written out with the formula that made it.

Drawn with the Line API from a cache rebuilt only when the data, selection, size or
styles change, so the app can call `show` several times a second while training runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from core.training.optimizer import AdamEntry
from tui.views import WatchRow
from tui.widgets.line_widget import LineWidget

MARK = "▶ "  # before the selected line, so the selection does not rest on colour alone
NAME_MIN = 14  # cells kept for names however narrow the panel
LABEL = 6  # cells of the detail block's labels ("update", "1−β1^t")
BARS = "▁▂▃▄▅▆▇█"


def signed(x: float) -> str:
    return f"{x:+.3e}"


def unsigned(x: float) -> str:  # for the learning rate and √v̂
    return f"{x:.3e}"


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
_KEPT_FIRST = (_M, _V, _GRAD, _UPDATE, _DATA)  # which columns stay when the panel narrows

Spans = list[tuple[str, Style]]


class AdamInspector(LineWidget, can_focus=True):
    """A watch list of parameters and the Adam arithmetic of the selected one."""

    DEFAULT_CSS = """
    AdamInspector {
        height: 1fr;
        min-height: 4;
        & > .adam-inspector--header { color: $text-muted; text-style: bold; }
        & > .adam-inspector--title { color: $accent; text-style: bold; }
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
        self._top = 0  # first list row drawn when not all of them fit
        self._row_at_y: dict[int, int] = {}
        self._shape: tuple[int, bool | None] = (0, None)  # rows, detail kind: what sets height

    @property
    def selected_index(self) -> int | None:
        """The flat index of the selected parameter (None when nothing is watched)."""
        return self._selected

    def show(self, rows: Sequence[WatchRow], step: int | None) -> None:
        """Show these watched parameters; `step` is the 1-based step their entries are from."""
        was_empty = not self._rows
        self._rows, self._step = tuple(rows), step
        where = [i for i, row in enumerate(self._rows) if row.index == self._selected]
        self._select(where[0] if where else self._cursor)
        if was_empty != (not self._rows):
            self.refresh_bindings()  # x and enter depend on whether the list is empty

    # ---- keys ----

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove_watch":
            return True if self._rows else None
        if action == "add_watch":
            return not self._rows
        return True

    def action_cursor_up(self) -> None:
        self._select(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._select(self._cursor + 1)

    def action_remove_watch(self) -> None:
        if self._selected is not None:
            self.post_message(self.RemoveRequested(self._selected))

    def action_add_watch(self) -> None:
        self.post_message(self.AddRequested())

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y in self._row_at_y:
            self._select(self._row_at_y[offset.y])

    def _select(self, cursor: int) -> None:
        """Select row `cursor` (clamped) and repaint; relayout only if the height may change."""
        self._cursor = max(0, min(cursor, len(self._rows) - 1))
        self._selected = self._rows[self._cursor].index if self._rows else None
        shape = (len(self._rows), self._detail_kind())
        self._invalidate(layout=shape != self._shape)
        self._shape = shape

    def _detail_kind(self) -> bool | None:
        """What the detail block holds: None (no rows), an update (False) or a wait (True)."""
        return self._rows[self._cursor].entry is None if self._rows else None

    # ---- drawing ----

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        detail = self._detail(width) if self._rows else []
        return 1 + max(1, len(self._rows)) + len(detail)

    def _make_style(self, name: str) -> Style:
        """A component's colour and text style (alpha blended), without its background, so
        that it can lie on the selection's ("": the widget's own style, whole)."""
        if not name:
            return self.rich_style
        full = self.get_component_rich_style(f"adam-inspector--{name}")
        return Style(color=full.color, bold=full.bold, dim=full.dim, italic=full.italic)

    def _build(self, width: int, height: int) -> list[Strip]:
        base = self._style("")
        caption = "Adam" if self._step is None else f"Adam · step {self._step}"
        if not self._rows:
            self._row_at_y = {}
            hint = "no watched parameters: press w to add one"
            return [
                _strip([(caption, self._style("header"))], width, base),
                _strip([(hint, self._style("muted"))], width, base),
            ]
        name_width, columns = _layout(width, [row.name for row in self._rows])
        detail = self._detail(width)
        shown = len(self._rows)
        if 1 + shown + len(detail) > height:  # keep the detail in view; scroll the list
            shown = min(shown, max(3, height - 1 - len(detail)))
        self._top = max(min(self._top, self._cursor), self._cursor - shown + 1)
        self._top = max(0, min(self._top, len(self._rows) - shown))
        if shown < len(self._rows):  # say where in the list we are, dropping "Adam" if need be
            where = f"{self._cursor + 1}/{len(self._rows)}"
            caption = f"{caption} · {where}"
            if cell_len(caption) > len(MARK) + name_width:
                caption = caption.removeprefix("Adam · ")
        header = _fit(caption, len(MARK) + name_width) + "".join(
            " " + c.title.rjust(c.width) for c in columns
        )
        lines: list[Spans] = [[(header, self._style("header"))]]
        self._row_at_y = {}
        for i in range(self._top, self._top + shown):
            self._row_at_y[len(lines)] = i
            lines.append(self._row_line(self._rows[i], i == self._cursor, name_width, columns))
        strips = [_strip(spans, width, base) for spans in lines]
        selected = self.get_component_rich_style("adam-inspector--selected")
        for y, i in self._row_at_y.items():
            if i == self._cursor:
                strips[y] = _strip(lines[y], width, selected)
        return strips + [_strip(spans, width, base) for spans in detail]

    def _row_line(
        self, row: WatchRow, selected: bool, name_width: int, columns: list[_Column]
    ) -> Spans:
        plain = Style()
        spans: Spans = [(MARK if selected else " " * len(MARK), plain)]
        spans.append((_fit(shorten(row.name, name_width), name_width), plain))
        if row.entry is None:
            value = "" if row.value is None else f" = {signed(row.value)}"
            spans.append((f"{value}  (after the next step)", self._style("muted")))
        else:
            entry = row.entry
            spans += [(" " + c.cell(entry).rjust(c.width), plain) for c in columns]
        return spans

    def _detail(self, width: int) -> list[Spans]:
        """The selected parameter's update, one formula per item, wrapped to `width`."""
        row = self._rows[self._cursor]
        title = f"── {row.name} "
        title += "─" * max(0, width - cell_len(title))
        lines: list[Spans] = [[(title, self._style("title"))]]
        entry = row.entry
        if entry is None:
            if row.value is not None:
                lines.append([(_fit("value", LABEL) + f" = {signed(row.value)}", Style())])
            note = "(m, v and the update appear after the next step)"
            return [*lines, [(note, self._style("muted"))]]
        items = _formulas(entry, self._step)
        out = [_wrap(label, pieces, width) for label, pieces in items]
        bias1, bias2 = out[3], out[4]
        if len(bias1) == len(bias2) == 1 and cell_len(bias1[0] + bias2[0]) + 3 <= width:
            out[3:5] = [[bias1[0] + "   " + bias2[0]]]
        plain = Style()
        lines += [[(text, plain)] for item in out for text in item]
        lines += [[(text, self._style("muted"))] for text in _sparklines(row, width)]
        return lines


def _formulas(e: AdamEntry, step: int | None) -> list[tuple[str, list[str]]]:
    """(label, pieces) for each number of the update; pieces wrap as whole units."""
    b1, b2 = e.beta1, e.beta2  # the run's, which the entry carries
    eps = f"{e.eps:g}".replace("e-0", "e-")  # 1e-8, as the tutorial writes it
    t = str(step) if step is not None else "t"
    return [
        ("grad", [f"= {signed(e.grad)}"]),
        (
            "m",
            [
                f"= {b1:g}·m_prev + {1 - b1:g}·grad",
                f"= {b1:g}·({signed(e.m_before)}) + {1 - b1:g}·({signed(e.grad)})",
                f"= {signed(e.m)}",
            ],
        ),
        (
            "v",
            [
                f"= {b2:g}·v_prev + {1 - b2:g}·grad²",
                f"= {b2:g}·({signed(e.v_before)}) + {1 - b2:g}·({signed(e.grad)})²",
                f"= {signed(e.v)}",
            ],
        ),
        ("1−β1^t", [f"= 1−{b1:g}^{t}", f"= {e.bias1:.6g}"]),
        ("1−β2^t", [f"= 1−{b2:g}^{t}", f"= {e.bias2:.6g}"]),
        ("m̂", ["= m / (1−β1^t)", f"= {signed(e.m)} / {e.bias1:.6g}", f"= {signed(e.m_hat)}"]),
        ("v̂", ["= v / (1−β2^t)", f"= {signed(e.v)} / {e.bias2:.6g}", f"= {signed(e.v_hat)}"]),
        ("lr_t", [f"= {unsigned(e.lr)}"]),
        (
            "update",
            [
                f"= lr_t·m̂ / (√v̂ + {eps})",
                f"= {unsigned(e.lr)}·({signed(e.m_hat)}) / "
                f"({unsigned(math.sqrt(max(e.v_hat, 0.0)))} + {eps})",
                f"= {signed(e.update)}",
            ],
        ),
        ("data", [f"{signed(e.data_before)} → {signed(e.data_after)}", "(before − update)"]),
    ]


def _wrap(label: str, pieces: list[str], width: int) -> list[str]:
    """`label  piece piece ...`, starting a new indented line where a piece would not fit."""
    indent = " " * (LABEL + 1)
    lines = [_fit(label, LABEL)]
    for piece in pieces:
        first, *rest = piece.split(" ") if cell_len(indent + piece) > width else [piece]
        if len(lines) == 1 and cell_len(lines[0]) == LABEL:
            lines[0] += " " + first
        elif rest:  # too long even alone: start it on a line of its own, break between words
            lines.append(indent + first)
        else:
            _add(lines, first, width, indent)
        for word in rest:
            _add(lines, word, width, indent)
    return lines


def _add(lines: list[str], text: str, width: int, indent: str) -> None:
    if cell_len(lines[-1]) + 1 + cell_len(text) <= width:
        lines[-1] += " " + text
    else:
        lines.append(indent + text)


def _sparklines(row: WatchRow, width: int) -> list[str]:
    """m and v over the last steps: m on a scale from −max|m| (▁) to +max|m| (█), so bars
    above the middle are positive; v from 0 (▁) to its max (█)."""
    if not row.m_history and not row.v_history:
        return []
    m_top = max((abs(x) for x in row.m_history if math.isfinite(x)), default=0.0)
    v_top = max((x for x in row.v_history if math.isfinite(x)), default=0.0)
    m_tail, v_tail = f" ±{m_top:.1e}", f" ≤{v_top:.1e}"
    room = max(1, width - 2 - max(len(m_tail), len(v_tail)))
    m_bars = _bars(row.m_history[-room:], lambda x: (x / m_top + 1) / 2 if m_top else 0.5)
    v_bars = _bars(row.v_history[-room:], lambda x: x / v_top if v_top else 0.0)
    m_line, v_line = f"m {m_bars}{m_tail}", f"v {v_bars}{v_tail}"
    if cell_len(m_line) + 3 + cell_len(v_line) <= width:
        return [f"{m_line}   {v_line}"]
    return [m_line, v_line]


def _bars(values: Sequence[float], level: Callable[[float], float]) -> str:
    """One block per value; `level` maps a value to 0..1."""
    out = []
    for x in values:
        f = level(x) if math.isfinite(x) else 0.0
        out.append(BARS[max(0, min(len(BARS) - 1, int(f * len(BARS))))])
    return "".join(out)


def _layout(width: int, names: list[str]) -> tuple[int, list[_Column]]:
    """How wide the names are and which number columns fit beside them."""
    room = width - len(MARK) - NAME_MIN
    kept = []
    for column in _KEPT_FIRST:
        if column.width + 1 <= room:
            kept.append(column)
            room -= column.width + 1
    columns = [c for c in _SHOWN_IN_ORDER if c in kept]
    longest = max(cell_len(name) for name in names)
    numbers = sum(c.width + 1 for c in columns)
    return max(NAME_MIN, min(longest, width - len(MARK) - numbers)), columns


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
        return matrix[: width - cell_len(where) - 1] + "…" + where
    return (matrix + where)[: width - 1] + "…"


def _fit(text: str, width: int) -> str:
    """`text` padded or cut to exactly `width` cells."""
    if cell_len(text) > width:
        text = text[: max(0, width - 1)] + "…"
    return text + " " * (width - cell_len(text))


def _strip(spans: Spans, width: int, base: Style) -> Strip:
    segments = [Segment(text, base + style) for text, style in spans]
    return Strip(segments).adjust_cell_length(width, base)
