"""`microgpt generate`: sample sentences from a saved model, one per line on stdout,
each written as soon as it is drawn (a reader that goes away, as `| head`, stops it)."""

from __future__ import annotations

import argparse
import sys
import time

from rich.console import Console

from core.errors import MicrogptError, ModelFileError
from core.model.fit import check_fits
from core.model.generation import SamplingOptions, generate
from core.model.gpt import Model
from core.model.modelfile import load_model
from core.model.tokenizer import Tokenizer, normalise_sentence
from core.reference.rng import Mulberry32
from core.training.corpus import load_corpus
from tui.console import print_warnings, say


def run_generate(args: argparse.Namespace, out: Console, err: Console) -> int:
    options = SamplingOptions(args.temperature, args.top_k, args.top_p)
    model = load_model(args.model)
    tokenizer = _tokenizer_for(model, args, err)
    prompt = _prompt(args.prompt, tokenizer, model) if args.prompt is not None else []
    seed = args.seed if args.seed is not None else int(time.time() * 1000) & 0xFFFFFFFF
    if args.seed is None:
        say(err, f"seed {seed} (pass --seed {seed} to repeat)", style="dim")
    for sentence in generate(model, tokenizer, Mulberry32(seed), args.num, options, prompt):
        # Plain lines, whatever their length: one sentence per line, for scripts.
        sys.stdout.write(sentence + "\n")
        sys.stdout.flush()
    return 0


def _prompt(text: str, tokenizer: Tokenizer, model: Model) -> list[int]:
    sentence = normalise_sentence(text)
    if not sentence:
        raise MicrogptError(f"--prompt {text!r} has no words; give a few words, e.g. 'the cat'")
    prompt = tokenizer.encode(sentence)[1:-1]
    if len(prompt) >= model.config.block_size:
        raise ModelFileError(
            f"the prompt has {len(prompt)} words; the model sees at most "
            f"{model.config.block_size - 1} before it must predict"
        )
    return prompt


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
    check_fits(model, args.model, tokenizer, corpus.path)
    return tokenizer
