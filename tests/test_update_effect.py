"""What one update did to its own sentence: the "after" numbers against a fresh forward pass
of the scalar engine (compared with `==`), and measuring it leaving the run untouched."""

from __future__ import annotations

import numpy as np
import pytest

from core.model.loss import sentence_loss
from core.training.corpus import load_corpus
from core.training.trace import StepTrace
from core.training.trainer import Trainer
from core.training.update_effect import PositionEffect, UpdateEffect, measure_effect
from tests.conftest import REPO_ROOT

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "we play in the yard"]


@pytest.fixture
def corpus_path(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return path


def assert_after_is_the_engines_forward(trainer: Trainer, trace: StepTrace) -> None:
    effect = measure_effect(trainer, trace)
    fresh = sentence_loss(trainer.model, list(trace.tokens))
    assert effect.step == trace.step and effect.loss_before == trace.loss
    assert [e.position for e in effect.positions] == list(range(trace.n))
    for e, p in zip(effect.positions, trace.positions):
        assert (e.target_word, e.before, e.loss_before) == (p.target_word, p.prob, p.loss)
        assert (trace.step, e.position, e.after) == (
            trace.step,
            p.position,
            fresh.probs[p.position][p.target_token].data,
        )
        assert (trace.step, e.position, e.loss_after) == (
            trace.step,
            p.position,
            fresh.losses[p.position].data,
        )
    assert (trace.step, effect.loss_after) == (trace.step, fresh.loss.data)


def test_after_the_update_the_numbers_are_the_engines_on_the_tutorials_corpus(reference_dir):
    trainer = Trainer(load_corpus(reference_dir / "grade1_sentences.txt"), seed=42)
    for _ in range(4):
        assert_after_is_the_engines_forward(trainer, trainer.step())


def test_after_the_update_the_numbers_are_the_engines_for_a_sentence_cut_at_the_block():
    trainer = Trainer(load_corpus(REPO_ROOT / "tests" / "data" / "long_sentences.txt"), seed=42)
    cut = 0
    while not cut:
        trace = trainer.step()
        assert_after_is_the_engines_forward(trainer, trace)
        cut += trace.truncated
    assert trace.n == trainer.model.config.block_size


def state_of(trainer: Trainer) -> tuple[object, ...]:
    s = trainer.snapshot()
    return (s.step_index, s.rng_state, s.data, s.m, s.v, s.token_row_hits)


def assert_same_state(a: tuple[object, ...], b: tuple[object, ...]) -> None:
    assert a[:2] == b[:2]  # step index, the generator's state
    for x, y in zip(a[2:], b[2:]):
        assert np.array_equal(x, y)  # type: ignore[arg-type]


def test_measuring_the_effect_leaves_the_run_untouched(corpus_path):
    corpus = load_corpus(corpus_path)
    measured, untouched = Trainer(corpus, seed=1), Trainer(corpus, seed=1)
    for _ in range(2):
        trace = measured.step()
        assert untouched.step() == trace
        before = state_of(measured)
        measure_effect(measured, trace)
        assert_same_state(state_of(measured), before)
        assert not measured.model.params.grad.any()
    assert [measured.step() for _ in range(3)] == [untouched.step() for _ in range(3)]


def effect_of(changes: list[float]) -> UpdateEffect:
    positions = tuple(
        PositionEffect(k, f"w{k}", 0.1, 0.1, 2.0, 2.0 + change) for k, change in enumerate(changes)
    )
    return UpdateEffect(7, positions, loss_before=2.0, loss_after=1.75)


def test_positions_are_counted_better_when_their_loss_went_down_and_worse_when_up():
    effect = effect_of([-0.5, 0.25, 0.0, -0.125, -(2.0**-30)])  # changes exact in binary
    assert (effect.better, effect.worse) == (3, 1)
    assert [e.change for e in effect.positions] == [-0.5, 0.25, 0.0, -0.125, -(2.0**-30)]
    assert effect.change == -0.25


def test_a_position_whose_loss_did_not_move_is_neither_better_nor_worse():
    effect = effect_of([0.0, 0.0])
    assert (effect.better, effect.worse) == (0, 0)


def test_the_effect_of_a_step_that_is_not_the_last_is_refused(corpus_path):
    trainer = Trainer(load_corpus(corpus_path), seed=1)
    first = trainer.step()
    trainer.step()
    with pytest.raises(ValueError, match="after step 2, not after step 1"):
        measure_effect(trainer, first)


def test_the_effect_of_a_step_that_was_gone_back_from_is_refused(corpus_path):
    trainer = Trainer(load_corpus(corpus_path), seed=1)
    start = trainer.snapshot()
    trace = trainer.step()
    trainer.restore(start)
    with pytest.raises(ValueError):
        measure_effect(trainer, trace)
