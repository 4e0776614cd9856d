"""The `microgpt` command: alone it opens the debugger; `train`, `generate`, `info` and
`bench` work headless, printing with Rich. User mistakes end in one clear message."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from core.bench import ENGINES
from core.corpus import DEFAULT_CORPUS
from core.errors import MicrogptError
from core.optimizer import AdamConfig
from core.trainer import DEFAULT_SEED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microgpt",
        description="A terminal debugger for training the tiny GPT of 'LLMs, the Hard Way'. "
        "Run alone to open the debugger.",
    )
    _add_run_options(parser, data_default=None)
    parser.add_argument("--model", metavar="FILE", help="start from a saved model")
    parser.add_argument("--resume", metavar="FILE", help="continue a run saved with s")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train headless, with a progress bar")
    _add_run_options(train)
    train.add_argument(
        "--stop-after", type=_positive, metavar="K", help="stop after K steps of the same schedule"
    )
    train.add_argument("--save", metavar="FILE", help="save the trained model (JSON)")
    train.add_argument(
        "--log-jsonl", metavar="FILE", help="write one JSON object per step: step, loss, n, lr"
    )

    generate = commands.add_parser("generate", help="sample sentences from a saved model")
    generate.add_argument("--model", metavar="FILE", required=True)
    generate.add_argument(
        "--data",
        metavar="PATH",
        help="the corpus the model was trained on (needed when the model "
        "file has no vocabulary, as the tutorial's files)",
    )
    generate.add_argument("--num", type=_positive, default=10, help="sentences (default 10)")
    generate.add_argument("--temperature", type=float, default=0.8, help="default 0.8")
    generate.add_argument("--top-k", type=int, default=0, help="default 0 (off)")
    generate.add_argument("--top-p", type=float, default=1.0, help="default 1.0 (off)")
    generate.add_argument("--seed", type=int, help="default: from the clock (printed)")
    generate.add_argument("--prompt", metavar="WORDS", help="begin every sentence with these")

    info = commands.add_parser("info", help="corpus, vocabulary and parameters")
    info.add_argument("--data", metavar="PATH", default=str(DEFAULT_CORPUS))
    info.add_argument("--model", metavar="FILE", help="also describe a saved model")
    info.add_argument("--encode", metavar="SENTENCE", help="show a sentence's token ids")

    bench = commands.add_parser("bench", help="measure the speed of training steps")
    _add_run_options(bench)
    bench.add_argument(
        "--repeat", type=_positive, default=20, metavar="N", help="steps to time (default 20)"
    )
    bench.add_argument(
        "--engine",
        choices=ENGINES,
        default="fused",
        help="fused (what training uses; default) or naive (one node per primitive op, as "
        "the tutorial builds it: seconds per step)",
    )
    return parser


def _add_run_options(
    parser: argparse.ArgumentParser, data_default: str | None = str(DEFAULT_CORPUS)
) -> None:
    parser.add_argument(
        "--data",
        metavar="PATH",
        default=data_default,
        help="corpus: one sentence per line (default: the bundled corpus)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed for the shuffle and the weights (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--steps",
        type=_positive,
        default=AdamConfig.num_steps,
        help=f"schedule length (default {AdamConfig.num_steps})",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    err = Console(stderr=True, soft_wrap=True)
    try:
        return _dispatch(args, err)
    except MicrogptError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


def _dispatch(args: argparse.Namespace, err: Console) -> int:
    out = Console()
    if args.command == "train":
        from tui.commands.train import run_train

        return run_train(args, out, err)
    if args.command == "generate":
        from tui.commands.generate import run_generate

        return run_generate(args, out, err)
    if args.command == "info":
        from tui.commands.info import run_info

        return run_info(args, out, err)
    if args.command == "bench":
        from tui.commands.bench import run_bench

        return run_bench(args, out, err)
    from tui.commands.debug import run_debugger

    return run_debugger(args, out, err)


def print_warnings(err: Console, warnings: Sequence[str]) -> None:
    for warning in warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)


if __name__ == "__main__":
    sys.exit(main())
