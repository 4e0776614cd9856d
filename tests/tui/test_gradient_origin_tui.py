"""Where a gradient came from, in the debugger: f shows the selected watched parameter's
gradient as its terms by position (summing to the gradient Adam used) and its main paths;
v there, or v alone, opens the step's graph; the run is unchanged; it reads whole at 80×24
and says what to do with nothing watched (tested with the gradient check's); the keys are
in the help and the palette."""

from __future__ import annotations

from drive import open_screen, text_of, wait_for
from textual.pilot import Pilot

from core.training.corpus import Corpus
from core.training.trainer import Trainer
from tui import keys
from tui.app import DebuggerApp
from tui.screens.gradient_origin import GradientOriginScreen
from tui.screens.graph_explorer import GraphExplorerScreen
from tui.screens.help import HelpScreen
from tui.widgets.key_bar import KeyBar


async def settle(pilot: Pilot, app: DebuggerApp) -> None:
    await wait_for(pilot, lambda: not app.is_training)
    await pilot.pause()


async def open_origin(pilot: Pilot, app: DebuggerApp) -> GradientOriginScreen:
    return await open_screen(pilot, app, "f", GradientOriginScreen)


async def test_f_shows_the_gradients_terms_and_paths(tiny_corpus: Corpus):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        await settle(pilot, app)
        trace, weights = app.session.trace, app.session.trainer.model.params.data.copy()
        assert trace is not None
        screen = await open_origin(pilot, app)
        watched = trace.watched[0]  # the follower, selected first
        origin = screen.origin
        assert origin.terms.index == watched.index and origin.step == trace.step
        assert origin.terms.total == watched.adam.grad == origin.terms.gradient
        text = " ".join(text_of(screen.query_one("#origin-report")).split())
        assert watched.name in text and "== the gradient Adam used" in text
        for term in origin.terms.terms:
            assert f"position {term.position} {term.value:+.9e}" in text
        assert origin.paths and f"{100 * origin.paths[0].share:+.1f}%" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, GradientOriginScreen)
        assert app.session.trace is trace and app.steps_done == 1
        assert (app.session.trainer.model.params.data == weights).all()


async def test_v_on_the_origin_opens_the_graph(tiny_corpus: Corpus):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        await settle(pilot, app)
        await open_origin(pilot, app)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, GraphExplorerScreen))
        assert isinstance(app.screen, GraphExplorerScreen)
        assert app.screen.graph.step == 0


async def test_v_opens_the_shown_steps_graph(tiny_corpus: Corpus):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        await settle(pilot, app)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, GraphExplorerScreen))
        assert isinstance(app.screen, GraphExplorerScreen)
        graph = app.screen.graph
        assert (graph.step, graph.which) == (0, "shown")
        assert graph.loss_value.data == app.session.trace.loss  # type: ignore[union-attr]


async def test_the_keys_are_in_the_help_and_the_palette(tiny_corpus: Corpus):
    described = {(b.key, b.action) for b in keys.described()}
    assert {("f", "gradient_origin"), ("v", "graph")} <= described
    titles = {t for t, _, _ in keys.palette_entries()}
    assert {
        "Where the watched parameter's gradient came from",
        "The step's computation graph",
    } <= titles
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(text_of(app.screen.query_one("#help-keys")).split())
        assert "computation graph" in text and "gradient came from" in text


async def test_f_and_v_are_in_a_wide_key_bar(tiny_corpus: Corpus):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(220, 40)) as pilot:
        await pilot.pause()
        bar = text_of(app.main.query_one(KeyBar))
        assert "f From" in bar and "v Graph" in bar
