"""The debugger's actions beyond the training keys: those that ask something first (a step
number, a condition, a parameter, a file name) and hand the answer to the session or the
runner, and those that change what the panels show."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, SystemCommand
from textual.screen import Screen

from core.debugging.conditions import Condition, parse_for
from core.debugging.session import Session
from core.errors import MicrogptError
from core.files.outputs import Input, Output, check_output, write_atomic
from tui import keys
from tui.run_view import RunView
from tui.screens.goto import GotoScreen
from tui.screens.help import HelpScreen
from tui.screens.parameter_picker import ParameterPicker
from tui.screens.path_prompt import PathScreen
from tui.screens.run_until import RunUntil, RunUntilScreen
from tui.training import TrainingRunner
from tui.widgets.adam_inspector import AdamInspector
from tui.widgets.embedding_map import EmbeddingGradMap

RUN_FILE_INPUT = "the run file"  # the Input.what of a resumed run's own file


class Actions(App[None]):
    """Mixed into the app, which provides these attributes."""

    session: Session
    runner: TrainingRunner
    view: RunView
    inputs: tuple[Input, ...]
    run_path: str
    go_to: Callable[[int], None]
    render_all: Callable[[], None]
    _drive: Callable[..., None]
    main: Any  # the MainScreen

    def action_select_position(self, delta: int) -> None:
        self.view.select(delta)
        self.render_all()

    def action_remove_watch(self) -> None:
        index = self.main.query_one(AdamInspector).selected_index
        if index is not None:
            self._unwatch(index)

    def action_toggle_embedding_mode(self) -> None:
        self.main.query_one(EmbeddingGradMap).toggle_mode()

    def action_show_panel(self, panel: str) -> None:
        self.main.show_panel(panel)

    def action_toggle_enlarged(self) -> None:
        self.main.toggle_enlarged()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in keys.palette_entries():
            yield SystemCommand(title, help_text, lambda a=action: self.run_action(a))

    @on(AdamInspector.RemoveRequested)
    def _remove_requested(self, event: AdamInspector.RemoveRequested) -> None:
        self._unwatch(event.index)

    def _unwatch(self, index: int) -> None:
        self.session.unwatch(index)
        self.render_all()

    def action_goto(self) -> None:
        self.push_screen(
            GotoScreen(self.session.steps_done, self.session.num_steps),
            lambda target: None if target is None else self.go_to(target),
        )

    def action_run_until(self) -> None:
        trainer = self.session.trainer
        forgetting = trainer.forgetting is not None  # a fine-tuning run measures it

        def parse(text: str) -> Condition:
            return parse_for(text, trainer)

        def decided(result: RunUntil | None) -> None:
            if result is not None:
                self.session.set_conditions(result.conditions)
                self._drive(
                    self.session.run if result.run and not self.session.wants_step() else None
                )

        self.push_screen(RunUntilScreen(self.session.conditions, parse, forgetting), decided)

    def action_add_watch(self) -> None:
        def add(index: int | None) -> None:
            if index is not None:
                self.session.watch(index)
                self.main.query_one(AdamInspector).select_parameter(index)
                self.fetch_watch_values()

        self.push_screen(ParameterPicker(self.session.trainer.model.params), add)

    def on_adam_inspector_add_requested(self, event: AdamInspector.AddRequested) -> None:
        self.action_add_watch()  # enter on the empty panel: the same as w

    def action_help(self) -> None:
        self.push_screen(HelpScreen(keys.described()))

    def fetch_watch_values(self) -> None:
        self.run_worker(
            self._fetch_watch_values(), name="reading the watched values", exit_on_error=False
        )

    async def _fetch_watch_values(self) -> None:
        self.view.values.update(await self.runner.values(self.view.watch_indices()))
        self.render_all()

    def action_evaluate_held_out(self) -> None:
        """The held-out loss of the model as it is now, in the status line; on the training
        thread, between two steps (it reads the weights a step changes)."""
        if self.session.trainer.held_out is None:
            self.notify(
                "this run has no held-out set: start it with --eval FILE (a run of our corpus "
                "from scratch has one: data/heldout.txt)",
                severity="warning",
                timeout=10,
                markup=False,
            )
            return
        if self.view.evaluating:
            return  # one is on its way
        self.view.evaluating = True
        self.render_all()
        self.run_worker(
            self._evaluate_held_out(), name="evaluating the held-out loss", exit_on_error=False
        )

    async def _evaluate_held_out(self) -> None:
        try:
            await self.runner.call(self.session.evaluate_held_out)
        finally:
            self.view.evaluating = False
            self.render_all()

    def action_save_run(self) -> None:
        guarded = [i for i in self.inputs if i.what != RUN_FILE_INPUT]  # it may update its own
        self._ask_path(
            "Save the run (model, Adam buffers, step, watches, conditions, losses) to:",
            self.run_path,
            "resume it with: microgpt --resume FILE · esc cancels",
            lambda path: check_output(path, "run file", guarded),
            self._save_run,
        )

    def action_export_model(self) -> None:
        self._ask_path(
            "Export the model, in the tutorial's format, to:",
            "microgpt-model.json",
            "the tutorial's generate loads it; so does microgpt generate --model FILE",
            lambda path: check_output(path, "model file", self.inputs),
            self._export_model,
        )

    def _ask_path(
        self,
        title: str,
        default: str,
        hint: str,
        check: Callable[[str], Output],
        then: Callable[[Output], Any],
    ) -> None:
        def answered(output: Output | None) -> None:
            if output is not None:
                self.run_worker(then(output), name=f"writing {output.given}", exit_on_error=False)

        self.push_screen(PathScreen(title, default, hint, check), answered)

    def action_export_steps(self) -> None:
        self._ask_path(
            "Export the run's steps, a JSON line each (as train --log-jsonl writes), to:",
            "microgpt-steps.jsonl",
            "step, sentence, tokens, n, lr, loss, and the held-out loss where measured",
            lambda path: check_output(path, "log", self.inputs),
            self._export_steps,
        )

    async def _export_steps(self, output: Output) -> None:
        session = self.session
        await self._write(lambda: session.export_steps(output), "exported the steps", output)

    def action_save_screenshot(self) -> None:
        """The screen as an SVG (Textual's export), in the current folder, named for the
        step shown; a name already taken gets a number, so no file is replaced."""
        what_if = "-what-if" if self.session.what_if_shown else ""
        name = f"microgpt-step-{self.session.steps_done}{what_if}"
        path, k = Path(f"{name}.svg"), 1
        while path.exists():
            k += 1
            path = Path(f"{name}-{k}.svg")
        try:
            write_atomic(check_output(path, "screenshot"), self.export_screenshot())
        except MicrogptError as error:
            self.notify(str(error), severity="error", timeout=10, markup=False)
            return
        self.notify(f"saved a screenshot to {path.resolve()}", markup=False)

    async def _save_run(self, output: Output) -> None:
        self.run_path = output.given
        params = self.session.trainer.model.params
        names = [params.name_of(i) for i in self.session.watched]
        conditions = [c.text for c in self.session.conditions]
        await self._write(
            lambda: self.session.save(output, names, conditions), "saved the run", output
        )

    async def _export_model(self, output: Output) -> None:
        await self._write(lambda: self.runner.export(output), "exported the model", output)

    async def _write(self, write: Callable[[], int], done: str, output: Output) -> None:
        try:
            step = await self.runner.call(write)  # between two steps, on the training thread
        except MicrogptError as error:
            self.notify(str(error), severity="error", timeout=10, markup=False)
            return
        self.notify(f"{done} at step {step:,} to {output.given}", markup=False)
