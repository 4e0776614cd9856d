"""The debugger driven by its keys, asserting on what it displays."""

from __future__ import annotations

import os
import threading
import time

import pytest
from drive import text_of, wait_for
from textual.pilot import Pilot

from core.training.corpus import Corpus
from core.training.trainer import Trainer
from tui.app import DebuggerApp
from tui.format import percent
from tui.messages import StepTaken
from tui.screens.help import HelpScreen
from tui.training import TrainingRunner
from tui.widgets.adam_inspector import AdamInspector
from tui.widgets.distribution_chart import DistributionChart
from tui.widgets.embedding_map import EmbeddingGradMap
from tui.widgets.loss_chart import LossChart
from tui.widgets.predictions_table import PredictionsTable
from tui.widgets.status_bar import NoteLine, StatusBar
from tui.widgets.token_strip import TokenStrip


@pytest.fixture
def trainer(tiny_corpus: Corpus) -> Trainer:
    return Trainer(tiny_corpus, seed=1)


def make_app(trainer: Trainer, **kwargs) -> DebuggerApp:
    return DebuggerApp(trainer, deterministic=True, **kwargs)


async def steps(pilot: Pilot, app: DebuggerApp, count: int, key: str = "space") -> None:
    for _ in range(count):
        await pilot.press(key)
    await wait_for(pilot, lambda: app.steps_done == count and not app.queued)
    await pilot.pause()


async def test_space_takes_a_step_and_shows_the_tokens_with_their_ids(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        shown = text_of(app.query_one(TokenStrip))
        for token, word in zip(app.trace.tokens, app.trace.words):
            assert word in shown and str(token) in shown


async def test_n_also_takes_a_step(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 2, key="n")
        assert app.trace.step == 1


async def test_predictions_show_every_positions_numbers_from_the_trace(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        shown = text_of(app.query_one(PredictionsTable))
        for p in app.trace.positions:
            assert f"{percent(p.prob)}" in shown and f"{p.loss:.4f}" in shown
        assert f"= {app.trace.loss:.4f}" in shown


async def test_arrows_select_the_position_shown_in_the_distribution(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        await pilot.press("right", "right")
        assert app.view.selected == 2
        chart = app.query_one(DistributionChart)
        assert chart.border_title == "Next word at position 2"
        assert app.trace.positions[2].target_word in text_of(chart)
        await pilot.press("left")
        assert app.view.selected == 1


async def test_the_map_counts_the_rows_that_got_a_gradient(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        vocab = trainer.tokenizer.vocab_size
        assert f"{len(app.trace.token_rows)} of {vocab} rows got a gradient" in text_of(
            app.query_one(EmbeddingGradMap)
        )


async def test_watched_m_and_v_match_the_optimizer_buffers_after_two_steps(trainer):
    index = trainer.model.params.index_of("token_embedding[cat][0]")
    app = make_app(trainer, watch=[index])
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 2)
        entry = next(w.adam for w in app.trace.watched if w.index == index)
        assert (entry.m, entry.v) == (trainer.adam.m[index], trainer.adam.v[index])
        shown = text_of(app.query_one(AdamInspector))
        assert f"{entry.m:+.3e}" in shown and f"{entry.v:+.3e}" in shown


async def test_r_runs_and_r_pauses(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: app.steps_done >= 3)
        await pilot.press("r")
        await wait_for(pilot, lambda: not app.is_training)
        stopped_at = app.steps_done
        await pilot.pause(0.2)
        assert app.steps_done == stopped_at and not app.running


async def test_g_trains_up_to_the_step_asked_for(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g", "6", "enter")
        await wait_for(pilot, lambda: app.steps_done == 6 and app.goal is None)
        await pilot.pause(0.1)
        assert app.steps_done == 6


async def test_escape_cancels_going_to_a_step(trainer, monkeypatch):
    slow_steps(monkeypatch, trainer, 0.05)
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g", "4", "0", "enter")
        await wait_for(pilot, lambda: app.steps_done >= 2)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.is_training)
        assert app.goal is None and app.steps_done < 40


async def test_going_forward_runs_on_the_twin_and_shows_the_last_step_whole(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g", *"+300", "enter")
        await wait_for(pilot, lambda: app.steps_done == 300 and not app.is_training)
        await pilot.pause()
        assert app.trace.step == 299 and len(app.session.losses) == 300
        assert "step 300 of" in text_of(app.query_one(StatusBar))


async def test_a_go_to_waiting_for_the_twin_says_so_until_it_arrives(trainer, monkeypatch):
    monkeypatch.setattr(TrainingRunner, "warm_up_twin", lambda self: None)  # never ready
    slow_steps(monkeypatch, trainer, 0.05)
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g", *"+30", "enter")
        note = app.query_one(NoteLine)
        await wait_for(pilot, lambda: "loading the twin engine" in text_of(note))
        assert app.goal == 30
        await wait_for(pilot, lambda: app.steps_done == 30 and not app.is_training)
        await pilot.pause()
        assert not app.query_one(NoteLine).display  # no goal: nothing to wait for


async def test_before_a_go_to_arrives_the_tokens_say_where_it_is_going(trainer, monkeypatch):
    slow_steps(monkeypatch, trainer, 0.05)
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g", *"30", "enter")
        strip = app.query_one(TokenStrip)
        await wait_for(pilot, lambda: "going to step 30" in text_of(strip))
        await wait_for(pilot, lambda: app.steps_done == 30 and not app.is_training)
        await pilot.pause()
        assert "going to" not in text_of(strip) and app.trace.step == 29


async def test_w_adds_a_watched_parameter_through_the_picker(trainer):
    app = make_app(trainer, watch=[], follow=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        await pilot.press(*"token_embedding[dog][1]", "enter")
        await pilot.pause()
        assert app.view.watched == [trainer.model.params.index_of("token_embedding[dog][1]")]
        assert "token_embedding[dog][1]" in text_of(app.query_one(AdamInspector))


async def test_x_removes_the_selected_watch(trainer):
    app = make_app(trainer, follow=False)
    async with app.run_test(size=(120, 40)) as pilot:
        first = app.view.watched[0]
        await pilot.press("x")
        assert first not in app.view.watched and len(app.view.watched) == 1


async def test_the_first_watch_follows_the_sentence_and_gets_a_gradient(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        for done in range(1, 4):
            await pilot.press("space")
            await wait_for(pilot, lambda d=done: app.steps_done == d and not app.is_training)
            await pilot.pause()
            first_word = app.trace.words[1]
            row = app.view.watch_rows()[0]
            assert row.follows and row.name == f"token_embedding[{first_word}][0]"
            assert row.entry is not None and row.entry.grad != 0.0


async def test_x_on_the_follower_stops_the_following(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        fixed = list(app.view.watched)
        await pilot.press("x")
        assert not app.session.follow and app.view.watch_indices() == fixed


async def test_e_toggles_the_embedding_map_mode(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        before = app.query_one(EmbeddingGradMap).mode
        await pilot.press("e")
        assert app.query_one(EmbeddingGradMap).mode != before


async def test_question_mark_opens_help_listing_the_keys(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


def slow_steps(monkeypatch, trainer: Trainer, seconds: float) -> None:
    """Make every step take at least `seconds` (sleeping, so the GIL is free): full steps
    and the twin's light ones (going forward and replaying)."""
    for name in ("step", "light_step"):
        real = getattr(trainer, name)

        def slowed(watch=(), real=real):
            time.sleep(seconds)
            return real(watch)

        monkeypatch.setattr(trainer, name, slowed)


async def test_a_key_is_handled_while_a_long_step_runs(trainer, monkeypatch):
    started, release = threading.Event(), threading.Event()
    real = trainer.step

    def step(watch=()):
        started.set()
        release.wait(timeout=60)  # the test releases it; the timeout only guards a bug
        return real(watch)

    monkeypatch.setattr(trainer, "step", step)
    app = make_app(trainer)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("space")
            await wait_for(pilot, started.is_set)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen) and app.steps_done == 0  # step in flight
            release.set()
            await wait_for(pilot, lambda: app.steps_done == 1)
    finally:
        release.set()  # never leave the training thread blocked, whatever failed


async def test_an_unexpected_error_in_a_step_pauses_and_is_shown_literally(trainer, monkeypatch):
    def step(watch=()):
        raise ValueError("bad [b]shape[/b] at [/]")

    monkeypatch.setattr(trainer, "step", step)
    app = make_app(trainer)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: app.note and not app.is_training)
        expected = "paused: internal error: ValueError: bad [b]shape[/b] at [/]"
        assert app.note == expected and not app.running and app.queued == 0
        assert expected in text_of(app.query_one(NoteLine))  # literally, on its own line
        assert "⏸ paused" in text_of(app.query_one(StatusBar))
        monkeypatch.undo()  # the defect is gone: the debugger still steps
        await steps(pilot, app, 1)
        assert app.is_running and app.trace.step == 0


async def test_a_repaint_due_after_the_screens_closed_is_skipped(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
    app.render_all()  # as a render timer or a finishing worker may, while the app exits


async def test_pausing_stops_within_one_step(trainer, monkeypatch):
    slow_steps(monkeypatch, trainer, 0.1)
    taken: list[int] = []
    app = make_app(trainer)

    def record(message):
        if isinstance(message, StepTaken):
            taken.append(message.trace.step)

    async with app.run_test(size=(120, 40), message_hook=record) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: len(taken) >= 2)
        await pilot.press("r")
        at_pause = len(taken)
        await wait_for(pilot, lambda: not app.is_training)
        await pilot.pause(0.3)
        assert len(taken) <= at_pause + 1


async def test_the_compact_layout_shows_one_panel_at_a_time(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        assert app.query_one(LossChart).display
        assert not app.query_one(PredictionsTable).display
        await pilot.press("1")
        assert app.query_one(PredictionsTable).display and not app.query_one(LossChart).display


async def test_the_palette_offers_the_actions(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Step", "Run / pause", "Go to step…", "Watch a parameter…"} <= titles


async def test_b_steps_back_and_shows_the_previous_trace_again(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 4)
        third = app.view.losses[2]
        await pilot.press("b")
        await wait_for(pilot, lambda: app.steps_done == 3 and not app.is_training)
        assert app.trace.step == 2 and app.trace.loss == third
        assert len(app.view.losses) == 3 and trainer.step_index == 3


async def test_stepping_forward_after_going_back_gives_the_same_trace(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 3)
        original = app.trace
        await pilot.press("b")
        await wait_for(pilot, lambda: app.steps_done == 2 and not app.is_training)
        await pilot.press("space")
        await wait_for(pilot, lambda: app.steps_done == 3 and not app.is_training)
        assert app.trace == original


async def test_g_goes_back_to_an_earlier_step_by_replaying(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g", "2", "5", "enter")
        await wait_for(pilot, lambda: app.steps_done == 25 and not app.is_training)
        loss_12 = app.view.losses[11]
        await pilot.press("g", "1", "2", "enter")
        await wait_for(pilot, lambda: app.steps_done == 12 and not app.is_training)
        assert app.trace.loss == loss_12 and len(app.view.losses) == 12


async def test_going_back_past_the_oldest_kept_state_is_refused(tiny_corpus):
    from core.debugging.history import HistoryPolicy

    policy = HistoryPolicy(fine_every=2, fine_span=2, coarse_every=4, max_coarse=1, traces=2)
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True, policy=policy)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g", "9", "enter")
        await wait_for(pilot, lambda: app.steps_done == 9 and not app.is_training)
        await pilot.press("g", "1", "enter")
        await wait_for(pilot, lambda: "cannot go back to step 1" in app.note)
        assert app.steps_done == 9


async def test_u_runs_until_a_condition_holds_and_says_why(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u", *"grad sun", "enter", "enter")
        await wait_for(pilot, lambda: app.steps_done > 0 and not app.is_training)
        assert "sun" in app.trace.words[: app.trace.n]
        assert app.note.startswith("paused: sun's embedding row got a gradient")
        assert [c.text for c in app.view.conditions] == ["grad sun"]


async def test_a_condition_that_cannot_be_read_says_why(trainer):
    from tui.screens.run_until import RunUntilScreen

    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u", *"grad unicorn", "enter")
        assert isinstance(app.screen, RunUntilScreen)
        assert "'unicorn' is not a word" in str(app.screen.query_one("#until-error").render())


async def test_a_nan_weight_pauses_before_the_update_and_names_the_matrix(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        index = trainer.model.params.index_of("layers.0.mlp.output[3][9]")
        trainer.model.params.data[index] = float("nan")
        m_before = trainer.adam.m.copy()
        await pilot.press("r")
        await wait_for(pilot, lambda: "non-finite" in app.note and not app.is_training)
        assert "layers.0.mlp.output" in app.note and app.steps_done == 1
        assert (trainer.adam.m == m_before).all() and not app.running


async def test_s_saves_the_run_and_m_exports_the_model(trainer, tmp_path):
    from core.debugging.runfile import load_run
    from core.model.modelfile import load_model

    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 2)
        run_file, model_file = tmp_path / "run.json", tmp_path / "model.json"
        await pilot.press("s", "ctrl+u", *str(run_file), "enter")
        await wait_for(pilot, lambda: run_file.exists())
        await pilot.press("m", "ctrl+u", *str(model_file), "enter")
        await wait_for(pilot, lambda: model_file.exists())
    assert load_run(run_file).trainer.step_index == 2
    assert load_model(model_file).params.data.tolist() == trainer.model.params.data.tolist()


async def test_a_resumed_run_continues_where_it_was_saved(trainer, tiny_corpus, tmp_path):
    from core.debugging.runfile import load_run, save_run

    twin = Trainer(tiny_corpus, seed=1)
    losses = [twin.step().loss for _ in range(3)]
    save_run(tmp_path / "run.json", twin, ["token_embedding[cat][0]"], ["loss < 0.5"], losses)
    run = load_run(tmp_path / "run.json")
    app = DebuggerApp(run.trainer, deterministic=True, losses=run.losses, conditions=run.conditions)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.steps_done == 3 and app.note == "resumed at step 3: space trains step 4"
        watch = app.view.step_watch()  # the follower moves on with the step
        await pilot.press("space")
        await wait_for(pilot, lambda: app.steps_done == 4 and not app.is_training)
        assert app.trace == twin.step(watch)


async def test_help_lists_every_key_including_the_hidden_ones(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        from rich.console import Console

        from tui.screens.help import keys_table

        console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
        console.print(keys_table(app.screen.listed))
        keys = console.export_text()
        for described in (
            "select the previous position",
            "stop running",
            "show the loss panel",
            "run until a condition holds",
            "watch a parameter",
        ):
            assert described in keys


async def test_pressing_b_repeatedly_goes_back_one_step_per_press(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g", "3", "0", "enter")
        await wait_for(pilot, lambda: app.steps_done == 30 and not app.is_training)
        expected = app.view.losses[:25]
        await pilot.press(*"bbbbb")
        await wait_for(
            pilot, lambda: app.steps_done == 25 and not app.is_training and not app.replaying
        )
        await pilot.pause(0.2)
        assert app.steps_done == 25 and app.view.losses == expected


async def test_conditions_are_listed_and_removable(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(
            "u", *"loss < 1", "enter", *"grad cat", "enter", "up", "tab", "delete", "escape"
        )
        assert [c.text for c in app.view.conditions] == ["grad cat"]
        assert not app.is_training  # esc closes without running


async def test_typing_x_in_a_condition_types_it(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u", *"loss > 2x mean", "enter", "escape")
        assert [c.text for c in app.view.conditions] == ["loss > 2x mean"]


async def test_q_with_unsaved_steps_asks_first_and_a_second_q_quits(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 2)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running  # asked, not quit
        assert any("q again (or y) quits" in n.message for n in app._notifications)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_y_confirms_quitting_with_unsaved_steps(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running)


async def test_a_saved_run_quits_at_once(trainer, tmp_path):
    from core.files.outputs import check_output

    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 2)
        app.session.save(check_output(tmp_path / "run.json", "run file"), [], [])
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_a_training_key_after_q_makes_the_next_q_ask_again(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        await pilot.press("q")
        await pilot.press("space")
        await wait_for(pilot, lambda: app.steps_done == 2 and not app.is_training)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running


async def test_a_resumed_run_says_where_it_stands_and_b_returns_there(tiny_corpus, tmp_path):
    from core.debugging.runfile import load_run, save_run

    twin = Trainer(tiny_corpus, seed=1)
    losses = [twin.step().loss for _ in range(3)]
    save_run(tmp_path / "run.json", twin, [], [], losses)
    run = load_run(tmp_path / "run.json")
    app = DebuggerApp(run.trainer, deterministic=True, losses=run.losses)
    async with app.run_test(size=(120, 40)) as pilot:
        tokens = text_of(app.query_one(TokenStrip))
        assert "at step 3 (no step shown yet): press space to train step 4" in tokens
        await pilot.press("space")
        await wait_for(pilot, lambda: app.steps_done == 4 and not app.is_training)
        await pilot.press("b")
        await wait_for(pilot, lambda: app.steps_done == 3 and not app.is_training)
        assert app.note == "resumed at step 3: space trains step 4"
        assert "press space to train step 4" in text_of(app.query_one(TokenStrip))


@pytest.mark.parametrize("dialog", ["question_mark", "u", "g", "w", "s"])
async def test_closing_a_dialog_gives_focus_back_to_where_it_was(trainer, dialog):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        assert app.focused is None  # arrows select positions
        await pilot.press(dialog)
        await wait_for(pilot, lambda: app.screen is not app.main)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main)
        assert app.focused is None
        await pilot.press("right")
        assert app.view.selected == 1  # the arrow moved the position, not a hidden cursor


async def test_a_focused_panel_keeps_focus_across_help(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        await pilot.press("4")  # focus the embedding map
        focused = app.focused
        assert isinstance(focused, EmbeddingGradMap)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is not app.main)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main)
        assert app.focused is focused


async def test_the_worst_position_is_marked_in_the_predictions(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        trace = app.trace
        worst = max(trace.positions, key=lambda p: p.loss)
        shown = text_of(app.query_one(PredictionsTable))
        marked = [line for line in shown.splitlines() if "▲" in line and "→" in line]
        assert len(marked) == 1 and marked[0].split()[0] == f"▲{worst.position}"
        assert f"{worst.loss:.4f}" in marked[0]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_long_pause_reason_is_shown_whole_on_lines_of_its_own(trainer, size):
    reason = (
        "paused: loss 3.1416 < 3.5; the go-to step 300 stopped at step 72 (g goes on), and "
        "this sentence is long enough to need a second line at 80 columns"
    )
    app = make_app(trainer)
    async with app.run_test(size=size) as pilot:
        await steps(pilot, app, 1)
        app.session.fail(reason)
        app.render_all()
        await pilot.pause()
        note = app.query_one(NoteLine)
        shown = " ".join(text_of(note).split())
        assert shown == f"⚠ {reason}" and note.display
        app.session.request_step()  # a new request clears the reason, and its line goes
        app.render_all()
        await pilot.pause()
        assert not note.display


async def test_z_enlarges_the_focused_panel_and_z_puts_it_back(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        await pilot.press("5", "z")
        adam = app.query_one(AdamInspector)
        assert app.screen.maximized is adam and adam.region.width == 120
        await pilot.press("z")
        assert app.screen.maximized is None and adam.region.width < 120


async def test_z_with_no_panel_focused_enlarges_the_current_one_and_esc_restores(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, app, 1)
        await pilot.press("z")
        assert app.screen.maximized is app.query_one("#predictions")
        await pilot.press("escape")
        assert app.screen.maximized is None


async def test_the_enlarge_key_is_in_the_help_and_the_palette(trainer):
    from tui import keys

    assert any(b.action == "toggle_enlarged" for b in keys.described())
    assert any(action == "toggle_enlarged" for _, _, action in keys.palette_entries())


async def test_an_enlarged_panel_that_still_scrolls_does_not_offer_to_enlarge(trainer):
    app = make_app(trainer)
    async with app.run_test(size=(80, 24)) as pilot:
        await steps(pilot, app, 2)
        await pilot.press("5", "z")
        adam = app.query_one(AdamInspector)
        await wait_for(pilot, lambda: "more" in str(adam.border_subtitle))
        assert "enlarge" not in str(adam.border_subtitle)
