"""A sentence's loss without a graph: the same forward pass as `core.model.loss`, on whole
numpy arrays, giving the very same float.

Exactness is kept the way the scalar engine keeps it: every sum adds left to right from
+0 (`np.add.accumulate` is sequential by definition), every power is fdlibm's (`x ** -1`
is `pow(x, -1)`, a division would round differently), exponentials use the vectorised
fdlibm `exp`, and all positions are computed at once only where a position cannot see a
later one: attention masks the later positions out with zeros added after the ones it
sees, which leaves every sum unchanged. Used where no gradient is needed (measuring the
original-corpus loss while fine-tuning); a test checks it against the graph's loss.
"""

from __future__ import annotations

import math

import numpy as np

from core.autograd.primitives import RMSNORM_EPS
from core.model.gpt import Model
from core.reference import jsmath


def sentence_loss_value(model: Model, tokens: list[int]) -> float:
    """The loss `core.model.loss.sentence_loss` computes, as a number."""
    config = model.config
    n = min(config.block_size, len(tokens) - 1)
    rows = model.params
    hidden = (
        rows["token_embedding"].data_rows[tokens[:n]] + rows["position_embedding"].data_rows[:n]
    )
    hidden = _rmsnorm(hidden)
    for li in range(config.n_layer):
        layer = model.layer(li)
        before = hidden
        hidden = _rmsnorm(hidden)
        query = _linear(hidden, layer.query.data_rows)
        key = _linear(hidden, layer.key.data_rows)
        value = _linear(hidden, layer.value.data_rows)
        attended = _attention(query, key, value, config.n_head, config.head_dim)
        hidden = _linear(attended, layer.attention_output.data_rows) + before
        before = hidden
        hidden = _linear(_rmsnorm(hidden), layer.mlp_hidden.data_rows)
        hidden = np.where((hidden > 0) | np.isnan(hidden), hidden, 0.0)  # Math.max(0, x)
        hidden = _linear(hidden, layer.mlp_output.data_rows) + before
    logits = _linear(hidden, rows["output"].data_rows)
    total = 0.0
    for pos in range(n):
        exps, inverse = _softmax(logits[pos])
        p = exps[tokens[pos + 1]] * inverse
        total += jsmath.log(p) * -1.0
    return total * jsmath.pow(n, -1.0)


def _sum_last(products: np.ndarray) -> np.ndarray:
    """Σ over the last axis, left to right from +0."""
    return np.add.accumulate(products, axis=-1)[..., -1] + 0.0


def _linear(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each row of x through the layer: W x, row by row."""
    return _sum_last(weights[None, :, :] * x[:, None, :])


def _rmsnorm(x: np.ndarray) -> np.ndarray:
    inverse = jsmath.pow(x.shape[1], -1.0)
    mean_square = _sum_last(x * x) * inverse
    scale = np.array([jsmath.pow(m + RMSNORM_EPS, -0.5) for m in mean_square.tolist()])
    return x * scale[:, None]


def _softmax(scores: np.ndarray) -> tuple[np.ndarray, float]:
    """exp(s - max) and total ** -1, for the scores one position sees."""
    top = float(np.max(scores))  # NaN if any is, as Math.max (the sign of a zero max
    # cannot change s + (-max), nor so its exp)
    exps = jsmath.exp_array(scores + (-top))
    total = float(np.add.accumulate(exps)[-1]) + 0.0
    return exps, jsmath.pow(total, -1.0)


def _attention(
    query: np.ndarray, key: np.ndarray, value: np.ndarray, n_head: int, head_dim: int
) -> np.ndarray:
    """Each position's heads, attending over the positions up to its own."""
    n = query.shape[0]
    scale = jsmath.pow(math.sqrt(head_dim), -1.0)
    out = np.empty_like(query)
    for h in range(n_head):
        cols = slice(h * head_dim, (h + 1) * head_dim)
        scores = _sum_last(query[:, None, cols] * key[None, :, cols]) * scale  # [t, s]
        weights = np.zeros((n, n))
        for t in range(n):
            exps, inverse = _softmax(scores[t, : t + 1])
            weights[t, : t + 1] = exps * inverse
        # Σ_s w[t, s] v[s, j], s from 0 up: the later positions add zeros at the end.
        out[:, cols] = _sum_last(weights[:, None, :] * value[None, :, cols].transpose(0, 2, 1))
    return out
