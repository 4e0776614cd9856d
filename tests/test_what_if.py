"""A what-if step: the next step on a sentence the user typed, on a copy of the run. It
shows like a step, is marked, and `b` leaves it; the run is exactly a run that never
took it."""

from __future__ import annotations

import numpy as np
import pytest

from core.debugging.session import Session
from core.errors import MicrogptError, UnknownWordError
from core.training.corpus import load_corpus
from core.training.trainer import Trainer

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "we eat", "the sun is hot"]
TRIED = "the dog eats the muffin"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("c") / "c.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return load_corpus(path)


def session_of(corpus) -> Session:
    trainer = Trainer(corpus, seed=3)
    return Session(trainer, watch=[trainer.model.params.index_of("token_embedding[dog][0]")])


def steps(session: Session, k: int) -> list:
    traces = []
    for _ in range(k):
        session.request_step()
        while session.wants_step():
            trace = session.advance()
            if trace is not None:
                traces.append(trace)
    return traces


def same_state(a: Session, b: Session, adam_history: bool = True) -> None:
    sa, sb = a.trainer.snapshot(), b.trainer.snapshot()
    assert sa.step_index == sb.step_index and sa.rng_state == sb.rng_state
    for field in ("data", "m", "v", "token_row_hits"):
        assert np.array_equal(getattr(sa, field), getattr(sb, field)), field
    assert np.array_equal(a.trainer.model.params.grad, b.trainer.model.params.grad)
    assert a.losses == b.losses
    assert a.timeline.history.snapshots.keys() == b.timeline.history.snapshots.keys()
    assert list(a.timeline.history.traces) == list(b.timeline.history.traces)
    if adam_history:  # while a what-if shows, its Adam entries show too
        assert {i: list(h) for i, h in a.adam_history.items()} == {
            i: list(h) for i, h in b.adam_history.items()
        }


def test_a_what_if_is_the_next_step_on_the_typed_sentence(corpus):
    session = session_of(corpus)
    steps(session, 2)
    trace = session.what_if("The dog eats, the muffin!")
    assert trace.what_if and session.what_if_shown and session.trace is trace
    assert trace.sentence == TRIED and trace.sentence_index == -1
    assert trace.step == 2 and trace.lr == session.trainer.adam.config.lr_at(2)
    assert trace.words == ("BOS", "the", "dog", "eats", "the", "muffin", "BOS")
    assert session.steps_done == 2 and len(session.losses) == 2


def test_a_what_if_has_the_numbers_of_a_run_that_trained_on_that_sentence(corpus, tmp_path):
    """Its trace equals the step a run takes when that sentence comes next."""
    session = session_of(corpus)
    steps(session, 2)
    watch = session.step_watch()
    trace = session.what_if(TRIED)
    twin = Trainer(corpus, seed=3)
    for _ in range(2):
        twin.step()
    twin.sentences = (*twin.sentences[:2], TRIED, *twin.sentences[3:])
    real = twin.step(watch)
    assert trace.positions == real.positions and trace.loss == real.loss
    assert trace.watched == real.watched and trace.token_rows == real.token_rows
    assert trace.token_row_states == real.token_row_states


def test_b_leaves_the_what_if_and_the_run_is_one_that_never_took_it(corpus):
    tried, straight = session_of(corpus), session_of(corpus)
    steps(tried, 3)
    steps(straight, 3)
    shown = tried.trace
    tried.what_if(TRIED)
    same_state(tried, straight, adam_history=False)  # on a copy: nothing of the run moved
    tried.step_back()
    assert not tried.what_if_shown and tried.trace is shown
    assert tried.steps_done == 3 and "left the what-if" in tried.state().reason
    same_state(tried, straight)
    assert steps(tried, 2) == steps(straight, 2)  # traces equal (timings aside)
    same_state(tried, straight)


def test_space_after_a_what_if_takes_the_runs_own_next_step(corpus):
    tried, straight = session_of(corpus), session_of(corpus)
    steps(tried, 1)
    steps(straight, 1)
    tried.what_if(TRIED)
    [trace] = steps(tried, 1)
    assert not tried.what_if_shown and not trace.what_if
    assert [trace] == steps(straight, 1)
    same_state(tried, straight)


def test_b_after_leaving_a_what_if_steps_back_as_usual(corpus):
    session = session_of(corpus)
    steps(session, 2)
    session.what_if(TRIED)
    session.step_back()  # leaves the what-if
    session.step_back()  # then back a step of the run
    while session.wants_step():
        session.advance()
    assert session.steps_done == 1


def test_a_what_if_shows_what_its_update_did_to_its_sentence(corpus):
    session = session_of(corpus)
    steps(session, 1)
    session.set_compare(True)
    trace = session.what_if(TRIED)
    effect = session.refresh_effect()
    assert effect is not None and effect.step == trace.step
    assert effect.loss_before == trace.loss and effect.loss_after < trace.loss


def test_a_gradient_check_of_a_what_if_checks_its_sentence(corpus):
    session = session_of(corpus)
    steps(session, 1)
    session.what_if(TRIED)
    index = session.trainer.model.params.index_of("token_embedding[dog][0]")
    report = session.check_gradients([index])
    assert (report.which, report.sentence) == ("what-if", TRIED)
    [check] = report.checks
    assert check.engine == session.trace.watched[0].adam.grad


def test_an_unknown_word_is_named_and_nothing_is_shown(corpus):
    session = session_of(corpus)
    with pytest.raises(UnknownWordError, match="zebra"):
        session.what_if("the zebra eats")
    assert not session.what_if_shown and session.trace is None


def test_a_what_if_is_refused_while_running_or_in_a_step(corpus):
    session = session_of(corpus)
    session.request_stage()
    session.advance()  # a step begun, stage by stage
    with pytest.raises(MicrogptError, match="between two of the run's steps"):
        session.what_if(TRIED)
    with pytest.raises(MicrogptError, match="no words"):
        session_of(corpus).what_if(" ,. ")
