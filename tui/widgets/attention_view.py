"""AttentionView: where the heads looked in the step's forward pass: every head at the
selected position (how much it took from each word up to it), or one head's causal matrix
over the whole sentence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import Static

from core.training.attention import AttentionWeights

SHADES = " ░▒▓█"  # by weight: the grid reads at a glance, the number says exactly
WORD_WIDTH = 10  # cells of a row's word; a longer one is cropped
MIN_WORD_WIDTH = 4  # the matrix crops words this far before it crops columns
HEADS_HINT = "t: the whole matrix of one head · [ ] another head"
MATRIX_HINT = "[ ] another head · ← → another row · t: the bars"


class AttentionView(Static):
    """The attention weights of one step, a grid of numbers with shades, no colour needed."""

    ALLOW_MAXIMIZE = True  # z enlarges it, though it takes no keys of its own
    COMPONENT_CLASSES: ClassVar[set[str]] = {"attention-view--shade"}
    DEFAULT_CSS = """
    AttentionView > .attention-view--shade { color: $text-primary; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self._shown: tuple[AttentionWeights | None, tuple[str, ...], int, bool, int] | None = None

    def show(
        self,
        attention: AttentionWeights | None,
        words: Sequence[str],
        selected: int,
        matrix: bool = False,
        head: int = 0,
    ) -> None:
        """`words[j]` is the word fed at position j (BOS first); `head` is layer * n_head
        + the head in its layer, and is clamped to the heads there are."""
        self._shown = (attention, tuple(words), selected, matrix, head)
        self._redraw()

    def on_resize(self, event: events.Resize) -> None:
        self._redraw()  # the rows and columns that fit depend on the size

    def _redraw(self) -> None:
        if self._shown is None:
            return
        attention, words, selected, matrix, head = self._shown
        width, height = self.content_size.width or 56, self.content_size.height or 20
        shades = self.get_component_rich_style("attention-view--shade", partial=True)
        self.update(
            render_attention(attention, words, selected, width, height, matrix, head, shades)
        )


def render_attention(
    attention: AttentionWeights | None,
    words: Sequence[str],
    selected: int,
    width: int = 56,
    height: int = 20,
    matrix: bool = False,
    head: int = 0,
    shades: Style | str = "",
) -> Text:
    """The view in `width` × `height` cells: the heads at position `selected`, or with
    `matrix` the causal matrix of head `head` (layer * n_head + head), its row `selected`
    highlighted. Rows that do not fit are left out, and a dim line says which. `shades`
    styles the heads' shade glyphs (the widget's, from the theme)."""
    width, height = max(1, width), max(1, height)
    if attention is None:
        return Text("no step yet", style="dim")
    if selected >= attention.positions:
        return _joined(_wrap(_unfed(attention.positions, selected), width))
    if matrix:
        return _joined(_matrix(attention, words, selected, width, height, head))
    return _joined(_heads(attention, words, selected, width, height, head, shades))


def weight_label(weight: float) -> str:
    """A weight in three cells, to two decimals: .42, .00, and 1.0 for one that rounds to 1."""
    text = f"{weight:.2f}"
    return "1.0" if text == "1.00" else text.removeprefix("0")


def percent_label(weight: float) -> str:
    """A weight as a whole percentage in three cells: 100, ' 42', '  0'."""
    return f"{round(weight * 100):>3}"


def shade(weight: float) -> str:
    return SHADES[max(0, min(len(SHADES) - 1, int(weight * (len(SHADES) - 1) + 0.5)))]


# --- every head at one position ---


def _heads(
    attention: AttentionWeights,
    words: Sequence[str],
    selected: int,
    width: int,
    height: int,
    head: int,
    shades: Style | str = "",
) -> list[Text]:
    """Rows: the positions 0..selected seen; columns: the heads, layer by layer."""
    n_layer, n_head = attention.n_layer, attention.n_head
    columns = [attention.at(selected, layer, h) for layer in range(n_layer) for h in range(n_head)]
    digits = len(str(attention.positions - 1))
    fixed = digits + 1 + 2 * (n_layer - 1)  # the number, its space, the layers' " │"
    # Sized for the whole sentence, so that the columns stay put as the selection moves.
    words_room = min(WORD_WIDTH, max(cell_len(_word(words, j)) for j in range(attention.positions)))
    glyphs = fixed + words_room + len(columns) * 5 <= width  # " ▓.42" per head
    cell = 5 if glyphs else 4  # the shades go first when it is narrow
    word_width = max(3, min(words_room, width - fixed - len(columns) * cell))

    title = Text(f"position {selected} ")
    title.append(f"“{_short(_word(words, selected), 2 * WORD_WIDTH)}”", style="bold")
    seen = f"position {selected} only" if selected == 0 else f"positions 0–{selected}"
    title.append(f" looks back at {seen}")
    top, hint = _wrap(title, width), _wrap(Text(HEADS_HINT, style="dim"), width)
    current = _clamp(head, n_layer * n_head)
    header = _heads_header(n_layer, n_head, digits + 1 + word_width, cell, current)

    rows = []
    largest = [max(column) for column in columns]
    for j in range(selected + 1):
        row = Text(f"{j:>{digits}} ", style="dim")
        row.append(_crop(_word(words, j), word_width), style="bold" if j == selected else "")
        for c, column in enumerate(columns):
            if c and c % n_head == 0:
                row.append(" │", style="dim")
            weight = column[j]
            row.append(" ")
            if glyphs:
                row.append(shade(weight), style=shades)
            style = "bold" if weight == largest[c] else "dim" if weight < 0.005 else ""
            row.append(weight_label(weight), style=style)
        rows.append(row)

    room = height - len(top) - len(header)
    if len(rows) > room - len(hint):
        hint = []  # the rows matter more than the keys
    rows = _window(rows, max(1, room), width)  # the most recent: nearest the one attending
    return _cut([*top, *header, *rows, *hint], width)


def _heads_header(n_layer: int, n_head: int, label: int, cell: int, current: int) -> list[Text]:
    """The layers over their heads' columns; the head the matrix shows is underlined."""
    groups, names = Text(" " * label), Text(" " * label)
    for layer in range(n_layer):
        if layer:
            groups.append(" │", style="dim")
            names.append(" │", style="dim")
        room = n_head * cell
        group = f"layer {layer}" if room - 1 >= len(f"layer {layer}") else f"L{layer}"
        groups.append(" " + set_cell_size(group, room - 1), style="dim")
        for h in range(n_head):
            style = "bold underline" if layer * n_head + h == current else "dim"
            name = f"h{h}" if len(f"h{h}") < cell else str(h)[-(cell - 1) :]
            names.append(" " * (cell - len(name)))
            names.append(name, style=style)
    return [groups, names]


# --- one head, every position ---


def _matrix(
    attention: AttentionWeights,
    words: Sequence[str],
    selected: int,
    width: int,
    height: int,
    head: int,
) -> list[Text]:
    """Rows: the position attending; columns: the position seen (masked after the row)."""
    n = attention.positions
    layer, h = divmod(_clamp(head, attention.n_layer * attention.n_head), attention.n_head)
    weights = attention.matrix(layer, h)
    digits = len(str(n - 1))
    words_room = min(WORD_WIDTH, max(cell_len(_word(words, j)) for j in range(n)))
    word_width = max(min(words_room, MIN_WORD_WIDTH), min(words_room, width - digits - 1 - 3 * n))
    label = digits + 1 + word_width
    shown = max(1, min(n, (width - label) // 3))
    last = min(n - 1, max(selected, shown - 1))  # the columns up to the row's diagonal
    first = last - shown + 1

    title = Text(
        f"layer {layer} head {h}: the causal matrix (row: the position attending, column: "
        "the position seen), weights in %"
    )
    top = _wrap(title, width)
    cropped = []
    if shown < n:
        note = Text(f"columns {first}–{last} of 0–{n - 1} shown · z enlarges", style="dim")
        cropped = _wrap(note, width)
    hint = _wrap(Text(MATRIX_HINT, style="dim"), width)

    header = Text(" " * label)
    for s in range(first, last + 1):
        header.append(f"{s:>3}", style="bold underline" if s == selected else "dim")
    rows = []
    for t in range(n):
        row = Text(f"{t:>{digits}} ", style="dim")
        row.append(_crop(_word(words, t), word_width), style="bold" if t == selected else "")
        largest = max(weights[t])
        for s in range(first, last + 1):
            if s > t:
                row.append("  ·", style="dim")  # the causal mask: t never sees s
            else:
                weight = weights[t][s]
                row.append(percent_label(weight), style="bold" if weight == largest else "")
        if t == selected:
            row.stylize("reverse")
        rows.append(row)

    room = height - len(top) - 1 - len(cropped)
    if n > room - len(hint):
        hint = []  # the rows matter more than the keys
    rows = _window(rows, max(1, room), width, around=selected)
    return _cut([*top, header, *rows, *cropped, *hint], width)


# --- the pieces ---


def _unfed(positions: int, selected: int) -> Text:
    if positions == 0:
        return Text(f"position {selected} is not fed yet: no position is", style="dim")
    fed = "position 0 is" if positions == 1 else f"positions 0–{positions - 1} are"
    return Text(f"position {selected} is not fed yet ({fed})", style="dim")


def _word(words: Sequence[str], j: int) -> str:
    return words[j] if 0 <= j < len(words) else "?"


def _short(word: str, width: int) -> str:
    """`word`, cut with an ellipsis when it is longer than `width` cells."""
    return word if cell_len(word) <= width else set_cell_size(word, width - 1) + "…"


def _crop(word: str, width: int) -> str:
    """`word` in exactly `width` cells: padded, or cut with an ellipsis."""
    return set_cell_size(_short(word, width), width)


def _clamp(head: int, heads: int) -> int:
    return max(0, min(head, heads - 1))


def _wrap(text: Text, width: int) -> list[Text]:
    """Prose lines, wrapped between words to `width` cells."""
    lines = list(text.wrap(Console(width=width), width))
    for line in lines:
        line.rstrip()
    return lines


def _window(rows: list[Text], room: int, width: int, around: int | None = None) -> list[Text]:
    """`rows` in `room` lines: all of them, or those that fit and a dim note of the others:
    the last rows (the note above them), or those `around` a row (the note below)."""
    if len(rows) <= room:
        return rows
    lines = 1
    while True:  # the note names the rows shown, and its length decides how many fit
        fit = max(1, room - lines)
        if around is None:
            start = len(rows) - fit
            earlier = "1 earlier position" if start == 1 else f"{start} earlier positions"
            note = Text(f"↑ {earlier} not shown · z enlarges", style="dim")
        else:
            start = max(0, min(around - fit // 2, len(rows) - fit))
            note = Text(f"rows {start}–{start + fit - 1} of 0–{len(rows) - 1} shown", style="dim")
        wrapped = _wrap(note, width)
        if len(wrapped) <= lines or fit == 1:
            break
        lines = len(wrapped)
    shown = rows[start : start + fit]
    return [*wrapped, *shown] if around is None else [*shown, *wrapped]


def _cut(lines: list[Text], width: int) -> list[Text]:
    """Each line cut to `width` cells (only narrower than any layout allows does it cut)."""
    for line in lines:
        line.truncate(width)
    return lines


def _joined(lines: list[Text]) -> Text:
    joined = Text("\n").join(lines)
    joined.no_wrap, joined.overflow = True, "crop"  # the lines are already cut to fit
    return joined
