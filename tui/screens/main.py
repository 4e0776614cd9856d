"""MainScreen: the debugger's one screen (status, tokens, the stage of a step walked stage
by stage, and five panels), which shows a `RunView` in every widget at once. Wide, all
panels show; compact (below 110 columns or 34 rows), one at a time, chosen with the tabs
(or keys 1-5). The distribution's slot shows the attention instead when asked (key t).
Presenting (key p), one panel at a time at any size, all the room it can have, with a line
that narrates the step under the status, and no tabs: tab and shift+tab turn the pages."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Tab, Tabs

from core.debugging.narration import narrate
from core.training.stages import StepProgress
from core.training.stats import guess_loss
from tui.run_view import RunView
from tui.widgets.adam_inspector import AdamInspector
from tui.widgets.attention_view import AttentionView
from tui.widgets.distribution_chart import DistributionChart
from tui.widgets.embedding_map import EmbeddingGradMap
from tui.widgets.key_bar import DEFAULT_PRIORITY, PRESENTING_PRIORITY, KeyBar
from tui.widgets.loss_chart import LossChart
from tui.widgets.narration_line import NarrationLine
from tui.widgets.predictions_table import PredictionsTable
from tui.widgets.stage_line import StageLine
from tui.widgets.status_bar import NoteLine, StatusBar
from tui.widgets.token_strip import TokenStrip

PANELS = {
    "predictions": "Predictions",
    "distribution": "Distribution",
    "loss": "Loss",
    "embeddings": "Embedding gradients",
    "adam": "Adam",
}
TOP_ROW_MIN = 15  # lines: the distribution's head (two lines), ten bars and the target


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
    ALLOW_IN_MAXIMIZED_VIEW = "#status, #status-note, KeyBar"  # seen while enlarged
    AUTO_FOCUS = ""  # nothing: arrows select positions until a panel is focused (None would
    # mean the app's default, "*", which focused the first panel whenever a dialog closed)

    def __init__(self, words: tuple[str, ...], block_size: int) -> None:
        super().__init__()
        self.words = words
        self.block_size = block_size
        self.panel = "predictions"
        self.presenting = False  # one panel at a time, narrated (key p)
        self._titles: dict[Widget, str] = {}  # each panel's own border title
        self._shown: tuple[RunView, Activity] | None = None  # to show again after a resize
        self._ready = False  # the widgets are composed and mounted

    def compose(self) -> ComposeResult:
        # Kept, so that a repaint (several a second while training runs) queries nothing.
        self._status = StatusBar(id="status")
        self._note = NoteLine(id="status-note")
        self._narration = NarrationLine(id="narration")
        self._keys = KeyBar()
        self._tokens = TokenStrip(id="tokens")
        self._stage = StageLine(id="stage")
        self._tabs = Tabs(
            *(Tab(title, id=f"tab-{pid}") for pid, title in PANELS.items()), id="panel-tabs"
        )
        self._top_row = Horizontal(id="top-row", classes="panel-row")
        self._predictions = PredictionsTable(id="predictions", classes="panel")
        self._distribution = DistributionChart(id="distribution", classes="panel")
        self._attention = AttentionView(id="attention", classes="panel")
        self._loss = LossChart(id="loss", classes="panel")
        self._embeddings = EmbeddingGradMap(id="embeddings", classes="panel")
        self._adam = AdamInspector(id="adam", classes="panel")
        self._panels: dict[str, Widget] = {
            "predictions": self._predictions,
            "distribution": self._distribution,
            "loss": self._loss,
            "embeddings": self._embeddings,
            "adam": self._adam,
        }
        yield self._status
        yield self._note
        yield self._narration
        yield self._tokens
        yield self._stage
        yield self._tabs
        with Vertical(id="panels"):
            with self._top_row:
                yield self._predictions
                yield self._distribution
                yield self._attention
            with Horizontal(id="bottom-row", classes="panel-row"):
                yield self._loss
                yield self._embeddings
                yield self._adam
        yield self._keys

    def on_mount(self) -> None:
        self._tabs.can_focus = False  # its arrows would steal position selection
        for pid, title in PANELS.items():
            self._title(self._panels[pid], title)
        self._title(self._attention, "Attention")
        self._embeddings.set_vocabulary(self.words, self.block_size)
        self._status.set_brief(self.presenting)
        self._narration.display = self.presenting
        if self.presenting:
            self._keys.set_priority(PRESENTING_PRIORITY)
        self._ready = True
        # A theme chosen (p, or the palette's switcher): the styles the panels drew with
        # are the old theme's until they draw again.
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.show_panel(self.panel)
        self._show_again()

    def _theme_changed(self, theme: object) -> None:
        self.call_after_refresh(self._show_again)

    @property
    def small(self) -> bool:
        """The screen is below 110 columns or 34 rows."""
        return self.has_class("-narrow") or self.has_class("-short")

    @property
    def compact(self) -> bool:
        """One panel at a time: on a small screen, or presenting."""
        return self.small or self.presenting

    def show_view(self, view: RunView, activity: Activity) -> None:
        """Every widget from the same view, in one batch: never half a step."""
        self._shown = (view, activity)
        if not self._ready:
            return  # shown once the widgets exist
        shown, progress, selected = view.shown, view.progress, view.selected
        fed = shown.positions if shown is not None else ()
        position = fed[selected] if selected < len(fed) else None
        context = " ".join(shown.words[: selected + 1]) if shown is not None else ""
        attention = view.attention != "off"
        with self.app.batch_update():
            # Wide, the top row is as tall as the sentence's predictions (header, rows, the
            # mean); compact, the panel shown takes what there is (the style sheet's 1fr).
            rows = shown.n if shown is not None else 1
            self._top_row.styles.height = None if self.compact else max(TOP_ROW_MIN, rows + 6)
            self._status.show(
                view.status(activity.state, activity.goal, activity.note, activity.timings)
            )
            self._note.show(activity.note)
            if self.presenting:  # the words come from the core, once per repaint
                told = progress if progress is not None else view.trace
                self._narration.show(narrate(told, view.session.state(), view.session.losses))
            self._stage.display = progress is not None and not self.presenting  # narrated
            self._stage.show(progress)
            self._tokens.show(shown, selected, self.small, steps_done=view.done, goal=activity.goal)
            self._predictions.show(shown, selected, view.effect)
            if attention != self.has_class("-attention"):
                self.set_class(attention, "-attention")
                self.call_after_refresh(self._show_again)  # the top row's widths change
            if attention:
                self._show_attention(view, selected)
            else:
                self._title(
                    self._distribution,
                    f"Next word at position {selected}" if position is not None else "Distribution",
                )
                empty = _unfed(shown) if isinstance(shown, StepProgress) else "no step yet"
                self._distribution.show(position, context, empty)
            self._loss.show(
                tuple(view.losses),
                guess_loss(len(self.words) + 1),
                view.original_losses,
                view.held_out_losses,
            )
            self._embeddings.show(shown)
            self._adam.show(view.watch_rows(), view.trace.step + 1 if view.trace else None)

    def _show_attention(self, view: RunView, selected: int) -> None:
        shown = view.shown
        weights = shown.attention if shown is not None else None
        matrix = view.attention == "matrix"
        if matrix and weights is not None:
            layer, head = divmod(view.head, weights.n_head)
            title = f"Attention: layer {layer} head {head}, the whole sentence"
        else:
            title = f"Attention at position {selected}" if shown is not None else "Attention"
        self._title(self._attention, title)
        words = shown.words if shown is not None else ()
        self._attention.show(weights, words, selected, matrix, view.head)

    def show_panel(self, panel: str) -> None:
        """Compact: show this panel alone. Wide: all show, and this one takes focus (the
        map and the inspector have keys of their own)."""
        self.panel = panel
        for pid, widget in self._panels.items():
            widget.set_class(pid == panel, "-current")
        self._attention.set_class(panel == "distribution", "-current")  # the same slot
        for row in self.query(".panel-row"):
            row.set_class(bool(row.query(f"#{panel}")), "-current")
        # Closing at once (a browser tab shut while the app starts) removes the tabs
        # before this runs: there is then no tab to make active.
        if self._tabs.active != f"tab-{panel}" and self._tabs.query(f"#tab-{panel}"):
            self._tabs.active = f"tab-{panel}"
        self._retitle()
        target = self._panels[panel]
        if target.can_focus:
            target.focus()
        else:
            self.set_focus(None)  # arrows select positions again
        self.call_after_refresh(self._show_again)  # at the size the panel has now

    def show_next_panel(self, delta: int) -> None:
        """The panel `delta` places on from the one shown, round the five (presenting)."""
        order = list(PANELS)
        self.show_panel(order[(order.index(self.panel) + delta) % len(order)])

    def set_presenting(self, on: bool) -> None:
        """Presenting: one panel at a time whatever the size, given all the room (the
        status short, the narration under it, no tabs nor stage line); off: as before."""
        self.presenting = on
        self.set_class(on, "-present")
        if not self._ready:
            return  # on_mount shows it so
        self._status.set_brief(on)
        self._narration.display = on
        self._keys.set_priority(PRESENTING_PRIORITY if on else DEFAULT_PRIORITY)
        if self.maximized is not None:
            self.minimize()  # the panel takes the screen anyway
        self.show_panel(self.panel)

    def _title(self, widget: Widget, title: str) -> None:
        """Set a panel's border title; presenting, the panel shown says which of the five
        it is, by name, with its own title after."""
        self._titles[widget] = title
        pid = "distribution" if widget is self._attention else widget.id or ""
        if self.presenting and pid == self.panel:
            order = list(PANELS)
            where = f"{order.index(pid) + 1} of {len(order)}: {PANELS[pid]}"
            title = where if title == PANELS[pid] else f"{where} · {title}"
        widget.border_title = title

    def _retitle(self) -> None:
        for widget, title in list(self._titles.items()):
            self._title(widget, title)

    def toggle_enlarged(self) -> None:
        """Enlarge the focused panel (or, with none focused, the current one) to the whole
        screen, the status and keys still shown; again, or esc, puts it back."""
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        panels: list[Widget] = [*self._panels.values(), self._attention]
        target = focused if focused is not None and focused in panels else self._panels[self.panel]
        if target is self._distribution and self.has_class("-attention"):
            target = self._attention  # the slot shows the attention
        self.maximize(target, container=False)
        self.call_after_refresh(self._show_again)  # at the size it has now

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_again)

    def _show_again(self) -> None:
        if self._shown is not None:
            self.show_view(*self._shown)

    @on(Tabs.TabActivated)
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is not None and event.tab.id:
            self.show_panel(event.tab.id.removeprefix("tab-"))


def _unfed(progress: StepProgress) -> str:
    """What the distribution says while no position of a step walked is fed."""
    return f"step {progress.step + 1:,}: no position fed yet (. feeds position 0)"
