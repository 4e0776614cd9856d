"""The Session walking a step stage by stage (key .): the same run as whole steps, space
finishing a step begun, b dropping it from any stage, and the before → after view that
never changes the run."""

from __future__ import annotations

import numpy as np
import pytest

from core.debugging.session import Mode, Session
from core.model.loss import sentence_loss
from core.training.corpus import load_corpus
from core.training.optimizer import AdamConfig
from core.training.stages import Stage
from core.training.state import TrainerState
from core.training.trainer import Trainer

SENTENCES = ["the cat eats the muffin", "a dog runs to the park", "we eat", "the sun is hot"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("c") / "c.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return load_corpus(path)


def session_of(corpus, **options) -> Session:
    trainer = Trainer(corpus, seed=3)
    params = trainer.model.params
    watch = [params.index_of("token_embedding[the][1]"), params.index_of("output[a][0]")]
    return Session(trainer, watch=watch, follow=True, **options)


def drive(session: Session, limit: int = 1000) -> None:
    calls = 0
    while session.wants_step():
        session.advance()
        calls += 1
        assert calls <= limit, "the session never settles"


def walk(session: Session) -> list[Stage]:
    """One whole step, a stage per press; the stages shown."""
    seen = []
    session.request_stage()
    drive(session)
    assert session.progress is not None
    seen.append(session.progress.stage)
    while session.in_step:
        session.request_stage()
        drive(session)
        assert session.progress is not None
        seen.append(session.progress.stage)
    return seen


def same_state(a: TrainerState, b: TrainerState) -> bool:
    arrays = ("data", "m", "v", "token_row_hits")
    return (a.step_index, a.rng_state) == (b.step_index, b.rng_state) and all(
        np.array_equal(getattr(a, f), getattr(b, f)) for f in arrays
    )


def test_walking_stages_runs_the_same_as_stepping(corpus):
    stepped, walked = session_of(corpus), session_of(corpus)
    for _ in range(4):
        stepped.request_step()
        drive(stepped)
        stages = walk(walked)
        assert stages[0] is Stage.TOKENIZE and stages[-1] is Stage.UPDATE
        assert walked.trace == stepped.trace
        assert walked.progress is not None and walked.progress.trace == stepped.trace
        assert same_state(walked.trainer.snapshot(), stepped.trainer.snapshot())
    assert walked.losses == stepped.losses
    assert {k: list(v) for k, v in walked.adam_history.items()} == {
        k: list(v) for k, v in stepped.adam_history.items()
    }


def test_presses_queue_in_order(corpus):
    queued, stepped = session_of(corpus), session_of(corpus)
    for _ in range(3):
        queued.request_stage()
    queued.request_step()  # the rest of the step begun
    queued.request_stage()  # the next one's first stage
    drive(queued)
    stepped.request_step()
    drive(stepped)
    assert queued.trace == stepped.trace
    assert queued.in_step and queued.progress is not None
    assert (queued.progress.stage, queued.progress.step) == (Stage.TOKENIZE, 1)


def test_space_finishes_a_step_begun(corpus):
    walked, stepped = session_of(corpus), session_of(corpus)
    for _ in range(4):
        walked.request_stage()
    drive(walked)
    assert walked.in_step and walked.steps_done == 0
    walked.request_step()
    drive(walked)
    stepped.request_step()
    drive(stepped)
    assert not walked.in_step and walked.trace == stepped.trace
    assert walked.progress is None  # a step finished whole shows no stage
    assert same_state(walked.trainer.snapshot(), stepped.trainer.snapshot())


def walk_to(session: Session, stage: Stage, fed: int | None = None) -> None:
    """Walk the next step until `stage` is done (FORWARD: `fed` positions, or all)."""
    while True:
        session.request_stage()
        drive(session)
        p = session.progress
        assert p is not None and p.trace is None
        if (
            p.stage is stage
            and (fed is None or p.fed == fed)
            and not (stage is Stage.FORWARD and fed is None and p.fed < p.n)
        ):
            return


@pytest.mark.parametrize(
    ("stage", "fed"),
    [
        (Stage.TOKENIZE, None),
        (Stage.FORWARD, 1),
        (Stage.FORWARD, 2),
        (Stage.FORWARD, None),  # every position fed
        (Stage.LOSS, None),
        (Stage.BACKWARD, None),  # the gradients are in
    ],
)
def test_back_from_any_stage_drops_the_step(corpus, stage, fed):
    session = session_of(corpus)
    session.request_step()
    drive(session)
    shown, before = session.trace, session.trainer.snapshot()
    walk_to(session, stage, fed)
    assert session.in_step and session.steps_done == 1
    session.step_back()
    drive(session)
    assert not session.in_step and session.progress is None
    assert session.trace is shown and session.steps_done == 1
    assert same_state(session.trainer.snapshot(), before)
    assert not session.trainer.model.params.grad.any()
    assert "nothing was trained" in session.state().reason
    again = session_of(corpus)
    again.request_step()
    again.request_step()
    drive(again)
    session.request_step()
    drive(session)
    assert session.trace == again.trace


def test_back_after_the_update_goes_before_the_step(corpus):
    session = session_of(corpus)
    session.request_step()
    drive(session)
    before = session.trainer.snapshot()
    walk(session)
    assert session.steps_done == 2
    session.step_back()
    drive(session)
    assert session.steps_done == 1 and session.progress is None
    assert same_state(session.trainer.snapshot(), before)


def test_running_from_a_step_begun_finishes_it_first(corpus):
    walked, stepped = session_of(corpus), session_of(corpus)
    walked.request_stage()
    drive(walked)
    walked.go_to(5)
    drive(walked)
    stepped.go_to(5)
    drive(stepped)
    assert walked.steps_done == 5 and walked.trace == stepped.trace
    assert walked.losses == stepped.losses
    assert walked.state().mode is Mode.IDLE


def test_the_stage_path_stops_when_the_schedule_is_done(corpus):
    session = Session(Trainer(corpus, seed=3, adam=AdamConfig(num_steps=1)), watch=[])
    walk(session)
    assert session.steps_done == 1
    session.request_stage()
    assert not session.wants_step()


def test_before_and_after_never_change_the_run(corpus):
    plain, compared = session_of(corpus), session_of(corpus)
    compared.set_compare(True)
    for _ in range(5):
        plain.request_step()
        drive(plain)
        compared.request_step()
        drive(compared)
        assert compared.trace == plain.trace
        effect = compared.effect
        assert effect is not None and effect.step == compared.trace.step
        fresh = sentence_loss(compared.trainer.model, list(compared.trace.tokens))
        targets = compared.trace.tokens[1:]
        assert [p.after for p in effect.positions] == [
            fresh.probs[i][t].data for i, t in enumerate(targets[: compared.trace.n])
        ]
        assert effect.loss_after == fresh.loss.data
        assert effect.loss_before == compared.trace.loss
    assert same_state(compared.trainer.snapshot(), plain.trainer.snapshot())


def test_turning_the_comparison_on_measures_the_step_shown(corpus):
    session = session_of(corpus)
    session.request_step()
    drive(session)
    assert session.refresh_effect() is None  # off
    session.set_compare(True)
    effect = session.refresh_effect()
    assert effect is not None and session.effect is effect
    session.set_compare(False)
    assert session.effect is None


def test_no_effect_while_a_step_is_in_progress(corpus):
    session = session_of(corpus)
    session.set_compare(True)
    session.request_step()
    drive(session)
    session.request_stage()
    drive(session)
    assert session.effect is None and session.refresh_effect() is None
