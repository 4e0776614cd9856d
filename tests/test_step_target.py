"""The go-to dialog's step number: read as the learner would mean it, refused with a reason."""

import re

import pytest
from textual.app import App
from textual.widgets import Label

from core.debugging.step_target import StepTargetError, parse_step_target
from tui.screens.goto import GotoScreen

NOT_A_NUMBER = "type a whole number of steps, or +k or -k to move k steps"
BEYOND = "the schedule has steps 0"


@pytest.mark.parametrize(
    "text, step",
    [
        ("0", 0),
        ("500", 500),
        ("  500 \t", 500),
        ("5000", 5000),
        ("1,000", 1000),
        ("1_000", 1000),
        ("0500", 500),
        ("0" * 10_000 + "7", 7),
    ],
    ids=lambda value: repr(value)[:20],
)
def test_a_step_is_read_as_written_or_as_the_screen_shows_it(text, step):
    assert parse_step_target(text, 5000) == step


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "5.0",
        "+",
        "+-5",
        "++5",
        "+ ",
        "1e3",
        "5 00",
        "1,00",
        "10,00,000",
        "1,000_000",
        "_100",
        "100_",
        ",100",
        "٣",  # Arabic-Indic three: str.isdigit() says yes
        "１２",  # full-width digits
        "²",
        "0x10",
    ],
)
def test_anything_but_a_whole_number_is_refused(text):
    with pytest.raises(StepTargetError, match=re.escape(NOT_A_NUMBER)):
        parse_step_target(text, 5000)


@pytest.mark.parametrize(
    "text",
    ["5001", "9" * 30, "1" * 100_000, "1" + ",000" * 3000],
    ids=["just-beyond", "30-digits", "100000-digits", "3000-groups"],
)
def test_a_step_beyond_the_schedule_names_its_range(text):
    with pytest.raises(StepTargetError, match=r"0 \(the start\) to 5,000$"):
        parse_step_target(text, 5000)


@pytest.mark.parametrize(
    "text, step", [("+1000", 1500), ("+ 1,000", 1500), ("-10", 490), ("-500", 0), ("+0", 500)]
)
def test_a_signed_number_moves_that_many_steps_from_the_current_one(text, step):
    assert parse_step_target(text, 5000, current=500) == step


@pytest.mark.parametrize(
    "text, where",
    [("+4501", "after the end"), ("-501", "before the start"), ("+" + "9" * 40, "after")],
)
def test_a_move_beyond_the_schedule_says_where_it_would_land(text, where):
    with pytest.raises(StepTargetError, match=f"{where}.*0 \\(the start\\) to 5,000$"):
        parse_step_target(text, 5000, current=500)


def test_the_last_step_is_the_schedule_length():
    assert parse_step_target("30", 30) == 30
    with pytest.raises(StepTargetError, match=BEYOND):
        parse_step_target("31", 30)


class GotoApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[int | None] = []

    def on_mount(self) -> None:
        self.push_screen(GotoScreen(10, 5000), self.chosen.append)


async def test_the_dialog_goes_to_the_step_the_core_reads():
    app = GotoApp()
    async with app.run_test() as pilot:
        await pilot.press(*"1,000", "enter")
        assert app.chosen == [1000]


async def test_the_dialog_moves_from_the_current_step():
    app = GotoApp()
    async with app.run_test() as pilot:
        await pilot.press(*"+1000", "enter")
        assert app.chosen == [1010]


async def test_the_dialog_shows_the_cores_message_and_stays_open():
    app = GotoApp()
    async with app.run_test() as pilot:
        await pilot.press(*"5.0", "enter")
        assert isinstance(app.screen, GotoScreen)
        assert str(app.screen.query_one("#goto-error", Label).render()) == NOT_A_NUMBER
        assert app.chosen == []
