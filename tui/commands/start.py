"""Starting a run from the command line's options, the same way for `train` and for the
debugger: from scratch, or fine-tuning a saved model (`--model`), as the tutorial does;
with the held-out set of `--eval` (by default, ours for a run of our corpus from scratch)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from core.errors import MicrogptError
from core.files.outputs import Input
from core.model.modelfile import load_model
from core.model.tokenizer import Tokenizer
from core.training.corpus import DEFAULT_CORPUS, Corpus, load_corpus
from core.training.finetune import fine_tuning
from core.training.heldout import HELD_OUT_EVERY, HeldOut, bundled_held_out
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer
from tui.console import print_warnings, say, warm_up_twin


@dataclass(frozen=True)
class Started:
    trainer: Trainer
    inputs: tuple[Input, ...]
    """The files the run reads, which no output may overwrite."""
    warnings: tuple[str, ...]
    """What was normalised in the corpora."""


def start_run(args: argparse.Namespace, err: Console) -> Started:
    """Read the corpus (and the model, and the corpus it was trained on, and the held-out
    file) and build the trainer; a bad file ends in its message before any work is done."""
    corpus = load_corpus(args.data or DEFAULT_CORPUS)
    warm_up_twin(err)  # before the trainer: its held-out baseline is the twin's forward
    warnings = list(corpus.warnings)
    inputs = [Input(corpus.path, "the corpus")]
    adam = AdamConfig(learning_rate=args.lr, num_steps=args.steps)
    held_out = held_out_path(args, corpus)
    every = args.eval_every or HELD_OUT_EVERY
    if held_out is None and args.eval_every is not None:
        raise MicrogptError(
            "--eval-every sets how often the held-out loss is measured, and this run has no "
            "held-out set: give one with --eval FILE"
        )
    if held_out is not None:
        inputs.append(Input(str(held_out), "the held-out file"))
    if not args.model:
        kept_out = None
        if held_out is not None:
            tokenizer = Tokenizer.from_sentences(corpus.sentences)  # the trainer's own
            kept_out = HeldOut.read(held_out, tokenizer, corpus.path)
            warnings += kept_out.warnings
        print_warnings(err, warnings)
        trainer = Trainer(corpus, args.seed, adam, held_out=kept_out, held_out_every=every)
        return Started(trainer, tuple(inputs), tuple(warnings))
    model = load_model(args.model)
    inputs.append(Input(args.model, "the model file"))
    vocab_from: Corpus | None = None
    if args.vocab_from:
        vocab_from = load_corpus(args.vocab_from)
        warnings += vocab_from.warnings
        inputs.append(Input(vocab_from.path, "the corpus of --vocab-from"))
    print_warnings(err, warnings)
    say(err, f"preparing {corpus.path} (seed {args.seed}, learning rate {args.lr:g})…")
    run = fine_tuning(model, args.model, corpus, args.seed, adam, vocab_from, held_out, every)
    if run.trainer.held_out is not None:
        print_warnings(err, run.trainer.held_out.warnings)
        warnings += run.trainer.held_out.warnings
    for note in run.notes:
        say(err, note)
    return Started(run.trainer, tuple(inputs), tuple(warnings))


def held_out_path(args: argparse.Namespace, corpus: Corpus) -> str | Path | None:
    """The held-out file of `--eval`; by default ours for a run of our corpus from scratch,
    and none for any other run; `--eval none` turns it off."""
    if args.eval == "none":
        return None
    if args.eval is not None:
        return str(args.eval)
    return None if args.model else bundled_held_out(corpus)
