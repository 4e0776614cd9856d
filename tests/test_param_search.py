"""Finding parameters by typing part of a name: matrix first, then row, then column."""

import subprocess
import sys
import time

import pytest

from core.debugging.param_search import ParameterMatch, search_parameters
from core.model.gpt import GPTConfig, Model

WORDS = ["a", "car", "cat", "the"]


@pytest.fixture(scope="module")
def params():
    return Model(GPTConfig(vocab_size=len(WORDS) + 1), WORDS).params


@pytest.fixture(scope="module")
def full_params():
    """The tutorial's shape: 596 words + BOS, 63,296 parameters."""
    words = ["cat", "the", *(f"word{i}" for i in range(594))]
    return Model(GPTConfig(), words).params


def labels(matches: list[ParameterMatch]) -> list[str]:
    return [m.label for m in matches]


def test_empty_query_lists_every_matrix_as_a_prefix_with_its_shape(params):
    found = search_parameters(params, "")
    assert [m.completion for m in found] == [f"{s.name}[" for s in params.specs]
    assert all(m.index is None for m in found)
    assert "layers.0.mlp.hidden[…]  128×32" in labels(found)


def test_full_name_puts_exactly_that_parameter_first(params):
    first = search_parameters(params, "layers.1.mlp.hidden[100][7]")[0]
    assert first == ParameterMatch(
        "layers.1.mlp.hidden[100][7]",
        "layers.1.mlp.hidden[100][7]",
        params.index_of("layers.1.mlp.hidden[100][7]"),
    )


@pytest.mark.parametrize(
    "alias, name",
    [
        ("wte[cat][3]", "token_embedding[cat][3]"),
        ("wpe[5][0]", "position_embedding[5][0]"),
        ("lm_head[the][1]", "output[the][1]"),
        ("layer0.attn_wq[2][3]", "layers.0.attention.query[2][3]"),
    ],
)
def test_an_alias_finds_the_parameter_under_its_tutorial_name(params, alias, name):
    first = search_parameters(params, alias)[0]
    assert (first.label, first.index) == (name, params.index_of(name))


def test_matrix_name_gives_the_matrix_as_a_prefix_then_its_first_entries(params):
    found = search_parameters(params, "layers.0.mlp.hidden")
    assert found[0].completion == "layers.0.mlp.hidden[" and found[0].index is None
    assert labels(found[1:3]) == ["layers.0.mlp.hidden[0][0]", "layers.0.mlp.hidden[0][1]"]


def test_karpathys_name_alone_gives_the_tutorials_matrix(params):
    assert search_parameters(params, "wte")[0].completion == "token_embedding["


@pytest.mark.parametrize(
    "letters, matrix",
    [
        ("l1mlph", "layers.1.mlp.hidden"),
        ("l0mlph", "layers.0.mlp.hidden"),
        ("posemb", "position_embedding"),
    ],
)
def test_letters_in_order_find_the_matrix(params, letters, matrix):
    assert search_parameters(params, letters)[0].completion == f"{matrix}["


def test_one_mistyped_letter_is_forgiven(params):
    assert search_parameters(params, "l1mlhp")[0].completion == "layers.1.mlp.hidden["


def test_row_named_by_word_lists_that_rows_entries(params):
    found = search_parameters(params, "token_embedding[cat]")
    assert labels(found) == [f"token_embedding[cat][{c}]" for c in range(32)]
    assert [m.index for m in found] == [params.index_of(m.label) for m in found]


def test_row_named_by_number_lists_that_rows_entries_first(params):
    found = search_parameters(params, "layers.0.mlp.hidden[7")
    assert labels(found[:32]) == [f"layers.0.mlp.hidden[7][{c}]" for c in range(32)]


def test_a_wide_row_is_capped_by_the_limit(params):
    found = search_parameters(params, "layers.1.mlp.output[4]", limit=40)
    assert labels(found) == [f"layers.1.mlp.output[4][{c}]" for c in range(40)]


def test_a_word_alone_gives_its_token_embedding_row_then_its_output_row(params):
    found = search_parameters(params, "cat")
    assert labels(found[:32]) == [f"token_embedding[cat][{c}]" for c in range(32)]
    assert found[32].completion == "output[cat][" and found[33].label == "output[cat][0]"


def test_the_start_of_a_word_offers_its_rows_as_prefixes(params):
    found = search_parameters(params, "ca")
    assert [m.completion for m in found] == ["token_embedding[car][", "token_embedding[cat]["]
    assert all(m.index is None for m in found)


def test_the_start_of_a_row_completes_to_the_row(params):
    found = search_parameters(params, "output[ca")
    assert [m.completion for m in found] == ["output[car][", "output[cat]["]


def test_columns_starting_with_the_typed_digits_come_first(params):
    found = search_parameters(params, "token_embedding[cat][3")
    assert labels(found[:3]) == [f"token_embedding[cat][{c}]" for c in (3, 30, 31)]


def test_letters_in_order_with_row_and_column_name_the_parameter(params):
    first = search_parameters(params, "l0mlph[7][12]")[0]
    assert first.index == params.index_of("layers.0.mlp.hidden[7][12]")


def test_a_written_out_name_with_a_wrong_layer_is_not_corrected(params):
    assert search_parameters(params, "layers.5.mlp.hidden[0][0]") == []


def test_text_that_names_nothing_matches_nothing(params):
    assert search_parameters(params, "zzz") == []


@pytest.mark.parametrize(
    "query", ["", "a", "e", "cat", "word1", "layers", "token_embedding[", "layers.1.mlp.output[1"]
)
def test_never_more_hits_than_the_limit_on_the_full_model(full_params, query):
    assert 0 < len(search_parameters(full_params, query)) <= 40


def test_search_works_without_a_ui():
    code = "import core.debugging.param_search, sys; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert not {m for m in out.stdout.split() if m.split(".")[0] in {"textual", "rich", "tui"}}


@pytest.mark.parametrize(
    "query",
    ["wte[²", "wte[²][0]", "wpe[٣]", "wte[" + "1" * 5000, "wpe[" + "1" * 5000 + "][0]"],
    ids=["superscript", "superscript-closed", "arabic", "5000-digit-row", "5000-digit-closed"],
)
def test_digits_python_cannot_convert_match_nothing_instead_of_failing(params, query):
    assert search_parameters(params, query) == []


def test_a_pasted_page_of_text_is_searched_at_once(full_params):
    start = time.perf_counter()  # one letter forgiven in 100,000 took minutes
    assert search_parameters(full_params, "a" * 100_000) == []
    assert time.perf_counter() - start < 1.0
