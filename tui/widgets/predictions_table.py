"""PredictionsTable: one row per position: the context, the word to predict, p(target), its
rank, the loss and the top guesses, then the step's loss as the tutorial computes it (Σ / n);
part-way through a step, the positions fed so far; after the update, p before → after."""

from __future__ import annotations

from typing import ClassVar

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from core.training.stages import StepProgress
from core.training.trace import PositionTrace, StepTrace
from core.training.update_effect import PositionEffect, UpdateEffect
from tui.format import percent
from tui.pieces import CONTEXT_WIDTH, Guesses, context_of, mean_line

GUESSES_FROM = 66  # cells: narrower, the top guesses give way (the distribution has them)
NUMBERS_WIDTH = 45  # cells the columns beside the context need, at most, guesses left out


class PredictionsTable(Static):
    """The per-position numbers of one step; the selected position is highlighted."""

    ALLOW_MAXIMIZE = True  # z enlarges it, though it takes no keys of its own
    COMPONENT_CLASSES: ClassVar[set[str]] = {"predictions-table--target"}
    DEFAULT_CSS = """
    PredictionsTable > .predictions-table--target { color: $text-success; text-style: bold; }
    """

    def show(
        self,
        trace: StepTrace | StepProgress | None,
        selected: int,
        effect: UpdateEffect | None = None,
    ) -> None:
        width, height = self.size.width or 76, self.size.height or 40
        target = self.get_component_rich_style("predictions-table--target", partial=True)
        self.update(render_predictions(trace, selected, width, height, effect, target))


def render_predictions(
    trace: StepTrace | StepProgress | None,
    selected: int,
    width: int = 76,
    height: int = 40,
    effect: UpdateEffect | None = None,
    target: Style | str = "bold",
) -> Group | Text:
    """The table in `width` × `height` cells: when the rows do not all fit, a window of
    them around the selected position, and a line that says which are shown. With the
    `effect` of this step's update, each position's p(target) before → after instead of
    its rank and guesses. `target` styles the target among the top guesses (the widget's,
    from the theme; ✓ marks it too)."""
    if trace is None:
        return Text("no step yet", style="dim")
    applied = _effect_of(trace, effect)
    footer = _footer(trace, effect, applied)
    count = len(trace.positions)  # the positions fed: n, except part-way through a step
    if count == 0:
        started = Text("the forward pass has not started (. feeds position 0)", style="dim")
        return Group(started, *footer)
    console = Console(width=width)
    below = sum(len(line.wrap(console, width)) for line in footer)
    room = max(1, height - 2 - below)  # the header and its rule, then the lines below
    first, last = 0, count - 1
    if count > room:
        room = max(1, room - 1)  # the line that says which rows are shown
        first = max(0, min(selected - room // 2, count - room))
        last = first + room - 1
    shown = trace.positions[first : last + 1]
    if applied is not None:
        table = _effect_table(trace, shown, applied, selected, width)
    else:
        table = _table(trace, shown, selected, width, target)
    if first == 0 and last == count - 1:
        return Group(table, *footer)
    worst = trace.worst_position
    hidden_worst = "" if applied or first <= worst <= last else f" · the worst is ▲{worst}"
    window = Text(
        f"positions {first}–{last} of 0–{count - 1} shown · ← → moves{hidden_worst}",
        style="dim italic",
    )
    return Group(table, window, *footer)


def _effect_of(trace: StepTrace | StepProgress, effect: UpdateEffect | None) -> UpdateEffect | None:
    """The effect, if it is this step's and the step is done: else the normal table."""
    if effect is None or effect.step != trace.step:
        return None
    done = not isinstance(trace, StepProgress) or trace.trace is not None
    same = [e.position for e in effect.positions] == [p.position for p in trace.positions]
    return effect if done and same else None


def _new_table() -> Table:
    return Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1), pad_edge=False, expand=True)


def _target(p: PositionTrace) -> Text:
    target = Text("→ ")
    target.append(p.target_word, style="bold")
    return target


def _table(
    trace: StepTrace | StepProgress,
    shown: tuple[PositionTrace, ...],
    selected: int,
    width: int,
    target: Style | str = "bold",
) -> Table:
    """Narrow (beside the attention), the guesses give way and the context shrinks, so
    that no number is ever cut."""
    guesses = width >= GUESSES_FROM
    context = CONTEXT_WIDTH if guesses else max(7, min(CONTEXT_WIDTH, width - NUMBERS_WIDTH))
    table = _new_table()
    table.add_column("pos", justify="right", no_wrap=True)
    table.add_column("context", justify="right", no_wrap=True, max_width=context)
    table.add_column("→ target", no_wrap=True, ratio=None if guesses else 1)
    table.add_column("p", justify="right", no_wrap=True)
    table.add_column("rank", justify="right", no_wrap=True)
    table.add_column("loss", justify="right", no_wrap=True)
    if guesses:
        table.add_column("top guesses", no_wrap=True, ratio=1)
    worst = trace.worst_position  # among the positions fed
    for p in shown:
        cells: list[str | Text | Guesses] = [
            f"▲{p.position}" if p.position == worst else str(p.position),
            Text(context_of(trace.words[: p.position + 1], context), style="dim"),
            _target(p),
            percent(p.prob),
            f"{p.rank:,}",
            Text(f"{p.loss:.4f}", style="bold" if p.position == worst else ""),
        ]
        if guesses:
            cells.append(Guesses(p, target))
        table.add_row(*cells, style="reverse" if p.position == selected else None)
    return table


def _effect_table(
    trace: StepTrace | StepProgress,
    shown: tuple[PositionTrace, ...],
    effect: UpdateEffect,
    selected: int,
    width: int,
) -> Table:
    """Before → after: no worst-position mark here, as ▲ says "worse" in this table. The
    context gives up cells first, so that a target or a Δloss is never cut."""
    changes = {e.position: e for e in effect.positions}
    rows = [
        (
            str(p.position),
            _target(p),
            percent(changes[p.position].before),
            percent(changes[p.position].after),
            _change(changes[p.position]),
        )
        for p in shown
    ]
    headers = ("pos", "→ target", "p before", "p after", "Δloss")
    cells = [max(cell_len(str(c)) for c in column) for column in zip(headers, *rows)]
    gaps = 3 * len(cells)  # each column's divider and its padding
    context = max(len("context"), min(CONTEXT_WIDTH, width - gaps - sum(cells)))
    table = _new_table()
    table.add_column("pos", justify="right", no_wrap=True)
    table.add_column("context", justify="right", no_wrap=True, max_width=context)
    table.add_column("→ target", no_wrap=True, ratio=1)
    table.add_column("p before", justify="right", no_wrap=True)
    table.add_column("p after", justify="right", no_wrap=True)
    table.add_column("Δloss", justify="right", no_wrap=True)
    for p, (pos, target, before, after, change) in zip(shown, rows):
        table.add_row(
            pos,
            Text(context_of(trace.words[: p.position + 1], context), style="dim"),
            target,
            before,
            Text(after, style="bold"),
            change,
            style="reverse" if p.position == selected else None,
        )
    return table


def _change(e: PositionEffect) -> Text:
    """Δloss, signed, with a glyph (never colour alone): ▼ better, ▲ worse, = unchanged."""
    glyph = "▼" if e.change < 0 else "▲" if e.change > 0 else "="
    return Text(f"{e.change:+.4f} {glyph}")


def _footer(
    trace: StepTrace | StepProgress,
    effect: UpdateEffect | None,
    applied: UpdateEffect | None,
) -> list[Text]:
    """The lines under the rows: what is not fed yet, the loss, what the update did."""
    lines: list[Text] = []
    fed, n = len(trace.positions), trace.n
    if 0 < fed < n:
        left = f"positions {fed}–{n - 1}" if n - fed > 1 else f"position {n - 1}"
        lines.append(Text(f"{left}: not fed yet (. feeds the next)", style="dim"))
    if applied is not None:  # instead of the mean: its terms are the losses before
        return [*lines, _effect_line(applied)]
    if trace.loss is None or trace.loss_sum is None:
        when = "once they are all fed" if fed < n else "next (. computes it)"
        lines.append(Text(f"loss: the mean of the {n} position losses, {when}", style="dim"))
    else:
        lines.append(mean_line(trace.positions, n, trace.loss_sum, trace.loss))
    if effect is not None:
        lines.append(Text("before → after: once this step's update is done", style="dim"))
    return lines


def _effect_line(effect: UpdateEffect) -> Text:
    line = Text(f"after the update: loss {effect.loss_before:.4f} → ")
    line.append(f"{effect.loss_after:.4f}", style="bold")
    line.append(f" ({effect.change:+.4f}) · {effect.better} better ▼ · {effect.worse} worse ▲")
    same = len(effect.positions) - effect.better - effect.worse
    if same:
        line.append(f" · {same} unchanged =")
    return line
