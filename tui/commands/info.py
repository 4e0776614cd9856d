"""`microgpt info`: what the corpus, its vocabulary and the model are made of."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from core.errors import MicrogptError
from core.model.fit import misfit
from core.model.gpt import GPTConfig, matrix_specs
from core.model.modelfile import load_model
from core.model.tokenizer import Tokenizer, normalise_sentence
from core.training.corpus import load_corpus
from tui.console import print_warnings, say


def run_info(args: argparse.Namespace, out: Console, err: Console) -> int:
    corpus = load_corpus(args.data)
    print_warnings(err, corpus.warnings)
    tokenizer = Tokenizer.from_sentences(corpus.sentences)
    config = GPTConfig(vocab_size=tokenizer.vocab_size)
    lengths = [len(s.split(" ")) for s in corpus.sentences]
    cut = sum(1 for n in lengths if n + 1 > config.block_size)

    facts = Table.grid(padding=(0, 2))
    facts.add_row("corpus", Text(corpus.path))
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
        reason = misfit(model, tokenizer, corpus.path)
        fits = "fits this corpus" if reason is None else f"does NOT fit this corpus: {reason}"
        vocab = "with its vocabulary" if model.words is not None else "without a vocabulary"
        say(out, f"model {args.model}: {model.config.to_reference()}, {vocab}; {fits}")
    if args.encode is not None:
        sentence = normalise_sentence(args.encode)
        if not sentence:
            raise MicrogptError(f"--encode {args.encode!r} has no words to encode")
        ids = tokenizer.encode(sentence)
        title = Text(f'"{sentence}"')
        for chunk in _chunks(tokenizer, ids, out.width if out.is_terminal else None):
            encoded = Table(title=title, title_justify="left")
            for token in chunk:
                encoded.add_column(Text(tokenizer.label(token)), justify="center")
            encoded.add_row(*(str(t) for t in chunk))
            out.print(encoded)
            title = Text("")
    return 0


def _chunks(tokenizer: Tokenizer, ids: Sequence[int], width: int | None) -> list[list[int]]:
    """The token table in pieces that fit the terminal (one piece for a pipe or file),
    so that no word is cut to `…`."""
    if width is None:
        return [list(ids)]
    chunks: list[list[int]] = [[]]
    used = 1
    for token in ids:
        cell = max(len(tokenizer.label(token)), len(str(token))) + 3  # padding and border
        if chunks[-1] and used + cell > width:
            chunks.append([])
            used = 1
        chunks[-1].append(token)
        used += cell
    return chunks
