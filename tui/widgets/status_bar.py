"""StatusBar: where training stands (step, sentence, learning rate, loss) and what the
debugger is doing (paused, running, going to a step). Its fields wrap whole, never cut."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Static

from tui.views import StatusView

_STATE_MARK = {
    "rewinding": "⏪ going back to step",
    "paused": "⏸ paused",
    "running": "▶ running",
    "stepping": "▶ stepping",
    "going": "⏩ going to step",
}
SEPARATOR = " · "
ORIGINAL_STYLE = "#009E73"  # Okabe-Ito bluish green: the loss chart's original-corpus line
HELD_OUT_STYLE = "#CC79A7"  # Okabe-Ito reddish purple: the loss chart's held-out series


@dataclass(frozen=True)
class Colours:
    """The styles of the fields that have a colour of their own (the widget takes them from
    the theme, through its component classes); each field also says what it is in words."""

    original: Style | str = ORIGINAL_STYLE
    held_out: Style | str = HELD_OUT_STYLE
    condition: Style | str = ""


@dataclass(frozen=True)
class Field:
    """A unit of the status that is never split across lines."""

    text: Text
    joiner: str = SEPARATOR
    """Put before it when it follows another field on the same line (dropped at a wrap)."""


def figure_fields(v: StatusView, colours: Colours = Colours()) -> list[Field]:
    """The shown step's figures: step, sentence, learning rate, loss, running mean."""
    step = Text.assemble((f"step {v.step:,}", "bold"), f" of {v.num_steps:,}")
    if v.fine_tuning:
        step = Text.assemble(("fine-tuning ", colours.original), step)
    fields = [Field(step)]
    if v.what_if:  # in words and reversed, not by colour alone: it is not the run's step
        mark = f"WHAT-IF step {v.step + 1:,} on your sentence (the run is unchanged; b leaves it)"
        fields.append(Field(Text(mark, style="bold reverse")))
    elif v.sentence_index is not None:
        fields.append(Field(Text(f"sentence {v.sentence_index + 1:,} of {v.num_sentences:,}")))
    if v.lr is not None:
        fields.append(Field(Text(f"lr {v.lr:.6g}")))
    if v.loss is not None:
        fields.append(Field(Text.assemble("loss ", (f"{v.loss:.4f}", "bold"))))
    if v.mean_loss is not None:
        window = "last step" if v.mean_window == 1 else f"last {v.mean_window:,} steps"
        fields.append(Field(Text(f"mean {v.mean_loss:.4f} ({window})")))
    if v.original is not None:
        o = v.original
        when = "before fine-tuning" if o.at == 0 else f"{o.rise:+.4f} at step {o.at:,}"
        fields.append(Field(Text(f"original corpus {o.loss:.4f} ({when})", style=colours.original)))
    if v.held_out_pending:
        fields.append(Field(Text("held-out: evaluating…", style=colours.held_out)))
    elif v.held_out is not None:
        h = v.held_out
        start = "before fine-tuning" if v.fine_tuning else "before training"
        when = start if h.step == 0 else f"step {h.step:,}"
        when += ", on demand" if h.asked else ""
        fields.append(Field(Text(f"held-out {h.loss:.4f} ({when})", style=colours.held_out)))
    return fields


def state_fields(v: StatusView, brief: bool = False, colours: Colours = Colours()) -> list[Field]:
    """What the debugger is doing: its state, a go-to's progress, timings, graph size, and
    the run-until conditions (any one pauses the run, hence "or"); `brief` (presenting)
    leaves out the timings and the graph's size."""
    state = _STATE_MARK.get(v.state, v.state)
    heading = v.state in ("going", "rewinding") and v.goal is not None
    if heading:
        state += f" {v.goal:,}"
    fields = [Field(Text(state, style="bold reverse" if v.state != "paused" else "bold"))]
    if heading and v.goal is not None:
        done = max(0, min(v.step, v.goal))
        fields.append(Field(Text(_bar(done, v.goal)), joiner=" "))
        fields.append(Field(Text("(esc cancels)"), joiner=" "))
    if v.ms_per_step is not None and not brief:
        fields.append(Field(Text(f"{v.ms_per_step:.1f} ms/step")))
    if v.nodes is not None and v.reference_nodes is not None and not brief:
        graph = f"graph {v.nodes:,} nodes ({v.reference_nodes:,} primitive ops)"
        fields.append(Field(Text(graph, style="dim")))
    for n, condition in enumerate(v.conditions):
        if n == 0:
            fields.append(Field(Text(f"until: {condition}", style=colours.condition)))
        else:
            fields.append(Field(Text(f"or {condition}", style=colours.condition), joiner=" "))
    return fields


def fill(fields: list[Field], width: int) -> list[Text]:
    """Fields put on lines greedily: a field that does not fit beside the previous one starts
    a new line (a field wider than `width` gets a line of its own)."""
    lines: list[Text] = []
    for field in fields:
        if lines and lines[-1].cell_len + len(field.joiner) + field.text.cell_len <= width:
            lines[-1].append(field.joiner)
            lines[-1].append_text(field.text)
        else:
            lines.append(Text())  # not the field itself: its style would cover the line
            lines[-1].append_text(field.text)
    return lines


def status_lines(
    v: StatusView, width: int, brief: bool = False, colours: Colours = Colours()
) -> list[Text]:
    """The status at `width` columns: the figures' lines, then the state's; `brief`, the
    state follows on the figures' last line when there is room (fewer lines)."""
    figures, state = figure_fields(v, colours), state_fields(v, brief, colours)
    if brief:
        return fill([*figures, *state], width)
    return fill(figures, width) + fill(state, width)


class StatusBar(Widget):
    """The figures, then the debugger's state, each on as many lines as the width needs
    (`height: auto`); the reason for a pause goes to the NoteLine below."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-bar--original",
        "status-bar--held-out",
        "status-bar--condition",
    }
    DEFAULT_CSS = """
    StatusBar {
        & > .status-bar--original { color: #009E73; }  /* the loss chart's colours */
        & > .status-bar--held-out { color: #CC79A7; }
        & > .status-bar--condition { color: $text-accent; }
        &:light > .status-bar--original { color: #00704F; }  /* darker: 4.5:1 on light */
        &:light > .status-bar--held-out { color: #A4407A; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: StatusView | None = None
        self.brief = False  # presenting: no timings, no graph size
        self._colours = Colours()

    def set_brief(self, brief: bool) -> None:
        self.brief = brief
        self.refresh(layout=True)

    def show(self, view: StatusView) -> None:
        lines_before = self._height(self.content_size.width)
        self.view = view
        self._colours = Colours(
            *(self._component(c) for c in ("original", "held-out", "condition"))
        )
        # A new layout only when the height changes: it is repainted several times a second.
        self.refresh(layout=self._height(self.content_size.width) != lines_before)

    def render(self) -> Text:
        return self._text(self.content_size.width)

    def _component(self, name: str) -> Style:
        return self.get_component_rich_style(f"status-bar--{name}", partial=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._height(width)

    def _text(self, width: int) -> Text:
        if self.view is None or width <= 0:
            return Text()
        return Text("\n").join(status_lines(self.view, width, self.brief, self._colours))

    def _height(self, width: int) -> int:
        if self.view is None or width <= 0:
            return 1
        # Wrapped again only if a single field is wider than the widget.
        return max(1, len(self._text(width).wrap(self.app.console, width)))


class NoteLine(Static):
    """Why the debugger paused or refused, under the status bar while there is a reason:
    on lines of its own, wrapped, never cut; ⚠ marks it, whatever the colours."""

    DEFAULT_CSS = """
    NoteLine { color: $text-warning; text-style: bold; }
    """

    def show(self, note: str) -> None:
        self.display = bool(note)
        self.update(Text(f"⚠ {note}") if note else "")


def _bar(done: int, goal: int, width: int = 16) -> str:
    filled = round(width * done / goal) if goal else width
    return "▕" + "█" * filled + "░" * (width - filled) + f"▏ {done:,}/{goal:,}"
