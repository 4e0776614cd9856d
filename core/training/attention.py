"""A step's attention weights, as plain data: at position t, each head's softmax over its
scores for positions 0..t (the causal mask: a word never sees the words after it). They
are the numbers the forward pass that trained multiplied the cached values by."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AttentionWeights:
    """Every head's weights at every position fed, packed as float64s: position by
    position, then layer by layer and head by head, then over the positions seen."""

    n_layer: int
    n_head: int
    positions: int
    """Positions fed (the KV cache holds this many rows per layer)."""
    data: bytes = field(repr=False)

    @classmethod
    def record(
        cls, n_layer: int, n_head: int, per_position: Sequence[Sequence[Sequence[float]]]
    ) -> AttentionWeights:
        """From the forward pass's lists: at each position, n_layer × n_head weight lists,
        the one at position t of length t + 1."""
        packed = array("d")
        for t, heads in enumerate(per_position):
            if len(heads) != n_layer * n_head or any(len(w) != t + 1 for w in heads):
                raise ValueError(f"position {t} has not {n_layer}×{n_head} heads of {t + 1}")
            for weights in heads:
                packed.extend(weights)
        return cls(n_layer, n_head, len(per_position), packed.tobytes())

    def at(self, position: int, layer: int, head: int) -> tuple[float, ...]:
        """How much the head at `position` took from each of positions 0..position."""
        if not (0 <= position < self.positions and 0 <= layer < self.n_layer):
            raise IndexError(f"no attention at position {position}, layer {layer}")
        if not 0 <= head < self.n_head:
            raise IndexError(f"no head {head}")
        heads = self.n_layer * self.n_head
        start = heads * position * (position + 1) // 2 + (layer * self.n_head + head) * (
            position + 1
        )
        values = array("d")
        values.frombytes(self.data[8 * start : 8 * (start + position + 1)])
        return tuple(values)

    def matrix(self, layer: int, head: int) -> tuple[tuple[float, ...], ...]:
        """One head over the sentence: row t is its weights at position t (the causal
        matrix; the positions after t are not there)."""
        return tuple(self.at(t, layer, head) for t in range(self.positions))
