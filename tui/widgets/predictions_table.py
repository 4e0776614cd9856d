"""PredictionsTable: one row per position: what the model had seen, the word it had to
predict, the probability it gave that word, its rank, the loss, and its top guesses;
then the step's loss computed as the tutorial computes it: the sum over n, divided by n."""

from __future__ import annotations

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from core.training.trace import PositionTrace, StepTrace
from tui.format import percent

CONTEXT_WIDTH = 18  # characters of context shown before the target


class PredictionsTable(Static):
    """The per-position numbers of one step; the selected position is highlighted."""

    ALLOW_MAXIMIZE = True  # z enlarges it, though it takes no keys of its own

    def show(self, trace: StepTrace | None, selected: int) -> None:
        width, height = self.size.width or 76, self.size.height or 40
        self.update(render_predictions(trace, selected, width, height))


def render_predictions(
    trace: StepTrace | None, selected: int, width: int = 76, height: int = 40
) -> Group | Text:
    """The table in `width` × `height` cells: when the rows do not all fit, a window of
    them around the selected position, and a line that says which are shown."""
    if trace is None:
        return Text("no step yet", style="dim")
    mean_line = _mean_line(trace)
    formula = len(mean_line.wrap(Console(width=width), width))
    room = max(1, height - 2 - formula)  # the header and its rule, then the formula
    first, last = 0, trace.n - 1
    if trace.n > room:
        room = max(1, room - 1)  # the line that says which rows are shown
        first = max(0, min(selected - room // 2, trace.n - room))
        last = first + room - 1
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1), pad_edge=False, expand=True)
    table.add_column("pos", justify="right", no_wrap=True)
    table.add_column("context", justify="right", no_wrap=True, max_width=CONTEXT_WIDTH)
    table.add_column("→ target", no_wrap=True)
    table.add_column("p", justify="right", no_wrap=True)
    table.add_column("rank", justify="right", no_wrap=True)
    table.add_column("loss", justify="right", no_wrap=True)
    table.add_column("top guesses", no_wrap=True, ratio=1)
    worst = trace.worst_position
    for p in trace.positions[first : last + 1]:
        target = Text("→ ")
        target.append(p.target_word, style="bold")
        table.add_row(
            f"▲{p.position}" if p.position == worst else str(p.position),
            Text(_context(trace.words[: p.position + 1]), style="dim"),
            target,
            percent(p.prob),
            f"{p.rank:,}",
            Text(f"{p.loss:.4f}", style="bold" if p.position == worst else ""),
            _guesses(p),
            style="reverse" if p.position == selected else None,
        )
    if first == 0 and last == trace.n - 1:
        return Group(table, mean_line)
    hidden_worst = "" if first <= worst <= last else f" · the worst is ▲{worst}"
    shown = Text(
        f"positions {first}–{last} of 0–{trace.n - 1} shown · ← → moves{hidden_worst}",
        style="dim italic",
    )
    return Group(table, shown, mean_line)


def _context(words: tuple[str, ...]) -> str:
    """The words seen so far, cut from the left: the nearest words matter most here."""
    text = " ".join(words)
    return text if len(text) <= CONTEXT_WIDTH else "…" + text[-(CONTEXT_WIDTH - 1) :]


class Guesses:
    """The likeliest words, as many whole ones as the column has room for (never a word or
    a probability cut); the first with its probability, the target, when among them, in
    green. The distribution panel has them all."""

    def __init__(self, p: PositionTrace, most: int = 3) -> None:
        self.pieces: list[Text] = []
        for k, guess in enumerate(p.top[:most]):
            piece = Text(" · " if k else "", style="dim")
            piece.append(guess.word, style="bold green" if guess.token == p.target_token else "")
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


def _guesses(p: PositionTrace) -> Guesses:
    return Guesses(p)


def _mean_line(trace: StepTrace) -> Text:
    """The step's loss as the training loop computes it: Σ losses / n, every term written
    (wrapped between terms when long)."""
    terms = " + ".join(f"{p.loss:.2f}" for p in trace.positions)
    line = Text(f"loss = ({terms}) / {trace.n} = {trace.loss_sum:.4f} / {trace.n} = ")
    line.append(f"{trace.loss:.4f}", style="bold")
    return line
