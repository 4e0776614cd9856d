"""Probing a sentence: the numbers a training step on it would show, without training;
unknown words named with the closest known ones; nothing of the run moves."""

import numpy as np
import pytest

from core.errors import MicrogptError
from core.training.corpus import load_corpus
from core.training.probe import (
    EmptySentenceError,
    UnknownWordsError,
    probe,
    read_sentence,
)
from core.training.trainer import Trainer

SENTENCES = [
    "the cat eats a muffin",
    "a dog runs to the park",
    "we play in the yard on monday",
    "the big red dog sees the cat",
    "i can see three birds",
    "the cat and the dog and the big red bird run to the park on monday",  # > the block
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("c") / "c.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return load_corpus(path)


@pytest.fixture
def trainer(corpus):
    trainer = Trainer(corpus, seed=2)
    for _ in range(3):
        trainer.step()
    return trainer


def probe_next(trainer):
    """The probe of the sentence the trainer trains on next, and that step's trace."""
    _, sentence = trainer.sentence_at(trainer.step_index)
    probed = probe(trainer.model, trainer.tokenizer, sentence)
    return probed, trainer.step()


def test_the_probe_is_the_forward_pass_of_a_step_on_the_same_sentence(trainer):
    for _ in range(len(SENTENCES)):  # every sentence, the long one too
        probed, trace = probe_next(trainer)
        assert probed.positions == trace.positions  # every number, == (probs included)
        assert probed.loss == trace.loss and probed.loss_sum == trace.loss_sum
        assert (probed.tokens, probed.words, probed.n) == (trace.tokens, trace.words, trace.n)
        assert probed.truncated == trace.truncated
        assert probed.worst_position == trace.worst_position


def test_a_long_sentence_is_cut_to_the_block_as_training_cuts_it(trainer):
    probed = probe(trainer.model, trainer.tokenizer, SENTENCES[-1])
    assert probed.truncated and probed.n == probed.block_size == 16
    assert len(probed.positions) == 16 and len(probed.tokens) == len(SENTENCES[-1].split()) + 2


def test_probing_changes_nothing_of_the_run(trainer):
    params = trainer.model.params
    before = trainer.snapshot()
    grad = params.grad.copy()
    probe(trainer.model, trainer.tokenizer, "the dog sees the cat")
    after = trainer.snapshot()
    assert np.array_equal(params.grad, grad) and not params.grad.any()  # no backward
    assert after.step_index == before.step_index and after.rng_state == before.rng_state
    for field in ("data", "m", "v", "token_row_hits"):
        assert np.array_equal(getattr(after, field), getattr(before, field))


def test_probing_leaves_a_gradient_in_progress_alone(trainer):
    """Between a staged step's backward and its update, the gradients are the step's."""
    staged = trainer.begin_step()
    while staged.stage.name != "BACKWARD":
        staged.advance()
    grad = trainer.model.params.grad.copy()
    probe(trainer.model, trainer.tokenizer, "we play")
    assert np.array_equal(trainer.model.params.grad, grad)
    staged.finish()


def test_the_sentence_is_read_as_the_tokenizer_reads_a_line(trainer):
    assert read_sentence("  The CAT,  eats!  ", trainer.tokenizer) == "the cat eats"
    assert probe(trainer.model, trainer.tokenizer, "The cat.").sentence == "the cat"


def test_an_unknown_word_is_named_with_the_closest_known_words(trainer):
    with pytest.raises(UnknownWordsError) as caught:
        read_sentence("the catt eats a mufin zzzz", trainer.tokenizer)
    error = caught.value
    assert isinstance(error, MicrogptError)
    assert [word for word, _ in error.unknown] == ["catt", "mufin", "zzzz"]
    assert "cat" in dict(error.unknown)["catt"] and dict(error.unknown)["zzzz"] == ()
    assert str(error) == (
        "3 words not in the vocabulary: 'catt' (closest: cat); "
        "'mufin' (closest: muffin); 'zzzz' (no close word)"
    )


def test_one_unknown_word_repeated_is_named_once(trainer):
    with pytest.raises(UnknownWordsError, match=r"^a word not in the vocabulary: 'cats' "):
        read_sentence("cats cats", trainer.tokenizer)


@pytest.mark.parametrize("text", ["", "   ", "?!", "..."])
def test_an_empty_sentence_gets_a_message(trainer, text):
    with pytest.raises(EmptySentenceError, match="has no words"):
        probe(trainer.model, trainer.tokenizer, text)
