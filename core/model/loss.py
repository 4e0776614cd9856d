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


class SentenceForward:
    """The forward pass of an encoded sentence ([BOS, ids..., BOS]), fed one position at a
    time, as the training loop's inner loop: n = min(block size, tokens − 1) positions, a
    longer sentence cut at the block. `sentence_loss` feeds them all at once; a step taken
    stage by stage stops after each."""

    def __init__(self, model: Model, tokens: list[int], record_attention: bool = True) -> None:
        self.model = model
        self.record_attention = record_attention  # off only to time what recording costs
        self.tokens = tokens
        self.n = min(model.config.block_size, len(tokens) - 1)
        self.cache = KVCache.empty(model.config)  # fresh for every sentence
        self.probs: list[Softmax] = []
        self.losses: list[Value] = []
        self.attention: list[list[tuple[float, ...]]] = []
        """At each position fed, each head's attention weights (layer by layer, head by
        head)."""

    @property
    def fed(self) -> int:
        """Positions fed so far (each added one row to every layer's KV cache)."""
        return len(self.probs)

    def feed(self) -> None:
        """The next position: its token in, 597 scores out, −log p(target)."""
        pos = self.fed
        weights: list[tuple[float, ...]] = []
        recorder = weights if self.record_attention else None
        p = softmax(gpt(self.model, self.tokens[pos], pos, self.cache, recorder))
        self.probs.append(p)
        self.losses.append(p[self.tokens[pos + 1]].log().neg())
        self.attention.append(weights)

    def loss(self) -> SentenceLoss:
        """The mean of the n position losses (every position fed)."""
        total = vsum(self.losses)
        return SentenceLoss(scale_down(total, self.n), total, self.probs, self.losses)


def sentence_loss(model: Model, tokens: list[int]) -> SentenceLoss:
    """The whole forward pass and the loss of an encoded sentence."""
    forward = SentenceForward(model, tokens)
    while forward.fed < forward.n:
        forward.feed()
    return forward.loss()
