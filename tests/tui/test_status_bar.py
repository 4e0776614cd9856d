"""The status bar: its fields laid out whole on as many lines as the width needs."""

from dataclasses import replace

from drive import text_of
from textual.app import App, ComposeResult

from core.training.heldout import HeldOutReading
from tui.views import StatusView
from tui.widgets.status_bar import StatusBar, status_lines

FULL = StatusView(
    step=2_345,
    num_steps=5_000,
    sentence_index=12_344,
    num_sentences=30_000,
    lr=0.00912345,
    loss=3.5607,
    mean_loss=4.1234,
    mean_window=100,
    ms_per_step=12.3,
    nodes=12_722,
    reference_nodes=514_909,
    state="going",
    goal=3_000,
    conditions=("loss < 3.5", "mean < 3.2", "grad token_embedding[cat][0] > 0.1"),
)
FIGURES = (
    "step 2,345 of 5,000",
    "sentence 12,345 of 30,000",
    "lr 0.00912345",
    "loss 3.5607",
    "mean 4.1234 (last 100 steps)",
)
STATE = (
    "⏩ going to step 3,000",
    "▕█████████████░░░▏ 2,345/3,000",
    "(esc cancels)",
    "12.3 ms/step",
    "graph 12,722 nodes (514,909 primitive ops)",
    "until: loss < 3.5",
    "or mean < 3.2",
    "or grad token_embedding[cat][0] > 0.1",
)


def plain(view: StatusView, width: int) -> list[str]:
    return [line.plain for line in status_lines(view, width)]


def test_every_field_is_whole_on_one_line_at_78_columns():
    lines = plain(FULL, 78)
    for field in FIGURES + STATE:
        assert any(field in line for line in lines), field
    assert all(len(line) <= 78 for line in lines)


def test_the_figures_take_one_line_at_118_columns():
    lines = plain(FULL, 118)
    assert lines[0] == " · ".join(FIGURES)


def test_fields_wrap_between_fields_only():
    lines = plain(FULL, 78)
    assert lines[:2] == [" · ".join(FIGURES[:4]), FIGURES[4]]


def test_a_condition_that_does_not_fit_starts_the_next_line_whole():
    lines = plain(replace(FULL, ms_per_step=None, state="running", goal=None), 78)
    assert lines[2:] == [
        "▶ running · graph 12,722 nodes (514,909 primitive ops) · until: loss < 3.5",
        "or mean < 3.2 or grad token_embedding[cat][0] > 0.1",
    ]


def test_nothing_is_cut_at_any_width():
    for width in (30, 40, 60, 78, 118, 198):
        assert not any("…" in line for line in plain(FULL, width)), width


def test_step_and_loss_figures_are_bold():
    figures = status_lines(FULL, 118)[0]
    bold = {figures.plain[s.start : s.end] for s in figures.spans if "bold" in str(s.style)}
    assert bold == {"step 2,345", "3.5607"}


def test_running_state_is_reversed_and_paused_is_not():
    running = status_lines(replace(FULL, state="running", goal=None), 118)[1]
    paused = status_lines(replace(FULL, state="paused", goal=None), 118)[1]
    assert "reverse" in str(running.spans[0].style)
    assert "reverse" not in str(paused.spans[0].style)


def test_the_mean_names_its_window_in_steps():
    assert plain(replace(FULL, mean_window=3), 118)[0].endswith("mean 4.1234 (last 3 steps)")
    assert plain(replace(FULL, mean_window=1), 118)[0].endswith("mean 4.1234 (last step)")


def test_before_the_first_step_only_the_step_and_state_show():
    empty = StatusView(
        step=0,
        num_steps=5_000,
        sentence_index=None,
        num_sentences=30_000,
        lr=None,
        loss=None,
        mean_loss=None,
        mean_window=0,
        ms_per_step=None,
        nodes=None,
        reference_nodes=None,
        state="paused",
    )
    assert plain(empty, 78) == ["step 0 of 5,000", "⏸ paused"]


class Harness(App[None]):
    CSS = "StatusBar { height: auto; padding: 0 1; }"

    def compose(self) -> ComposeResult:
        yield StatusBar()


async def test_the_widget_is_as_tall_as_its_lines():
    async with Harness().run_test(size=(80, 24)) as pilot:
        bar = pilot.app.query_one(StatusBar)
        bar.show(FULL)
        await pilot.pause()
        assert text_of(bar).splitlines() == plain(FULL, 78)
        bar.show(replace(FULL, state="paused", goal=None, conditions=()))
        await pilot.pause()
        assert bar.size.height == 3


def test_the_held_out_loss_is_given_with_the_step_it_is_of():
    view = replace(FULL, held_out=HeldOutReading(2_250, 4.56789))
    assert "held-out 4.5679 (step 2,250)" in " ".join(plain(view, 200))


def test_the_held_out_loss_before_the_first_step_says_so():
    view = replace(FULL, held_out=HeldOutReading(0, 6.479))
    assert "held-out 6.4790 (before training)" in " ".join(plain(view, 200))
    tuning = replace(view, fine_tuning=True)
    assert "held-out 6.4790 (before fine-tuning)" in " ".join(plain(tuning, 200))


def test_a_held_out_loss_asked_for_says_it_was_on_demand():
    view = replace(FULL, held_out=HeldOutReading(37, 5.0, asked=True))
    assert "held-out 5.0000 (step 37, on demand)" in " ".join(plain(view, 200))


def test_a_held_out_loss_being_evaluated_says_so():
    view = replace(FULL, held_out=HeldOutReading(0, 6.479), held_out_pending=True)
    line = " ".join(plain(view, 200))
    assert "held-out: evaluating…" in line and "6.4790" not in line
