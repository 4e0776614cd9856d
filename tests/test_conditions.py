"""Run-until conditions: parsed from text, and stopping at the right step."""

import math
import time

import pytest

from core.debugging.conditions import ConditionError, parse_condition
from core.debugging.session import Session
from core.training.corpus import load_corpus
from core.training.trainer import Trainer

SENTENCES = [
    "the cat eats a muffin",
    "a dog runs to the park",
    "we eat",
    "the sun is hot",
    "the cat sees a dog",
    "we run",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("c") / "c.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return load_corpus(path)


@pytest.fixture(scope="module")
def straight(corpus):
    """The first 30 steps of the run, watching one parameter."""
    trainer = Trainer(corpus, seed=2)
    index = trainer.model.params.index_of("token_embedding[cat][0]")
    return [trainer.step([index]) for _ in range(30)], index


def stop_step(corpus, text):
    trainer = Trainer(corpus, seed=2)
    condition = parse_condition(text, trainer.tokenizer, trainer.model.params)
    session = Session(trainer, conditions=[condition])
    session.run()
    while session.wants_step() and session.steps_done < 30:
        session.advance()
    reason = session.state().reason or None
    return (session.trace.step if reason else None), reason


def first(traces, predicate):
    return next(t.step for k, t in enumerate(traces) if predicate(k, t))


def test_loss_below_stops_at_the_first_step_under_the_value(corpus, straight):
    traces, _ = straight
    limit = sorted(t.loss for t in traces)[3]  # met first somewhere in the middle
    expected = first(traces, lambda k, t: t.loss < limit)
    assert stop_step(corpus, f"loss < {limit!r}")[0] == expected


def test_loss_above_stops_at_the_first_step_over_the_value(corpus, straight):
    traces, _ = straight
    limit = traces[0].loss + 1e-9  # step 1 itself is not above its own loss
    expected = first(traces, lambda k, t: t.loss > limit)
    assert stop_step(corpus, f"loss > {limit!r}")[0] == expected


def test_a_loss_spike_is_measured_against_the_running_mean(corpus, straight):
    traces, _ = straight
    losses = [t.loss for t in traces]
    factor = 1.05
    expected = first(traces, lambda k, t: k > 0 and t.loss > factor * (sum(losses[:k]) / k))
    assert stop_step(corpus, f"loss > {factor}x mean")[0] == expected


def test_a_target_word_with_a_low_probability_stops_the_run(corpus, straight):
    traces, _ = straight
    expected = first(
        traces, lambda k, t: any(p.target_word == "dog" and p.prob < 0.2 for p in t.positions)
    )
    step, reason = stop_step(corpus, "p(dog) < 20%")
    assert step == expected and "p(dog)" in reason


def test_a_word_getting_a_gradient_stops_the_run(corpus, straight):
    traces, _ = straight
    expected = first(traces, lambda k, t: "sun" in t.words[: t.n])
    assert stop_step(corpus, "grad sun")[0] == expected


def test_a_watched_m_changing_sign_stops_the_run(corpus, straight):
    traces, _ = straight
    expected = first(traces, lambda k, t: t.watched[0].adam.m_before * t.watched[0].adam.m < 0)
    step, reason = stop_step(corpus, "m flips token_embedding[cat][0]")
    assert step == expected and "changed sign" in reason


@pytest.mark.parametrize(
    "bad, says",
    [
        ("loss is big", "not a condition"),
        ("grad unicorn", "'unicorn' is not a word"),
        ("m flips wte[cat][99]", "column 99"),
    ],
)
def test_bad_conditions_say_what_is_wrong(corpus, bad, says):
    trainer = Trainer(corpus, seed=2)
    with pytest.raises(ConditionError, match=says):
        parse_condition(bad, trainer.tokenizer, trainer.model.params)


def test_percent_and_fraction_mean_the_same(corpus):
    trainer = Trainer(corpus, seed=2)
    a = parse_condition("p(cat) < 1%", trainer.tokenizer, trainer.model.params)
    b = parse_condition("p(cat) < 0.01", trainer.tokenizer, trainer.model.params)
    assert math.isclose(a.limit, b.limit)


def test_a_condition_with_a_digit_python_cannot_convert_says_what_is_wrong(corpus):
    trainer = Trainer(corpus, seed=2)
    with pytest.raises(ConditionError, match="row '²' of token_embedding"):
        parse_condition("m flips token_embedding[²][0]", trainer.tokenizer, trainer.model.params)


def test_a_long_number_that_is_not_a_condition_is_refused_at_once(corpus):
    trainer = Trainer(corpus, seed=2)
    start = time.perf_counter()  # backtracking took minutes over 100,000 digits
    with pytest.raises(ConditionError, match="not a condition"):
        parse_condition("loss > " + "1" * 100_000 + "x", trainer.tokenizer, trainer.model.params)
    assert time.perf_counter() - start < 1.0
