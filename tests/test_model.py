"""The model's shape: configuration, matrices in the reference's order, parameter count."""

import pytest

from core.errors import ConfigError
from core.model.gpt import GPTConfig, Model, matrix_specs
from core.model.tokenizer import Tokenizer
from core.training.corpus import load_corpus


def test_our_corpus_gives_the_tutorials_597_tokens_and_63296_parameters():
    tokenizer = Tokenizer.from_sentences(load_corpus().sentences)
    model = Model(GPTConfig(vocab_size=tokenizer.vocab_size), tokenizer.words)
    assert (tokenizer.vocab_size, model.params.count) == (597, 63_296)


def test_matrices_come_in_the_reference_order():
    names = [s.name for s in matrix_specs(GPTConfig(n_layer=1), None)]
    assert names == [
        "token_embedding",
        "position_embedding",
        "output",
        "layers.0.attention.query",
        "layers.0.attention.key",
        "layers.0.attention.value",
        "layers.0.attention.output",
        "layers.0.mlp.hidden",
        "layers.0.mlp.output",
    ]


def test_config_round_trips_through_the_reference_keys():
    config = GPTConfig(vocab_size=50)
    assert GPTConfig.from_reference(config.to_reference()) == config


@pytest.mark.parametrize(
    "bad, says",
    [
        ({"nLayer": 2}, "lacks"),
        ({**GPTConfig().to_reference(), "nHead": 3}, "nHead x headDim"),
        ({**GPTConfig().to_reference(), "nEmbd": -1}, "positive whole number"),
    ],
)
def test_bad_configs_say_what_is_wrong(bad, says):
    with pytest.raises(ConfigError, match=says):
        GPTConfig.from_reference(bad)


def test_a_vocabulary_that_does_not_fit_the_config_is_refused():
    with pytest.raises(ConfigError, match="3 tokens"):
        Model(GPTConfig(vocab_size=5), ["a", "b"])
