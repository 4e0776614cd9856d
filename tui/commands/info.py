"""`microgpt info`: what the corpus, its vocabulary and the model are made of."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from core.corpus import load_corpus
from core.model import GPTConfig, matrix_specs
from core.modelfile import load_model
from core.tokenizer import Tokenizer
from tui.cli import print_warnings


def run_info(args: argparse.Namespace, out: Console, err: Console) -> int:
    corpus = load_corpus(args.data)
    print_warnings(err, corpus.warnings)
    tokenizer = Tokenizer.from_sentences(corpus.sentences)
    config = GPTConfig(vocab_size=tokenizer.vocab_size)
    lengths = [len(s.split(" ")) for s in corpus.sentences]
    cut = sum(1 for n in lengths if n + 1 > config.block_size)

    facts = Table.grid(padding=(0, 2))
    facts.add_row("corpus", corpus.path)
    facts.add_row("sentences", f"{len(corpus.sentences):,}")
    facts.add_row("words", f"{sum(lengths):,} in all, {len(tokenizer.words):,} distinct")
    facts.add_row(
        "vocabulary",
        f"{tokenizer.vocab_size} tokens: {len(tokenizer.words)} words and BOS (id {tokenizer.bos})",
    )
    facts.add_row(
        "sentence length",
        f"{min(lengths)} to {max(lengths)} words; {cut:,} "
        f"exceed the block ({config.block_size} predictions) and train cut",
    )
    out.print(facts)

    table = Table(title="parameters", title_justify="left")
    table.add_column("matrix")
    table.add_column("shape", justify="right")
    table.add_column("parameters", justify="right")
    specs = matrix_specs(config, tokenizer.words)
    for spec in specs:
        table.add_row(spec.name, f"{spec.rows} x {spec.cols}", f"{spec.size:,}")
    table.add_row("total", "", f"{sum(s.size for s in specs):,}", style="bold")
    out.print(table)

    if args.model:
        model = load_model(args.model)
        fits = "fits this corpus" if model.config == config else "does NOT fit this corpus"
        vocab = "with its vocabulary" if model.words is not None else "without a vocabulary"
        out.print(
            f"model {args.model}: {model.config.to_reference()}, {vocab}; {fits}", highlight=False
        )
    if args.encode:
        ids = tokenizer.encode(args.encode.strip().lower())
        encoded = Table(title=f'"{args.encode}"', title_justify="left")
        for token in ids:
            encoded.add_column(tokenizer.label(token), justify="center")
        encoded.add_row(*(str(t) for t in ids))
        out.print(encoded)
    return 0
