"""Parameter names and flat indices, both ways."""

import pytest

from core.errors import ParameterNameError
from core.model.gpt import GPTConfig, Model

WORDS = ["a", "cat", "the"]


@pytest.fixture
def model():
    return Model(GPTConfig(vocab_size=4), WORDS)


def test_token_embedding_rows_are_named_by_word(model):
    assert model.params.index_of("token_embedding[cat][3]") == 1 * 32 + 3


def test_index_names_round_trip(model):
    for index in (0, 127, 128 + 16 * 32, model.params.count - 1):
        assert model.params.index_of(model.params.name_of(index)) == index


def test_layer_parameters_use_the_tutorials_names(model):
    spec = model.params.spec_named("layers.1.mlp.hidden")
    index = model.params.index_of("layers.1.mlp.hidden[100][7]")
    assert index == spec.offset + 100 * 32 + 7
    assert model.params.name_of(index) == "layers.1.mlp.hidden[100][7]"


def test_bos_row_is_named_bos(model):
    assert model.params.name_of(3 * 32) == "token_embedding[BOS][0]"


@pytest.mark.parametrize(
    "alias, name",
    [
        ("wte[cat][3]", "token_embedding[cat][3]"),
        ("wpe[5][0]", "position_embedding[5][0]"),
        ("lm_head[the][1]", "output[the][1]"),
        ("layer0.attn_wq[2][3]", "layers.0.attention.query[2][3]"),
        ("layer1.mlp_fc2[4][100]", "layers.1.mlp.output[4][100]"),
    ],
)
def test_karpathy_and_reference_names_are_aliases(model, alias, name):
    assert model.params.index_of(alias) == model.params.index_of(name)


@pytest.mark.parametrize(
    "bad, says",
    [
        ("token_embedding[dog][0]", "'dog'"),
        ("token_embedding[cat][32]", "column 32"),
        ("layers.5.mlp.hidden[0][0]", "no matrix"),
        ("cat", "not a parameter name"),
    ],
)
def test_bad_names_say_what_is_wrong(model, bad, says):
    with pytest.raises(ParameterNameError, match=says):
        model.params.index_of(bad)


@pytest.mark.parametrize(
    "bad, says",
    [
        ("token_embedding[²][0]", "row '²' of token_embedding must be a word"),  # isdigit() is True
        ("layers.0.mlp.hidden[٣][0]", "row '٣' of layers.0.mlp.hidden must be a row number"),
        ("token_embedding[cat][٣]", "not a parameter name"),
        ("layers.0.mlp.hidden[" + "9" * 5000 + "][0]", "is outside layers.0.mlp.hidden's 0..127"),
        ("token_embedding[cat][" + "9" * 5000 + "]", "is outside token_embedding's 0..31"),
    ],
    ids=["superscript-row", "arabic-row", "arabic-column", "5000-digit-row", "5000-digit-column"],
)
def test_only_ascii_digits_are_numbers_and_long_ones_are_out_of_range(model, bad, says):
    with pytest.raises(ParameterNameError, match=says):
        model.params.index_of(bad)


def test_leading_zeros_name_the_same_parameter(model):
    assert model.params.index_of("wpe[" + "0" * 5000 + "5][0]") == model.params.index_of(
        "wpe[5][0]"
    )
