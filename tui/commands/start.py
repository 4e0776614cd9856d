"""Starting a run from the command line's options, the same way for `train` and for the
debugger: from scratch, or fine-tuning a saved model (`--model`), as the tutorial does."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from rich.console import Console

from core.files.outputs import Input
from core.model.modelfile import load_model
from core.training.corpus import DEFAULT_CORPUS, Corpus, load_corpus
from core.training.finetune import fine_tuning
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer
from tui.console import print_warnings, say


@dataclass(frozen=True)
class Started:
    trainer: Trainer
    inputs: tuple[Input, ...]
    """The files the run reads, which no output may overwrite."""
    warnings: tuple[str, ...]
    """What was normalised in the corpora."""


def start_run(args: argparse.Namespace, err: Console) -> Started:
    """Read the corpus (and the model, and the corpus it was trained on) and build the
    trainer; a bad file ends in its message before any work is done."""
    corpus = load_corpus(args.data or DEFAULT_CORPUS)
    warnings = list(corpus.warnings)
    inputs = [Input(corpus.path, "the corpus")]
    adam = AdamConfig(learning_rate=args.lr, num_steps=args.steps)
    if not args.model:
        print_warnings(err, warnings)
        return Started(Trainer(corpus, args.seed, adam), tuple(inputs), tuple(warnings))
    model = load_model(args.model)
    inputs.append(Input(args.model, "the model file"))
    vocab_from: Corpus | None = None
    if args.vocab_from:
        vocab_from = load_corpus(args.vocab_from)
        warnings += vocab_from.warnings
        inputs.append(Input(vocab_from.path, "the corpus of --vocab-from"))
    print_warnings(err, warnings)
    say(err, f"preparing {corpus.path} (seed {args.seed}, learning rate {args.lr:g})…")
    run = fine_tuning(model, args.model, corpus, args.seed, adam, vocab_from)
    for note in run.notes:
        say(err, note)
    return Started(run.trainer, tuple(inputs), tuple(warnings))
