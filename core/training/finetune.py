"""Fine-tuning, as the tutorial's last chapter does it: a trained model goes on learning
from another corpus. Its token ids are tied to the vocabulary it was trained with, so the
tokenizer is that vocabulary, never the new corpus's own (which has fewer words), and
every word of the new corpus must be one the model knows.

The vocabulary comes from the model file (ours carry it) or from the corpus the model
was trained on (`--vocab-from`: the tutorial's files carry none, and its fine-tuning
script rebuilds the tokenizer from the original corpus).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import ModelFileError
from core.model.fit import misfit
from core.model.gpt import Model
from core.model.tokenizer import Tokenizer
from core.training.corpus import DEFAULT_CORPUS, Corpus, load_corpus
from core.training.forgetting import OriginalSample
from core.training.heldout import HELD_OUT_EVERY, HeldOut
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer


def with_vocabulary(
    model: Model, model_name: str, corpus: Corpus, vocab_from: Corpus | None = None
) -> Model:
    """The model with its words: from its file, else from `vocab_from`, else from the
    training corpus when that corpus has exactly the model's vocabulary size (it is then
    the corpus the model was trained on, or one with the same words)."""
    if vocab_from is not None:
        tokenizer = Tokenizer.from_sentences(vocab_from.sentences)
        reason = misfit(model, tokenizer, vocab_from.path)
        if reason is not None:
            raise ModelFileError(
                f"{model_name} was not trained on {vocab_from.path}: {reason}; --vocab-from "
                "takes the corpus the model was trained on"
            )
        return model.copy(tokenizer.words)
    if model.words is not None:
        return model
    tokenizer = Tokenizer.from_sentences(corpus.sentences)
    if tokenizer.vocab_size == model.config.vocab_size:
        return model.copy(tokenizer.words)
    raise ModelFileError(
        f"{model_name} carries no vocabulary (the tutorial's model files do not), and its "
        f"{model.config.vocab_size:,} tokens cannot come from {corpus.path}, which has "
        f"{tokenizer.vocab_size - 1:,} words: pass --vocab-from CORPUS, the corpus the model "
        "was trained on (for the tutorial's models, its grade1_sentences.txt)"
    )


@dataclass(frozen=True)
class FineTuning:
    """A fine-tuning run, ready: the trainer, and what to tell the learner about it."""

    trainer: Trainer
    notes: tuple[str, ...]
    """Where the vocabulary came from, and what forgetting is measured on (or why not)."""


def fine_tuning(
    model: Model,
    model_name: str,
    corpus: Corpus,
    seed: int,
    adam: AdamConfig,
    vocab_from: Corpus | None = None,
    held_out: str | Path | None = None,
    held_out_every: int = HELD_OUT_EVERY,
) -> FineTuning:
    """Train `model` on `corpus` as the tutorial's fine-tuning script does, watching its
    loss on a sample of the corpus it was first trained on when that corpus is known, and
    on the sentences of the file `held_out` when one is given."""
    named = with_vocabulary(model, model_name, corpus, vocab_from)
    original = original_corpus(named, corpus, vocab_from)
    sample = OriginalSample.drawn(original) if original is not None else None
    assert named.words is not None  # with_vocabulary gives it its words
    kept_out = None
    if held_out is not None:
        kept_out = HeldOut.read(held_out, Tokenizer(named.words), model_name)
    trainer = Trainer(
        corpus,
        seed,
        adam,
        named,
        fine_tune=True,
        model_name=model_name,
        original=sample,
        held_out=kept_out,
        held_out_every=held_out_every,
    )
    source = vocab_from.path if vocab_from is not None else model_name
    if model.words is None and vocab_from is None:
        source = f"{corpus.path} (it has the model's {model.config.vocab_size:,} tokens)"
    notes = [f"fine-tuning {model_name}: vocabulary from {source}"]
    if sample is not None:
        notes.append(
            f"watching forgetting: the loss on {len(sample.sentences)} sentences of "
            f"{sample.corpus.path}, every {sample.every} steps"
        )
    else:
        notes.append(
            "not watching forgetting: the corpus the model was trained on is not known; "
            "pass --vocab-from CORPUS to measure the loss on a sample of it"
        )
    return FineTuning(trainer, tuple(notes))


def original_corpus(model: Model, corpus: Corpus, vocab_from: Corpus | None) -> Corpus | None:
    """The corpus the model was first trained on, if known and not `corpus` itself:
    `vocab_from`, else our bundled corpus when its vocabulary is the model's."""
    if vocab_from is not None:
        return vocab_from if vocab_from.sha256 != corpus.sha256 else None
    bundled = load_corpus(DEFAULT_CORPUS)
    if bundled.sha256 == corpus.sha256:
        return None
    if Tokenizer.from_sentences(bundled.sentences).words == model.words:
        return bundled
    return None
