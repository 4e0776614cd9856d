"""The embedding gradient map: one cell per token-embedding row, plus the position rows,
showing which got a gradient this step (gradient sparsity), or how often so far. Everything
it says is built in full and scrolls; the row detail stays in view while the map is
focused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.strip import Strip

from core.training.stages import StepProgress, StepShown
from core.training.trace import RowState
from tui.widgets import embedding_texts as texts
from tui.widgets.embedding_texts import LEVELS, Pieces
from tui.widgets.line_widget import LineWidget

Mode = Literal["step", "cumulative"]
HINT = "no steps yet: press space"
# A cell's code: 0-2 the RowState of a row without a gradient, 3-6 a gradient's relative
# norm (GRADIENT + level), 7-10 a hit-count level (HITS + level - 1), 11 a row outside the
# corpus (fine-tuning on fewer words).
NEVER, RESTING, MOMENTUM, GRADIENT, OUTSIDE_STATE = RowState  # 0-4, in value order
HITS, OUTSIDE = 7, 11
GLYPHS = "·∘•" + LEVELS + LEVELS + texts.OUTSIDE_GLYPH
CLASSES = (
    "never", "resting", "momentum", *["gradient"] * 4, "hit1", "hit2", "hit3", "hit4", "outside",
)  # fmt: skip
PREFIX = "embedding-grad-map--"
MOVE = Binding.Group("Move")  # one footer entry for the four arrows
HIT_EDGES = (1, 2, 10, 100)  # the fewest hits of each level


def levels(values: np.ndarray, top: float) -> np.ndarray:
    """0-3: the quarter of `top` each value reaches."""
    return np.clip((values / top * 4).astype(np.int64), 0, 3)


def hit_levels(hits: np.ndarray) -> np.ndarray:
    """0 for none, then 1-4 for 1, 2-9, 10-99, 100+: a log scale on which a cell only ever
    gets darker, and rare words stay apart from frequent ones."""
    return np.searchsorted(HIT_EDGES, hits, side="right")


@dataclass(frozen=True)
class Layout:
    columns: int  # token cells per grid line
    lines: int  # grid lines
    pos_per_line: int  # position entries per line beside the grid; 0: below the grid


class EmbeddingGradMap(LineWidget, can_focus=True):
    """Token- and position-embedding rows: a gradient this step, or in how many steps."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1, 0)", "Cell", group=MOVE),
        Binding("right", "move(1, 0)", "Cell", group=MOVE),
        Binding("up", "move(0, -1)", "Line", group=MOVE),
        Binding("down", "move(0, 1)", "Line", group=MOVE),
    ]
    HELP = """\
One cell per token-embedding row, ids in reading order (BOS last). **This step**: `░▒▓█`
got a gradient (norm relative to the largest); `•` got none yet moved, carried by Adam's
momentum (the tutorial's text says such rows "are not updated"; its code moves them); `∘`
resting: had a gradient before, but its momentum has run out; `·` never touched; `-`
(fine-tuning) not a word of the corpus being trained on, so no step will touch it. **All
steps**: in how many steps each row got a gradient, on a log scale. `pos`: the position
rows. The arrows move the cursor; the lines under the grid (`▸`) describe its row, and
stay in view while the map is focused.
"""
    COMPONENT_CLASSES: ClassVar[set[str]] = {PREFIX + c for c in {*CLASSES, "cursor", "label"}}
    DEFAULT_CSS = """
    EmbeddingGradMap {
        height: 1fr;
        min-height: 6;
        & > .embedding-grad-map--gradient { color: #E69F00; text-style: bold; }  /* Okabe-Ito */
        & > .embedding-grad-map--momentum { color: #56B4E9; }  /* Okabe-Ito sky blue */
        & > .embedding-grad-map--never { color: $text-muted; }
        & > .embedding-grad-map--outside { color: $text-disabled; }
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
        self._trace: StepShown | None = None
        self._detail_at = 0  # the content line where the cursor's detail starts
        self._detail_strips: list[Strip] = []
        self._cursor_line = 0  # the content line of the cursor's cell
        self._columns = 1  # cells per grid line, as last built (beside a scrollbar or not)
        self._followed: tuple[int, int, int, bool] | None = None  # cursor, size, focus
        self._follow_pending = False

    def set_vocabulary(self, words: Sequence[str], block_size: int) -> None:
        """Labels of token ids 0..V-2 (id V-1 is BOS), and the number of positions."""
        self._words, self._block_size = tuple(words), block_size
        self.cursor = self.validate_cursor(self.cursor)
        self._invalidate()

    def show(self, trace: StepShown | None) -> None:
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
        size, columns = self.vocab_size, self._columns
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

    def _plan(self, width: int) -> Layout:
        """Grid width, and where the position entries go: beside the grid if they fit."""
        size, block = self.vocab_size, self._block_size
        for per_line in (2, 4, 8, 16):
            columns = width - 4 * per_line  # a gap, then entries like "15█" a space apart
            lines = -(-size // max(columns, 1))
            if columns >= 30 and lines >= 1 + -(-block // per_line):
                return Layout(columns, lines, per_line)
        return Layout(max(width, 1), -(-size // max(width, 1)), 0)

    def _build(self, width: int, height: int) -> list[Strip]:
        """Counts and words, the legend, the grid (positions beside or below), the cursor's
        detail, then what the grid is: all of it, scrolled by the base when too tall."""
        trace, layout = self._trace, self._plan(width)
        self._detail_strips, self._columns = [], layout.columns
        if trace is None:
            self._follow_pending = False
            hint = [(" " * max(0, (width - len(HINT)) // 2) + HINT, "label")]
            return [Strip.blank(width, self._style(""))] * (height // 2) + [self._line(hint, width)]
        cumulative = self.mode == "cumulative"
        head = self._hit_texts(trace, width) if cumulative else self._step_texts(trace, width)
        beside = layout.pos_per_line > 0
        positions = self._position_lines(trace, layout.pos_per_line or (width - 3) // 4, beside)
        codes = self._codes(trace)
        grid = [
            self._grid_line(codes, n * layout.columns, layout.columns) for n in range(layout.lines)
        ]
        if beside:
            for line, extra in zip(grid, positions):
                line += [(" " * (layout.columns - sum(len(t) for t, _ in line) + 1), ""), *extra]
        below = [] if beside else positions
        detail = texts.wrap([[(f, "")] for f in self._detail_fields(trace)], width)
        notes = [
            line
            for fields in texts.notes(self.vocab_size, self._block_size, cumulative)
            for line in texts.wrap([[(f, "label")] for f in fields], width)
        ]
        lines = [self._line(p, width) for p in head + grid + below + detail + notes]
        self._detail_at = len(head) + len(grid) + len(below)
        self._detail_strips = lines[self._detail_at : self._detail_at + len(detail)]
        self._cursor_line = len(head) + self.cursor // layout.columns
        self._follow_cursor()
        return lines

    def _follow_cursor(self) -> None:
        """When the cursor, the size or the focus changed, the cursor's grid line is to be
        brought into view once these lines are in place (a new step alone leaves the
        learner's scrolling as it was)."""
        key = (self.cursor, self.size.width, self.size.height, self.has_focus)
        if key != self._followed:
            self._followed = key
            self._follow_pending = True

    def render_line(self, y: int) -> Strip:
        """The content's line `y`, except while focused: the cursor's detail then covers the
        bottom (or top) lines when its own place is scrolled out of view. The count of
        hidden lines in the border stays exact: as many lines hide under it as it brings
        into view."""
        strip = super().render_line(y)  # builds the lines if need be
        if self._follow_pending:  # scroll before this repaint draws any line
            self._follow_pending = False
            first = self._cursor_line  # with room under it for the pinned detail
            last = first + (len(self._detail_strips) if self.has_focus else 0)
            self.keep_in_view(first, last)  # the base retries until the view can move
            strip = super().render_line(y)
        shown, height = self._detail_strips, self.size.height
        if not shown or not self.has_focus:
            return strip
        count = min(len(shown), height)
        at = min(max(self._detail_at - round(self.scroll_offset.y), 0), height - count)
        if at <= y < at + count:  # built maybe a scrollbar narrower: pad to the full width
            return shown[y - at].extend_cell_length(self.size.width, self._style(""))
        return strip

    def _codes(self, trace: StepShown) -> np.ndarray:
        """The code of every token cell in the current mode."""
        states = np.array(trace.token_row_states, dtype=np.int64)
        outside = states == OUTSIDE_STATE
        if self.mode == "cumulative":
            hits = np.asarray(trace.token_row_hits)
            return np.where(
                hits > 0, HITS - 1 + hit_levels(hits), np.where(outside, OUTSIDE, NEVER)
            )
        codes = np.where(outside, OUTSIDE, states)
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

    def _position_lines(self, trace: StepShown, per_line: int, beside: bool) -> list[Pieces]:
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

    def _step_texts(self, trace: StepShown, width: int) -> list[Pieces]:
        """Step mode: how many rows got a gradient and which (in sentence order, with their
        ids), how many moved without one or never, and the legend."""
        if isinstance(trace, StepProgress) and trace.gradient_count is None:
            legend = texts.step_legend(outside=trace.rows_in(OUTSIDE_STATE) > 0)
            waiting: list[Pieces] = [
                [(f"step {trace.step + 1:,}: no gradient yet", "")],
                [("backward (stage 4) lights its rows", "")],
            ]
            return waiting + texts.wrap(legend, width, sep="  ", hang=False)
        got, *others = texts.step_counts(
            trace.rows_in(GRADIENT), self.vocab_size, trace.rows_in(MOMENTUM),
            trace.rows_in(NEVER), trace.rows_in(RESTING), trace.rows_in(OUTSIDE_STATE),
        )  # fmt: skip
        rows = {r.row for r in trace.token_rows}
        in_order = dict.fromkeys(t for t in trace.tokens if t in rows)  # sentence order
        words = texts.listing(f"{got}: ", [f"{self.label(r)} {r}" for r in in_order], width)
        counts = texts.wrap([[(text, "")] for text in others], width)
        legend = texts.step_legend(outside=trace.rows_in(OUTSIDE_STATE) > 0)
        return words + counts + texts.wrap(legend, width, sep="  ", hang=False)

    def _hit_texts(self, trace: StepShown, width: int) -> list[Pieces]:
        """Cumulative mode: the counts, the words most often with a gradient, the shades."""
        size, hits = self.vocab_size, np.asarray(trace.token_row_hits)
        outside = trace.rows_in(OUTSIDE_STATE)
        hit, never = int((hits > 0).sum()), int((hits == 0).sum()) - outside
        counts = [f"{hit} of {size} rows ever got a gradient", f"{never} never did"]
        if outside:
            counts.append(texts.outside_count(outside))
        order = np.argsort(-hits, kind="stable")[:hit].tolist()
        items = [f"{self.label(r)} ×{hits[r]}" for r in order]  # ×: steps, not an id
        return (
            texts.wrap([[(text, "")] for text in counts], width)
            + texts.listing("most often with a gradient: ", items, width)
            + texts.wrap(texts.hit_legend(outside=outside > 0), width, sep="  ", hang=False)
        )

    def _detail_fields(self, trace: StepShown) -> list[str]:
        row = self.cursor
        norm = next((r.norm for r in trace.token_rows if r.row == row), None)
        hits = trace.token_row_hits[row] if row < len(trace.token_row_hits) else 0
        outside = row < len(trace.token_row_states) and (
            trace.token_row_states[row] is OUTSIDE_STATE
        )
        moved = row in trace.token_rows_moved
        return texts.detail(self.label(row), row, norm, moved, hits, outside)
