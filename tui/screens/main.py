"""MainScreen: the debugger's one screen (status, tokens, and five panels), which shows a
`RunView` in every widget at once. Wide, all panels show; compact (below 110 columns or
34 rows), one at a time, chosen with the tabs (or keys 1-5)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Tab, Tabs

from tui.run_view import RunView
from tui.widgets.adam_inspector import AdamInspector
from tui.widgets.distribution_chart import DistributionChart
from tui.widgets.embedding_map import EmbeddingGradMap
from tui.widgets.loss_chart import LossChart
from tui.widgets.predictions_table import PredictionsTable
from tui.widgets.status_bar import StatusBar
from tui.widgets.token_strip import TokenStrip

PANELS = {
    "predictions": "Predictions",
    "distribution": "Distribution",
    "loss": "Loss",
    "embeddings": "Embedding gradients",
    "adam": "Adam",
}
TOP_ROW_MIN = 14  # lines: enough for the distribution's ten bars


@dataclass(frozen=True)
class Activity:
    """What the debugger is doing, for the status line."""

    state: str
    """"paused", "stepping", "running", "going" or "rewinding"."""
    goal: int | None
    note: str
    timings: bool
    """Show milliseconds per step (hidden for snapshot tests)."""


class MainScreen(Screen[None]):
    """Status, tokens and the panels."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]
    AUTO_FOCUS = None  # arrows select positions until a panel is focused

    def __init__(self, words: tuple[str, ...], block_size: int) -> None:
        super().__init__()
        self.words = words
        self.block_size = block_size
        self.panel = "predictions"
        self._shown: tuple[RunView, Activity] | None = None  # to show again after a resize
        self._ready = False  # the widgets are composed and mounted

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield TokenStrip(id="tokens")
        yield Tabs(*(Tab(title, id=f"tab-{pid}") for pid, title in PANELS.items()), id="panel-tabs")
        with Vertical(id="panels"):
            with Horizontal(id="top-row", classes="panel-row"):
                yield PredictionsTable(id="predictions", classes="panel")
                yield DistributionChart(id="distribution", classes="panel")
            with Horizontal(id="bottom-row", classes="panel-row"):
                yield LossChart(id="loss", classes="panel")
                yield EmbeddingGradMap(id="embeddings", classes="panel")
                yield AdamInspector(id="adam", classes="panel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Tabs).can_focus = False  # its arrows would steal position selection
        for pid, title in PANELS.items():
            self.query_one(f"#{pid}").border_title = title
        self.query_one(EmbeddingGradMap).set_vocabulary(self.words, self.block_size)
        self._ready = True
        self.show_panel(self.panel)
        self._show_again()

    @property
    def compact(self) -> bool:
        return self.has_class("-narrow") or self.has_class("-short")

    def show_view(self, view: RunView, activity: Activity) -> None:
        """Every widget from the same view, in one batch: never half a step."""
        self._shown = (view, activity)
        if not self._ready:
            return  # shown once the widgets exist
        trace = view.trace
        position = trace.positions[view.selected] if trace is not None else None
        context = " ".join(trace.words[: view.selected + 1]) if trace is not None else ""
        with self.app.batch_update():
            # The top row is as tall as the sentence's predictions (header, rows, the mean).
            rows = trace.n if trace is not None else 1
            self.query_one("#top-row").styles.height = max(TOP_ROW_MIN, rows + 5)
            self.query_one(StatusBar).show(
                view.status(activity.state, activity.goal, activity.note, activity.timings)
            )
            self.query_one(TokenStrip).show(trace, view.selected, compact=self.compact)
            self.query_one(PredictionsTable).show(trace, view.selected)
            distribution = self.query_one(DistributionChart)
            distribution.border_title = (
                f"Next word at position {view.selected}" if trace is not None else "Distribution"
            )
            distribution.show(position, context)
            self.query_one(LossChart).show(tuple(view.losses), math.log(len(self.words) + 1))
            self.query_one(EmbeddingGradMap).show(trace)
            self.query_one(AdamInspector).show(view.watch_rows(), trace.step + 1 if trace else None)

    def show_panel(self, panel: str) -> None:
        """Compact: show this panel alone. Wide: all show, and this one takes focus (the
        map and the inspector have keys of their own)."""
        self.panel = panel
        for pid in PANELS:
            self.query_one(f"#{pid}").set_class(pid == panel, "-current")
        for row in self.query(".panel-row"):
            row.set_class(bool(row.query(f"#{panel}")), "-current")
        tabs = self.query_one(Tabs)
        if tabs.active != f"tab-{panel}":
            tabs.active = f"tab-{panel}"
        target = self.query_one(f"#{panel}")
        if target.can_focus:
            target.focus()
        else:
            self.set_focus(None)  # arrows select positions again
        self.call_after_refresh(self._show_again)  # at the size the panel has now

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_again)

    def _show_again(self) -> None:
        if self._shown is not None:
            self.show_view(*self._shown)

    @on(Tabs.TabActivated)
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is not None and event.tab.id:
            self.show_panel(event.tab.id.removeprefix("tab-"))
