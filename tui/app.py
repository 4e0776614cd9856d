"""The debugger: a Textual app that steps through training one sentence at a time.

The app holds the keys, the actions and the training loop, and hands each step's trace
to the widgets, which only render what they are given. Training runs on a background
thread (`TrainingRunner`); the event loop stays free, so keys work while a step runs.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterable, Sequence
from typing import ClassVar, cast

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from core.debugging.conditions import Condition, parse_condition
from core.debugging.history import HistoryPolicy
from core.errors import MicrogptError
from core.files.outputs import Input, Output, check_output
from core.training.trace import StepTrace
from core.training.trainer import Trainer
from tui.messages import StepTaken, TrainingStopped
from tui.run_view import RunView
from tui.screens.goto import GotoScreen
from tui.screens.help import HelpScreen
from tui.screens.main import PANELS, Activity, MainScreen
from tui.screens.parameter_picker import ParameterPicker
from tui.screens.path_prompt import PathScreen
from tui.screens.run_until import RunUntil, RunUntilScreen
from tui.training import TrainingRunner
from tui.widgets.adam_inspector import AdamInspector
from tui.widgets.embedding_map import EmbeddingGradMap

RUN_FILE_INPUT = "the run file"  # the Input.what of a resumed run's own file
RENDER_INTERVAL = 0.08  # seconds between repaints while training runs (about 12 a second)
# Signals that end the debugger the way `q` does, so the terminal is given back as it was
# (their default action kills the process with the terminal still in raw mode).
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
GOING_BACK = "going back"  # worker names, which a message about a failed worker shows
READING_VALUES = "reading the watched values"


class DebuggerApp(App[None]):
    """Step through training and see everything."""

    CSS_PATH = "app.tcss"
    TITLE = "microgpt debugger"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,n", "step", "Step", tooltip="train on the next sentence (presses queue)"),
        Binding("b", "step_back", "Back", tooltip="back to the state before the last step"),
        Binding("r", "toggle_run", "Run", tooltip="run, or pause after the step in flight"),
        Binding("u", "run_until", "Until", tooltip="run until a condition holds"),
        Binding("g", "goto", "Go to", tooltip="go to step N, forward or back (esc cancels)"),
        Binding(
            "left",
            "select_position(-1)",
            "Previous position",
            show=False,
            tooltip="select the previous position",
        ),
        Binding(
            "right",
            "select_position(1)",
            "Position",
            key_display="←→",
            tooltip="select the next position",
        ),
        Binding("w", "add_watch", "Watch", tooltip="watch a parameter through Adam"),
        Binding("x", "remove_watch", "Unwatch", tooltip="stop watching the selected one"),
        Binding(
            "e",
            "toggle_embedding_mode",
            "Map",
            tooltip="embedding map: this step, or cumulative hits",
        ),
        Binding("s", "save_run", "Save", tooltip="save the whole run, to resume later"),
        Binding("m", "export_model", "Model", tooltip="export the model (tutorial's format)"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="this help"),
        Binding("q", "quit", "Quit", tooltip="quit"),
        Binding(
            "escape", "stop", "Stop running", show=False, tooltip="stop running or going to a step"
        ),
        *(
            Binding(
                str(k),
                f"show_panel('{p}')",
                f"Show {t}",
                show=False,
                tooltip=f"show the {t.lower()} panel (focus it when all show)",
            )
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
        losses: Iterable[float] = (),
        conditions: Iterable[str] = (),
        run_path: str = "microgpt-run.json",
        policy: HistoryPolicy | None = None,
        inputs: Sequence[Input] = (),
    ) -> None:
        super().__init__()
        losses = tuple(losses)
        self.runner = TrainingRunner(trainer, policy, losses)
        watched = watch if watch is not None else default_watch(trainer)
        parsed = [parse_condition(c, trainer.tokenizer, trainer.model.params) for c in conditions]
        self.view = RunView(trainer, watched, losses, parsed)
        self.deterministic = deterministic  # hide timings (snapshot tests)
        self.warnings = tuple(warnings)  # about the corpus, shown once the screen is up
        self.run_path = run_path  # where `s` saves by default
        # Files this session reads, which saving must not overwrite: the corpus, and any
        # model or run file it was started from (saving the run may update its own file).
        self.inputs = (Input(trainer.corpus.path, "the corpus"), *inputs)
        self.queued = 0  # single steps asked for and not yet taken
        self.running = False
        self.goal: int | None = None  # a "go to step" target
        self.replaying = False  # going back: replaying steps already seen
        self.note = ""
        self._trainer_loop: Worker[None] | None = None
        self._rewinding = asyncio.Lock()
        self._last_render = 0.0
        self._render_timer: Timer | None = None
        self._signal_loop: asyncio.AbstractEventLoop | None = None  # handling EXIT_SIGNALS

    # --- the screen ---

    def get_default_screen(self) -> MainScreen:
        trainer = self.runner.trainer
        return MainScreen(trainer.tokenizer.words, trainer.model.config.block_size)

    @property
    def main(self) -> MainScreen:
        return cast(MainScreen, self.screen_stack[0])

    def on_load(self) -> None:
        # On load, before the driver puts the terminal in raw mode (and removed on unmount,
        # just before it is restored): the default action would leave the terminal raw.
        try:
            loop = asyncio.get_running_loop()
            for signum in EXIT_SIGNALS:
                loop.add_signal_handler(signum, self._signalled, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # no signal handlers here (not Unix, or not the main thread): defaults stay
        else:
            self._signal_loop = loop

    def on_unmount(self) -> None:
        # The loop may outlive the app (tests, an embedding program): give the signals back.
        if self._signal_loop is not None:
            for signum in EXIT_SIGNALS:
                self._signal_loop.remove_signal_handler(signum)
            self._signal_loop = None

    def _signalled(self, signum: int) -> None:
        """Quit as `q` does; the exit status says which signal ended the app, as a shell
        reports a process killed by it (128 + the signal's number)."""
        self._stop_training()
        self.exit(return_code=128 + signum)

    def on_mount(self) -> None:
        self.run_worker(self._fetch_watch_values(), name=READING_VALUES, exit_on_error=False)
        for warning in self.warnings:
            self.notify(warning, title="corpus", severity="warning", timeout=15, markup=False)
        if self.view.done:
            self.note = f"resumed at step {self.view.done:,}"
        self.render_all()

    # --- actions: training ---

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
            if target is None or target == self.steps_done:
                return
            if target < self.steps_done:
                self.run_worker(
                    self._rewind(target), name=GOING_BACK, group="rewind", exit_on_error=False
                )
            else:
                self.goal, self.note = target, ""
                self._drive()

        self.push_screen(GotoScreen(self.steps_done, self.num_steps), go)

    def action_step_back(self) -> None:
        # During a replay, count from where it is heading, not from the step on screen.
        base = self.goal if self.replaying and self.goal is not None else self.steps_done
        if base == 0:
            self.notify("already at the start: step 0", severity="warning")
            return
        self.run_worker(
            self._rewind(base - 1), name=GOING_BACK, group="rewind", exit_on_error=False
        )

    def action_run_until(self) -> None:
        trainer = self.runner.trainer

        def parse(text: str) -> Condition:
            return parse_condition(text, trainer.tokenizer, trainer.model.params)

        def decided(result: RunUntil | None) -> None:
            if result is None:
                return
            self.view.conditions = list(result.conditions)
            if result.run and not self.running:
                self.action_toggle_run()
            self.render_all()

        self.push_screen(RunUntilScreen(self.view.conditions, parse), decided)

    # --- actions: looking ---

    def action_select_position(self, delta: int) -> None:
        self.view.select(delta)
        self.render_all()

    def action_add_watch(self) -> None:
        def add(index: int | None) -> None:
            if index is not None and index not in self.view.watched:
                self.view.watched.append(index)
                self.run_worker(
                    self._fetch_watch_values(), name=READING_VALUES, exit_on_error=False
                )

        self.push_screen(ParameterPicker(self.runner.trainer.model.params), add)

    def action_remove_watch(self) -> None:
        index = self.main.query_one(AdamInspector).selected_index
        if index is not None:
            self._unwatch(index)

    def action_toggle_embedding_mode(self) -> None:
        self.main.query_one(EmbeddingGradMap).toggle_mode()

    def action_show_panel(self, panel: str) -> None:
        self.main.show_panel(panel)

    def action_help(self) -> None:
        self.push_screen(
            HelpScreen([b for b in self.BINDINGS if isinstance(b, Binding) and b.description])
        )

    # --- actions: files ---

    def action_save_run(self) -> None:
        resumed = [i for i in self.inputs if i.what == RUN_FILE_INPUT]
        guarded = [i for i in self.inputs if i not in resumed]

        def save(output: Output | None) -> None:
            if output is not None:
                self.run_path = output.given
                self.run_worker(self._save_run(output), name="saving the run", exit_on_error=False)

        self.push_screen(
            PathScreen(
                "Save the run (model, Adam buffers, step, watches, conditions, losses) to:",
                self.run_path,
                "resume it with: microgpt --resume FILE · esc cancels",
                lambda path: check_output(path, "run file", guarded),
            ),
            save,
        )

    def action_export_model(self) -> None:
        def export(output: Output | None) -> None:
            if output is not None:
                self.run_worker(
                    self._export_model(output), name="exporting the model", exit_on_error=False
                )

        self.push_screen(
            PathScreen(
                "Export the model, in the tutorial's format, to:",
                "microgpt-model.json",
                "the tutorial's generate loads it; so does microgpt generate --model FILE",
                lambda path: check_output(path, "model file", self.inputs),
            ),
            export,
        )

    async def action_quit(self) -> None:
        self._stop_training()
        self.exit()

    def _stop_training(self) -> None:
        self.running, self.goal, self.queued = False, None, 0
        self.runner.shutdown()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in (
            ("Step", "Train on the next sentence (space)", self.action_step),
            ("Step back", "Back to the state before the last step (b)", self.action_step_back),
            ("Run / pause", "Train continuously, or pause (r)", self.action_toggle_run),
            ("Run until…", "Run until a condition holds (u)", self.action_run_until),
            ("Go to step…", "Forward or back to a step number (g)", self.action_goto),
            ("Watch a parameter…", "Follow a parameter through Adam (w)", self.action_add_watch),
            ("Stop watching", "Remove the selected watch (x)", self.action_remove_watch),
            (
                "Embedding map mode",
                "This step / cumulative hits (e)",
                self.action_toggle_embedding_mode,
            ),
            ("Save the run…", "Everything, to resume later (s)", self.action_save_run),
            ("Export the model…", "In the tutorial's format (m)", self.action_export_model),
            ("Keys and numbers", "What every key does (?)", self.action_help),
        ):
            yield SystemCommand(title, help_text, action)

    # --- messages from widgets ---

    @on(AdamInspector.RemoveRequested)
    def _remove_requested(self, event: AdamInspector.RemoveRequested) -> None:
        self._unwatch(event.index)

    # --- the training loop ---

    @property
    def steps_done(self) -> int:
        """Steps done in the state shown."""
        return self.view.done

    @property
    def trace(self) -> StepTrace | None:
        return self.view.trace

    @property
    def num_steps(self) -> int:
        return self.runner.trainer.num_steps

    @property
    def is_training(self) -> bool:
        """True while the training loop runs (a step may be in flight)."""
        return self._trainer_loop is not None and not self._trainer_loop.is_finished

    def _wants_step(self) -> bool:
        done = self.runner.trainer.step_index  # the trainer's own count is authoritative
        if done >= self.num_steps:
            return False
        return self.running or self.queued > 0 or (self.goal is not None and done < self.goal)

    def _drive(self) -> None:
        """Make sure the training loop runs; it stops by itself when nothing is asked."""
        if not self.is_training:
            self._trainer_loop = self.run_worker(
                self._training_loop(), name="training", group="train", exit_on_error=False
            )
        self.render_all()

    async def _training_loop(self) -> None:
        try:
            reason = await self._take_steps()
        except MicrogptError as error:  # NaN or infinity: nothing was updated
            reason = f"paused: {error}"
        except Exception as error:  # a defect: pause and say so, never hang on "stepping"
            reason = f"paused: {internal_error(error)}"
        if self.runner.trainer.step_index >= self.num_steps:
            reason = reason or "the schedule is complete"
        self.replaying = False
        self.post_message(TrainingStopped(reason))

    async def _take_steps(self) -> str:
        """Step while steps are wanted; why it stopped early ("" when nothing more was
        asked for)."""
        while self._wants_step():
            if self.queued:
                self.queued -= 1
            trace = await self.runner.step(self.view.step_watch())
            met = self.view.record(trace, check=not self.replaying)
            if self.goal is not None and self.runner.trainer.step_index >= self.goal:
                self.goal, self.replaying = None, False
            self.post_message(StepTaken(trace))
            if met is not None:
                return f"paused: {met}"
        return ""

    async def _rewind(self, target: int) -> None:
        """Back to `target` steps done: restore the snapshot before it, then replay.
        Rewinds take turns: a newer one waits for an older one to be under way."""
        async with self._rewinding:
            self.running, self.goal, self.queued = False, None, 0
            if self._trainer_loop is not None:
                await self._trainer_loop.wait()  # the step in flight finishes first
            try:
                rewind = await self.runner.rewind(target)
            except MicrogptError as error:
                self.note = str(error)
                self.notify(str(error), severity="error", timeout=10, markup=False)
                self.render_all()
                return
            self.view.rewound(rewind.state.step_index, rewind.trace)
            self.note = ""
            if rewind.replay:
                self.goal, self.replaying = target, True
                self._drive()
            self.render_all()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """A save, an export or a rewind that died of a defect says so (the training
        loop catches its own): nothing fails silently."""
        if event.state is not WorkerState.ERROR:
            return
        self.running, self.goal, self.queued = False, None, 0
        self.note = f"{event.worker.name or 'a task'} failed: {internal_error(event.worker.error)}"
        self.notify(self.note, severity="error", timeout=10, markup=False)
        self.render_all()

    @on(StepTaken)
    def _step_taken(self, event: StepTaken) -> None:
        self._render_soon()

    @on(TrainingStopped)
    def _training_stopped(self, event: TrainingStopped) -> None:
        if event.reason:
            self.running, self.goal, self.queued = False, None, 0
            self.note = event.reason
        self.render_all()

    async def _fetch_watch_values(self) -> None:
        self.view.values.update(await self.runner.values(self.view.watched))
        self.render_all()

    async def _save_run(self, output: Output) -> None:
        names = [self.runner.trainer.model.params.name_of(i) for i in self.view.watched]
        conditions = [c.text for c in self.view.conditions]
        try:
            step = await self.runner.save_run(output, names, conditions)
        except MicrogptError as error:
            self.notify(str(error), severity="error", timeout=10, markup=False)
            return
        self.notify(f"saved the run at step {step:,} to {output.given}", markup=False)

    async def _export_model(self, output: Output) -> None:
        try:
            step = await self.runner.export_model(output)
        except MicrogptError as error:
            self.notify(str(error), severity="error", timeout=10, markup=False)
            return
        self.notify(f"exported the model at step {step:,} to {output.given}", markup=False)

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
        """Show the run's current state on the main screen."""
        self._render_timer = None
        if not self.is_running or not self.screen_stack:
            return  # closing: a timer or a worker finished after the screens went away
        self._last_render = time.monotonic()
        self.main.show_view(
            self.view,
            Activity(
                state=self._state(), goal=self.goal, note=self.note, timings=not self.deterministic
            ),
        )

    def _state(self) -> str:
        if self.replaying:
            return "rewinding"
        if self.goal is not None:
            return "going"
        if self.running:
            return "running"
        return "stepping" if self.queued else "paused"

    def _unwatch(self, index: int) -> None:
        if index in self.view.watched:
            self.view.watched.remove(index)
            self.render_all()


def internal_error(error: BaseException | None) -> str:
    """A defect's message for the screen: the exception's type says where to look."""
    return f"internal error: {type(error).__name__}: {error}"


def default_watch(trainer: Trainer) -> list[int]:
    """A few entries of the first sentence's token-embedding rows, and one dense weight."""
    params = trainer.model.params
    _, sentence = trainer.sentence_at(trainer.step_index)
    words = list(dict.fromkeys(sentence.split(" ")))[:2]
    names = [f"token_embedding[{w}][0]" for w in words] + ["layers.0.attention.query[0][0]"]
    return [params.index_of(name) for name in names]
