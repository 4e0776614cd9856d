"""DistributionChart: the selected position's ten most likely next words as bars, the
target marked (▶, and in the theme's success colour), and where the target ranks when it
is not among them."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from core.training.trace import PositionTrace
from tui.format import percent
from tui.pieces import eighths_bar, tail

CONTEXT_WORDS = 6  # of the context named above the bars


class DistributionChart(Static):
    """Bars of p(next word) at one position."""

    ALLOW_MAXIMIZE = True  # z enlarges it, though it takes no keys of its own
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "distribution-chart--target",
        "distribution-chart--bar",
    }
    DEFAULT_CSS = """
    DistributionChart {
        & > .distribution-chart--target { color: $text-success; text-style: bold; }
        & > .distribution-chart--bar { color: $text-primary; }
    }
    """

    def show(
        self, position: PositionTrace | None, context: str, empty: str = "no step yet"
    ) -> None:
        """`empty` is said when there is no position to show."""
        width = max(20, (self.size.width or 50) - 2)
        target = self.get_component_rich_style("distribution-chart--target", partial=True)
        bar = self.get_component_rich_style("distribution-chart--bar", partial=True)
        self.update(render_distribution(position, context, width, empty, target, bar))


def render_distribution(
    p: PositionTrace | None,
    context: str,
    width: int,
    empty: str = "no step yet",
    target: Style | str = "bold",
    bar: Style | str = "",
) -> Text:
    """`target` and `bar` are the styles of the target's line and of the other bars (the
    widget's, from the theme)."""
    if p is None:
        return Text(empty, style="dim")
    label_width = max(4, min(12, max(len(g.word) for g in p.top)))
    bar_width = max(4, width - label_width - 10)
    top = p.top[0].prob if p.top else 1.0
    head = Text(f"after “{tail(context, CONTEXT_WORDS)}” the target is ", style="dim")
    head.append(f"“{p.target_word}”", style=target)
    head.append(f" (rank {p.rank:,}, {percent(p.prob)})", style="dim")
    text = Text(no_wrap=True, overflow="crop")
    for guess in p.top:
        is_target = guess.token == p.target_token
        mark = "▶" if is_target else " "
        style = target if is_target else ""
        text.append(f"{mark}{guess.word[:label_width]:<{label_width}} ", style=style)
        text.append(eighths_bar(guess.prob / top if top else 0.0, bar_width), style=style or bar)
        text.append(f" {percent(guess.prob):>6}\n", style=style)
    if all(g.token != p.target_token for g in p.top):
        text.append(f"▶{p.target_word[:label_width]:<{label_width}} ", style=target)
        text.append(f"rank {p.rank:,}: {percent(p.prob)}", style=target)
    else:
        text.rstrip()
    return Text("\n").join([head, text])  # the head wraps between words; bars never do
