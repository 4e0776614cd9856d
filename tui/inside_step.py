"""The debugger's keys for looking inside a step: the attention (every head, or one head's
whole matrix) in the distribution's slot, before → after the update, which asks the
session to run the shown step's sentence again; the gradient check, where a gradient came
from, and the step's computation graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from core.debugging.session import Session
from tui.run_view import RunView
from tui.screens.gradient_check import SAMPLE, SAMPLE_REQUEST, GradientCheckScreen
from tui.screens.gradient_origin import GRAPH_REQUEST, GradientOriginScreen
from tui.screens.graph_explorer import GraphExplorerScreen
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

    def _selected_watch(self, key: str) -> int | None:
        """The watched parameter selected in the Adam panel (the first if none is); None,
        said, when nothing is watched."""
        index = self.main.query_one(AdamInspector).selected_index
        watched = self.view.watch_indices()
        if index is None and watched:
            index = watched[0]
        if index is None:
            self.notify(f"watch a parameter first (w): {key} uses the selected one", markup=False)
        return index

    def action_check_gradient(self) -> None:
        """Check the selected watched parameter's gradient against the loss's slope, on the
        training thread (it moves the weight for a moment), then show the report."""
        index = self._selected_watch("c")
        if index is not None:
            self._start_check(index)

    def action_gradient_origin(self) -> None:
        """Where the selected watched parameter's gradient came from (its step's graph is
        rebuilt on the training thread)."""
        index = self._selected_watch("f")
        if index is not None:
            self.run_worker(self._origin(index), name="gradient origin", exit_on_error=False)

    async def _origin(self, index: int) -> None:
        session = self.session
        origin = await self.runner.call(lambda: session.gradient_origin(index))

        def closed(answer: str | None) -> None:
            if answer == GRAPH_REQUEST:
                self._start_graph(index)

        self.push_screen(GradientOriginScreen(origin), closed)

    def action_graph(self) -> None:
        """The shown step's computation graph (rebuilt on the training thread)."""
        self._start_graph(None)

    def _start_graph(self, index: int | None) -> None:
        self.run_worker(self._graph(index), name="step graph", exit_on_error=False)

    async def _graph(self, index: int | None) -> None:
        graph = await self.runner.call(self.session.step_graph)
        self.push_screen(GraphExplorerScreen(graph, find=index))

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
