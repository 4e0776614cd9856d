"""The twin engine: the scalar engine's training step on whole arrays (see
core.model.twin_kernel), the same floats to the last bit, some fifty times faster.

`Twin(model)` reads and writes the model's own flat arrays: `gradients(tokens)` adds the
sentence's loss gradient to `model.params.grad` exactly as `loss.backward()` on the
scalar engine's graph does, and `loss(tokens)` is the forward pass alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.model import twin_kernel
from core.model.gpt import Model


@dataclass(frozen=True)
class TwinPass:
    """One sentence through the twin: what the light trace needs."""

    loss: float
    n: int
    probs: np.ndarray
    """p(target) at each position."""
    losses: np.ndarray
    """-log p(target) at each position."""
    finite: bool
    """Whether every weight and every gradient is finite (after a backward pass)."""


class Twin:
    """The twin of one model (it follows the model's weights as they change)."""

    def __init__(self, model: Model) -> None:
        config = model.config
        self.model = model
        self.config = config
        self._offsets = _offsets(model)
        self._data_t = np.empty_like(model.params.data)  # the weights transposed, per pass

    def _run(self, tokens: list[int], backward: bool) -> TwinPass:
        config = self.config
        n = min(config.block_size, len(tokens) - 1)
        probs, losses = np.empty(n), np.empty(n)
        params = self.model.params
        twin_kernel.transposed(
            params.data, self._offsets, config.n_layer, config.n_embd, self._data_t
        )
        loss = twin_kernel.run(
            params.data,
            self._data_t,
            params.grad,
            self._offsets,
            np.asarray(tokens, dtype=np.int64),
            n,
            config.n_layer,
            config.n_head,
            config.head_dim,
            backward,
            probs,
            losses,
        )
        finite = not backward or twin_kernel.all_finite(params.data, params.grad)
        return TwinPass(float(loss), n, probs, losses, bool(finite))

    def gradients(self, tokens: list[int]) -> TwinPass:
        """Forward and backward: the loss, and its gradient added to the model's grad."""
        return self._run(tokens, True)

    def loss(self, tokens: list[int]) -> float:
        """The sentence's loss, without a gradient."""
        return self.forward(tokens).loss

    def forward(self, tokens: list[int]) -> TwinPass:
        """The forward pass alone: the loss, and p(target) and −log p(target) at each
        position (the model's weights and gradients untouched)."""
        return self._run(tokens, False)


def mean_loss(model: Model, sentences: Sequence[Sequence[int]]) -> float:
    """The mean of encoded sentences' losses (each its mean over positions, as a training
    step computes it), summed left to right from 0 and divided by their number: the
    held-out loss, and the original-corpus loss while fine-tuning. Numpy's overflow
    warnings are silenced: a model that overflows gives inf or NaN."""
    config = model.config
    offsets = _offsets(model)
    starts = np.cumsum([0, *(len(tokens) for tokens in sentences)], dtype=np.int64)
    flat = np.fromiter((t for tokens in sentences for t in tokens), np.int64, int(starts[-1]))
    with np.errstate(all="ignore"):
        return float(
            twin_kernel.mean_loss(
                model.params.data,
                offsets,
                flat,
                starts,
                config.block_size,
                config.n_layer,
                config.n_head,
                config.head_dim,
            )
        )


def _offsets(model: Model) -> np.ndarray:
    """Where each weight matrix starts in the flat arrays, in the reference's order."""
    return np.array([spec.offset for spec in model.params.specs], dtype=np.int64)


def warm_up() -> None:
    """Load the twin's kernels (the first time after installing, numba compiles them: up
    to half a minute), on a tiny throwaway model: safe on any thread, whatever a trainer
    is doing."""
    from core.model.gpt import GPTConfig

    config = GPTConfig(n_layer=1, n_embd=4, block_size=2, n_head=1, head_dim=4, vocab_size=2)
    model = Model(config)
    Twin(model).gradients([1, 0, 1])
    mean_loss(model, [[1, 0, 1]])
    data, grad, m, v = np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1)
    twin_kernel.adam_update(data, grad, m, v, 0.01, 0.85, 0.99, 0.15, 0.01, 0.15, 0.01, 1e-8)
