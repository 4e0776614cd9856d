"""TokenStrip: the step's sentence as tokens, each word over its token id, positions
numbered, BOS at both ends, and a mark where a long sentence was cut at the block."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from core.training.trace import StepTrace

LABEL_WIDTH = 5  # "pos", "word", "id" labels in the left margin


class TokenStrip(Static):
    """Shows the tokens of a step; the selected position's input and target stand out."""

    def show(
        self, trace: StepTrace | None, selected: int, compact: bool = False, steps_done: int = 0
    ) -> None:
        """`compact` leaves out the position numbers (the predictions list them);
        `steps_done` says, while no step is shown, where the run stands."""
        width = max(20, self.size.width or 80)
        self.update(render_tokens(trace, selected, width, compact, steps_done))


def render_tokens(
    trace: StepTrace | None,
    selected: int,
    width: int,
    compact: bool = False,
    steps_done: int = 0,
) -> Text:
    if trace is None:
        if steps_done:  # a resumed run, or back at where it was resumed
            return Text(
                f"at step {steps_done:,} (no step shown yet): press space to train step "
                f"{steps_done + 1:,}",
                style="dim",
            )
        return Text("no step yet: press space to train on the first sentence", style="dim")
    cells = []
    for i, (token, word) in enumerate(zip(trace.tokens, trace.words)):
        cells.append((i, word, str(token), max(len(word), len(str(token))) + 2))
    lines = Text(no_wrap=True, overflow="ellipsis")
    row: list[tuple[int, str, str, int]] = []
    used = LABEL_WIDTH
    for cell in cells:
        if row and used + cell[3] > width:
            _append_rows(lines, row, trace, selected, compact)
            row, used = [], LABEL_WIDTH
        row.append(cell)
        used += cell[3]
    _append_rows(lines, row, trace, selected, compact)
    if trace.truncated:
        lines.append(
            f"✂ cut: the sentence has {len(trace.tokens) - 1} predictions; "
            f"the block allows {trace.n}, so the last "
            f"{len(trace.tokens) - 1 - trace.n} are not trained (dim)",
            style="yellow",
        )
    return lines


def _append_rows(
    out: Text,
    row: list[tuple[int, str, str, int]],
    trace: StepTrace,
    selected: int,
    compact: bool,
) -> None:
    if out:
        out.append("\n")
    fields = (("", 1), ("id", 2)) if compact else (("pos", 0), ("", 1), ("id", 2))
    for label, field in fields:
        out.append(f"{label:<{LABEL_WIDTH}}", style="dim")
        for cell in row:
            i, width = cell[0], cell[3]
            text = (str(i) if i < trace.n else "") if field == 0 else cell[field]
            out.append(f"{text:^{width}}", style=_style(i, field, trace, selected))
        if field < 2:
            out.append("\n")


def _style(i: int, field: int, trace: StepTrace, selected: int) -> str:
    if i > trace.n:
        return "dim strike"  # past the block: never a target, never trained
    if i == selected:
        return "bold reverse"  # the input at the selected position
    if i == selected + 1:
        return "bold underline"  # its target
    if field == 1 and trace.words[i] == "BOS":
        return "magenta"
    return "dim" if field != 1 else ""
