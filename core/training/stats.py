"""The loss's running mean: one window and one definition, for every place that shows it."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MEAN_WINDOW = 100  # steps in the running mean


@dataclass(frozen=True)
class RecentMean:
    """The mean loss of the last steps."""

    value: float
    """The mean of the finite losses among those steps."""
    steps: int
    """How many steps it covers: MEAN_WINDOW, or every step while there are fewer."""


def recent_mean(losses: Sequence[float], window: int = MEAN_WINDOW) -> RecentMean | None:
    """The mean of the last `window` losses (losses[k] is step k + 1's); None before any
    step, or if none of them is finite. Summed exactly (`statistics.fmean`), so the number
    does not depend on how long the run has been going."""
    recent = losses[-window:]
    finite = [x for x in recent if math.isfinite(x)]
    if not finite:
        return None
    return RecentMean(statistics.fmean(finite), len(recent))


def running_mean(values: np.ndarray, window: int = MEAN_WINDOW) -> np.ndarray:
    """At every step, the mean of the finite values among the last `window` steps (NaN if
    none): the series whose last element `recent_mean` gives, up to rounding."""
    finite = np.isfinite(values)
    sums = np.concatenate(([0.0], np.cumsum(np.where(finite, values, 0.0))))
    counts = np.concatenate(([0], np.cumsum(finite)))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(ends - window, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums[ends] - sums[starts]) / (counts[ends] - counts[starts])


def guess_loss(vocab_size: int) -> float:
    """The loss of a model that guesses uniformly among the vocabulary: ln(vocab_size),
    the line a learner compares the first steps with (ln 597 = 6.39)."""
    return math.log(vocab_size)
