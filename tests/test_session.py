"""The Session, driven as a host drives it but without any interface: every request and
every change of mode, one step at a time."""

from __future__ import annotations

import statistics

import pytest

from core.debugging.conditions import parse_condition
from core.debugging.history import HistoryPolicy
from core.debugging.runfile import load_run
from core.debugging.session import Mode, Session
from core.files.outputs import check_output
from core.training.corpus import load_corpus
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "we eat", "the sun is hot"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("c") / "c.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return load_corpus(path)


@pytest.fixture(scope="module")
def straight(corpus):
    """The first 30 steps of the run, straight through."""
    trainer = Trainer(corpus, seed=3)
    return [trainer.step() for _ in range(30)]


def session_of(corpus, **options) -> Session:
    return Session(Trainer(corpus, seed=3), **options)


def drive(session: Session, limit: int = 1000) -> int:
    """What a host does: advance while the session wants to; the calls made."""
    calls = 0
    while session.wants_step():
        session.advance()
        calls += 1
        assert calls <= limit, "the session never settles"
    return calls


def test_a_new_session_is_idle_at_step_0(corpus):
    state = session_of(corpus).state()
    assert (state.mode, state.step, state.queued, state.goal, state.reason) == (
        Mode.IDLE,
        0,
        0,
        None,
        "",
    )


def test_a_step_request_takes_one_step_and_settles(corpus, straight):
    session = session_of(corpus)
    session.request_step()
    assert session.state().mode is Mode.STEPPING and session.state().queued == 1
    assert drive(session) == 1
    assert session.state().mode is Mode.IDLE and session.trace == straight[0]


def test_presses_queue(corpus, straight):
    session = session_of(corpus)
    for _ in range(3):
        session.request_step()
    assert session.state().queued == 3
    drive(session)
    assert session.steps_done == 3 and session.trace == straight[2]
    assert session.losses == [t.loss for t in straight[:3]]


def test_a_run_goes_on_until_paused(corpus):
    session = session_of(corpus)
    session.run()
    for _ in range(4):
        session.advance()
    assert session.state().mode is Mode.RUNNING and session.wants_step()
    session.toggle_run()  # pause
    assert session.state().mode is Mode.IDLE and not session.wants_step()
    assert session.steps_done == 4


def test_pausing_forgets_queued_presses(corpus):
    session = session_of(corpus)
    for _ in range(5):
        session.request_step()
    session.advance()
    session.stop()
    assert not session.wants_step() and session.state().queued == 0 and session.steps_done == 1


def test_run_until_pauses_at_the_step_that_meets_the_condition(corpus, straight):
    session = session_of(corpus)
    trainer = session.trainer
    limit = sorted(t.loss for t in straight)[3]
    expected = next(t.step for t in straight if t.loss < limit)
    condition = parse_condition(f"loss < {limit!r}", trainer.tokenizer, trainer.model.params)
    session.set_conditions([condition])
    session.run()
    drive(session)
    state = session.state()
    assert state.mode is Mode.IDLE and session.trace.step == expected
    assert state.reason.startswith("paused: loss") and not state.refused


def test_the_spike_condition_reads_the_steps_before(corpus, straight):
    # "loss > 2x mean" compares a step with the mean of the steps before it.
    session = session_of(corpus)
    trainer = session.trainer
    spike = parse_condition("loss > 1.0001x mean", trainer.tokenizer, trainer.model.params)
    session.set_conditions([spike])
    session.run()
    drive(session)
    k = session.trace.step
    before = [t.loss for t in straight[:k]]
    assert before and straight[k].loss > 1.0001 * sum(before[-100:]) / len(before[-100:])


def test_go_to_forward_trains_there_and_stops(corpus, straight):
    session = session_of(corpus)
    session.go_to(7)
    assert session.state().mode is Mode.GOING and session.state().goal == 7
    drive(session)
    state = session.state()
    assert (state.mode, state.step, state.goal) == (Mode.IDLE, 7, None)
    assert session.trace == straight[6]


def test_go_to_back_restores_and_replays_exactly(corpus, straight):
    session = session_of(corpus, policy=HistoryPolicy(fine_every=5, traces=2))
    session.go_to(20)
    drive(session)
    session.go_to(13)
    assert session.state().mode is Mode.REWINDING
    drive(session)
    assert session.steps_done == 13 and session.trace == straight[12]
    assert session.losses == [t.loss for t in straight[:13]]
    session.go_to(20)
    drive(session)
    assert session.trace == straight[19]  # the same steps again, bit for bit


def test_step_back_shows_the_previous_step_again(corpus, straight):
    session = session_of(corpus)
    session.go_to(4)
    drive(session)
    session.step_back()
    drive(session)
    assert session.steps_done == 3 and session.trace == straight[2]


def test_step_back_during_a_replay_counts_from_where_it_is_heading(corpus, straight):
    session = session_of(corpus, policy=HistoryPolicy(fine_every=10, traces=1))
    session.fast_forward_batch = 0.0  # one step per advance
    session.go_to(18)
    drive(session)
    session.go_to(15)  # from the snapshot at 10: five steps to replay
    session.advance()  # the rewind
    session.advance()  # one replayed step: 11 done, heading for 15
    assert session.state().mode is Mode.REWINDING and session.steps_done == 11
    session.step_back()
    assert session.state().goal == 14
    drive(session)
    assert session.steps_done == 14 and session.trace == straight[13]


def test_step_back_at_the_start_is_refused(corpus):
    session = session_of(corpus)
    session.step_back()
    state = session.state()
    assert state.refused and "already at the start" in state.reason and not session.wants_step()


def test_going_back_beyond_the_history_is_refused_and_changes_nothing(corpus):
    policy = HistoryPolicy(fine_every=5, fine_span=10, coarse_every=20, max_coarse=1, traces=2)
    session = session_of(corpus, policy=policy)
    session.go_to(70)
    drive(session)
    before = session.trainer.model.params.data.copy()
    session.go_to(10)
    drive(session)
    state = session.state()
    assert state.refused and "cannot go back to step 10" in state.reason
    assert state.mode is Mode.IDLE and session.steps_done == 70
    assert (session.trainer.model.params.data == before).all()


def test_the_schedule_ends_the_run(corpus):
    session = Session(Trainer(corpus, seed=3, adam=AdamConfig(num_steps=3)))
    session.run()
    drive(session)
    assert session.steps_done == 3 and session.state().reason == "the schedule is complete"


def test_a_watch_keeps_its_adam_history_and_unwatching_drops_it_from_steps(corpus):
    session = session_of(corpus)
    index = session.trainer.model.params.index_of("token_embedding[cat][0]")
    session.watch(index)
    session.go_to(3)
    drive(session)
    assert [step for step, _ in session.adam_history[index]] == [0, 1, 2]
    session.unwatch(index)
    session.request_step()
    drive(session)
    assert session.trace.watched == ()


def test_going_back_forgets_the_adam_history_after_the_target(corpus):
    session = session_of(corpus)
    index = session.trainer.model.params.index_of("token_embedding[cat][0]")
    session.watch(index)
    session.go_to(6)
    drive(session)
    session.go_to(4)
    drive(session)
    assert [step for step, _ in session.adam_history[index]] == [0, 1, 2, 3]


def test_save_then_resume_continues_bit_for_bit(corpus, straight, tmp_path):
    session = session_of(corpus)
    session.go_to(5)
    drive(session)
    output = check_output(tmp_path / "run.json", "run file")
    assert session.save(output, [], ["loss < 0.5"]) == 5
    run = load_run(tmp_path / "run.json")
    resumed = Session(run.trainer, losses=run.losses)
    assert (
        resumed.state().reason == "resumed at step 5: space trains step 6"
        and resumed.losses == session.losses
    )
    resumed.go_to(9)
    drive(resumed)
    assert resumed.trace == straight[8]


def test_a_failure_while_driving_stops_with_the_reason(corpus):
    session = session_of(corpus)
    session.run()
    session.fail("paused: internal error: ValueError: x")
    assert not session.wants_step() and session.state().reason.endswith("ValueError: x")


def test_a_go_to_stopped_by_a_condition_names_both_steps(corpus, straight):
    session = session_of(corpus)
    trainer = session.trainer
    limit = sorted(t.loss for t in straight)[3]
    expected = next(t.step for t in straight if t.loss < limit) + 1  # steps done
    condition = parse_condition(f"loss < {limit!r}", trainer.tokenizer, trainer.model.params)
    session.set_conditions([condition])
    session.go_to(30)
    drive(session)
    reason = session.state().reason
    assert session.steps_done == expected < 30
    assert reason.startswith("paused: loss") and not session.state().refused
    assert f"the go-to step 30 stopped at step {expected}" in reason


def test_the_mean_condition_pauses_when_the_running_mean_crosses(corpus, straight):
    session = session_of(corpus)
    trainer = session.trainer
    means = [statistics.fmean(t.loss for t in straight[: k + 1]) for k in range(30)]
    limit = sorted(means)[5]
    condition = parse_condition(f"mean < {limit!r}", trainer.tokenizer, trainer.model.params)
    session.set_conditions([condition])
    session.run()
    while session.wants_step() and session.steps_done < 30:
        session.advance()
    expected = next(k for k, m in enumerate(means) if m < limit)
    assert session.trace.step == expected
    assert session.state().reason.startswith(f"paused: the mean of the last {expected + 1} is")


def test_back_from_the_first_step_after_a_resume_returns_to_the_resumed_state(
    corpus, straight, tmp_path
):
    session = session_of(corpus)
    session.go_to(5)
    drive(session)
    session.save(check_output(tmp_path / "run.json", "run file"), [], [])
    run = load_run(tmp_path / "run.json")
    resumed = Session(run.trainer, losses=run.losses)
    resumed.request_step()
    drive(resumed)
    resumed.step_back()
    drive(resumed)
    state = resumed.state()
    assert resumed.steps_done == 5 and not state.refused
    assert state.reason == "resumed at step 5: space trains step 6"
    resumed.request_step()
    drive(resumed)
    assert resumed.trace == straight[5]


def test_unsaved_steps_are_known_until_the_run_is_saved(corpus, tmp_path):
    session = session_of(corpus)
    assert not session.unsaved  # untouched
    session.go_to(3)
    drive(session)
    assert session.unsaved
    session.save(check_output(tmp_path / "run.json", "run file"), [], [])
    assert not session.unsaved
    session.request_step()
    drive(session)
    assert session.unsaved
    session.step_back()
    drive(session)
    assert not session.unsaved  # back at the saved step: nothing would be lost


def test_the_follower_is_the_first_word_of_each_steps_sentence(corpus):
    session = session_of(corpus, follow=True)
    params = session.trainer.model.params
    for step in range(3):
        session.request_step()
        drive(session)
        first = session.trace.sentence.split(" ")[0]
        follower = params.index_of(f"token_embedding[{first}][0]")
        assert session.follower(step) == follower
        assert session.trace.watched[0].index == follower
        assert session.trace.watched[0].adam.grad != 0.0


def test_a_session_that_does_not_follow_watches_only_what_it_was_given(corpus):
    session = session_of(corpus, watch=[5])
    assert session.step_watch() == [5]


def test_unwatching_the_follower_stops_the_following(corpus):
    session = session_of(corpus, watch=[5], follow=True)
    session.unwatch(session.follower(0))
    assert not session.follow and session.step_watch() == [5]


def step_by_step(corpus, steps: int, **options) -> Session:
    """A session that took `steps` full steps, one press each."""
    session = session_of(corpus, **options)
    for _ in range(steps):
        session.request_step()
        drive(session)
    return session


def test_going_forward_takes_the_twins_light_steps_in_batches(corpus, straight):
    session = session_of(corpus, watch=[3, 700])
    session.go_to(25)
    calls = drive(session)
    assert calls < 24  # many light steps per call; the last step is a full one
    assert session.losses == [t.loss for t in straight[:25]]
    one_by_one = step_by_step(corpus, 25, watch=[3, 700])
    assert session.trace == one_by_one.trace
    assert session.adam_history == one_by_one.adam_history


@pytest.mark.parametrize(
    "text", ["p(park) < 0.05", "grad sun", "m flips token_embedding[dog][2]", "loss < 0.35"]
)
def test_a_condition_stops_a_go_to_where_stepping_one_by_one_stops(corpus, text):
    def with_condition() -> Session:
        session = session_of(corpus)
        trainer = session.trainer
        session.set_conditions([parse_condition(text, trainer.tokenizer, trainer.model.params)])
        return session

    one_by_one = with_condition()
    while not one_by_one.state().reason and one_by_one.steps_done < 30:
        one_by_one.request_step()
        drive(one_by_one)
    going = with_condition()
    going.go_to(30)
    drive(going)
    assert 0 < one_by_one.steps_done < 30  # the condition was met on the way
    assert going.steps_done == one_by_one.steps_done and going.trace == one_by_one.trace
    assert going.state().reason.startswith(one_by_one.state().reason)


def test_stopping_a_fast_forward_leaves_a_state_that_steps_on_exactly(corpus, straight):
    session = session_of(corpus)
    session.fast_forward_batch = 0.0  # one light step per advance
    session.go_to(20)
    session.advance()
    session.advance()
    session.stop()
    assert not session.wants_step() and session.steps_done == 2
    session.request_step()
    drive(session)
    assert session.trace == straight[2]


def test_a_fast_forward_keeps_the_snapshots_to_go_back_to(corpus, straight):
    session = session_of(corpus, policy=HistoryPolicy(fine_every=5, traces=1))
    session.go_to(28)
    drive(session)
    assert {5, 10, 15, 20, 25} <= set(session.timeline.history.snapshots)
    session.go_to(12)
    drive(session)
    assert session.trace == straight[11] and session.losses == [t.loss for t in straight[:12]]
