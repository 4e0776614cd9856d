"""PredictionsTable: one row per position: the context, the word to predict, p(target), its
rank, the loss and the top guesses, then the step's loss as the tutorial computes it (Σ / n);
part-way through a step, the positions fed so far; after the update, p before → after."""

from __future__ import annotations

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from core.training.stages import StepProgress
from core.training.trace import PositionTrace, StepTrace
from core.training.update_effect import PositionEffect, UpdateEffect
from tui.format import percent

CONTEXT_WIDTH = 18  # characters of context shown before the target
GUESSES_FROM = 66  # cells: narrower, the top guesses give way (the distribution has them)
NUMBERS_WIDTH = 45  # cells the columns beside the context need, at most, guesses left out


class PredictionsTable(Static):
    """The per-position numbers of one step; the selected position is highlighted."""

    ALLOW_MAXIMIZE = True  # z enlarges it, though it takes no keys of its own

    def show(
        self,
        trace: StepTrace | StepProgress | None,
        selected: int,
        effect: UpdateEffect | None = None,
    ) -> None:
        width, height = self.size.width or 76, self.size.height or 40
        self.update(render_predictions(trace, selected, width, height, effect))


def render_predictions(
    trace: StepTrace | StepProgress | None,
    selected: int,
    width: int = 76,
    height: int = 40,
    effect: UpdateEffect | None = None,
) -> Group | Text:
    """The table in `width` × `height` cells: when the rows do not all fit, a window of
    them around the selected position, and a line that says which are shown. With the
    `effect` of this step's update, each position's p(target) before → after instead of
    its rank and guesses."""
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
        table = _table(trace, shown, selected, width)
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
    trace: StepTrace | StepProgress, shown: tuple[PositionTrace, ...], selected: int, width: int
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
            Text(_context(trace.words[: p.position + 1], context), style="dim"),
            _target(p),
            percent(p.prob),
            f"{p.rank:,}",
            Text(f"{p.loss:.4f}", style="bold" if p.position == worst else ""),
        ]
        if guesses:
            cells.append(_guesses(p))
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
            Text(_context(trace.words[: p.position + 1], context), style="dim"),
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
        lines.append(_mean_line(trace.positions, n, trace.loss_sum, trace.loss))
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


def _context(words: tuple[str, ...], room: int = CONTEXT_WIDTH) -> str:
    """The words seen so far, cut from the left: the nearest words matter most here."""
    text = " ".join(words)
    return text if len(text) <= room else "…" + text[-(room - 1) :]


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


def _mean_line(positions: tuple[PositionTrace, ...], n: int, loss_sum: float, loss: float) -> Text:
    """The step's loss as the training loop computes it: Σ losses / n, every term written
    (wrapped between terms when long)."""
    terms = " + ".join(f"{p.loss:.2f}" for p in positions)
    line = Text(f"loss = ({terms}) / {n} = {loss_sum:.4f} / {n} = ")
    line.append(f"{loss:.4f}", style="bold")
    return line
