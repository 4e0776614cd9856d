"""Printing for the headless commands: Rich in a terminal, complete unwrapped lines for a
pipe or a file, and user or file text always shown literally (never read as markup)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.text import Text


def make_console(stream: TextIO) -> Console:
    """Rich output for a terminal; complete, unwrapped lines for a pipe or a file."""
    terminal = stream.isatty()
    return Console(
        file=stream,
        soft_wrap=True,
        width=None if terminal else 1_000_000,
        highlight=False,
    )


def say(console: Console, message: str, label: str = "", style: str = "") -> None:
    """Print a message that may hold user or file text: literally, never as markup."""
    line = Text()
    if label:
        line.append(label, style=style)
        line.append(" ")
    line.append(message)
    console.print(line)


def print_warnings(err: Console, warnings: Sequence[str]) -> None:
    for warning in warnings:
        say(err, warning, "warning:", "yellow")


TWIN_LOADING = (
    "loading the twin engine (the first run after installing compiles it, once: up to half "
    "a minute; later runs load it in a moment)..."
)


def warm_up_twin(err: Console, after: float = 1.0) -> None:
    """Load the twin engine's compiled kernels, saying why if it takes more than `after`
    seconds (the first time after installing, numba compiles them)."""
    from core.model.twin import warm_up  # imports numba: only when the twin is used

    timer = threading.Timer(after, say, (err, TWIN_LOADING))
    timer.daemon = True
    timer.start()
    try:
        warm_up()
    finally:
        timer.cancel()
