"""Going back in time: exact, bounded, and refused past the oldest kept state."""

import numpy as np
import pytest

from core.debugging.history import HistoryError, HistoryPolicy
from core.debugging.timeline import Timeline
from core.training.corpus import load_corpus
from core.training.trainer import Trainer

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "we eat", "the sun is hot"]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return load_corpus(path)


def back_to(timeline: Timeline, target: int, watch=()):
    """Restore the snapshot before `target`, then replay (what the Session does)."""
    rewind = timeline.begin_rewind(target)
    trace = rewind.trace
    for _ in range(rewind.replay):
        trace = timeline.step(watch)
    return trace


def state_of(trainer: Trainer):
    s = trainer.snapshot()
    return (
        s.step_index,
        s.data.tolist(),
        s.m.tolist(),
        s.v.tolist(),
        s.token_row_hits.tolist(),
        s.rng_state,
    )


def test_back_7_then_forward_7_is_identical_to_the_straight_run(corpus):
    straight = Timeline(Trainer(corpus, seed=5))
    straight_traces = [straight.step([3, 700]) for _ in range(20)]
    timeline = Timeline(Trainer(corpus, seed=5))
    traces = [timeline.step([3, 700]) for _ in range(20)]
    shown = back_to(timeline, 13, [3, 700])
    assert shown == straight_traces[12] and timeline.steps_done == 13
    again = [timeline.step([3, 700]) for _ in range(7)]
    assert again == straight_traces[13:] == traces[13:]
    assert state_of(timeline.trainer) == state_of(straight.trainer)


def test_each_step_back_shows_the_trace_of_the_step_before(corpus):
    timeline = Timeline(Trainer(corpus, seed=5))
    traces = [timeline.step() for _ in range(12)]
    for done in range(11, 0, -1):
        assert back_to(timeline, done) == traces[done - 1]
    assert back_to(timeline, 0) is None and timeline.steps_done == 0


def test_going_back_past_the_oldest_kept_state_is_refused(corpus):
    policy = HistoryPolicy(fine_every=5, fine_span=10, coarse_every=20, max_coarse=2, traces=4)
    timeline = Timeline(Trainer(corpus, seed=5), policy)
    for _ in range(70):
        timeline.step()
    assert timeline.history.oldest == 40  # coarse 40 and 60 kept, 0 and 20 dropped
    with pytest.raises(HistoryError, match="oldest kept state is step 40"):
        back_to(timeline, 30)
    before = state_of(timeline.trainer)
    assert state_of(timeline.trainer) == before  # the refusal changed nothing


def test_memory_stays_bounded_however_long_the_run(corpus):
    policy = HistoryPolicy(fine_every=5, fine_span=10, coarse_every=20, max_coarse=3, traces=4)
    timeline = Timeline(Trainer(corpus, seed=5), policy)
    sizes = []
    for _ in range(200):
        timeline.step()
        sizes.append(len(timeline.history.snapshots))
    assert max(sizes[100:]) == max(sizes[:100]) <= 3 + 10 // 5 * 2 + 1
    assert len(timeline.history.traces) == 4


def test_a_rewind_within_the_kept_traces_needs_no_replay(corpus):
    timeline = Timeline(Trainer(corpus, seed=5))
    for _ in range(10):
        timeline.step()
    at_ten = timeline.trainer.model.params.data.copy()
    timeline.step()
    rewind = timeline.begin_rewind(10)  # a snapshot was taken before step 11
    assert rewind.replay == 0 and rewind.trace is not None and rewind.trace.step == 9
    assert np.array_equal(timeline.trainer.model.params.data, at_ten)
