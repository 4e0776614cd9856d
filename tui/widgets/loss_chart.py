"""The loss chart: each step's loss (as braille dots while there are few steps per column,
as a band of where most of them fall once there are many), the running mean over the last
`MEAN_WINDOW` steps, the random-guess line ln(vocab) where an untrained model starts, the
last step's loss, and the losses measured now and then rather than at every step: when
fine-tuning, the loss on the original corpus (what the fine-tuning makes the model forget),
and with a held-out set, the loss of its sentences (whether the model generalises)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby, pairwise, product
from typing import ClassVar

import numpy as np
from textual.strip import Strip

from core.training.stats import MEAN_WINDOW, running_mean
from tui.widgets.line_widget import LineWidget

HINT = "no steps yet: press space"
# Bit of each braille dot in a cell, by [dot row 0-3][dot column 0-1].
BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]])
# What a plot cell shows; a later kind is drawn over an earlier one.
BLANK, BAND, LOSS, GUESS, MEAN, ORIGINAL, HELD_OUT, LAST = range(8)
KIND_CLASS = ("", "loss-chart--band", "loss-chart--loss", "loss-chart--guess",
              "loss-chart--mean", "loss-chart--original", "loss-chart--held-out",
              "loss-chart--last")  # fmt: skip
# Each step is its own dot while a column's dots would fill at most this share of the dot
# rows their spread covers. Measured on real runs (a spread of ~2.5 around the mean): past
# it they merge into a solid block that hides the mean (300 steps at 33 columns fill ~30%,
# 1,000 fill all of it), so a band of where most of them fall is drawn instead.
MAX_DOT_DENSITY = 0.5
SPREAD = (0.1, 0.9)  # the band's quantiles: the middle 80% of the last MEAN_WINDOW steps


def y_range(values: np.ndarray, guess: float) -> tuple[float, float]:
    """Bottom and top of the plot: the finite data and the guess line, plus a margin."""
    shown = np.append(values, guess)
    shown = shown[np.isfinite(shown)]
    if not shown.size:
        return 0.0, 1.0
    lo, hi = float(shown.min()), float(shown.max())
    margin = (hi - lo) * 0.05 if hi > lo else max(0.5, abs(hi) * 0.1)
    bottom = max(0.0, lo - margin) if lo >= 0 else lo - margin  # losses are never negative
    return bottom, hi + margin


def step_columns(n: int, dot_columns: int) -> np.ndarray:
    """The braille dot column of each step: spread out when few, binned when many."""
    k = np.arange(n)
    if n <= dot_columns:
        return np.rint(k * (dot_columns - 1) / max(n - 1, 1)).astype(np.int64)
    return k * dot_columns // n


def recent_spread(values: np.ndarray, ends: np.ndarray, window: int) -> np.ndarray:
    """At each step in `ends`, the SPREAD quantiles of the finite values among the last
    `window` steps (linear between ranks, as np.quantile): shape (2, len(ends)), NaN where
    none is finite. The same steps as the running mean's, so band and mean agree."""
    padded = np.concatenate((np.full(window - 1, np.nan), values))
    recent = np.lib.stride_tricks.sliding_window_view(padded, window)[ends]
    ranked = np.sort(np.where(np.isfinite(recent), recent, np.nan), axis=1)  # NaN last
    counts = np.isfinite(ranked).sum(axis=1)
    out = np.full((2, len(ends)), np.nan)
    has = counts > 0
    rows, top = ranked[has], counts[has] - 1
    for i, q in enumerate(SPREAD):
        pos = q * top
        low = np.floor(pos).astype(np.int64)
        below = np.take_along_axis(rows, low[:, None], axis=1)[:, 0]
        above = np.take_along_axis(rows, np.minimum(low + 1, top)[:, None], axis=1)[:, 0]
        out[i, has] = below + (pos - low) * (above - below)
    return out


def guess_text(guess: float) -> tuple[str, str]:
    """The guess as a formula when it is ln of a whole vocabulary, and as a value."""
    value = f"{guess:.2f}" if math.isfinite(guess) else "?"
    vocab = round(math.exp(guess)) if math.isfinite(guess) and guess < 50 else 0
    if vocab > 1 and math.isclose(math.log(vocab), guess, abs_tol=1e-9):
        return f"ln({vocab}) = {value}", value
    return value, value


# The style of each mark where the legend shows it.
MARK_CLASS = {"⠒": "loss-chart--loss", "░": "loss-chart--band", "━": "loss-chart--mean",
              "┄": "loss-chart--guess", "●": "loss-chart--last",
              "◆": "loss-chart--original", "■": "loss-chart--held-out"}  # fmt: skip


@dataclass(frozen=True)
class Measured:
    """How a measured series is drawn: its mark where measured and between measurements
    (glyphs of their own, so that each series reads without colour), and its cell kind."""

    mark: str
    between: str
    kind: int


ORIGINAL_MARKS = Measured("◆", "·", ORIGINAL)  # the original-corpus loss, fine-tuning
HELD_OUT_MARKS = Measured("■", "▪", HELD_OUT)  # the held-out loss


def legend_lines(items: Sequence[Sequence[str]], width: int) -> list[str]:
    """The legend's lines from items, each told from long to short: on one line if it fits
    with each item at most a little shorter, else on two with items as long as fit,
    shortened only as far as they must be (at worst on more lines: never cut)."""
    best: tuple[tuple[int, ...], list[str]] | None = None
    for levels in product(*(range(len(texts)) for texts in items)):
        texts = [item[level] for item, level in zip(items, levels, strict=True)]
        for gap in ("  ", " "):
            lines = [texts[0]]
            for text in texts[1:]:
                if len(lines[-1] + gap + text) > width:
                    lines.append(text)
                else:
                    lines[-1] += gap + text
            n, cut = len(lines), sum(len(line) > width for line in lines)
            short = 1 if n == 1 and max(levels) <= 1 else max(n, 2)  # one line, if not terse
            key = (cut, max(0, n - 2), short, len(gap) == 1, sum(levels))
            if best is None or key < best[0]:
                best = (key, lines)
    assert best is not None
    return best[1]


@dataclass(frozen=True)
class Scale:
    """Maps a loss to a braille dot row: `lo` at the bottom row, `hi` at the top."""

    lo: float
    hi: float
    dots_h: int  # 4 dot rows per line of text

    def dot_rows(self, values: np.ndarray) -> np.ndarray:
        rows = np.rint((self.hi - values) / (self.hi - self.lo) * (self.dots_h - 1))
        return np.clip(np.nan_to_num(rows), 0, self.dots_h - 1).astype(np.int64)

    def cell_rows(self, values: np.ndarray) -> np.ndarray:
        return self.dot_rows(values) // 4

    def cell_row(self, value: float) -> int:
        return int(self.cell_rows(np.array([value]))[0])


@dataclass(frozen=True)
class Series:
    """What the plot draws, worked out once per build."""

    values: np.ndarray  # the losses, step k + 1 at [k]
    cols: np.ndarray  # each step's plot cell column
    mean: np.ndarray  # the running mean at each step
    spread: np.ndarray | None  # the band's bottom and top at each column; None: single dots
    original: np.ndarray  # (steps done, loss) of each original-corpus measurement
    held_out: np.ndarray  # (steps done, loss) of each held-out measurement

    def measured(self) -> tuple[tuple[Measured, np.ndarray], ...]:
        """The measured series that have points, with how each is drawn."""
        both = ((ORIGINAL_MARKS, self.original), (HELD_OUT_MARKS, self.held_out))
        return tuple((marks, points) for marks, points in both if len(points))


class LossChart(LineWidget):
    """Per-step training loss, its running mean and the random-guess level."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*KIND_CLASS[1:], "loss-chart--axis"}

    DEFAULT_CSS = """
    LossChart {
        height: 1fr;
        min-height: 6;
        & > .loss-chart--loss { color: #56B4E9; }  /* Okabe-Ito sky blue */
        & > .loss-chart--band { color: #56B4E9 60%; }  /* light: the mean is drawn over it */
        & > .loss-chart--mean { color: #E69F00; text-style: bold; }  /* Okabe-Ito orange */
        & > .loss-chart--guess { color: $text-muted; }
        & > .loss-chart--last { color: $text; text-style: bold; }
        & > .loss-chart--original { color: #009E73; text-style: bold; }  /* bluish green */
        & > .loss-chart--held-out { color: #CC79A7; text-style: bold; }  /* reddish purple */
        & > .loss-chart--axis { color: $text-muted; }
        &:light > .loss-chart--loss { color: #0072B2; }
        &:light > .loss-chart--band { color: #0072B2 60%; }
        &:light > .loss-chart--mean { color: #D55E00; }
        &:light > .loss-chart--original { color: #00704F; }  /* darker: 4.5:1 on light */
        &:light > .loss-chart--held-out { color: #A4407A; }
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._losses = np.zeros(0)
        self._guess = math.nan
        self._original = np.zeros((0, 2))
        self._held_out = np.zeros((0, 2))
        self._key: tuple[object, ...] = ()

    def show(
        self,
        losses: Sequence[float],
        guess: float,
        original: Mapping[int, float] | None = None,
        held_out: Mapping[int, float] | None = None,
    ) -> None:
        """Plot `losses` (losses[k] is the loss of step k + 1) and the guess line; and
        `original` and `held_out`, the original-corpus and the held-out loss once k steps
        were done, for the k measured."""
        n = len(losses)
        original_points = tuple(sorted((original or {}).items()))
        held_out_points = tuple(sorted((held_out or {}).items()))
        ends = (losses[0], losses[-1]) if n else None
        key = (n, guess, ends, original_points, held_out_points)
        if key == self._key:  # the app calls this at every refresh, mostly unchanged
            return
        self._key = key
        self._losses = np.array(losses, dtype=np.float64)
        self._guess = guess
        self._original = np.array(original_points, dtype=np.float64).reshape(-1, 2)
        self._held_out = np.array(held_out_points, dtype=np.float64).reshape(-1, 2)
        self._invalidate()

    def _build(self, width: int, height: int) -> list[Strip]:
        values, guess = self._losses, self._guess
        if not len(values):
            pad = " " * max(0, (width - len(HINT)) // 2)
            hint = self._line([(pad + HINT, "loss-chart--axis")], width)
            return [Strip.blank(width, self._style(""))] * (height // 2) + [hint]
        top = y_range(values, guess)[1]
        label_w = len(f"{top:.2f}" if top < 100 else f"{top:.0f}")  # unless a loss is < 0
        for _ in range(3):  # again if the labels are not that wide (a band's range leaves
            # out the outlier that made them so) or, with a negative loss, wider
            plot_w = max(1, width - label_w - 1)
            series = self._series(values, guess, plot_w, height)
            legend = self._legend(series, guess, width)
            plot_h = max(1, height - len(legend) - 2)  # the axis and step numbers below
            scale = Scale(*self._range(series, guess), plot_h * 4)
            labels = self._y_labels(scale, plot_h, guess)
            widest = max(len(text) for text, _ in labels.values())
            if widest == label_w:
                break
            label_w = widest
        kinds, chars = self._plot(series, guess, scale, plot_w, plot_h)
        strips = legend
        for r in range(plot_h):
            text, name = labels.get(r, ("", "loss-chart--axis"))
            axis = [(text.rjust(label_w), name), ("┤" if text else "│", "loss-chart--axis")]
            strips.append(self._line(axis + self._runs(kinds[r], chars[r]), width))
        strips += self._x_axis(len(values), label_w, plot_w, width)
        return strips

    def _series(self, values: np.ndarray, guess: float, plot_w: int, height: int) -> Series:
        """Single dots or a band (see MAX_DOT_DENSITY), decided on the plot of every dot."""
        n, dot_columns = len(values), plot_w * 2
        cols = step_columns(n, dot_columns) // 2
        mean = running_mean(values, MEAN_WINDOW)
        spread = None
        if n > dot_columns:
            lo, hi = y_range(values, guess)
            dot_rows = max(1, height - 4) * 4  # two legend lines at most, and the x axis
            residual = (values - mean)[np.isfinite(values - mean)]
            low, high = np.quantile(residual, SPREAD) if residual.size else (0.0, 0.0)
            covered = max(1.0, (high - low) / (hi - lo) * dot_rows)
            if n / dot_columns > MAX_DOT_DENSITY * covered:
                ends = np.searchsorted(cols, np.arange(plot_w), side="right") - 1
                spread = recent_spread(values, ends, MEAN_WINDOW)
        return Series(values, cols, mean, spread, self._original, self._held_out)

    def _range(self, series: Series, guess: float) -> tuple[float, float]:
        """Single dots: every loss. A band: the band, the mean and the last step, so that
        rare outliers, not drawn, do not squeeze the plot."""
        measured = np.concatenate([series.original[:, 1], series.held_out[:, 1]])
        if series.spread is None:
            return y_range(np.concatenate([series.values, measured]), guess)
        return y_range(np.concatenate([series.spread.ravel(), series.mean, series.values[-1:],
                                       measured]), guess)  # fmt: skip

    def _y_labels(self, scale: Scale, plot_h: int, guess: float) -> dict[int, tuple[str, str]]:
        """Top, bottom and middle values, and the guess value on its own row."""
        lo, hi = scale.lo, scale.hi
        fmt = "{:.2f}" if hi < 100 else "{:.0f}"
        values = {0: hi, plot_h - 1: lo} if plot_h > 1 else {0: hi}
        if plot_h >= 5:
            mid = (plot_h - 1) // 2
            values[mid] = hi - (hi - lo) * mid / (plot_h - 1)
        labels = {r: (fmt.format(v), "loss-chart--axis") for r, v in values.items()}
        if math.isfinite(guess):
            g = scale.cell_row(guess)
            for near in (g - 1, g + 1):  # keep labels apart so each reads unambiguously
                if near in labels and near not in (0, plot_h - 1):
                    del labels[near]
            labels[g] = (fmt.format(guess), "loss-chart--guess")
        return labels

    def _plot(
        self, series: Series, guess: float, scale: Scale, plot_w: int, plot_h: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per cell: which series it shows (kinds) and its character code (chars)."""
        values, cols = series.values, series.cols
        kinds = np.full((plot_h, plot_w), BLANK)
        chars = np.full((plot_h, plot_w), ord(" "))
        ys = np.arange(plot_h)[:, None]
        if series.spread is not None:
            bottom, top = scale.cell_rows(series.spread)  # top is the smaller row
            band = (ys >= top) & (ys <= bottom) & np.isfinite(series.spread[0])
            kinds[band], chars[band] = BAND, ord("░")
        else:
            finite = np.isfinite(values)
            dots = np.zeros((plot_h * 4, plot_w * 2), dtype=bool)
            dot_cols = step_columns(len(values), plot_w * 2)
            dots[scale.dot_rows(values[finite]), dot_cols[finite]] = True
            bits = dots.reshape(plot_h, 4, plot_w, 2) * BRAILLE_BITS[None, :, None, :]
            codes = bits.sum((1, 3))
            kinds[codes > 0], chars[codes > 0] = LOSS, 0x2800 + codes[codes > 0]
        if math.isfinite(guess):
            g = scale.cell_row(guess)
            free = kinds[g] == BLANK
            kinds[g, free], chars[g, free] = GUESS, ord("┄")
        self._draw_mean(series, scale, kinds, chars)
        self._draw_measured(series, scale, kinds, chars)
        last = len(values) - 1
        if math.isfinite(values[last]):
            r, c = scale.cell_row(values[last]), cols[last]
            kinds[r, c], chars[r, c] = LAST, ord("●")
        return kinds, chars

    def _draw_mean(
        self, series: Series, scale: Scale, kinds: np.ndarray, chars: np.ndarray
    ) -> None:
        """The mean as a connected heavy line: in each column it runs from where the
        previous column left it (the first step, for the first column) to its value at the
        column's last step, so a steep early fall shows as a vertical stroke."""
        plot_h, plot_w = kinds.shape
        has_mean = np.isfinite(series.mean)
        if not has_mean.any():
            return
        last = np.full(plot_w, -1)
        np.maximum.at(last, series.cols[has_mean], np.flatnonzero(has_mean))
        used = np.flatnonzero(last >= 0)
        cols = np.arange(used[0], used[-1] + 1)
        end = scale.cell_rows(np.interp(cols, used, series.mean[last[used]]))
        start = np.concatenate((scale.cell_rows(series.mean[has_mean][:1]), end[:-1]))
        ys = np.arange(plot_h)[:, None]
        on = (ys >= np.minimum(start, end)) & (ys <= np.maximum(start, end))
        down, up = end > start, end < start  # in rows: down the screen is a falling loss
        glyph = np.full(on.shape, ord("┃"))
        glyph[:, start == end] = ord("━")
        glyph[(ys == start) & down & (cols > 0)] = ord("┓")
        glyph[(ys == end) & down] = ord("┗")
        glyph[(ys == start) & up & (cols > 0)] = ord("┛")
        glyph[(ys == end) & up] = ord("┏")
        if series.spread is None and len(series.values) <= plot_w * 2:
            on &= kinds[:, cols] != LOSS  # one dot per step: never hide one under the mean
        target_kinds, target_chars = kinds[:, cols], chars[:, cols]
        target_kinds[on], target_chars[on] = MEAN, glyph[on]
        kinds[:, cols], chars[:, cols] = target_kinds, target_chars

    def _draw_measured(
        self, series: Series, scale: Scale, kinds: np.ndarray, chars: np.ndarray
    ) -> None:
        """The measured losses (original corpus ◆, held-out ■): a mark where measured
        (after k steps: at step k's column, the first column before the first step), joined
        through the columns between by a smaller mark of the same series (but where the
        mean runs, or another series is marked); over everything but the last step's mark."""
        n = len(series.values)
        marked = []
        for marks, points in series.measured():
            steps = np.clip(points[:, 0].astype(np.int64) - 1, 0, n - 1)
            at, rows = series.cols[steps], scale.cell_rows(points[:, 1])
            marked.append((marks, at, rows))
            if len(at) > 1:
                between = np.arange(at[0], at[-1] + 1)
                line = scale.cell_rows(np.interp(between, at, points[:, 1]))
                free = kinds[line, between] != MEAN  # the dots between never hide the mean
                line, between = line[free], between[free]
                kinds[line, between], chars[line, between] = marks.kind, ord(marks.between)
        for marks, at, rows in marked:  # after every line: a line never hides a mark
            kinds[rows, at], chars[rows, at] = marks.kind, ord(marks.mark)

    def _runs(self, kinds: np.ndarray, chars: np.ndarray) -> list[tuple[str, str]]:
        """One piece per run of cells of the same series; blanks join the dots' runs (a
        space looks the same in any colour), halving the segments of a scattered plot."""
        text = "".join(map(chr, chars.tolist()))
        kinds = np.where(kinds == BLANK, LOSS, kinds)
        cuts = [0, *(np.flatnonzero(np.diff(kinds)) + 1).tolist(), len(kinds)]
        return [(text[a:b], KIND_CLASS[int(kinds[a])]) for a, b in pairwise(cuts)]

    def _legend(self, series: Series, guess: float, width: int) -> list[Strip]:
        """Each mark and what it is, in words."""
        formula, value = guess_text(guess)
        last = f"{series.values[-1]:.2f}"
        w = MEAN_WINDOW
        if series.spread is not None:  # band and mean are of the same steps: one item
            both = f"━ mean and ░ middle 80% of the last {w} steps"
            steps: tuple[tuple[str, ...], ...] = (
                (both, f"━ mean, ░ 80% of last {w} steps", f"━ mean, ░ 80% of last {w}"),
            )
        else:
            steps = (
                ("⠒ loss of a step", "⠒ a step's loss", "⠒ step's loss", "⠒ a step"),
                (f"━ mean of last {w} steps", f"━ mean of last {w}"),
            )
        items = (
            *steps,  # the guess's value is also on the y axis, on the guess's row
            (f"┄ random guess {formula}", f"┄ random guess {value}", "┄ random guess"),
            (f"● last step {last}", f"● last {last}"),
            *self._original_legend(series),
            *self._held_out_legend(series),
        )
        lines = legend_lines(items, width)
        runs = [groupby(line, lambda ch: MARK_CLASS.get(ch, "")) for line in lines]
        return [self._line([("".join(text), cls) for cls, text in run], width) for run in runs]

    def _original_legend(self, series: Series) -> tuple[tuple[str, ...], ...]:
        if not len(series.original):
            return ()
        now, start = series.original[-1, 1], series.original[0, 1]
        rise = f"{now - start:+.2f}"
        mark = ORIGINAL_MARKS.mark
        return (
            (
                f"{mark} original corpus {now:.2f} ({rise} since loaded)",
                f"{mark} original corpus {now:.2f} ({rise})",
                f"{mark} original {now:.2f} ({rise})",
                f"{mark} original {now:.2f}",
            ),
        )

    def _held_out_legend(self, series: Series) -> tuple[tuple[str, ...], ...]:
        if not len(series.held_out):
            return ()
        mark, now = HELD_OUT_MARKS.mark, series.held_out[-1, 1]
        return ((f"{mark} held-out loss {now:.2f}", f"{mark} held-out {now:.2f}"),)

    def _x_axis(self, n: int, label_w: int, plot_w: int, width: int) -> list[Strip]:
        """The axis line, and the first, last and middle step numbers under their ticks."""
        x = step_columns(n, plot_w * 2) // 2
        axis, numbers = ["─"] * plot_w, [" "] * plot_w
        taken: list[tuple[int, int]] = []
        for step, align in ((n, 1.0), (1, 0.0), ((n + 1) // 2, 0.5)):  # the ends first
            col, text = int(x[step - 1]), f"{step:,}"
            start = min(max(col - int((len(text) - 1) * align), 0), plot_w - len(text))
            end = start + len(text)
            if start < 0 or any(start <= b and end >= a for a, b in taken):
                continue  # no room beside a label already placed (or the same step)
            taken.append((start, end))
            axis[col] = "┴"
            numbers[start:end] = text
        margin = " " * label_w
        return [
            self._line([(margin + "└" + "".join(axis), "loss-chart--axis")], width),
            self._line([(margin + " " + "".join(numbers), "loss-chart--axis")], width),
        ]
