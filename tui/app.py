"""The debugger: a Textual host for a `Session` (core/debugging/session.py), which owns
the run and all its rules. The app maps keys to requests, runs the session's steps on a
background thread (`TrainingRunner`) so keys work while a step runs, and shows the
session's state on the main screen, whose widgets only render what they are given.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar, cast

from textual import on
from textual.app import App
from textual.binding import BindingType
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from core.debugging.conditions import parse_for
from core.debugging.history import HistoryPolicy
from core.debugging.session import Session, default_watch
from core.files.outputs import Input
from core.training.trainer import Trainer
from tui import keys
from tui.actions import Actions
from tui.asking import Asking
from tui.format import internal_error
from tui.inside_step import InsideStep
from tui.messages import StepTaken
from tui.presenting import Presenting
from tui.readings import SessionReadings
from tui.run_view import RunView
from tui.screens.main import Activity, MainScreen
from tui.signals import ExitOnSignals
from tui.training import TrainingRunner

RENDER_INTERVAL = 0.08  # seconds between repaints while training runs (about 12 a second)


class DebuggerApp(
    SessionReadings, ExitOnSignals, InsideStep, Actions, Presenting, Asking, App[None]
):
    """Step through training and see everything."""

    CSS_PATH = "app.tcss"
    TITLE = "microgpt debugger"
    BINDINGS: ClassVar[list[BindingType]] = keys.BINDINGS

    def __init__(
        self,
        trainer: Trainer,
        *,
        deterministic: bool = False,
        watch: Iterable[int] | None = None,
        follow: bool = True,
        warnings: Iterable[str] = (),
        losses: Iterable[float] = (),
        original_losses: Mapping[int, float] | None = None,
        held_out_losses: Mapping[int, float] | None = None,
        conditions: Iterable[str] = (),
        run_path: str = "microgpt-run.json",
        policy: HistoryPolicy | None = None,
        inputs: Sequence[Input] = (),
        present: bool = False,
    ) -> None:
        super().__init__()
        parsed = [parse_for(c, trainer) for c in conditions]
        watched = watch if watch is not None else default_watch(trainer)
        self.session = Session(
            trainer,
            watch=watched,
            conditions=parsed,
            losses=tuple(losses),
            original_losses=original_losses,
            held_out_losses=held_out_losses,
            policy=policy,
            follow=follow,
        )
        self.runner = TrainingRunner(trainer)
        self.view = RunView(self.session)
        self.deterministic = deterministic  # hide timings (snapshot tests)
        self.warnings = tuple(warnings)  # about the corpus, shown once the screen is up
        self.run_path = run_path  # where `s` saves by default
        self.present_at_start = present  # presenter mode from the start (--present)
        # Files this session reads, which saving must not overwrite: the corpus, and any
        # model or run file it was started from (saving the run may update its own file).
        self.inputs = (Input(trainer.corpus.path, "the corpus"), *inputs)
        self._trainer_loop: Worker[None] | None = None
        self._last_render = 0.0
        self._render_timer: Timer | None = None
        self._quit_asked = False  # q was pressed with unsaved steps

    @property
    def is_training(self) -> bool:
        """True while the training loop runs (a step may be in flight)."""
        return self._trainer_loop is not None and not self._trainer_loop.is_finished

    @property
    def main(self) -> MainScreen:
        return cast(MainScreen, self.screen_stack[0])

    def get_default_screen(self) -> MainScreen:
        trainer = self.session.trainer
        return MainScreen(trainer.tokenizer.words, trainer.model.config.block_size)

    # --- starting and ending ---

    def on_mount(self) -> None:
        self.runner.warm_up_twin()
        self.fetch_watch_values()
        for warning in self.warnings:
            self.notify(warning, title="corpus", severity="warning", timeout=15, markup=False)
        self.render_all()

    # --- keys: each a request to the session ---

    def action_step(self) -> None:
        self._drive(self.session.request_step)

    def action_toggle_run(self) -> None:
        self._drive(self.session.toggle_run)

    def action_stop(self) -> None:
        self._drive(self.session.stop)

    def action_step_back(self) -> None:
        self._drive(self.session.step_back)

    def go_to(self, target: int) -> None:
        self._drive(lambda: self.session.go_to(target))

    # --- the training loop ---

    def _drive(self, request: object = None) -> None:
        """Take a request, then make sure the loop runs while the session wants steps."""
        self._quit_asked = False  # training on: a later q asks again
        before = self.session.state()
        if callable(request):
            request()
        after = self.session.state()
        if after.refused and after != before:  # e.g. "already at the start"
            self.notify(after.reason, severity="warning", timeout=10, markup=False)
        if not self.is_training and self.session.wants_step():
            self._trainer_loop = self.run_worker(
                self._training_loop(), name="training", group="train", exit_on_error=False
            )
        self.render_all()

    async def _training_loop(self) -> None:
        try:
            while self.session.wants_step():
                trace = await self.runner.call(self.session.advance)
                if trace is not None:
                    self.post_message(StepTaken(trace))
                    continue
                if (state := self.session.state()).refused:  # e.g. a step beyond the history
                    self.notify(state.reason, severity="error", timeout=10, markup=False)
                self.render_all()
        except Exception as error:  # a defect: pause and say so, never hang on "stepping"
            self.session.fail(f"paused: {internal_error(error)}")
        self.render_all()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """A task that died of a defect says so: nothing fails silently."""
        if event.state is WorkerState.ERROR:
            name = event.worker.name or "a task"
            self.session.fail(f"{name} failed: {internal_error(event.worker.error)}")
            self.notify(self.note, severity="error", timeout=10, markup=False)
            self.render_all()

    @on(StepTaken)
    def _step_taken(self, event: StepTaken) -> None:
        self._render_soon()

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
        """Show the session's current state on the main screen."""
        self._render_timer = None
        if not self.is_running or not self.screen_stack:
            return  # closing: a timer or a worker finished after the screens went away
        self._last_render = time.monotonic()
        state = self.session.state()
        note = self.runner.note(state)
        activity = Activity(state.mode.value, state.goal, note, not self.deterministic)
        self.main.show_view(self.view, activity)
