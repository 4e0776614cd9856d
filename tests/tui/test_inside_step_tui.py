"""Inside a step, in the debugger: `.` walks the five stages (what each shows), space
finishes a step begun and b drops it, t shows the attention, a shows before → after; at
120×40 and at 80×24, with the keys in the footer, the help and the palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from drive import text_of, unwrapped, wait_for
from textual.pilot import Pilot

from core.training.corpus import Corpus, load_corpus
from core.training.trainer import Trainer
from tui import keys
from tui.app import DebuggerApp
from tui.screens.help import HelpScreen
from tui.widgets.attention_view import weight_label
from tui.widgets.key_bar import KeyBar
from tui.widgets.token_strip import render_tokens

LONG = "the big dog and the small cat sat on a red mat in the sun with the old man today"
SENTENCES = ["the big dog sees the cat", LONG, "a cat runs"]  # a repeated word; a cut one


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    path: Path = tmp_path_factory.mktemp("inside") / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return load_corpus(path)


def app_of(corpus: Corpus) -> DebuggerApp:
    return DebuggerApp(Trainer(corpus, seed=1), deterministic=True)


def shown(app: DebuggerApp, selector: str) -> str:
    return unwrapped(text_of(app.main.query_one(selector)))


async def press(pilot: Pilot, app: DebuggerApp, key: str) -> None:
    """One key, then wait until the training thread is idle again."""
    await pilot.press(key)
    await wait_for(pilot, lambda: not app.is_training)
    await pilot.pause()


async def test_walking_three_steps_shows_each_stage(corpus):
    app = app_of(corpus)
    plain = Trainer(corpus, seed=1)
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.main.query_one("#stage").display
        cut_seen = False
        for step in range(3):
            watch = app.session.step_watch()
            await press(pilot, app, "full_stop")
            expected = plain.step(watch)
            stage = shown(app, "#stage")
            assert f"step {step + 1} · ▸ 1 tokenize" in stage
            assert f"= {expected.n}" in stage and f"{len(expected.tokens)} tokens" in stage
            if expected.truncated:
                cut_seen = True
                assert "✂" in stage and "✂ cut" in shown(app, "#tokens")
            for fed in range(1, expected.n + 1):
                await press(pilot, app, "full_stop")
                p = expected.positions[fed - 1]
                stage = shown(app, "#stage")
                assert f"▸ 2 forward {fed}/{expected.n}" in stage
                assert f"KV cache now holds {fed} row" in stage
                table = shown(app, "#predictions")
                assert f"{p.loss:.4f}" in table
                if fed < expected.n:
                    assert "not fed yet" in table
                    assert f"{expected.positions[fed].loss:.4f}" not in table
                title = app.main.query_one("#distribution").border_title
                assert title == f"Next word at position {fed - 1}"
            await press(pilot, app, "full_stop")
            assert "▸ 3 loss" in shown(app, "#stage")
            assert f"= {expected.loss:.4f}" in shown(app, "#predictions")
            short = expected.n <= 8  # a long sentence leaves the map too short to read
            assert not short or "no gradient yet" in shown(app, "#embeddings")
            await press(pilot, app, "full_stop")
            stage = shown(app, "#stage")
            assert "▸ 4 backward" in stage and f"{expected.gradient_count:,} of" in stage
            rows = f"{len(expected.token_rows)} of {len(plain.tokenizer.words) + 1} rows"
            assert not short or f"{rows} got a gradient" in shown(app, "#embeddings")
            assert app.steps_done == step  # nothing trained yet
            await press(pilot, app, "full_stop")
            assert "▸ 5 update" in shown(app, "#stage")
            assert f"Adam · step {step + 1}" in shown(app, "#adam")
            assert app.steps_done == step + 1 and app.session.trace == expected
        assert cut_seen


async def test_space_finishes_a_step_begun(corpus):
    app = app_of(corpus)
    plain = Trainer(corpus, seed=1)
    async with app.run_test(size=(120, 40)) as pilot:
        watch = app.session.step_watch()
        for _ in range(3):
            await press(pilot, app, "full_stop")
        await press(pilot, app, "space")
        assert app.session.trace == plain.step(watch)
        assert not app.main.query_one("#stage").display


async def test_b_from_the_middle_of_a_step_drops_it(corpus):
    app = app_of(corpus)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space")
        trace, before = app.session.trace, app.session.trainer.snapshot()
        for _ in range(4):
            await press(pilot, app, "full_stop")
        await press(pilot, app, "b")
        after = app.session.trainer.snapshot()
        assert app.session.trace is trace and not app.session.in_step
        assert (after.data == before.data).all() and (after.m == before.m).all()
        assert not app.main.query_one("#stage").display
        assert "nothing was trained" in shown(app, "#status-note")


async def test_t_shows_the_attention_then_one_heads_matrix(corpus):
    app = app_of(corpus)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "space")
        trace = app.session.trace
        assert trace is not None
        await press(pilot, app, "right")
        await press(pilot, app, "right")
        await press(pilot, app, "t")
        panel = app.main.query_one("#attention")
        assert panel.display and not app.main.query_one("#distribution").display
        assert panel.border_title == "Attention at position 2"
        weights = trace.attention.at(2, 1, 3)
        assert all(weight_label(w) in text_of(panel) for w in weights)
        await press(pilot, app, "t")
        assert panel.border_title == "Attention: layer 0 head 0, the whole sentence"
        await press(pilot, app, "right_square_bracket")
        assert panel.border_title == "Attention: layer 0 head 1, the whole sentence"
        await press(pilot, app, "t")
        assert not panel.display and app.main.query_one("#distribution").display


async def test_the_attention_grows_as_the_forward_pass_is_walked(corpus):
    app = app_of(corpus)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "t")
        await press(pilot, app, "t")  # the matrix
        await press(pilot, app, "full_stop")  # tokenize
        for fed in range(1, 4):
            await press(pilot, app, "full_stop")
            progress = app.session.progress
            assert progress is not None and progress.attention.positions == fed
            lines = text_of(app.main.query_one("#attention")).splitlines()
            words = progress.words
            assert any(f"{fed - 1} {words[fed - 1]}" in line for line in lines)
            assert not any(f"{fed} {words[fed]}" in line for line in lines)


async def test_a_shows_before_and_after_the_update_and_changes_nothing(corpus):
    app = app_of(corpus)
    plain = Trainer(corpus, seed=1)
    session = app.session
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, app, "a")
        for _ in range(2):
            watch = session.step_watch()
            await press(pilot, app, "space")
            await wait_for(
                pilot,
                lambda: (
                    session.effect is not None
                    and session.trace is not None
                    and session.effect.step == session.trace.step
                ),
            )
            await pilot.pause()
            effect = session.effect
            assert effect is not None
            assert session.trace == plain.step(watch)
            table = shown(app, "#predictions")
            assert f"loss {effect.loss_before:.4f} → {effect.loss_after:.4f}" in table
            assert f"{effect.better} better ▼" in table
        await press(pilot, app, "a")
        assert "after the update" not in shown(app, "#predictions")


async def test_the_three_views_work_at_80_by_24(corpus):
    app = app_of(corpus)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, app, "space")
        await press(pilot, app, "full_stop")
        await press(pilot, app, "full_stop")
        assert "▸ 2 forward 1/" in shown(app, "#stage")
        await press(pilot, app, "t")
        assert app.main.panel == "distribution"
        assert app.main.query_one("#attention").display
        assert "looks back at position 0" in shown(app, "#attention")
        await press(pilot, app, "space")  # finish the step
        await press(pilot, app, "1")
        await press(pilot, app, "a")
        await wait_for(pilot, lambda: app.session.effect is not None)
        await pilot.pause()
        assert "after the update: loss" in shown(app, "#predictions")


async def test_the_keys_are_in_the_footer_the_help_and_the_palette(corpus):
    described = {b.action for b in keys.described()}
    assert {"stage", "cycle_attention", "toggle_compare", "select_head(1)"} <= described
    titles = {title for title, _, _ in keys.palette_entries()}
    assert {
        "Step one stage",
        "Attention: heads / matrix / off",
        "Before → after the update",
    } <= titles
    app = app_of(corpus)
    async with app.run_test(size=(160, 40)) as pilot:
        bar = text_of(app.main.query_one(KeyBar))
        assert ". Stage" in bar and "t Attention" in bar and "a After" in bar
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = " ".join(text_of(app.screen.query_one("#help-keys")).split())
        assert "one stage of the step" in help_text and "before → after" in help_text


def test_the_tokens_not_yet_fed_are_dimmed(corpus):
    staged = Trainer(corpus, seed=1).begin_step()
    staged.advance()  # position 0 fed: BOS in, its target next
    progress = staged.progress()
    text = render_tokens(progress, 0, 200)
    styles = {text.plain[span.start : span.end].strip(): str(span.style) for span in text.spans}
    words = progress.words
    assert styles[words[2]] == "dim italic"  # neither fed nor a target yet
    assert styles[words[1]] == "bold underline"  # the target of position 0
