"""TokenStrip: the step's sentence as tokens, each word over its token id, positions
numbered, BOS at both ends, and a mark where a long sentence was cut at the block."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from core.training.stages import StepProgress, StepShown

LABEL_WIDTH = 5  # "pos", "word", "id" labels in the left margin


class TokenStrip(Static):
    """Shows the tokens of a step; the selected position's input and target stand out."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"token-strip--bos", "token-strip--cut"}
    DEFAULT_CSS = """
    TokenStrip {
        & > .token-strip--bos { color: $text-secondary; }
        & > .token-strip--cut { color: $text-warning; }
    }
    """

    def show(
        self,
        trace: StepShown | None,
        selected: int,
        compact: bool = False,
        steps_done: int = 0,
        goal: int | None = None,
    ) -> None:
        """`compact` leaves out the position numbers (the predictions list them);
        `steps_done` and `goal` say, while no step is shown, where the run stands."""
        width = max(20, self.size.width or 80)
        bos = self.get_component_rich_style("token-strip--bos", partial=True)
        cut = self.get_component_rich_style("token-strip--cut", partial=True)
        self.update(render_tokens(trace, selected, width, compact, steps_done, goal, bos, cut))


def render_tokens(
    trace: StepShown | None,
    selected: int,
    width: int,
    compact: bool = False,
    steps_done: int = 0,
    goal: int | None = None,
    bos: Style | str = "",
    cut: Style | str = "",
) -> Text:
    """The tokens at `width` cells; `bos` styles the BOS words and `cut` the line that says
    a sentence was cut at the block (the widget's, from the theme)."""
    if trace is None:
        if goal is not None:  # going forward from the start (or a resumed step)
            return Text(
                f"at step {steps_done:,}, going to step {goal:,}: its step is shown when "
                "it is there",
                style="dim",
            )
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
    lines = Text(no_wrap=True, overflow="crop")
    if compact and LABEL_WIDTH + sum(cell[3] for cell in cells) > width:
        _append_window(lines, cells, trace, selected, width, bos)
        return _with_cut_note(lines, trace, cut)
    row: list[tuple[int, str, str, int]] = []
    used = LABEL_WIDTH
    for cell in cells:
        if row and used + cell[3] > width:
            _append_rows(lines, row, trace, selected, compact, bos)
            row, used = [], LABEL_WIDTH
        row.append(cell)
        used += cell[3]
    _append_rows(lines, row, trace, selected, compact, bos)
    return _with_cut_note(lines, trace, cut)


def _with_cut_note(lines: Text, trace: StepShown, cut: Style | str) -> Text:
    if trace.truncated:
        lines.append(
            f"\n✂ cut: the sentence has {len(trace.tokens) - 1} predictions; "
            f"the block allows {trace.n}, so the last "
            f"{len(trace.tokens) - 1 - trace.n} are not trained (dim)",
            style=cut,
        )
    return lines


def _append_window(
    out: Text,
    cells: list[tuple[int, str, str, int]],
    trace: StepShown,
    selected: int,
    width: int,
    bos: Style | str,
) -> None:
    """Compact: one row of cells around the selected input and its target, with marks
    saying how many tokens are off each side (← → moves the selection, and the window)."""
    first = last = min(selected + 1, len(cells) - 1)
    first = min(first, selected)

    def used(a: int, b: int) -> int:
        marks = (4 if a > 0 else 0) + (4 if b < len(cells) - 1 else 0)  # "‹12 " and " 12›"
        return LABEL_WIDTH + marks + sum(cell[3] for cell in cells[a : b + 1])

    while True:  # grow to the right first (what comes next), then to the left
        if last + 1 < len(cells) and used(first, last + 1) <= width:
            last += 1
        elif first > 0 and used(first - 1, last) <= width:
            first -= 1
        else:
            break
    row = cells[first : last + 1]
    before, after = first, len(cells) - 1 - last
    for label, field in (("", 1), ("id", 2)):
        out.append(f"{label:<{LABEL_WIDTH}}", style="dim")
        out.append(f"‹{before:<2} " if before and field == 1 else "    " if before else "", "dim")
        for i, _, _, cell_width in row:
            text = cells[i][field]
            out.append(f"{text:^{cell_width}}", style=_style(i, field, trace, selected, bos))
        if after and field == 1:
            out.append(f" {after:>2}›", "dim")
        if field == 1:
            out.append("\n")


def _append_rows(
    out: Text,
    row: list[tuple[int, str, str, int]],
    trace: StepShown,
    selected: int,
    compact: bool,
    bos: Style | str,
) -> None:
    if out:
        out.append("\n")
    fields = (("", 1), ("id", 2)) if compact else (("pos", 0), ("", 1), ("id", 2))
    for label, field in fields:
        out.append(f"{label:<{LABEL_WIDTH}}", style="dim")
        for cell in row:
            i, width = cell[0], cell[3]
            text = (str(i) if i < trace.n else "") if field == 0 else cell[field]
            out.append(f"{text:^{width}}", style=_style(i, field, trace, selected, bos))
        if field < 2:
            out.append("\n")


def _style(i: int, field: int, trace: StepShown, selected: int, bos: Style | str) -> Style | str:
    if i > trace.n:
        return "dim strike"  # past the block: never a target, never trained
    if isinstance(trace, StepProgress) and trace.trace is None and i > len(trace.positions):
        return "dim italic"  # a step walked stage by stage: not fed yet, nor a target yet
    if i == selected:
        return "bold reverse"  # the input at the selected position
    if i == selected + 1:
        return "bold underline"  # its target
    if field == 1 and trace.words[i] == "BOS":
        return bos
    return "dim" if field != 1 else ""
