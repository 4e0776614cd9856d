"""DistributionChart: the selected position's ten most likely next words as bars, the
target highlighted, and where the target ranks when it is not among them."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from core.training.trace import PositionTrace
from tui.format import percent

_EIGHTHS = " ▏▎▍▌▋▊▉█"
CONTEXT_WORDS = 6  # of the context named above the bars


class DistributionChart(Static):
    """Bars of p(next word) at one position."""

    ALLOW_MAXIMIZE = True  # z enlarges it, though it takes no keys of its own

    def show(
        self, position: PositionTrace | None, context: str, empty: str = "no step yet"
    ) -> None:
        """`empty` is said when there is no position to show."""
        width = max(20, (self.size.width or 50) - 2)
        self.update(render_distribution(position, context, width, empty))


def render_distribution(
    p: PositionTrace | None, context: str, width: int, empty: str = "no step yet"
) -> Text:
    if p is None:
        return Text(empty, style="dim")
    label_width = max(4, min(12, max(len(g.word) for g in p.top)))
    bar_width = max(4, width - label_width - 10)
    top = p.top[0].prob if p.top else 1.0
    head = Text(f"after “{_tail(context, CONTEXT_WORDS)}” the target is ", style="dim")
    head.append(f"“{p.target_word}”", style="bold green")
    head.append(f" (rank {p.rank:,}, {percent(p.prob)})", style="dim")
    text = Text(no_wrap=True, overflow="crop")
    for guess in p.top:
        is_target = guess.token == p.target_token
        mark = "▶" if is_target else " "
        style = "bold green" if is_target else ""
        text.append(f"{mark}{guess.word[:label_width]:<{label_width}} ", style=style)
        text.append(_bar(guess.prob / top if top else 0.0, bar_width), style=style or "cyan")
        text.append(f" {percent(guess.prob):>6}\n", style=style)
    if all(g.token != p.target_token for g in p.top):
        text.append(f"▶{p.target_word[:label_width]:<{label_width}} ", style="bold green")
        text.append(f"rank {p.rank:,}: {percent(p.prob)}", style="bold green")
    else:
        text.rstrip()
    return Text("\n").join([head, text])  # the head wraps between words; bars never do


def _tail(context: str, words: int) -> str:
    """The last `words` words of the context: the nearest matter most to the next word."""
    parts = context.split(" ")
    return context if len(parts) <= words else "… " + " ".join(parts[-words:])


def _bar(fraction: float, width: int) -> str:
    """A horizontal bar `fraction` of `width` long, in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(width)
