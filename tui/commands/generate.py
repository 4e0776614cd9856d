"""`microgpt generate`: sample sentences from a saved model, one per line on stdout."""

from __future__ import annotations

import argparse
import time

from rich.console import Console

from core.corpus import load_corpus
from core.errors import ModelFileError
from core.generation import SamplingOptions, generate
from core.model import Model
from core.modelfile import load_model
from core.rng import Mulberry32
from core.tokenizer import Tokenizer
from tui.cli import print_warnings


def run_generate(args: argparse.Namespace, out: Console, err: Console) -> int:
    options = SamplingOptions(args.temperature, args.top_k, args.top_p)
    model = load_model(args.model)
    tokenizer = _tokenizer_for(model, args, err)
    prompt = tokenizer.encode(args.prompt)[1:-1] if args.prompt else []
    if len(prompt) >= model.config.block_size:
        raise ModelFileError(
            f"the prompt has {len(prompt)} words; the model sees at most "
            f"{model.config.block_size - 1} before it must predict"
        )
    seed = args.seed if args.seed is not None else int(time.time() * 1000) & 0xFFFFFFFF
    if args.seed is None:
        err.print(f"seed {seed} (pass --seed {seed} to repeat)", style="dim", highlight=False)
    for sentence in generate(model, tokenizer, Mulberry32(seed), args.num, options, prompt):
        out.print(sentence, highlight=False, markup=False)
    return 0


def _tokenizer_for(model: Model, args: argparse.Namespace, err: Console) -> Tokenizer:
    """The model's own vocabulary; a file without one (the tutorial's) needs its corpus."""
    if args.data is None:
        if model.words is None:
            raise ModelFileError(
                f"{args.model} has no vocabulary (it was saved by the tutorial's program?); "
                "give --data with the corpus it was trained on"
            )
        return Tokenizer(model.words)
    corpus = load_corpus(args.data)
    print_warnings(err, corpus.warnings)
    tokenizer = Tokenizer.from_sentences(corpus.sentences)
    if model.words is not None and model.words != tokenizer.words:
        raise ModelFileError(
            f"{args.model} was trained on a different vocabulary than "
            f"{args.data}; leave out --data to use the model's own"
        )
    if tokenizer.vocab_size != model.config.vocab_size:
        raise ModelFileError(
            f"{args.model} has a vocabulary of {model.config.vocab_size} tokens but "
            f"{args.data} gives {tokenizer.vocab_size}; give the corpus it was trained on"
        )
    return tokenizer
