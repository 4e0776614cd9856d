"""The parameter picker alone, pushed from a harness app and driven by keys."""

import pytest
from textual.app import App
from textual.widgets import Input, OptionList, Static

from core.autograd.params import Parameters
from core.model.gpt import GPTConfig, Model
from tui.screens.parameter_picker import ParameterPicker

WORDS = ["a", "car", "cat", "the"]


class Harness(App[None]):
    def __init__(self, params: Parameters, initial: str = "") -> None:
        super().__init__()
        self.params, self.initial = params, initial
        self.results: list[int | None] = []

    def on_mount(self) -> None:
        self.push_screen(ParameterPicker(self.params, self.initial), self.results.append)


@pytest.fixture(scope="module")
def params() -> Parameters:
    return Model(GPTConfig(vocab_size=len(WORDS) + 1), WORDS).params


def offered(app: Harness) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def error_shown(app: Harness) -> str:
    error = app.screen.query_one("#picker-error", Static)
    return str(error.content) if error.display else ""


async def test_typing_a_word_offers_its_token_embedding_row(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"cat")
        assert offered(app)[:2] == ["token_embedding[cat][0]", "token_embedding[cat][1]"]


async def test_letters_in_order_offer_the_matrix(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"l0mlph")
        assert offered(app)[0] == "layers.0.mlp.hidden[…]  128×32"


async def test_enter_on_a_full_name_dismisses_with_its_index(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"layers.1.mlp.hidden[100][7]", "enter")
    assert app.results == [params.index_of("layers.1.mlp.hidden[100][7]")]


async def test_enter_on_an_alias_dismisses_with_the_same_parameter(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"wte[cat][3]", "enter")
    assert app.results == [params.index_of("token_embedding[cat][3]")]


async def test_enter_on_a_matrix_completes_it_and_keeps_searching(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"l0mlph", "enter")
        box = app.screen.query_one(Input)
        assert (box.value, box.cursor_position) == ("layers.0.mlp.hidden[", 20)
        assert isinstance(app.screen, ParameterPicker) and app.results == []
        assert offered(app)[0] == "layers.0.mlp.hidden[0][…]  32 values"


async def test_a_completed_matrix_then_row_and_column_picks_the_parameter(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"l0mlph", "enter", *"7][12]", "enter")
    assert app.results == [params.index_of("layers.0.mlp.hidden[7][12]")]


async def test_down_in_the_box_moves_the_highlight_and_enter_picks_it(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"token_embedding[cat]", "down", "down", "up", "enter")
    assert app.results == [params.index_of("token_embedding[cat][1]")]


async def test_escape_dismisses_with_none(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"cat", "escape")
    assert app.results == [None]


async def test_a_bad_full_name_shows_why(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"token_embedding[dog][0]")
        assert "row 'dog' of token_embedding must be a word" in error_shown(app)


async def test_enter_on_a_column_out_of_range_keeps_the_dialog_and_says_why(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"token_embedding[cat][32]", "enter")
        assert app.results == []
        assert "column 32 is outside token_embedding's 0..31" in error_shown(app)


async def test_text_that_names_nothing_says_so(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"zzz")
        assert "nothing is called 'zzz'" in error_shown(app)


async def test_a_good_name_shows_no_error(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"token_embedding[cat][3]")
        assert error_shown(app) == ""


async def test_the_syntax_line_gives_examples(params):
    app = Harness(params)
    async with app.run_test(size=(80, 24)):
        syntax = str(app.screen.query_one("#picker-syntax", Static).content)
        for example in ("token_embedding[cat][3]", "layers.0.mlp.hidden[7][12]", "wte", "lm_head"):
            assert example in syntax


async def test_the_initial_text_is_searched_on_opening(params):
    app = Harness(params, initial="wte")
    async with app.run_test(size=(80, 24)):
        assert app.screen.query_one(Input).value == "wte"
        assert offered(app)[0] == "token_embedding[…]  5×32 (wte)"
