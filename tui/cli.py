"""The `microgpt` command: alone it opens the debugger; `train`, `generate`, `info` and
`bench` work headless, printing with Rich. User mistakes end in one clear message.

Options may be written before or after the subcommand (`microgpt --seed 7 train` is
`microgpt train --seed 7`); an option the subcommand does not take is refused."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console

from core.errors import MicrogptError
from core.model.generation import MAX_SEED, SEED_HELP  # the debugger's seed fields read them too
from core.training.bench import ALIASES, ENGINES
from core.training.corpus import DEFAULT_CORPUS, DEFAULT_HELD_OUT, DEFAULT_QUESTIONS
from core.training.heldout import HELD_OUT_EVERY
from core.training.optimizer import AdamConfig
from core.training.trainer import DEFAULT_SEED
from tui.console import make_console, say

FINE_TUNE_LR, FINE_TUNE_STEPS = 0.001, 1000  # the tutorial's fine-tuning
FINE_TUNE_PRESET = {"data": str(DEFAULT_QUESTIONS), "lr": FINE_TUNE_LR, "steps": FINE_TUNE_STEPS}
MAX_LEARNING_RATE = 10.0

# Options the debugger (no subcommand) takes that subcommands may take too, and which
# subcommand takes which: given before the subcommand, an option must be one of these.
FINE_TUNE = ("model", "vocab_from", "lr", "fine_tune")
EVAL = ("eval", "eval_every")
SHARED = ("data", "seed", "steps", "resume", "present", *FINE_TUNE, *EVAL)
TAKES = {
    None: {"data", "seed", "steps", "model", "resume", "present", *FINE_TUNE, *EVAL},
    "train": {"data", "seed", "steps", *FINE_TUNE, *EVAL},
    "bench": {"data", "seed", "steps"},
    "generate": {"data", "seed", "model"},
    "info": {"data", "model"},
}
TAKES["serve"] = TAKES[None]  # the debugger's options, passed on to each browser tab's
DEFAULTS: dict[str | None, dict[str, Any]] = {
    None: {
        "data": None,
        "seed": DEFAULT_SEED,
        "steps": AdamConfig.num_steps,
        "model": None,
        "resume": None,
        "present": False,
        "vocab_from": None,
        "lr": AdamConfig.learning_rate,
        "fine_tune": False,
        "eval": None,
        "eval_every": None,
    },
    "train": {
        "data": str(DEFAULT_CORPUS),
        "seed": DEFAULT_SEED,
        "steps": AdamConfig.num_steps,
        "model": None,
        "vocab_from": None,
        "lr": AdamConfig.learning_rate,
        "fine_tune": False,
        "eval": None,
        "eval_every": None,
        "stop_after": None,
        "engine": "twin",
        "save": None,
        "log_jsonl": None,
    },
    "bench": {"data": str(DEFAULT_CORPUS), "seed": DEFAULT_SEED, "steps": AdamConfig.num_steps},
    "generate": {"data": None, "seed": None, "model": None, "prompt": None},
    "info": {"data": str(DEFAULT_CORPUS), "model": None, "encode": None},
}
DEFAULTS["serve"] = {**DEFAULTS[None], "host": "127.0.0.1", "port": 8000, "public_url": None}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microgpt",
        description="A terminal debugger for training the tiny GPT of 'LLMs, the Hard Way'. "
        "Run alone to open the debugger.",
        argument_default=argparse.SUPPRESS,
    )
    _add_run_options(parser, prefix="top_")
    _add_fine_tune_options(parser, prefix="top_")
    _add_eval_options(parser, prefix="top_")
    parser.add_argument(
        "--resume",
        dest="top_resume",
        metavar="FILE",
        type=_file_name,
        help="continue a run saved with s",
    )
    parser.add_argument(
        "--present",
        dest="top_present",
        action="store_true",
        help="start in presenter mode (p): one panel at a time, narrated, high contrast",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, argument_default=argparse.SUPPRESS)

    train = command("train", "train headless, with a progress bar")
    _add_run_options(train)
    _add_fine_tune_options(train)
    _add_eval_options(train)
    train.add_argument(
        "--stop-after", type=_positive, metavar="K", help="stop after K steps of the same schedule"
    )
    train.add_argument(
        "--engine",
        choices=("twin", "scalar"),
        default="twin",
        help="twin (the array twin of the scalar engine: the same numbers, a millisecond a "
        "step; default) or scalar (the graph of Values the debugger shows)",
    )
    train.add_argument(
        "--save", metavar="FILE", type=_file_name, help="save the trained model (JSON)"
    )
    train.add_argument(
        "--log-jsonl",
        metavar="FILE",
        type=_file_name,
        help="write one JSON line per step: step, sentence, tokens, n, lr, loss (and the "
        "held-out and original-corpus losses where measured); the debugger's l exports the same",
    )

    generate = command("generate", "sample sentences from a saved model")
    generate.add_argument("--model", metavar="FILE", type=_file_name, help="the model (needed)")
    generate.add_argument(
        "--data",
        metavar="PATH",
        type=_file_name,
        help="the corpus the model was trained on (needed when the model "
        "file has no vocabulary, as the tutorial's files)",
    )
    generate.add_argument("--num", type=_positive, default=10, help="sentences (default 10)")
    generate.add_argument("--temperature", type=_temperature, default=0.8, help="default 0.8")
    generate.add_argument("--top-k", type=_whole, default=0, help="default 0 (off)")
    generate.add_argument("--top-p", type=_probability, default=1.0, help="default 1.0 (off)")
    generate.add_argument("--seed", type=_seed, help=f"{SEED_HELP}; default: from the clock")
    generate.add_argument("--prompt", metavar="WORDS", help="begin every sentence with these")

    info = command("info", "corpus, vocabulary and parameters")
    info.add_argument(
        "--data", metavar="PATH", type=_file_name, help="corpus (default: the bundled corpus)"
    )
    info.add_argument(
        "--model",
        metavar="FILE",
        type=_file_name,
        help="also check a saved model against the corpus",
    )
    info.add_argument("--encode", metavar="SENTENCE", help="show a sentence's token ids")

    bench = command("bench", "measure the speed of training steps")
    _add_run_options(bench)
    bench.add_argument(
        "--repeat",
        type=_positive,
        default=None,
        metavar="N",
        help="steps to time (default 20 for the scalar engine, 500 for the twin)",
    )
    bench.add_argument(
        "--engine",
        type=_engines,
        default=("scalar", "twin"),
        metavar="ENGINE[,ENGINE]",
        help="scalar (the graph engine every full step uses), twin (its array twin, which "
        "fast-forward and train use) or naive (one node per primitive op, as the tutorial "
        "builds it: seconds per step); several, comma-separated, are timed one after the "
        "other (default scalar,twin)",
    )
    _add_serve_command(
        command("serve", "run the debugger in a web browser (one session per tab)"), parser
    )
    return parser


def _add_serve_command(serve: argparse.ArgumentParser, debugger: argparse.ArgumentParser) -> None:
    """`serve` takes the debugger's own options (shared, as argparse's `parents` shares
    them), so that one added to the debugger comes along; and where to listen."""
    for action in debugger._actions:
        if action.dest.removeprefix("top_") in TAKES[None]:
            serve._add_action(action)
    serve.add_argument(
        "--host",
        type=_host,
        help="the address to listen on (default 127.0.0.1: this machine only); 0.0.0.0 lets "
        "anyone who can reach this machine drive the training",
    )
    serve.add_argument("--port", type=_port, help="the port to listen on (default 8000)")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        type=_public_url,
        help="the address browsers are sent to, when the host's own is not the one they reach "
        "(behind a proxy, or with --host 0.0.0.0; default http://HOST:PORT)",
    )


def _add_run_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    parser.add_argument(
        "--data",
        dest=prefix + "data",
        metavar="PATH",
        type=_file_name,
        help="corpus: one sentence per line (default: the bundled corpus)",
    )
    parser.add_argument(
        "--seed",
        dest=prefix + "seed",
        type=_seed,
        help=f"seed for the shuffle and the weights: {SEED_HELP} (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--steps",
        dest=prefix + "steps",
        type=_positive,
        help=f"schedule length (default {AdamConfig.num_steps})",
    )


def _add_fine_tune_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    parser.add_argument(
        "--model",
        dest=prefix + "model",
        metavar="FILE",
        type=_file_name,
        help="fine-tune a saved model on --data, as the tutorial's last chapter does",
    )
    parser.add_argument(
        "--vocab-from",
        dest=prefix + "vocab_from",
        metavar="CORPUS",
        type=_file_name,
        help="the corpus the --model was trained on: its vocabulary (the tutorial's model "
        "files carry none), and the sample that shows what fine-tuning forgets",
    )
    parser.add_argument(
        "--lr",
        dest=prefix + "lr",
        metavar="RATE",
        type=_learning_rate,
        help=f"peak learning rate, decaying linearly to 0 over --steps "
        f"(default {AdamConfig.learning_rate}; {FINE_TUNE_LR} with --fine-tune)",
    )
    parser.add_argument(
        "--fine-tune",
        dest=prefix + "fine_tune",
        action="store_true",
        help=f"the tutorial's fine-tuning of --model: our questions corpus, --lr "
        f"{FINE_TUNE_LR}, --steps {FINE_TUNE_STEPS} (each can still be given)",
    )


def _add_eval_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    parser.add_argument(
        "--eval",
        dest=prefix + "eval",
        metavar="FILE",
        type=_file_name,
        help=f"held-out sentences, never trained on, whose mean loss is measured as training "
        f"goes (default: {DEFAULT_HELD_OUT.name} for a run of the bundled corpus from scratch, "
        "none for other runs; 'none' turns it off)",
    )
    parser.add_argument(
        "--eval-every",
        dest=prefix + "eval_every",
        metavar="K",
        type=_positive,
        help=f"measure the held-out loss every K steps, and after the last (default "
        f"{HELD_OUT_EVERY})",
    )


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _positive(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _engines(text: str) -> tuple[str, ...]:
    names = [ALIASES.get(name, name) for name in text.split(",") if name]
    unknown = [name for name in names if name not in ENGINES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an engine: choose from {', '.join(ENGINES)} (comma-separated)"
        )
    return tuple(dict.fromkeys(names))


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not {SEED_HELP}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text} is out of range: the seed is {SEED_HELP}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def _temperature(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0 (0.8 is the default), not {text}")
    return value


def _probability(text: str) -> float:
    value = _number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1, not {text}")
    return value


def _learning_rate(text: str) -> float:
    value = _number(text)
    if not 0 < value <= MAX_LEARNING_RATE:
        raise argparse.ArgumentTypeError(
            f"must be above 0 and at most {MAX_LEARNING_RATE:g} (the tutorial uses 0.01 to "
            f"train and 0.001 to fine-tune), not {text}"
        )
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port: a whole number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is from 1 to 65535, not {value}")
    return value


def _host(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the host is empty; give an address, as 127.0.0.1")
    return text.strip()


def _public_url(text: str) -> str:
    scheme, _, rest = text.partition("://")
    if scheme not in ("http", "https") or not rest.strip("/"):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a web address: write it as http://NAME:PORT (or https://)"
        )
    return text.rstrip("/")


def _file_name(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the file name is empty; give a file name")
    return text


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse, then give each option given before the subcommand to the subcommand (or
    refuse it there), and fill in the subcommand's defaults."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = getattr(args, "command", None)
    for option in SHARED:
        if not hasattr(args, "top_" + option):
            continue
        value = getattr(args, "top_" + option)
        delattr(args, "top_" + option)
        if option not in TAKES[command]:
            where = f"`microgpt {command}`" if command else "the debugger"
            parser.error(
                f"--{option.replace('_', '-')} is not an option of {where}; see "
                f"`microgpt {command or ''} --help`"
            )
        if not hasattr(args, option):  # written after the subcommand too: that one wins
            setattr(args, option, value)
    if command == "serve":  # passed on to each tab's debugger as given
        args.debugger_options = {
            o: getattr(args, o) for o in sorted(TAKES[None]) if hasattr(args, o)
        }
    if command in (None, "serve") and hasattr(args, "resume"):
        for option in ("seed", "steps", *FINE_TUNE, *EVAL):
            if hasattr(args, option):
                parser.error(
                    f"--{option.replace('_', '-')} cannot be used with --resume: the run file "
                    "holds its own (give --data only, for a corpus that moved)"
                )
    if getattr(args, "fine_tune", False):
        if not hasattr(args, "model"):
            parser.error("--fine-tune needs --model FILE: the trained model to fine-tune")
        for option, preset in FINE_TUNE_PRESET.items():
            if not hasattr(args, option):
                setattr(args, option, preset)
    if hasattr(args, "vocab_from") and not hasattr(args, "model"):
        parser.error(
            "--vocab-from goes with --model: it names the corpus that model was trained on"
        )
    for option, default in DEFAULTS[command].items():
        if not hasattr(args, option):
            setattr(args, option, default)
    if command == "generate" and args.model is None:
        parser.error("generate needs --model FILE: the model to sample from")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    err = make_console(sys.stderr)
    try:
        return _dispatch(args, err)
    except MicrogptError as error:
        say(err, str(error), "error:", "bold red")
        return 1
    except KeyboardInterrupt:
        say(err, "interrupted")
        return 130
    except BrokenPipeError:
        _quiet_stdout()  # the reader went away (`| head`): stop, and say nothing
        return 0


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _dispatch(args: argparse.Namespace, err: Console) -> int:
    out = make_console(sys.stdout)
    run: Callable[[argparse.Namespace, Console, Console], int]
    if args.command == "train":
        from tui.commands.train import run_train as run
    elif args.command == "generate":
        from tui.commands.generate import run_generate as run
    elif args.command == "info":
        from tui.commands.info import run_info as run
    elif args.command == "bench":
        from tui.commands.bench import run_bench as run
    elif args.command == "serve":
        from tui.commands.serve import run_serve as run
    else:
        from tui.commands.debug import run_debugger as run
    return run(args, out, err)


if __name__ == "__main__":
    sys.exit(main())
