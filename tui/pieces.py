"""Pieces of text the panels and dialogs share: a bar in eighths of a cell, the words
before a position, the top guesses and the loss written as Σ / n. Widgets never import
each other, so what two of them draw alike lives here."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.text import Text

from core.training.trace import PositionTrace
from tui.format import percent

EIGHTHS = " ▏▎▍▌▋▊▉█"
TARGET_MARK = "✓"  # before the target among the top guesses: never told by colour alone
CONTEXT_WIDTH = 18  # characters of context shown before the target


def eighths_bar(fraction: float, width: int) -> str:
    """A horizontal bar `fraction` of `width` long, in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)


def tail(context: str, words: int) -> str:
    """The last `words` words of the context: the nearest matter most to the next word."""
    parts = context.split(" ")
    return context if len(parts) <= words else "… " + " ".join(parts[-words:])


def context_of(words: tuple[str, ...], room: int = CONTEXT_WIDTH) -> str:
    """The words seen so far, cut from the left: the nearest words matter most here."""
    text = " ".join(words)
    return text if len(text) <= room else "…" + text[-(room - 1) :]


def mean_line(positions: tuple[PositionTrace, ...], n: int, loss_sum: float, loss: float) -> Text:
    """A sentence's loss as the training loop computes it: Σ losses / n, every term
    written (wrapped between terms when long)."""
    terms = " + ".join(f"{p.loss:.2f}" for p in positions)
    line = Text(f"loss = ({terms}) / {n} = {loss_sum:.4f} / {n} = ")
    line.append(f"{loss:.4f}", style="bold")
    return line


class Guesses:
    """The likeliest words, as many whole ones as the column has room for (never a word or
    a probability cut); the first with its probability, the target, when among them,
    marked ✓ and in `target`'s style."""

    def __init__(self, p: PositionTrace, target: Style | str = "bold", most: int = 3) -> None:
        self.pieces: list[Text] = []
        for k, guess in enumerate(p.top[:most]):
            piece = Text(" · " if k else "", style="dim")
            if guess.token == p.target_token:
                piece.append(TARGET_MARK + guess.word, style=target)
            else:
                piece.append(guess.word)
            if k == 0:
                piece.append(f" {percent(guess.prob, digits=2)}", style="dim")
            self.pieces.append(piece)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = [cell_len(piece.plain) for piece in self.pieces]
        return Measurement(min(widths[:1] or [0]), sum(widths))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown, used = Text(), 0
        for piece in self.pieces:
            used += cell_len(piece.plain)
            if used > options.max_width:
                break
            shown.append_text(piece)
        yield shown
