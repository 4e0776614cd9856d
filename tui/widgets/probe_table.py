"""ProbeTable: what the model predicts at each position of a sentence you typed, in the
columns of the Predictions panel (context → target, p(target), rank, loss, top guesses),
then the sentence's loss as a training step computes it (Σ / n). Nothing is trained."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from core.training.probe import Probe
from tui.format import percent
from tui.pieces import CONTEXT_WIDTH, Guesses, context_of, mean_line

GUESSES_FROM = 66  # cells: narrower, the top guesses give way
GUESSES = 3  # named in the top-guesses column


class ProbeTable(Static):
    """The per-position numbers of one probed sentence."""

    def show(self, probe: Probe | None, empty: str = "") -> None:
        self.update(render_probe(probe, self.size.width or 76, empty))


def render_probe(probe: Probe | None, width: int = 76, empty: str = "") -> Group | Text:
    if probe is None:
        return Text(empty, style="dim")
    lines: list[Table | Text] = [_table(probe, width >= GUESSES_FROM)]
    if probe.truncated:
        words = len(probe.tokens) - 2
        lines.append(
            Text(
                f"✂ {words} words: a step sees {probe.n} positions (the block of "
                f"{probe.block_size}), so the sentence is cut there, as training cuts it",
                style="dim",
            )
        )
    lines.append(mean_line(probe.positions, probe.n, probe.loss_sum, probe.loss))
    return Group(*lines)


def _table(probe: Probe, guesses: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1), pad_edge=False, expand=True)
    table.add_column("pos", justify="right", no_wrap=True)
    table.add_column("context", justify="right", no_wrap=True, max_width=CONTEXT_WIDTH)
    table.add_column("→ target", no_wrap=True, ratio=None if guesses else 1)
    table.add_column("p", justify="right", no_wrap=True)
    table.add_column("rank", justify="right", no_wrap=True)
    table.add_column("loss", justify="right", no_wrap=True)
    if guesses:
        table.add_column("top guesses", no_wrap=True, ratio=1)
    worst = probe.worst_position
    for p in probe.positions:
        target = Text("→ ")
        target.append(p.target_word, style="bold")
        cells: list[str | Text | Guesses] = [
            f"▲{p.position}" if p.position == worst else str(p.position),
            Text(context_of(probe.words[: p.position + 1]), style="dim"),
            target,
            percent(p.prob),
            f"{p.rank:,}",
            Text(f"{p.loss:.4f}", style="bold" if p.position == worst else ""),
        ]
        if guesses:
            cells.append(Guesses(p, most=GUESSES))
        table.add_row(*cells)
    return table
