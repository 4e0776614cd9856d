"""Probing a sentence: what the model as it is now predicts at each position of a sentence
you type, without training on it. It is the forward pass of a training step (the same
`SentenceForward` and `position_trace`), stopped before the backward pass: the numbers
are those a step on that sentence would show, and no gradient, weight or generator moves.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import MicrogptError
from core.model.gpt import Model
from core.model.loss import SentenceForward
from core.model.tokenizer import Tokenizer, normalise_sentence
from core.training.staged_step import collector_paused
from core.training.trace import PositionTrace
from core.training.tracing import position_trace

SUGGESTIONS = 3  # closest known words named for an unknown one


class EmptySentenceError(MicrogptError):
    """A sentence with no words in it."""


class UnknownWordsError(MicrogptError):
    """Words the vocabulary does not contain, each with the closest words it does."""

    def __init__(self, unknown: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        self.unknown = tuple(unknown)
        """(word, the closest known words), in the sentence's order."""
        named = "; ".join(
            f"'{word}' (closest: {', '.join(close)})" if close else f"'{word}' (no close word)"
            for word, close in self.unknown
        )
        what = "a word" if len(self.unknown) == 1 else f"{len(self.unknown)} words"
        super().__init__(f"{what} not in the vocabulary: {named}")


@dataclass(frozen=True)
class Probe:
    """The model's predictions for one sentence, as a training step on it would compute
    them before its backward pass."""

    sentence: str
    """The sentence as read (lowercased, single-spaced, punctuation dropped)."""
    tokens: tuple[int, ...]
    """BOS, word ids, BOS."""
    words: tuple[str, ...]
    """The tokens as words (BOS for BOS)."""
    n: int
    """Positions predicted: min(block size, len(tokens) - 1), as training cuts it."""
    block_size: int
    """The longest context the model takes."""
    positions: tuple[PositionTrace, ...]
    loss_sum: float
    """Σ of the n position losses, added left to right as a step adds them."""
    loss: float
    """loss_sum / n, computed as a step computes it."""

    @property
    def truncated(self) -> bool:
        """The sentence is longer than the block: only its first n positions count."""
        return len(self.tokens) - 1 > self.n

    @property
    def worst_position(self) -> int:
        """The position with the largest loss (the first, on a tie)."""
        return max(self.positions, key=lambda p: p.loss).position


def read_sentence(text: str, tokenizer: Tokenizer) -> str:
    """`text` read as the tokenizer reads a corpus line; an empty one, or one with words
    the vocabulary lacks (each named, with the closest known words by difflib's
    similarity ratio), is a MicrogptError."""
    sentence = normalise_sentence(text)
    if not sentence:
        raise EmptySentenceError("the sentence has no words: type words of the vocabulary")
    unknown = [w for w in dict.fromkeys(sentence.split(" ")) if tokenizer.id_of(w) is None]
    if unknown:
        vocabulary = list(tokenizer.words)
        raise UnknownWordsError(
            [(w, tuple(difflib.get_close_matches(w, vocabulary, SUGGESTIONS))) for w in unknown]
        )
    return sentence


def probe(model: Model, tokenizer: Tokenizer, text: str) -> Probe:
    """The model's predictions for `text` (see `read_sentence` for what it accepts)."""
    sentence = read_sentence(text, tokenizer)
    tokens = tokenizer.encode(sentence)
    words = tuple(tokenizer.label(t) for t in tokens)
    with collector_paused(), np.errstate(all="ignore"):
        forward = SentenceForward(model, tokens)
        positions = []
        while forward.fed < forward.n:
            forward.feed()
            pos = forward.fed - 1
            trace = position_trace(
                pos, tokens, words, forward.probs[pos], forward.losses[pos], tokenizer
            )
            positions.append(trace)
        result = forward.loss()
        return Probe(
            sentence=sentence,
            tokens=tuple(tokens),
            words=words,
            n=forward.n,
            block_size=model.config.block_size,
            positions=tuple(positions),
            loss_sum=result.total.data,
            loss=result.loss.data,
        )
