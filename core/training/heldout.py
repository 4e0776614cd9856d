"""The held-out loss: the mean loss of sentences training never sees, of the model as it is
after a step. A falling training loss says the model learns its corpus; a falling held-out
loss says it learns the language, and one that rises again while the training loss falls
is overfitting.

It is a measurement only: a forward pass on arrays without a graph (no gradient, no
update), that never touches the training's generator or weights. Our bundled corpus has its
own held-out file, data/heldout.txt: sentences of the same patterns that it does not
contain, in its words.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from core.model.gpt import Model
from core.model.tokenizer import Tokenizer
from core.training.corpus import (
    DEFAULT_CORPUS,
    DEFAULT_HELD_OUT,
    Corpus,
    check_covered,
    load_corpus,
)

HELD_OUT_EVERY = 500  # steps between two measurements (and one after the last step): ~8% of a
# twin run (a measurement of our 200 held-out sentences takes ~20 ms, a twin step ~0.6 ms)


@dataclass(frozen=True)
class HeldOut:
    """Sentences kept out of training, encoded with the trainer's tokenizer."""

    path: str
    """The file they were read from, as given."""
    sha256: str
    """Hash of the file's bytes: a resumed run checks that the file did not change."""
    tokens: tuple[tuple[int, ...], ...]
    """Each sentence as the training step encodes it: BOS, word ids, BOS."""
    line_numbers: tuple[int, ...]
    """The file line each sentence came from (1-based)."""
    words: tuple[str, ...]
    """The vocabulary the token ids index (the tokenizer's words)."""
    warnings: tuple[str, ...] = ()
    """What was normalised in the file, naming the first line affected."""

    @classmethod
    def read(cls, path: str | Path, tokenizer: Tokenizer, vocabulary_source: str) -> HeldOut:
        """Read a held-out file as a corpus is read; a word outside `tokenizer`'s
        vocabulary (that of `vocabulary_source`) is a CorpusError naming its line."""
        corpus = load_corpus(path, "held-out file")
        check_covered(tokenizer, corpus, vocabulary_source, purpose="evaluated on")
        return cls(
            corpus.path,
            corpus.sha256,
            tuple(tuple(tokenizer.encode(s)) for s in corpus.sentences),
            corpus.line_numbers,
            tokenizer.words,
            corpus.warnings,
        )

    def loss(self, model: Model) -> float:
        """The mean of the sentences' losses (each its mean over positions, as a training
        step computes it), summed left to right from 0 and divided by their number, by the
        twin engine's forward pass (the scalar engine's floats, without a graph)."""
        from core.model.twin import mean_loss  # imports numba: only when measured

        return mean_loss(model, self.tokens)


@dataclass(frozen=True)
class HeldOutReading:
    """A held-out loss, and the model it is of."""

    step: int
    """Steps done: the model after this many steps (0: before the first)."""
    loss: float
    asked: bool = False
    """Evaluated when the user asked for it, rather than one of the run's measurements."""


def due(steps_done: int, num_steps: int, every: int) -> bool:
    """Whether the held-out loss is measured once this many steps are done: every `every`
    steps, and after the last step of the schedule."""
    return steps_done % every == 0 or steps_done == num_steps


def bundled_held_out(corpus: Corpus) -> Path | None:
    """Our held-out file, when `corpus` is our bundled corpus (by its bytes, wherever it
    was read from); None for any other corpus, which has no held-out set by default."""
    try:
        bundled = hashlib.sha256(DEFAULT_CORPUS.read_bytes()).hexdigest()
    except OSError:
        return None
    return DEFAULT_HELD_OUT if corpus.sha256 == bundled else None
