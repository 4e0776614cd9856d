"""A what-if step in the debugger: the panels show it, the status line says in words that
it is not the run's step, and b puts the run's step back."""

from __future__ import annotations

from drive import text_of, wait_for

from core.training.trainer import Trainer
from tui.app import DebuggerApp
from tui.widgets.status_bar import StatusBar
from tui.widgets.token_strip import TokenStrip


async def test_a_what_if_is_marked_and_b_puts_the_runs_step_back(tiny_corpus):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.steps_done == 1 and not app.queued)
        shown = app.trace
        await app.runner.call(lambda: app.session.what_if("the dog eats a muffin"))
        app.render_all()
        await pilot.pause()
        status = text_of(app.query_one(StatusBar))
        assert "WHAT-IF step 2 on your sentence" in status and "sentence 1 of" not in status
        assert "dog" in text_of(app.query_one(TokenStrip))
        await pilot.press("b")
        await wait_for(pilot, lambda: "WHAT-IF" not in text_of(app.query_one(StatusBar)))
        assert app.trace is shown and app.steps_done == 1
        assert "left the what-if" in app.note
