"""The neural-network building blocks the GPT is assembled from: linear, softmax, rmsnorm
(the tutorial's `nn.ts`), plus the embedding lookup. Each is written in the tutorial's
shape with `Value` ops; the heavy parts use fused nodes that give identical bits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np

from core.autograd.engine import BackwardPass, Value, dot, vsum
from core.autograd.linear import linear
from core.autograd.params import Matrix
from core.reference import jsmath

__all__ = ["Softmax", "embed", "linear", "rmsnorm", "scale_down", "softmax"]

RMSNORM_EPS = 1e-5
SHIFTED_EXP = "exp-max"  # the op of softmax's exp(l - max) nodes
_VECTOR_EXP_FROM = 8  # below this many logits, scalar exp is cheaper than numpy's overhead


def scale_down(v: Value, divisor: float) -> Value:
    """v.div(divisor) for a plain-number divisor: the reference makes Value(divisor), its
    pow(-1) and a mul; only v's side of that carries a gradient, so one node suffices."""
    inverse = jsmath.pow(divisor, -1.0)
    # The op keeps the divisor's every digit: the graph's explorer rebuilds the reference's
    # nodes from it.
    return Value(v.data * inverse, (v,), (inverse,), f"/{divisor!r}")


def rmsnorm(x: Sequence[Value]) -> list[Value]:
    """Scale x to unit root-mean-square: x / sqrt(mean(x²) + 1e-5)."""
    mean_square = scale_down(dot(x, x), len(x))
    scale = mean_square.add(RMSNORM_EPS).pow(-0.5)
    return [xi.mul(scale) for xi in x]


def softmax(logits: Sequence[Value]) -> Softmax:
    """Probabilities exp(l - max) / Σ exp(l - max); the max is subtracted as a plain
    number, as in the reference (it needs no gradient: softmax does not depend on it)."""
    data = [v.data for v in logits]
    max_val = _js_max(data)
    if len(data) >= _VECTOR_EXP_FROM:
        exps = jsmath.exp_array(np.array(data) + (-max_val)).tolist()
    else:
        exps = [jsmath.exp(d + (-max_val)) for d in data]
    # "exp-max": exp(l - max), one node for five of the reference's.
    exp_nodes = [Value(e, (v,), (e,), SHIFTED_EXP) for v, e in zip(logits, exps)]
    return Softmax(exp_nodes, vsum(exp_nodes))


class Softmax(Sequence[Value]):
    """The output of `softmax`: probability nodes made on first use, since a loss reads
    just one of the vocabulary's ~600 (the reference makes them all; the unused ones are
    never part of its graph either). `values()` gives every probability as numbers."""

    def __init__(self, exps: list[Value], total: Value) -> None:
        self.exps = exps
        self.total = total
        self.inverse = _Inverse(total)
        self._probs: dict[int, Value] = {}

    def __len__(self) -> int:
        return len(self.exps)

    @overload
    def __getitem__(self, i: int) -> Value: ...
    @overload
    def __getitem__(self, i: slice) -> list[Value]: ...
    def __getitem__(self, i: int | slice) -> Value | list[Value]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        prob = self._probs.get(i)
        if prob is None:
            e = self.exps[i]  # raises IndexError past the end, as a list would
            prob = self._probs[i] = Probability(
                e.data * self.inverse.value, e, self.total, self.inverse
            )
        return prob

    def __iter__(self) -> Iterator[Value]:
        return (self[i] for i in range(len(self)))

    def values(self) -> np.ndarray:
        """Every probability, exactly as the nodes would hold them."""
        return np.array([e.data for e in self.exps]) * self.inverse.value


class _Inverse:
    """total ** -1 and its local derivative, shared by a softmax's probabilities (the
    reference recomputes them in every pow node; the values are the same)."""

    __slots__ = ("_local", "_total", "value")

    def __init__(self, total: Value) -> None:
        self.value = jsmath.pow(total.data, -1.0)  # i.e. 1 / total
        self._local: float | None = None
        self._total = total.data

    def local(self) -> float:
        """d(total ** -1)/d(total) = -1 * total ** -2, as the reference's pow node."""
        if self._local is None:
            self._local = -1.0 * jsmath.pow(self._total, -2.0)
        return self._local


class Probability(Value):
    """One softmax output, exp_i * total**-1: the reference's `e.div(total)`, a mul and a
    pow node. Backward does both nodes' work in the same order."""

    __slots__ = ("_inverse",)

    def __init__(self, data: float, exp: Value, total: Value, inverse: _Inverse) -> None:
        super().__init__(data, (exp, total), (), "softmax")
        self._inverse = inverse

    def _backward(self, run: BackwardPass) -> None:
        g = self.grad
        exp, total = self._children
        inverse = self._inverse
        exp.grad += inverse.value * g
        total.grad += inverse.local() * (exp.data * g)  # via the pow node's grad


def embed(token_embedding: Matrix, token: int, position_embedding: Matrix, pos: int) -> list[Value]:
    """The token's embedding row plus the position's, element by element."""
    tok_row = token_embedding.offset + token * token_embedding.cols
    pos_row = position_embedding.offset + pos * position_embedding.cols
    sums = (token_embedding.data_rows[token] + position_embedding.data_rows[pos]).tolist()
    grads = token_embedding.flat_grad
    return [EmbeddingSum(s, tok_row + i, pos_row + i, grads) for i, s in enumerate(sums)]


class EmbeddingSum(Value):
    """token_embedding[t][i] + position_embedding[p][i], with both parameters in the flat
    array: its gradient goes straight into the flat gradient array."""

    __slots__ = ("_grads", "_position_index", "_token_index")

    def __init__(self, data: float, token_index: int, position_index: int, grads: np.ndarray):
        super().__init__(data, (), (), "embed")
        self._token_index = token_index
        self._position_index = position_index
        self._grads = grads

    def _sort_children(self, token: object) -> tuple[Value, ...]:
        return ()

    def _backward(self, run: BackwardPass) -> None:
        g = self.grad
        self._grads[self._token_index] += g
        self._grads[self._position_index] += g
        if run.log is not None:
            run.log.append(self)


def _js_max(data: list[float]) -> float:
    """Math.max(...data): NaN if any value is NaN (Python's max would skip past it)."""
    best = -float("inf")
    for d in data:
        if d != d:
            return d
        if d > best:
            best = d
    return best
