"""The embedding gradient map: one cell per token-embedding row, plus the position rows,
showing which got a gradient this step (gradient sparsity), or how often so far."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from rich.cells import cell_len
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.strip import Strip

from core.training.trace import RowState, StepTrace
from tui.widgets.line_widget import LineWidget

Mode = Literal["step", "cumulative"]
Pieces = list[tuple[str, str]]  # (text, space-separated style names)
HINT = "no steps yet: press space"
LEVELS = "░▒▓█"  # weakest to strongest
# A cell's code: 0-2 the RowState of a row without a gradient, 3-6 a gradient's relative
# norm (GRADIENT + level), 7-10 a hit-count level (HITS + level - 1).
NEVER, RESTING, MOMENTUM, GRADIENT = RowState  # 0-3, in value order
HITS = 7
GLYPHS = "·∘•" + LEVELS + LEVELS
CLASSES = ("never", "resting", "momentum", *["gradient"] * 4, "hit1", "hit2", "hit3", "hit4")
PREFIX = "embedding-grad-map--"
MOVE = Binding.Group("Move")  # one footer entry for the four arrows
HIT_EDGES = (1, 2, 10, 100)  # the fewest hits of each level
HIT_RANGES = ("1", "2–9", "10–99", "100+")


def levels(values: np.ndarray, top: float) -> np.ndarray:
    """0-3: the quarter of `top` each value reaches."""
    return np.clip((values / top * 4).astype(np.int64), 0, 3)


def hit_levels(hits: np.ndarray) -> np.ndarray:
    """0 for none, then 1-4 for 1, 2-9, 10-99, 100+: a log scale on which a cell only ever
    gets darker, and rare words stay apart from frequent ones."""
    return np.searchsorted(HIT_EDGES, hits, side="right")


def fit(items: Sequence[str], width: int) -> str:
    """As many items as fit in `width` cells, then "+N more"."""
    for shown in range(len(items), 0, -1):
        more = f" · +{len(items) - shown} more" if shown < len(items) else ""
        text = " · ".join(items[:shown]) + more
        if cell_len(text) <= width:
            return text
    return f"+{len(items)} more" if items else ""


def first_fitting(candidates: Sequence[Pieces], width: int) -> Pieces:
    for pieces in candidates:
        if sum(cell_len(text) for text, _ in pieces) <= width:
            return pieces
    return candidates[-1]


@dataclass(frozen=True)
class Layout:
    columns: int  # token cells per grid line
    lines: int  # grid lines
    pos_per_line: int  # position entries per line beside the grid; 0: below the grid


class EmbeddingGradMap(LineWidget, can_focus=True):
    """Token- and position-embedding rows: a gradient this step, or hits so far."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1, 0)", "Cell", group=MOVE),
        Binding("right", "move(1, 0)", "Cell", group=MOVE),
        Binding("up", "move(0, -1)", "Line", group=MOVE),
        Binding("down", "move(0, 1)", "Line", group=MOVE),
    ]
    HELP = """\
One cell per token-embedding row. **This step**: `░▒▓█` got a gradient (norm relative to
the largest); `•` got none yet moved, carried by Adam's momentum (the tutorial's text says
such rows "are not updated"; its code moves them); `·` never touched. **All steps**:
in how many steps each row got a gradient, on a log scale. `pos`: the position rows.
"""
    COMPONENT_CLASSES: ClassVar[set[str]] = {PREFIX + c for c in {*CLASSES, "cursor", "label"}}
    DEFAULT_CSS = """
    EmbeddingGradMap {
        height: 1fr;
        min-height: 6;
        & > .embedding-grad-map--gradient { color: #E69F00; text-style: bold; }  /* Okabe-Ito */
        & > .embedding-grad-map--momentum { color: #56B4E9; }  /* Okabe-Ito sky blue */
        & > .embedding-grad-map--never { color: $text-muted; }
        & > .embedding-grad-map--resting { color: $text-muted; }
        & > .embedding-grad-map--label { color: $text-muted; }
        & > .embedding-grad-map--hit1 { color: #3B528B; }  /* viridis */
        & > .embedding-grad-map--hit2 { color: #21918C; }
        & > .embedding-grad-map--hit3 { color: #5EC962; }
        & > .embedding-grad-map--hit4 { color: #FDE725; }
        & > .embedding-grad-map--cursor { text-style: underline; }
        &:focus > .embedding-grad-map--cursor { text-style: reverse bold; }
        &:light > .embedding-grad-map--gradient { color: #D55E00; }  /* Okabe-Ito vermillion */
        &:light > .embedding-grad-map--momentum { color: #0072B2; }  /* Okabe-Ito blue */
        &:light > .embedding-grad-map--hit1 { color: #5EC962; }  /* viridis, darkest last */
        &:light > .embedding-grad-map--hit2 { color: #21918C; }
        &:light > .embedding-grad-map--hit3 { color: #3B528B; }
        &:light > .embedding-grad-map--hit4 { color: #440154; }
    }
    """

    mode: reactive[Mode] = reactive[Mode]("step")
    """"step": this step's gradients; "cumulative": hits over all steps so far."""
    cursor: reactive[int] = reactive(0)
    """The token id under the keyboard cursor."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._words: tuple[str, ...] = ()
        self._block_size = 16
        self._trace: StepTrace | None = None

    def set_vocabulary(self, words: Sequence[str], block_size: int) -> None:
        """Labels of token ids 0..V-2 (id V-1 is BOS), and the number of positions."""
        self._words, self._block_size = tuple(words), block_size
        self.cursor = self.validate_cursor(self.cursor)
        self._invalidate()

    def show(self, trace: StepTrace | None) -> None:
        """Show one step (None: before the first step)."""
        if trace is self._trace:  # the app calls this at every refresh, mostly unchanged
            return
        self._trace = trace
        self.cursor = self.validate_cursor(self.cursor)
        self._invalidate()

    def toggle_mode(self) -> None:
        self.mode = "cumulative" if self.mode == "step" else "step"

    @property
    def vocab_size(self) -> int:
        return len(self._trace.token_row_hits) if self._trace else len(self._words) + 1

    def label(self, row: int) -> str:
        if row == self.vocab_size - 1:
            return "BOS"
        return self._words[row] if row < len(self._words) else str(row)

    def validate_cursor(self, cursor: int) -> int:
        return min(max(cursor, 0), self.vocab_size - 1)

    def watch_cursor(self) -> None:
        self._invalidate()

    def watch_mode(self) -> None:
        self._invalidate()

    def action_move(self, dx: int, dy: int) -> None:
        """By cells, wrapping through the ids; by lines, wrapping from bottom to top."""
        size, columns = self.vocab_size, self._plan(*self.size).columns
        if dx:
            self.cursor = (self.cursor + dx) % size
            return
        line, column = divmod(self.cursor, columns)
        lines = -(-(size - column) // columns)  # the last line may not reach this column
        self.cursor = (line + dy) % lines * columns + column

    def _make_style(self, name: str) -> Style:
        """The style of "gradient", "" (plain) or "gradient cursor" (over its cell)."""
        style = self.rich_style
        for i, part in enumerate(name.split()):
            style += self.get_component_rich_style(PREFIX + part, partial=i > 0)
        return style

    def _plan(self, width: int, height: int) -> Layout:
        """Grid width, and where the position entries go: beside the grid if they fit."""
        size, block = self.vocab_size, self._block_size
        for per_line in (2, 4, 8, 16):
            columns = width - 4 * per_line  # a gap, then entries like "15█" a space apart
            lines = -(-size // max(columns, 1))
            room = min(lines, height - 2)  # the counts and details lines always show
            if columns >= 30 and room >= 1 + -(-block // per_line):
                return Layout(columns, lines, per_line)
        return Layout(max(width, 1), -(-size // max(width, 1)), 0)

    def _build(self, width: int, height: int) -> list[Strip]:
        trace, layout = self._trace, self._plan(width, height)
        if trace is None:
            hint = [(" " * max(0, (width - len(HINT)) // 2) + HINT, "label")]
            return [Strip.blank(width, self._style(""))] * (height // 2) + [self._line(hint, width)]
        head = (
            self._step_texts(trace, width) if self.mode == "step" else self._hit_texts(trace, width)
        )
        tail = [head.pop(), self._details(trace, width)]
        beside = layout.pos_per_line > 0
        positions = self._position_lines(trace, layout.pos_per_line or (width - 3) // 4, beside)
        below = [] if beside else positions
        # Too short for everything: drop the legend, then the listing, then scroll the grid.
        for group, drop in ((tail, 0), (head, 1)):
            if height - len(head) - len(tail) - len(below) < layout.lines:
                del group[drop]
        visible = max(1, min(layout.lines, height - len(head) - len(tail) - len(below)))
        top = min(max(0, self.cursor // layout.columns - visible // 2), layout.lines - visible)
        codes = self._codes(trace)
        grid = [
            self._grid_line(codes, (top + n) * layout.columns, layout.columns)
            for n in range(visible)
        ]
        if beside:
            for line, extra in zip(grid, positions):
                line += [(" " * (layout.columns - sum(len(t) for t, _ in line) + 1), ""), *extra]
        return [self._line(pieces, width) for pieces in head + grid + below + tail]

    def _codes(self, trace: StepTrace) -> np.ndarray:
        """The code of every token cell in the current mode."""
        if self.mode == "cumulative":
            hits = np.asarray(trace.token_row_hits)
            return np.where(hits > 0, HITS - 1 + hit_levels(hits), NEVER)
        codes = np.array(trace.token_row_states, dtype=np.int64)
        if trace.token_rows:
            norms = np.array([r.norm for r in trace.token_rows])
            codes[[r.row for r in trace.token_rows]] = GRADIENT + levels(norms, norms.max())
        return codes

    def _grid_line(self, codes: np.ndarray, start: int, columns: int) -> Pieces:
        """Runs of cells with the same code; the cursor's cell on its own."""
        pieces: Pieces = []
        for row, code in enumerate(codes[start : start + columns].tolist(), start):
            names = CLASSES[code] + (" cursor" if row == self.cursor else "")
            if pieces and pieces[-1][1] == names:  # the cursor's names are unique
                pieces[-1] = (pieces[-1][0] + GLYPHS[code], names)
            else:
                pieces.append((GLYPHS[code], names))
        return pieces

    def _position_lines(self, trace: StepTrace, per_line: int, beside: bool) -> list[Pieces]:
        """The position rows as entries like "15█" (`·`: no gradient this step), `per_line`
        to a line: beside the grid, numbered down the columns under "pos"; else after it."""
        block, per_line = self._block_size, max(per_line, 1)
        norms = np.zeros(block)
        for r in trace.position_rows:
            norms[r.row] = r.norm
        codes = np.where(norms > 0, GRADIENT + levels(norms, norms.max() or 1.0), NEVER)
        count = -(-block // per_line)
        if beside:
            order = [j * count + i for i in range(count) for j in range(per_line)]
        else:
            order = list(range(count * per_line))
        lines: list[Pieces] = [[("pos", "label")]] if beside else []
        for i in range(count):
            line: Pieces = [] if beside else [("pos " if i == 0 else "    ", "label")]
            for p in order[i * per_line : (i + 1) * per_line]:
                if p < block:
                    line += [(f"{p:>2}", "label"), (GLYPHS[codes[p]], CLASSES[codes[p]])]
                    line.append((" ", ""))
            lines.append(line)
        return lines

    def _step_texts(self, trace: StepTrace, width: int) -> list[Pieces]:
        """Step mode: the counts line, the words that got a gradient, and the legend."""
        size = self.vocab_size
        by_momentum, never = trace.rows_in(MOMENTUM), trace.rows_in(NEVER)
        rest = trace.rows_in(RESTING)  # got one before, and m has run out
        rest_text = f" · {rest} resting" if rest else ""
        got = f"{trace.rows_in(GRADIENT)} of {size} rows got a gradient"
        counts = [
            f"{got} · {by_momentum} moved by momentum alone · {never} never touched{rest_text}",
            f"{got} · {by_momentum} by momentum · {never} never{rest_text}",
            got,
        ]
        rows = {r.row for r in trace.token_rows}
        in_order = dict.fromkeys(t for t in trace.tokens if t in rows)  # sentence order
        listing = fit([f"{self.label(r)} {r}" for r in in_order], width)
        legends = [
            [(LEVELS, "gradient"), (" gradient (by norm)  ", ""), ("•", "momentum"),
             (" no gradient, moved by momentum  ", ""), ("·", "never"), (" never touched", "")],
            [(LEVELS, "gradient"), (" gradient  ", ""), ("•", "momentum"),
             (" momentum only  ", ""), ("·", "never"), (" never", "")],
            [(LEVELS, "gradient"), (" grad ", ""), ("•", "momentum"), (" momentum ", ""),
             ("·", "never"), (" never", "")],
        ]  # fmt: skip
        return [
            first_fitting([[(c, "")] for c in counts], width),
            [(listing, "label")],
            first_fitting(legends, width),
        ]

    def _hit_texts(self, trace: StepTrace, width: int) -> list[Pieces]:
        """Cumulative mode: the counts line, the most hit words, and the hit ranges."""
        size, hits = self.vocab_size, np.asarray(trace.token_row_hits)
        hit, never = int((hits > 0).sum()), int((hits == 0).sum())
        counts = [f"{hit} of {size} rows got a gradient in some step · {never} never did",
                  f"{hit} of {size} rows ever got a gradient · {never} never",
                  f"{hit} of {size} ever got a gradient"]  # fmt: skip
        order = np.argsort(-hits, kind="stable")[:hit].tolist()
        listing = fit([f"{self.label(r)} {hits[r]}" for r in order], width - 10)
        legend: Pieces = [("hits ", "label"), ("·", "never"), (" 0", "")]
        for level, span in enumerate(HIT_RANGES, 1):
            legend += [("  ", ""), (LEVELS[level - 1], f"hit{level}"), (f" {span}", "")]
        return [
            first_fitting([[(c, "")] for c in counts], width),
            [("most hit: ", "label"), (listing, "")],
            legend,
        ]

    def _details(self, trace: StepTrace, width: int) -> Pieces:
        """The cell under the cursor: word, id, this step's gradient, moved, hits so far."""
        row = self.cursor
        norm = next((r.norm for r in trace.token_rows if r.row == row), None)
        moved = row in trace.token_rows_moved
        hits = trace.token_row_hits[row] if row < len(trace.token_row_hits) else 0
        word = f"▸ {self.label(row)} (id {row})"
        grad = "no gradient" if norm is None else f"gradient norm {norm:.3g}"
        how = ("moved" if norm is not None else "moved by momentum") if moved else "not moved"
        long = f"{hits} step{'' if hits == 1 else 's'} with a gradient"
        short = f"{hits} hit{'' if hits == 1 else 's'}"
        lines = [" · ".join(parts) for parts in ([word, grad, how, long], [word, grad, how, short])]
        lines.append(" · ".join([word, grad.replace("gradient norm", "grad"), short]))
        return first_fitting([[(line, "")] for line in lines], width)
