"""The gradient check: the engine's gradient is the slope of the loss, to a relative error
below 1e-6, for every kind of parameter; a kink and a gradient too small to measure are
named as such; and checking changes nothing of the run."""

from __future__ import annotations

import numpy as np
import pytest

from core.model.gpt import GPTConfig, Model
from core.model.loss import sentence_loss
from core.reference.rng import Mulberry32
from core.training.corpus import load_corpus
from core.training.gradient_check import AGREES_BELOW, GradientCheck, check_gradients, sample_of
from core.training.trainer import Trainer


@pytest.fixture(scope="module")
def trained(reference_dir) -> Trainer:
    """Three steps on the tutorial's corpus: weights no longer as initialised."""
    trainer = Trainer(load_corpus(reference_dir / "grade1_sentences.txt"), seed=42)
    for _ in range(3):
        trainer.step()
    return trainer


def next_tokens(trainer: Trainer) -> list[int]:
    _, sentence = trainer.sentence_at(trainer.step_index)
    return trainer.tokenizer.encode(sentence)


def largest_gradients(model: Model, tokens: list[int]) -> list[int]:
    """Per matrix, the entry with the largest gradient on this sentence (and, for the
    embeddings, that is an entry of a row the sentence uses)."""
    sentence_loss(model, tokens).loss.backward()
    grad = model.params.grad.copy()
    model.params.grad[:] = 0.0
    return [
        spec.offset + int(np.argmax(np.abs(grad[spec.offset : spec.offset + spec.size])))
        for spec in model.params.specs
    ]


def test_the_engines_gradient_is_the_slope_for_every_kind_of_parameter(trained):
    tokens = next_tokens(trained)
    indices = largest_gradients(trained.model, tokens)
    checks = check_gradients(trained.model, tokens, indices)
    names = {c.name.split("[")[0] for c in checks}
    assert {"token_embedding", "position_embedding", "output"} <= names
    assert {"layers.1.attention.key", "layers.0.mlp.hidden", "layers.1.mlp.output"} <= names
    for check in checks:
        assert check.relative_error < AGREES_BELOW, check
        assert check.agrees and check.verdict == "agrees"


def test_a_sample_of_a_matrix_agrees_or_says_why_not(trained):
    tokens = next_tokens(trained)
    for spec in trained.model.params.specs:
        for check in check_gradients(trained.model, tokens, sample_of(trained.model, spec.name, 4)):
            assert check.agrees or check.below_noise or check.kink, check


def test_checking_changes_nothing_of_the_run(reference_dir):
    corpus = load_corpus(reference_dir / "grade1_sentences.txt")
    checked, plain = Trainer(corpus, seed=42), Trainer(corpus, seed=42)
    checked.step(), plain.step()
    before = checked.snapshot()
    indices = largest_gradients(checked.model, next_tokens(checked))
    check_gradients(checked.model, next_tokens(checked), indices)
    after = checked.snapshot()
    assert np.array_equal(after.data, before.data) and after.rng_state == before.rng_state
    assert not checked.model.params.grad.any()
    watch = indices[:3]
    for _ in range(3):
        assert checked.step(watch) == plain.step(watch)


def test_a_step_walked_to_its_backward_pass_keeps_its_gradient(trained):
    step = trained.begin_step()
    while step.stage.name != "BACKWARD":
        step.advance()
    grad = trained.model.params.grad.copy()
    check_gradients(trained.model, step.tokens, [0, 5])
    assert np.array_equal(trained.model.params.grad, grad)
    step.abandon()


def test_a_relu_switching_within_epsilon_is_named_a_kink():
    config = GPTConfig(n_layer=1, n_embd=4, block_size=4, n_head=1, head_dim=4, vocab_size=3)
    model = Model.initialised(config, Mulberry32(5))
    hidden = model.params["layers.0.mlp.hidden"]
    hidden.data_rows[0] = 0.0  # unit 0's input is 0 at every position: ReLU's corner
    index = hidden.spec.offset  # its weight from the first input
    (check,) = check_gradients(model, [2, 0, 1, 2], [index])
    assert check.kink and not check.agrees
    assert check.verdict.startswith("at a kink")


def test_the_verdicts_of_hand_made_checks():
    def made(numeric: float, engine: float, noise: float = 1e-10) -> GradientCheck:
        return GradientCheck(0, "w", 0.1, 1e-5, 1.0, 1.0, 1.0, numeric, engine, noise)

    assert made(1.0, 1.0).verdict == "agrees" and made(0.0, 0.0).relative_error == 0.0
    assert made(1.0, 1.1).verdict == "disagrees"
    assert made(1e-6, 2e-6).verdict.startswith("too small to check")


def session_after(corpus, steps: int):
    from core.debugging.session import Session

    trainer = Trainer(corpus, seed=42)
    params = trainer.model.params
    session = Session(trainer, watch=[params.index_of("layers.0.attention.query[0][0]")])
    for _ in range(steps):
        session.request_step()
        while session.wants_step():
            session.advance()
    return session


def test_the_check_of_the_shown_step_has_the_gradient_its_trace_shows(reference_dir):
    session = session_after(load_corpus(reference_dir / "grade1_sentences.txt"), 2)
    trace = session.trace
    assert trace is not None
    report = session.check_gradients([w.index for w in trace.watched])
    assert (report.which, report.step, report.sentence) == ("shown", trace.step, trace.sentence)
    for check, watched in zip(report.checks, trace.watched):
        assert check.engine == watched.adam.grad and check.value == watched.adam.data_before
        assert check.agrees


def test_a_walked_step_is_checked_with_its_own_weights(reference_dir):
    session = session_after(load_corpus(reference_dir / "grade1_sentences.txt"), 1)
    for _ in range(2):
        session.request_stage()
        while session.wants_step():
            session.advance()
    index = session.watched[0]
    report = session.check_gradients([index])
    assert report.which == "walked" and report.step == 1
    session.request_step()  # the rest of the step
    while session.wants_step():
        session.advance()
    assert session.trace is not None
    (watched,) = [w for w in session.trace.watched if w.index == index]
    assert report.checks[0].engine == watched.adam.grad


def test_checks_from_a_session_leave_its_run_as_a_run_without_them(reference_dir):
    corpus = load_corpus(reference_dir / "grade1_sentences.txt")
    checked, plain = session_after(corpus, 2), session_after(corpus, 2)
    checked.check_gradients(checked.watched)
    checked.check_sample("layers.1.mlp.hidden", 4, seed=3)
    checked.check_sample("token_embedding", 4, seed=3)
    for session in (checked, plain):
        for _ in range(3):
            session.request_step()
        while session.wants_step():
            session.advance()
    assert checked.trace == plain.trace and checked.losses == plain.losses
    a, b = checked.trainer.snapshot(), plain.trainer.snapshot()
    assert np.array_equal(a.data, b.data) and np.array_equal(a.m, b.m)
    assert a.rng_state == b.rng_state


def test_a_sample_of_an_embedding_comes_from_the_sentences_rows(reference_dir):
    session = session_after(load_corpus(reference_dir / "grade1_sentences.txt"), 1)
    report = session.check_sample("token_embedding", 6, seed=1)
    assert session.trace is not None
    params = session.trainer.model.params
    rows = {params.name_of(i).split("]")[0] for i in (c.index for c in report.checks)}
    words = {f"token_embedding[{w}" for w in session.trace.words}
    assert rows <= words and len(report.checks) == 6
    assert all(c.agrees for c in report.checks)


def test_with_no_step_shown_the_next_step_is_checked(reference_dir):
    session = session_after(load_corpus(reference_dir / "grade1_sentences.txt"), 0)
    report = session.check_gradients(session.watched)
    _, sentence = session.trainer.sentence_at(0)
    assert (report.which, report.step, report.sentence) == ("next", 0, sentence)
