"""GradientOriginScreen: where a watched parameter's gradient came from. The terms the
backward pass added into it, one per position whose forward pass used it, summing to the
gradient Adam used; the main paths from the loss down to it; for an embedding entry, the
positions that used its row. It only shows what the session computed."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from core.training.step_graph import GradientOrigin, GradientPath
from tui.screens.gradient_check import WHERE

GRAPH_REQUEST = "graph"  # what the screen answers when v asks for the graph


class GradientOriginScreen(ModalScreen[str | None]):
    """The report; esc (or f, q) closes, v opens the graph explorer at the parameter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f,q", "close", "Close"),
        Binding("v", "graph", "Find it in the graph"),
    ]

    def __init__(self, origin: GradientOrigin) -> None:
        super().__init__()
        self.origin = origin

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="origin-body"):
            yield Static(render_origin(self.origin), id="origin-report")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_graph(self) -> None:
        self.dismiss(GRAPH_REQUEST)


def render_origin(origin: GradientOrigin) -> Text:
    terms = origin.terms
    out = Text()
    out.append("Where the gradient came from", style="bold")
    out.append(f" · {terms.name}", style="bold")
    out.append(f" · step {origin.step + 1:,}'s sentence (“{origin.sentence}”), ")
    out.append(f"{WHERE[origin.which]}\n\n")
    if not terms.terms:
        out.append("Its gradient is 0: the step's graph does not use it.", style="bold")
        out.append(_footer())
        return out
    out.append("By position", style="bold")
    out.append(
        " (whose forward pass used it: backward added one term for each, in this order)\n",
        style="dim",
    )
    scale = max(abs(t.value) for t in terms.terms)
    for t in terms.terms:
        bar = "█" * max(1, round(12 * abs(t.value) / scale)) if t.value else ""
        out.append(f"  position {t.position:>2}  {t.value:+.9e}  {bar}\n")
    same = "==" if terms.total == terms.gradient else "!="
    out.append(f"  0 + these = {terms.total:+.9e} {same} the gradient Adam used\n")
    if origin.row is not None:
        out.append("\nIts embedding row", style="bold")
        out.append(" (all its columns: each position's part of the row's gradient)\n", style="dim")
        for share in origin.row:
            out.append(f"  position {share.position:>2} ")
            out.append(f"“{share.token}”")
            out.append(f"  |g| {share.norm:.3e}  {100 * share.share:+6.1f}%\n")
    out.append("\nMain paths from the loss", style="bold")
    out.append(
        " (each: its part of the gradient, the product of every edge's share of the "
        "gradient below it; paths can cancel: those through a position sum to its term)\n",
        style="dim",
    )
    for path in origin.paths:
        out.append_text(_path_lines(path))
    out.append(_footer())
    return out


def _path_lines(path: GradientPath) -> Text:
    line = Text()
    line.append(f"  {100 * path.share:+6.1f}%", style="bold")
    line.append(f"  {path.length} nodes\n", style="dim")
    for hop in reversed(path.hops[1:]):  # from the loss down
        line.append(f"      {hop.label}\n")
    return line


def _footer() -> str:
    return "\nv: find it in the graph · esc closes · the run is unchanged"
