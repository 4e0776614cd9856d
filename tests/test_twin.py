"""The twin engine against the scalar engine: the same loss, the same gradient in every
matrix, the same Adam update, the same state after light steps, compared with `==`."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.autograd.primitives import RMSNORM_EPS
from core.errors import NonFiniteError
from core.model import twin_kernel
from core.model.loss import sentence_loss
from core.model.twin import Twin
from core.reference import jitmath, jsmath
from core.training.corpus import Corpus, load_corpus
from core.training.optimizer import Adam, AdamConfig
from core.training.trainer import Trainer
from tests.conftest import REPO_ROOT


def same(a: float, b: float) -> bool:
    """Equal to the bit, NaN matching NaN."""
    return math.copysign(1.0, a) == math.copysign(1.0, b) and (a == b or (a != a and b != b))


SPECIAL = [
    *(0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 2.2250738585072014e-308),
    *(1.0, -1.0, 0.5, 2.0, 709.78, 709.79, -745.13, -745.14, 1e-300, 1e300, 0.7, 1.5),
]


def arguments(seed: int, count: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return (
        SPECIAL
        + np.concatenate(
            [
                rng.normal(0.0, 3.0, count),
                rng.normal(0.0, 300.0, count // 4),
                np.exp(rng.uniform(-700.0, 700.0, count // 4)),
            ]
        ).tolist()
    )


@pytest.mark.parametrize("name", ["exp", "log"])
def test_the_compiled_math_gives_v8s_bits(name):
    compiled, python = getattr(jitmath, name), getattr(jsmath, name)
    wrong = [x for x in arguments(1, 40_000) if not same(compiled(x), python(x))]
    assert wrong == []


@pytest.mark.parametrize("exponent", [-0.5, -1.5, -1.0, -2.0, 0.5, 2.0, 3.7, -0.25, 1e10])
def test_the_compiled_pow_gives_v8s_bits(exponent):
    xs = arguments(2, 20_000)
    wrong = [x for x in xs if not same(jitmath.pow(x, exponent), jsmath.pow(x, exponent))]
    assert wrong == []


def test_the_compiled_pow_gives_v8s_bits_for_special_exponents():
    wrong = [
        (x, y)
        for x in [*SPECIAL, -2.0, -0.5, 3.0]
        for y in [*SPECIAL, -3.0, 3.0, 2.0**31 + 0.5, 2.0**64]
        if not same(jitmath.pow(x, y), jsmath.pow(x, y))
    ]
    assert wrong == []


def test_the_kernel_uses_the_engines_rmsnorm_epsilon():
    assert twin_kernel.RMSNORM_EPS == RMSNORM_EPS


def scalar_gradients(trainer: Trainer, tokens: list[int]) -> tuple[float, np.ndarray]:
    params = trainer.model.params
    forward = sentence_loss(trainer.model, tokens)
    forward.loss.backward()
    grad = params.grad.copy()
    params.grad[:] = 0.0
    return forward.loss.data, grad


def twin_gradients(trainer: Trainer, tokens: list[int]) -> tuple[float, np.ndarray]:
    params = trainer.model.params
    loss = Twin(trainer.model).gradients(tokens).loss
    grad = params.grad.copy()
    params.grad[:] = 0.0
    return loss, grad


def differing_matrices(trainer: Trainer, a: np.ndarray, b: np.ndarray) -> list[str]:
    return [
        spec.name
        for spec in trainer.model.params.specs
        if not np.array_equal(
            a[spec.offset : spec.offset + spec.size], b[spec.offset : spec.offset + spec.size]
        )
    ]


def assert_same_gradients_while_training(trainer: Trainer, steps: int) -> None:
    for step in range(steps):
        tokens = trainer.tokenizer.encode(trainer.sentence_at(step)[1])
        loss, grad = scalar_gradients(trainer, tokens)
        twin_loss, twin_grad = twin_gradients(trainer, tokens)
        assert (step, twin_loss) == (step, loss)
        assert (step, differing_matrices(trainer, grad, twin_grad)) == (step, [])
        trainer.step()


def test_the_twin_gives_the_engines_loss_and_gradients_on_our_corpus():
    assert_same_gradients_while_training(Trainer(load_corpus()), 25)


def test_the_twin_gives_the_engines_loss_and_gradients_on_the_tutorials_corpus(reference_dir):
    trainer = Trainer(load_corpus(reference_dir / "grade1_sentences.txt"))
    assert_same_gradients_while_training(trainer, 25)


def test_the_twin_gives_the_engines_gradients_for_sentences_cut_at_the_block():
    trainer = Trainer(load_corpus(REPO_ROOT / "tests" / "data" / "long_sentences.txt"))
    assert any(len(trainer.tokenizer.encode(s)) - 1 > 16 for s in trainer.sentences)
    assert_same_gradients_while_training(trainer, len(trainer.sentences) * 2)


def test_the_twin_gives_the_engines_gradients_when_a_word_repeats():
    sentences = ("the cat sees the cat and the dog", "a dog a dog a dog", "cat")
    corpus = Corpus("repeats.txt", sentences, (1, 2, 3), "0" * 64)
    assert_same_gradients_while_training(Trainer(corpus), 6)


def test_the_twins_forward_gives_the_graphs_loss():
    trainer = Trainer(load_corpus())
    twin = Twin(trainer.model)
    for step in range(10):
        tokens = trainer.tokenizer.encode(trainer.sentence_at(step)[1])
        assert twin.loss(tokens) == sentence_loss(trainer.model, tokens).loss.data
        assert not trainer.model.params.grad.any()  # the forward alone leaves no gradient
        trainer.step()


def test_the_compiled_adam_update_equals_the_vectorised_one():
    rng = np.random.default_rng(3)
    count = 5_000
    grads = [rng.normal(0, 1e-2, count), np.zeros(count), rng.normal(0, 1e3, count)]
    grads[0][::7] = 0.0
    config = AdamConfig(learning_rate=0.02, num_steps=100)
    vectorised, compiled = Adam(count, config), Adam(count, config)
    data_a = rng.normal(0, 0.08, count)
    data_b = data_a.copy()
    for step, grad in enumerate(grads * 3):
        grad_a, grad_b = grad.copy(), grad.copy()
        vectorised.update(data_a, grad_a, step)
        compiled.apply(data_b, grad_b, step)
        assert np.array_equal(data_a, data_b) and not grad_b.any()
        assert np.array_equal(vectorised.m, compiled.m)
        assert np.array_equal(vectorised.v, compiled.v)


def assert_same_state(a: Trainer, b: Trainer) -> None:
    assert a.step_index == b.step_index
    assert np.array_equal(a.model.params.data, b.model.params.data)
    assert np.array_equal(a.adam.m, b.adam.m) and np.array_equal(a.adam.v, b.adam.v)
    assert np.array_equal(a.token_row_hits, b.token_row_hits)
    assert a.rng.state == b.rng.state


def test_light_steps_leave_the_state_full_steps_leave():
    full, light = Trainer(load_corpus()), Trainer(load_corpus())
    watch = [5, full.model.params.index_of("layers.1.mlp.hidden[3][4]")]
    for _ in range(40):
        trace = full.step(watch)
        fast = light.light_step(watch)
        assert (fast.step, fast.sentence_index, fast.n) == (
            trace.step,
            trace.sentence_index,
            trace.n,
        )
        assert (fast.loss, fast.lr, fast.tokens) == (trace.loss, trace.lr, trace.tokens)
        assert fast.token_rows == trace.token_rows
        assert fast.watched == trace.watched
        assert fast.targets() == trace.targets()
    assert_same_state(full, light)


def test_full_steps_after_light_ones_give_the_traces_of_a_full_run():
    full, mixed = Trainer(load_corpus()), Trainer(load_corpus())
    for _ in range(30):
        full.step()
        mixed.light_step()
    assert [full.step() for _ in range(3)] == [mixed.step() for _ in range(3)]


def test_a_nan_weight_stops_a_light_step_as_it_stops_a_full_one():
    full, light = Trainer(load_corpus()), Trainer(load_corpus())
    for trainer in (full, light):
        trainer.model.params.data[trainer.model.params.index_of("output[cat][3]")] = np.nan
    with pytest.raises(NonFiniteError) as full_error:
        full.step()
    with pytest.raises(NonFiniteError) as light_error:
        light.light_step()
    assert str(light_error.value) == str(full_error.value)
    assert light.step_index == 0 and not light.model.params.grad.any()
    assert not light.adam.m.any() and not light.token_row_hits.any()
