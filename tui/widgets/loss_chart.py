"""The loss chart: every step's loss as braille dots, its running mean (the last
`MEAN_WINDOW` steps), and the random-guess line ln(vocab) where an untrained model starts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import ClassVar

import numpy as np
from textual.strip import Strip

from core.training.stats import MEAN_WINDOW, running_mean
from tui.widgets.line_widget import LineWidget

HINT = "no steps yet: press space"
# Bit of each braille dot in a cell, by [dot row 0-3][dot column 0-1].
BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]])
# What a plot cell shows. The mean is drawn over the loss dots (unless there is one dot per
# step), and both over the guess line.
BLANK, LOSS, MEAN, GUESS = 0, 1, 2, 3
KIND_CLASS = ("", "loss-chart--loss", "loss-chart--mean", "loss-chart--guess")


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


@dataclass(frozen=True)
class Scale:
    """Maps a loss to a braille dot row: `lo` at the bottom row, `hi` at the top."""

    lo: float
    hi: float
    dots_h: int  # 4 dot rows per line of text

    def dot_rows(self, values: np.ndarray) -> np.ndarray:
        rows = np.rint((self.hi - values) / (self.hi - self.lo) * (self.dots_h - 1))
        return np.clip(rows, 0, self.dots_h - 1).astype(np.int64)

    def cell_row(self, value: float) -> int:
        return int(self.dot_rows(np.array([value]))[0]) // 4


class LossChart(LineWidget):
    """Per-step training loss, its running mean and the random-guess level."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*KIND_CLASS[1:], "loss-chart--axis"}

    DEFAULT_CSS = """
    LossChart {
        height: 1fr;
        min-height: 6;
        & > .loss-chart--loss { color: #56B4E9; }  /* Okabe-Ito sky blue */
        & > .loss-chart--mean { color: #E69F00; text-style: bold; }  /* Okabe-Ito orange */
        & > .loss-chart--guess { color: $text-muted; }
        & > .loss-chart--axis { color: $text-muted; }
        &:light > .loss-chart--loss { color: #0072B2; }
        &:light > .loss-chart--mean { color: #D55E00; }
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
        self._key: tuple[object, ...] = ()

    def show(self, losses: Sequence[float], guess: float) -> None:
        """Plot `losses` (losses[k] is the loss of step k + 1) and the guess line."""
        n = len(losses)
        key = (n, guess, losses[0] if n else None, losses[-1] if n else None)
        if key == self._key:  # the app calls this at every refresh, mostly unchanged
            return
        self._key = key
        self._losses = np.array(losses, dtype=np.float64)
        self._guess = guess
        self._invalidate()

    def _build(self, width: int, height: int) -> list[Strip]:
        values, guess = self._losses, self._guess
        if not len(values):
            pad = " " * max(0, (width - len(HINT)) // 2)
            hint = self._line([(pad + HINT, "loss-chart--axis")], width)
            return [Strip.blank(width, self._style(""))] * (height // 2) + [hint]
        plot_h = max(1, height - 3)  # legend above, axis and step numbers below
        scale = Scale(*y_range(values, guess), plot_h * 4)
        labels = self._y_labels(scale, plot_h, guess)
        label_w = max(len(text) for text, _ in labels.values())
        plot_w = max(1, width - label_w - 1)
        kinds, chars = self._plot(values, guess, scale, plot_w, plot_h)
        strips = [self._legend(guess, width)]
        for r in range(plot_h):
            text, name = labels.get(r, ("", "loss-chart--axis"))
            axis = [(text.rjust(label_w), name), ("┤" if text else "│", "loss-chart--axis")]
            strips.append(self._line(axis + self._runs(kinds[r], chars[r]), width))
        strips += self._x_axis(len(values), label_w, plot_w, width)
        return strips

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
        self, values: np.ndarray, guess: float, scale: Scale, plot_w: int, plot_h: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per cell: which series it shows (kinds) and its character code (chars)."""
        n, dots_h = len(values), plot_h * 4
        x = step_columns(n, plot_w * 2)
        finite = np.isfinite(values)
        # Each dot column spans from the lowest to the highest loss binned into it.
        top, bottom = np.full(plot_w * 2, dots_h), np.full(plot_w * 2, -1)
        rows = scale.dot_rows(values[finite])
        np.minimum.at(top, x[finite], rows)
        np.maximum.at(bottom, x[finite], rows)
        ys = np.arange(dots_h)[:, None]
        dots = (ys >= top) & (ys <= bottom)
        codes = (dots.reshape(plot_h, 4, plot_w, 2) * BRAILLE_BITS[None, :, None, :]).sum((1, 3))
        kinds = np.where(codes > 0, LOSS, BLANK)
        chars = 0x2800 + codes
        if math.isfinite(guess):
            g = scale.cell_row(guess)
            free = kinds[g] == BLANK
            kinds[g, free], chars[g, free] = GUESS, ord("┄")
        mean = running_mean(values, MEAN_WINDOW)
        has_mean = np.isfinite(mean)
        if n >= 2 and has_mean.any():
            # The mean at each column's last step, interpolated across unused columns.
            last = np.full(plot_w, -1)
            np.maximum.at(last, x[has_mean] // 2, np.flatnonzero(has_mean))
            used = np.flatnonzero(last >= 0)
            cols = np.arange(used[0], used[-1] + 1)
            row = scale.dot_rows(np.interp(cols, used, mean[last[used]])) // 4
            if n <= plot_w * 2:  # one dot per step: never hide one under the mean
                keep = kinds[row, cols] != LOSS
                row, cols = row[keep], cols[keep]
            kinds[row, cols], chars[row, cols] = MEAN, ord("━")
        return kinds, chars

    def _runs(self, kinds: np.ndarray, chars: np.ndarray) -> list[tuple[str, str]]:
        """One piece per run of cells of the same series."""
        text = "".join(map(chr, chars.tolist()))
        cuts = [0, *(np.flatnonzero(np.diff(kinds)) + 1).tolist(), len(kinds)]
        pieces = []
        for a, b in pairwise(cuts):
            kind = int(kinds[a])
            pieces.append((text[a:b] if kind else " " * (b - a), KIND_CLASS[kind]))
        return pieces

    def _legend(self, guess: float, width: int) -> Strip:
        value = f"{guess:.2f}" if math.isfinite(guess) else "?"
        for names in (("loss", f"mean of last {MEAN_WINDOW}", f"random guess {value}"),
                      ("loss", f"mean/{MEAN_WINDOW}", f"guess {value}")):  # fmt: skip
            pieces: list[tuple[str, str]] = []
            for glyph, name, cls in zip("⠒━┄", names, KIND_CLASS[1:]):
                pieces += [(glyph, cls), (f" {name}  ", "")]
            if sum(len(t) for t, _ in pieces) - 2 <= width:
                break
        return self._line(pieces, width)

    def _x_axis(self, n: int, label_w: int, plot_w: int, width: int) -> list[Strip]:
        """The axis line, and the first, last and middle step numbers under their ticks."""
        x = step_columns(n, plot_w * 2) // 2
        axis, numbers = ["─"] * plot_w, [" "] * plot_w
        taken: list[tuple[int, int]] = []
        for step, align in ((1, 0.0), (n, 1.0), ((n + 1) // 2, 0.5)):
            col, text = int(x[step - 1]), str(step)
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
