"""Watching what fine-tuning forgets: the loss, on a fixed sample of the corpus the model
was first trained on, of the model as it is fine-tuned on another.

The sample is drawn once by its own generator (seeded with SAMPLE_SEED, whatever the
run's seed, so that runs compare), and never touches the training's generator or
weights: measuring it is a forward pass only, on arrays without a graph (the twin
engine's, `core.model.twin`: the same floats). It is taken every EVERY steps and at the
end of the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import MicrogptError
from core.model.gpt import Model
from core.model.tokenizer import Tokenizer
from core.reference.rng import Mulberry32
from core.training.corpus import Corpus

SAMPLE_SEED = 42
SAMPLE_SIZE = 20  # sentences of the original corpus
EVERY = 50  # steps between two measurements: ~75 ms each, ~4% of a fine-tuning run


@dataclass(frozen=True)
class OriginalSample:
    """A fixed sample of the original corpus, and how often its loss is measured."""

    corpus: Corpus
    sentences: tuple[str, ...]
    every: int = EVERY

    @classmethod
    def drawn(cls, corpus: Corpus, size: int = SAMPLE_SIZE, every: int = EVERY) -> OriginalSample:
        """`size` distinct sentences of `corpus` (all of them, when it has fewer), in the
        order they were drawn."""
        rng = Mulberry32(SAMPLE_SEED)
        count = min(size, len(corpus.sentences))
        picked: dict[int, None] = {}
        while len(picked) < count:
            picked.setdefault(int(rng.random() * len(corpus.sentences)))
        return cls(corpus, tuple(corpus.sentences[i] for i in picked), every)

    def due(self, steps_done: int, num_steps: int) -> bool:
        """Whether the loss is measured once this many steps are done."""
        return steps_done % self.every == 0 or steps_done == num_steps

    def loss(self, model: Model, tokenizer: Tokenizer) -> float:
        """The mean over the sample of each sentence's loss (its mean over positions, as a
        training step computes it), summed left to right."""
        from core.model.twin import mean_loss  # imports numba: only when measured

        try:
            encoded = [tokenizer.encode(sentence) for sentence in self.sentences]
        except MicrogptError as err:
            raise MicrogptError(f"{self.corpus.path}: {err}") from None
        return mean_loss(model, encoded)


@dataclass(frozen=True)
class Forgetting:
    """What a fine-tuning run measures: the sample, and its loss before the first step."""

    sample: OriginalSample
    baseline: float
    """The original-corpus loss of the model as it was loaded."""
