"""The reference's random number generator, reproduced exactly: mulberry32 with 32-bit
integer semantics, Box-Muller `gauss`, Fisher-Yates `shuffle` and `weighted_choice`.

The tutorial keeps one global stream; here it is an object you create and pass around,
so that a run can be reset, rewound or tested without hidden state.
"""

from __future__ import annotations

import math
from collections.abc import MutableSequence, Sequence
from typing import TypeVar

from core.reference import jsmath

T = TypeVar("T")
_MASK = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """JavaScript's Math.imul on unsigned 32-bit patterns: the low 32 bits of a * b."""
    return (a * b) & _MASK


class Mulberry32:
    """mulberry32: a small, fast, seedable 32-bit generator of uniform floats in [0, 1)."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK  # the reference's `s | 0`, kept as an unsigned pattern

    def random(self) -> float:
        self.state = t = (self.state + 0x6D2B79F5) & _MASK
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _MASK
        return ((t ^ (t >> 14)) & _MASK) / 4294967296

    def gauss(self, mean: float, std: float) -> float:
        """A normal sample by Box-Muller; u1 == 0 is redrawn (log(0) is -Infinity)."""
        u1 = self.random()
        while u1 == 0:
            u1 = self.random()
        u2 = self.random()
        return mean + std * math.sqrt(-2 * jsmath.log(u1)) * jsmath.cos(2 * math.pi * u2)

    def shuffle(self, items: MutableSequence[T]) -> None:
        """Fisher-Yates, in place, from the end as the reference does."""
        for i in range(len(items) - 1, 0, -1):
            j = int(self.random() * (i + 1))
            items[i], items[j] = items[j], items[i]

    def weighted_choice(self, weights: Sequence[float]) -> int:
        """An index drawn with probability proportional to its weight. The total is summed
        left to right from 0, and the last index is the fallback (also for NaN weights)."""
        total = 0.0
        for w in weights:
            total += w
        r = self.random() * total
        for i, w in enumerate(weights):
            r -= w
            if r <= 0:
                return i
        return len(weights) - 1
