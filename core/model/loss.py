"""The loss of one sentence, as the tutorial's training loop computes it: feed the tokens
one position at a time through the KV cache, take −log p(next token) at each, and divide
their sum (added left to right from 0, as the reference's `vsum`) by n."""

from __future__ import annotations

from dataclasses import dataclass

from core.autograd.engine import Value, vsum
from core.autograd.primitives import Softmax, scale_down, softmax
from core.model.gpt import KVCache, Model, gpt


@dataclass(frozen=True)
class SentenceLoss:
    """A sentence's forward pass: live Values, whose graph `loss.backward()` walks."""

    loss: Value
    """The mean over the n positions."""
    total: Value
    """The sum the mean divides."""
    probs: list[Softmax]
    """Each position's distribution over the next token."""
    losses: list[Value]
    """Each position's −log p(target)."""


def sentence_loss(model: Model, tokens: list[int]) -> SentenceLoss:
    """The forward pass over an encoded sentence ([BOS, ids..., BOS]): n = min(block
    size, tokens − 1) positions, a longer sentence cut at the block."""
    n = min(model.config.block_size, len(tokens) - 1)
    cache = KVCache.empty(model.config)
    probs, losses = [], []
    for pos in range(n):
        p = softmax(gpt(model, tokens[pos], pos, cache))
        probs.append(p)
        losses.append(p[tokens[pos + 1]].log().neg())
    total = vsum(losses)
    return SentenceLoss(scale_down(total, n), total, probs, losses)
