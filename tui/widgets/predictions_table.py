"""PredictionsTable: one row per position: what the model had seen, the word it had to
predict, the probability it gave that word, its rank, the loss, and its top guesses;
then the step's loss computed as the tutorial computes it: the sum over n, divided by n."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from core.training.trace import PositionTrace, StepTrace
from tui.format import percent

CONTEXT_WIDTH = 18  # characters of context shown before the target


class PredictionsTable(Static):
    """The per-position numbers of one step; the selected position is highlighted."""

    def show(self, trace: StepTrace | None, selected: int) -> None:
        self.update(render_predictions(trace, selected))


def render_predictions(trace: StepTrace | None, selected: int) -> Group | Text:
    if trace is None:
        return Text("no step yet", style="dim")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1), pad_edge=False, expand=True)
    table.add_column("pos", justify="right", no_wrap=True)
    table.add_column("context", justify="right", no_wrap=True, max_width=CONTEXT_WIDTH)
    table.add_column("→ target", no_wrap=True)
    table.add_column("p", justify="right", no_wrap=True)
    table.add_column("rank", justify="right", no_wrap=True)
    table.add_column("loss", justify="right", no_wrap=True)
    table.add_column("top guesses", no_wrap=True, overflow="ellipsis", ratio=1)
    worst = trace.worst_position
    for p in trace.positions:
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
    return Group(table, _mean_line(trace))


def _context(words: tuple[str, ...]) -> str:
    """The words seen so far, cut from the left: the nearest words matter most here."""
    text = " ".join(words)
    return text if len(text) <= CONTEXT_WIDTH else "…" + text[-(CONTEXT_WIDTH - 1) :]


def _guesses(p: PositionTrace) -> Text:
    """The three likeliest words, the first with its probability (the distribution panel
    has them all); the target, when among them, in green."""
    guesses = Text()
    for k, guess in enumerate(p.top[:3]):
        if k:
            guesses.append(" · ", style="dim")
        guesses.append(guess.word, style="bold green" if guess.token == p.target_token else "")
        if k == 0:
            guesses.append(f" {percent(guess.prob, digits=2)}", style="dim")
    return guesses


def _mean_line(trace: StepTrace) -> Text:
    """The step's loss as the training loop computes it: Σ losses / n."""
    losses = [f"{p.loss:.2f}" for p in trace.positions]
    terms = " + ".join(losses if len(losses) <= 6 else [*losses[:2], "…", losses[-1]])
    line = Text(f"loss = ({terms}) / {trace.n} = {trace.loss_sum:.4f} / {trace.n} = ")
    line.append(f"{trace.loss:.4f}", style="bold")
    return line
