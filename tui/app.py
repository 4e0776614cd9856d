"""The debugger: a Textual app that steps through training one sentence at a time.

The app holds the keys, the actions and the training loop, and hands each step's trace
to the widgets, which only render what they are given. Training runs on a background
thread (`TrainingRunner`); the event loop stays free, so keys work while a step runs.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Tab, Tabs
from textual.worker import Worker

from core.errors import MicrogptError
from core.optimizer import AdamEntry
from core.trace import StepTrace
from core.trainer import Trainer
from tui.messages import StepTaken, TrainingStopped
from tui.screens.goto import GotoScreen
from tui.screens.help import HelpScreen
from tui.training import TrainingRunner
from tui.widgets.adam_inspector import AdamInspector, WatchRow
from tui.widgets.distribution_chart import DistributionChart
from tui.widgets.embedding_map import EmbeddingGradMap
from tui.widgets.loss_chart import LossChart
from tui.widgets.parameter_picker import ParameterPicker
from tui.widgets.predictions_table import PredictionsTable
from tui.widgets.status_bar import StatusBar, StatusView
from tui.widgets.token_strip import TokenStrip

PANELS = {
    "predictions": "Predictions",
    "distribution": "Distribution",
    "loss": "Loss",
    "embeddings": "Embedding gradients",
    "adam": "Adam",
}
RENDER_INTERVAL = 0.08  # seconds between repaints while training runs (about 12 a second)
MEAN_WINDOW = 100  # steps in the status bar's running mean
HISTORY = 30  # steps of m and v kept per watched parameter
TOP_ROW_MIN = 14  # lines: enough for the distribution's ten bars
POSITION = Binding.Group("Position", compact=True)  # one footer entry for ← and →


class DebuggerApp(App[None]):
    """Step through training and see everything."""

    CSS_PATH = "app.tcss"
    TITLE = "microgpt debugger"
    AUTO_FOCUS = None  # arrows select positions until a panel is focused
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,n", "step", "Step"),
        Binding("r", "toggle_run", "Run/pause"),
        Binding("g", "goto", "Go to"),
        Binding(
            "left", "select_position(-1)", "Previous position", key_display="←", group=POSITION
        ),
        Binding("right", "select_position(1)", "Next position", key_display="→", group=POSITION),
        Binding("w", "add_watch", "Watch"),
        Binding("x", "remove_watch", "Unwatch"),
        Binding("e", "toggle_embedding_mode", "Map"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "stop", "Stop running", show=False),
        *(
            Binding(str(k), f"show_panel('{p}')", f"Show {t}", show=False)
            for k, (p, t) in enumerate(PANELS.items(), start=1)
        ),
    ]

    def __init__(
        self,
        trainer: Trainer,
        *,
        deterministic: bool = False,
        watch: Iterable[int] | None = None,
        warnings: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.warnings = tuple(warnings)  # about the corpus, shown once the screen is up
        self.runner = TrainingRunner(trainer)
        self.deterministic = deterministic  # hide timings (snapshot tests)
        self.trace: StepTrace | None = None
        self.losses: list[float] = []
        self.selected = 0  # the position shown in the distribution
        self.watched: list[int] = list(watch if watch is not None else default_watch(trainer))
        self.watch_history: dict[int, deque[AdamEntry]] = {}
        self.watch_values: dict[int, float] = {}  # current values of not-yet-stepped watches
        self.queued = 0  # single steps asked for and not yet taken
        self.running = False
        self.goal: int | None = None  # a "go to step" target
        self.note = ""
        self.step_ms: deque[float] = deque(maxlen=20)
        self.panel = "predictions"
        self._trainer_loop: Worker[None] | None = None
        self._last_render = 0.0
        self._render_timer: Timer | None = None

    # --- layout ---

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
        yield Footer()

    def on_mount(self) -> None:
        trainer = self.runner.trainer
        self.query_one(Tabs).can_focus = False  # its arrows would steal position selection
        for pid, title in PANELS.items():
            self.query_one(f"#{pid}").border_title = title
        self.query_one(EmbeddingGradMap).set_vocabulary(
            trainer.tokenizer.words, trainer.model.config.block_size
        )
        self._show_panel(self.panel)
        self.run_worker(self._fetch_watch_values(), exit_on_error=False)
        for warning in self.warnings:
            self.notify(warning, title="corpus", severity="warning", timeout=15)
        self.render_all()

    # --- actions ---

    def action_step(self) -> None:
        self.queued += 1
        self.note = ""
        self._drive()

    def action_toggle_run(self) -> None:
        if self.running or self.goal is not None:
            self.action_stop()
        else:
            self.running, self.note = True, ""
            self._drive()

    def action_stop(self) -> None:
        self.running, self.goal, self.queued = False, None, 0
        self.render_all()

    def action_goto(self) -> None:
        def go(target: int | None) -> None:
            if target is None:
                return
            if target <= self.steps_done:
                self.notify(
                    f"already at step {self.steps_done:,}: training only goes forward",
                    severity="warning",
                )
                return
            self.goal, self.note = target, ""
            self._drive()

        self.push_screen(GotoScreen(self.steps_done, self.num_steps), go)

    def action_select_position(self, delta: int) -> None:
        if self.trace is not None:
            self.selected = max(0, min(self.trace.n - 1, self.selected + delta))
            self.render_all()

    def action_add_watch(self) -> None:
        def add(index: int | None) -> None:
            if index is not None and index not in self.watched:
                self.watched.append(index)
                self.run_worker(self._fetch_watch_values(), exit_on_error=False)

        self.push_screen(ParameterPicker(self.runner.trainer.model.params), add)

    def action_remove_watch(self) -> None:
        index = self.query_one(AdamInspector).selected_index
        if index is not None:
            self._unwatch(index)

    def action_toggle_embedding_mode(self) -> None:
        self.query_one(EmbeddingGradMap).toggle_mode()

    def action_help(self) -> None:
        self.push_screen(
            HelpScreen([b for b in self.BINDINGS if isinstance(b, Binding) and b.show])
        )

    def action_show_panel(self, panel: str) -> None:
        self._show_panel(panel)

    async def action_quit(self) -> None:
        self.running, self.goal, self.queued = False, None, 0
        self.runner.shutdown()
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Step", "Train on the next sentence (space)", self.action_step)
        yield SystemCommand(
            "Run / pause", "Train continuously, or pause (r)", self.action_toggle_run
        )
        yield SystemCommand("Go to step…", "Train up to a step number (g)", self.action_goto)
        yield SystemCommand(
            "Watch a parameter…", "Follow a parameter through Adam (w)", self.action_add_watch
        )
        yield SystemCommand(
            "Stop watching", "Remove the selected watch (x)", self.action_remove_watch
        )
        yield SystemCommand(
            "Embedding map mode",
            "This step / cumulative hits (e)",
            self.action_toggle_embedding_mode,
        )
        yield SystemCommand("Keys and numbers", "What every key does (?)", self.action_help)

    # --- messages from widgets ---

    @on(AdamInspector.RemoveRequested)
    def _remove_requested(self, event: AdamInspector.RemoveRequested) -> None:
        self._unwatch(event.index)

    @on(Tabs.TabActivated)
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is not None and event.tab.id:
            self._show_panel(event.tab.id.removeprefix("tab-"))

    # --- the training loop ---

    @property
    def steps_done(self) -> int:
        return self.trace.step + 1 if self.trace is not None else self.runner.trainer.step_index

    @property
    def is_training(self) -> bool:
        """True while the training loop runs (a step may be in flight)."""
        return self._trainer_loop is not None and not self._trainer_loop.is_finished

    @property
    def num_steps(self) -> int:
        return self.runner.trainer.num_steps

    def _wants_step(self) -> bool:
        # Count with the trainer's own counter: the last step's message may not have been
        # handled yet, so the trace shown can lag one step behind.
        done = self.runner.trainer.step_index
        if done >= self.num_steps:
            return False
        return self.running or self.queued > 0 or (self.goal is not None and done < self.goal)

    def _drive(self) -> None:
        """Make sure the training loop runs; it stops by itself when nothing is asked."""
        if not self.is_training:
            self._trainer_loop = self.run_worker(
                self._training_loop(), group="train", exit_on_error=False
            )
        self.render_all()

    async def _training_loop(self) -> None:
        reason = ""
        while self._wants_step():
            if self.queued:
                self.queued -= 1
            try:
                trace = await self.runner.step(self.watched)
            except MicrogptError as error:
                reason = str(error)
                break
            self.post_message(StepTaken(trace))
        if self.runner.trainer.step_index >= self.num_steps:
            reason = reason or "the schedule is complete"
        self.post_message(TrainingStopped(reason))

    @on(StepTaken)
    def _step_taken(self, event: StepTaken) -> None:
        trace = event.trace
        self.trace = trace
        self.losses.append(trace.loss)
        self.step_ms.append(trace.timings.total_ms)
        for watched in trace.watched:
            self.watch_history.setdefault(watched.index, deque(maxlen=HISTORY)).append(watched.adam)
        if self.goal is not None and self.steps_done >= self.goal:
            self.goal = None
        self.selected = min(self.selected, trace.n - 1)
        self._render_soon()

    @on(TrainingStopped)
    def _training_stopped(self, event: TrainingStopped) -> None:
        if event.reason:
            self.running, self.goal, self.queued = False, None, 0
            self.note = event.reason
        self.render_all()

    # --- rendering ---

    def _render_soon(self) -> None:
        """Repaint now, or in a moment if the last repaint was very recent: while running,
        the screen refreshes at a bounded rate; every step is still recorded."""
        wait = RENDER_INTERVAL - (time.monotonic() - self._last_render)
        if wait <= 0:
            self.render_all()
        elif self._render_timer is None:
            self._render_timer = self.set_timer(wait, self.render_all)

    def render_all(self) -> None:
        """Show the current trace in every widget at once: never half a step."""
        self._render_timer = None
        self._last_render = time.monotonic()
        trace = self.trace
        position = trace.positions[self.selected] if trace is not None else None
        context = " ".join(trace.words[: self.selected + 1]) if trace is not None else ""
        vocab = self.runner.trainer.tokenizer.vocab_size
        with self.batch_update():
            # The top row is as tall as the sentence's predictions (header, rows, the mean).
            rows = trace.n if trace is not None else 1
            self.query_one("#top-row").styles.height = max(TOP_ROW_MIN, rows + 5)
            self.query_one(StatusBar).show(self._status_view())
            self.query_one(TokenStrip).show(trace, self.selected, compact=self.compact)
            self.query_one(PredictionsTable).show(trace, self.selected)
            distribution = self.query_one(DistributionChart)
            distribution.border_title = (
                f"Next word at position {self.selected}" if trace is not None else "Distribution"
            )
            distribution.show(position, context)
            self.query_one(LossChart).show(tuple(self.losses), guess_loss(vocab))
            self.query_one(EmbeddingGradMap).show(trace)
            self.query_one(AdamInspector).show(
                self._watch_rows(), trace.step + 1 if trace else None
            )

    @property
    def compact(self) -> bool:
        """The small layout: one panel at a time."""
        return self.screen.has_class("-narrow") or self.screen.has_class("-short")

    def on_resize(self) -> None:
        self.query_one(Footer).compact = self.compact
        self.render_all()

    def _status_view(self) -> StatusView:
        t = self.trace
        recent = self.losses[-MEAN_WINDOW:]
        state = (
            "going"
            if self.goal is not None
            else "running"
            if self.running
            else "stepping"
            if self.queued
            else "paused"
        )
        return StatusView(
            step=self.steps_done,
            num_steps=self.num_steps,
            sentence_index=t.sentence_index if t else None,
            num_sentences=len(self.runner.trainer.sentences),
            lr=t.lr if t else None,
            loss=t.loss if t else None,
            mean_loss=statistics.fmean(recent) if recent else None,
            mean_window=len(recent),
            ms_per_step=(
                None if self.deterministic or not self.step_ms else statistics.median(self.step_ms)
            ),
            nodes=t.nodes if t else None,
            reference_nodes=t.reference_nodes if t else None,
            state=state,
            goal=self.goal,
            note=self.note,
        )

    def _watch_rows(self) -> list[WatchRow]:
        params = self.runner.trainer.model.params
        latest = {w.index: w.adam for w in self.trace.watched} if self.trace else {}
        rows = []
        for index in self.watched:
            history = self.watch_history.get(index, ())
            rows.append(
                WatchRow(
                    index=index,
                    name=params.name_of(index),
                    entry=latest.get(index),
                    value=self.watch_values.get(index),
                    m_history=tuple(e.m for e in history),
                    v_history=tuple(e.v for e in history),
                )
            )
        return rows

    def _unwatch(self, index: int) -> None:
        if index in self.watched:
            self.watched.remove(index)
            self.render_all()

    async def _fetch_watch_values(self) -> None:
        self.watch_values.update(await self.runner.values(self.watched))
        self.render_all()

    def _show_panel(self, panel: str) -> None:
        """In the compact layout one panel shows at a time; in the wide one, all do and
        the chosen one takes focus (the map and the inspector have keys of their own)."""
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
        self.call_after_refresh(self.render_all)  # at the size it has now it is shown


def default_watch(trainer: Trainer) -> list[int]:
    """A few entries of the first sentence's token-embedding rows, and one dense weight."""
    params = trainer.model.params
    _, sentence = trainer.sentence_at(trainer.step_index)
    words = list(dict.fromkeys(sentence.split(" ")))[:2]
    names = [f"token_embedding[{w}][0]" for w in words] + ["layers.0.attention.query[0][0]"]
    return [params.index_of(name) for name in names]


def guess_loss(vocab_size: int) -> float:
    """The loss of guessing uniformly: -ln(1/vocab) = ln(vocab). (For display only.)"""
    return math.log(vocab_size)
