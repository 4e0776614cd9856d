"""GradientCheckScreen: the engine's gradient of a parameter beside the slope of the loss
measured around it, (L(θ + ε) − L(θ − ε)) / 2ε, with the verdict; k checks a sample of the
same matrix. It only shows a report the session computed."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from core.training.gradient_check import AGREES_BELOW, GradientCheck, GradientReport

SAMPLE = 8  # parameters of the matrix checked by k
SAMPLE_REQUEST = "sample"  # what the screen answers when k asks for a sample
WHERE = {
    "walked": "the weights as they are, before its update: the gradients it is about to use",
    "shown": "the weights before its update (a copy): the gradients its Adam entries show",
    "next": "the weights as they are: the gradients the next step will use",
    "what-if": "the weights as they are: the gradients of the what-if step on your sentence",
}


class GradientCheckScreen(ModalScreen[str | None]):
    """A gradient check's report; esc (or c, q) closes, k asks for a sample."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c,q", "close", "Close"),
        Binding("k", "sample", f"Check {SAMPLE} more of this matrix"),
    ]

    def __init__(self, report: GradientReport, matrix: str) -> None:
        super().__init__()
        self.report = report
        self.matrix = matrix

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="check-body"):
            yield Static(render_report(self.report, self.matrix), id="check-report")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_sample(self) -> None:
        self.dismiss(SAMPLE_REQUEST)


def render_report(report: GradientReport, matrix: str) -> Text:
    """The report as text: where, the formula, then two lines per parameter."""
    out = Text()
    out.append("Gradient check", style="bold")
    out.append(f" · step {report.step + 1:,}'s sentence (")
    out.append(f"“{report.sentence}”")
    out.append(f"), {WHERE[report.which]}\n")
    first = report.checks[0] if report.checks else None
    eps = f"{first.epsilon:g}" if first is not None else "?"
    out.append(
        f"slope = (L(θ + ε) − L(θ − ε)) / 2ε with ε = {eps}; it agrees with the engine's "
        f"gradient when their relative error is below {AGREES_BELOW:g}\n",
        style="dim",
    )
    for check in report.checks:
        out.append("\n")
        out.append_text(_check_lines(check))
    if len(report.checks) > 1:
        out.append(f"\n\n{report.agreed} of {len(report.checks)} agree", style="bold")
    out.append(
        f"\n\nk: {SAMPLE} more of {matrix} (a sample of its own, not the run's generator) · "
        "esc closes · the run is unchanged",
        style="dim",
    )
    return out


def _check_lines(c: GradientCheck) -> Text:
    mark = "✓" if c.agrees else "✗"
    line = Text()
    line.append(f"{mark} {c.name}", style="bold")
    line.append(f" = {c.value:+.6e} · ")
    line.append(c.verdict, style="bold" if c.agrees else "bold reverse")
    line.append(f" (relative error {c.relative_error:.1e})\n")
    line.append(
        f"  engine {c.engine:+.9e} · slope {c.numeric:+.9e} = "
        f"({c.loss_plus:.12f} − {c.loss_minus:.12f}) / 2ε"
    )
    return line
