"""DrawChart: a generated sentence's words, one selected, and the distribution that word
was drawn from, after temperature, top-k and top-p: the likeliest words as bars, the word
drawn marked ▶, and how many words the filter kept."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from core.model.draws import Draw, Sample
from tui.format import percent
from tui.pieces import eighths_bar, tail

CONTEXT_WORDS = 6  # of the sentence so far, named above the bars


class DrawChart(Static):
    """A sentence's words, and bars of the filtered p(next word) at the selected one."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"draw-chart--bar"}
    DEFAULT_CSS = """
    DrawChart > .draw-chart--bar { color: $text-primary; }
    """  # a theme's colour, as the distribution's bars: it reads on light themes too

    def show(self, sample: Sample | None, selected: int) -> None:
        """`selected`: the index of the draw shown, among the sample's."""
        width = max(20, (self.size.width or 60) - 2)
        bar = self.get_component_rich_style("draw-chart--bar", partial=True)
        self.update(render_sample(sample, selected, width, bar))


def render_sample(sample: Sample | None, selected: int, width: int, bar: Style | str = "") -> Text:
    if sample is None or not sample.draws:
        return Text("")
    draw = sample.draws[selected]
    return Text("\n\n").join(
        [words_line(sample, selected), render_draw(draw, sample.context(draw), width, bar)]
    )


def words_line(sample: Sample, selected: int) -> Text:
    """The words drawn, the selected one marked ‹ › (and reversed)."""
    line = Text(f"word {selected + 1} of {len(sample.draws)} (← →): ", style="dim")
    for k, draw in enumerate(sample.draws):
        if k:
            line.append(" ")
        if k == selected:
            line.append(f"‹{draw.chosen_word}›", style="reverse bold")
        else:
            line.append(draw.chosen_word)
    return line


def render_draw(draw: Draw, context: str, width: int, bar: Style | str = "") -> Text:
    """The distribution of one draw; `context`: what the model had seen (BOS first)."""
    words = [c.word for c in draw.likeliest] + [draw.chosen_word]
    label_width = max(4, min(14, max(len(w) for w in words)))
    bar_width = max(4, width - label_width - 10)
    head = Text(f"after “{tail(context, CONTEXT_WORDS)}” the model drew ", style="dim")
    head.append(f"▶ {draw.chosen_word}", style="bold")
    head.append(f" ({percent(draw.chosen_prob)}, rank {draw.chosen_rank:,})", style="dim")
    if draw.ends:
        head.append(" · BOS ends the sentence", style="dim")
    if draw.kept < draw.vocab_size:
        said = f"the filter kept {draw.kept:,} of {draw.vocab_size:,} tokens; the rest have p = 0"
    else:
        said = f"the filter kept all {draw.vocab_size:,} tokens (nothing was cut)"
    kept = Text(said, style="dim")
    top = draw.likeliest[0].prob if draw.likeliest else 1.0
    bars = Text(no_wrap=True, overflow="crop")
    for candidate in draw.likeliest:
        chosen = candidate.token == draw.chosen
        style = "bold" if chosen else ""
        mark = "▶" if chosen else " "
        bars.append(f"{mark}{candidate.word[:label_width]:<{label_width}} ", style=style)
        bars.append(eighths_bar(candidate.prob / top, bar_width), style=style or bar)
        bars.append(f" {percent(candidate.prob):>6}\n", style=style)
    if all(c.token != draw.chosen for c in draw.likeliest):
        bars.append(f"▶{draw.chosen_word[:label_width]:<{label_width}} ", style="bold")
        bars.append(f"rank {draw.chosen_rank:,}: {percent(draw.chosen_prob)}", style="bold")
    else:
        bars.rstrip()
    return Text("\n").join([head, kept, bars])  # the head wraps between words; bars never do
