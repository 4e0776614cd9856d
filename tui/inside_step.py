"""The debugger's keys for looking inside a step: the attention (every head, or one head's
whole matrix) in the distribution's slot, before → after the update, which asks the
session to run the shown step's sentence again, and the gradient check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from core.debugging.session import Session
from tui.run_view import RunView
from tui.screens.gradient_check import SAMPLE, SAMPLE_REQUEST, GradientCheckScreen
from tui.training import TrainingRunner
from tui.widgets.adam_inspector import AdamInspector


class InsideStep(App[None]):
    """Mixed into the app, which provides these attributes."""

    session: Session
    runner: TrainingRunner
    view: RunView
    render_all: Callable[[], None]
    main: Any  # the MainScreen
    _drive: Callable[..., None]

    def action_stage(self) -> None:
        self._drive(self.session.request_stage)

    def action_cycle_attention(self) -> None:
        main = self.main
        if main.compact and main.panel != "distribution":
            self.view.attention = "heads"  # compact: show it first, then cycle
            main.show_panel("distribution")
        else:
            self.view.cycle_attention()
        self.render_all()

    def action_select_head(self, delta: int) -> None:
        self.view.select_head(delta)
        self.view.attention = "matrix"
        self.render_all()

    def action_toggle_compare(self) -> None:
        """Before → after on or off; on, the shown step is measured on the training thread
        (it reads the weights right after that step)."""
        on = not self.session.compare
        self.session.set_compare(on)
        if on and not self.session.trace:
            self.notify("before → after: on; it shows once a step is done", markup=False)
        if on:
            self.run_worker(self._measure(), name="before → after", exit_on_error=False)
        self.render_all()

    async def _measure(self) -> None:
        await self.runner.call(self.session.refresh_effect)
        self.render_all()

    def action_check_gradient(self) -> None:
        """Check the selected watched parameter's gradient against the loss's slope, on the
        training thread (it moves the weight for a moment), then show the report."""
        index = self.main.query_one(AdamInspector).selected_index
        watched = self.view.watch_indices()
        if index is None and watched:
            index = watched[0]
        if index is None:
            self.notify("watch a parameter first (w): c checks the selected one", markup=False)
            return
        self._start_check(index)

    def _start_check(self, index: int, sample: bool = False) -> None:
        self.run_worker(self._check(index, sample), name="gradient check", exit_on_error=False)

    async def _check(self, index: int, sample: bool = False) -> None:
        """Check `index`, or (`sample`) another sample of its matrix; k on the report asks
        for one more sample."""
        session = self.session
        matrix = session.trainer.model.params.spec_at(index).name
        if sample:
            self.view.samples += 1
            seed = self.view.samples
            report = await self.runner.call(lambda: session.check_sample(matrix, SAMPLE, seed))
        else:
            report = await self.runner.call(lambda: session.check_gradients([index]))

        def closed(answer: str | None) -> None:
            if answer == SAMPLE_REQUEST:
                self._start_check(index, sample=True)

        self.push_screen(GradientCheckScreen(report, matrix), closed)
