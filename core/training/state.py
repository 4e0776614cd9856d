"""The record of a training run's state between two steps: what a snapshot holds, what a
run file saves, what going back restores. A leaf module: it needs only numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrainerState:
    """A training run's changing state between two steps (arrays are read-only copies)."""

    step_index: int
    """Steps done: the next step to run."""
    data: np.ndarray
    """Every parameter, in the reference's order."""
    m: np.ndarray
    """Adam's first moments."""
    v: np.ndarray
    """Adam's second moments."""
    token_row_hits: np.ndarray
    """Per token-embedding row, the steps in which it got a gradient."""
    rng_state: int
    """The generator's state (training draws nothing, sampling does)."""

    @property
    def nbytes(self) -> int:
        return self.data.nbytes + self.m.nbytes + self.v.nbytes + self.token_row_hits.nbytes


def frozen(array: np.ndarray) -> np.ndarray:
    """A read-only copy: a snapshot must not change when the run goes on."""
    copy = array.copy()
    copy.flags.writeable = False
    return copy
