"""RunView: what the widgets are given, read from a Session (no Textual needed)."""

from __future__ import annotations

import statistics

import pytest

from core.debugging.session import Session
from core.training.stats import MEAN_WINDOW
from core.training.trainer import Trainer
from tui.run_view import RunView


@pytest.fixture
def session(tiny_corpus) -> Session:
    trainer = Trainer(tiny_corpus, seed=1)
    index = trainer.model.params.index_of("token_embedding[cat][0]")
    return Session(trainer, watch=[index])


def drive(session: Session, steps: int) -> None:
    session.go_to(session.steps_done + steps)
    while session.wants_step():
        session.advance()


def test_the_view_reads_everything_from_the_session(session):
    view = RunView(session)
    drive(session, 3)
    assert view.trace is session.trace and view.done == 3
    assert view.losses == session.losses and view.watched is session.watched


def test_the_selected_position_stays_within_the_sentence_shown(session):
    view = RunView(session)
    drive(session, 1)
    for _ in range(40):
        view.select(1)
    assert view.selected == session.trace.n - 1
    view.select(-100)
    assert view.selected == 0


def test_a_watch_row_carries_the_latest_entry_and_the_history(session):
    view = RunView(session)
    drive(session, 4)
    (row,) = view.watch_rows()
    assert row.name == "token_embedding[cat][0]" and row.entry is not None
    assert len(row.m_history) == len(row.v_history) == 4
    assert row.m_history[-1] == row.entry.m


def test_the_status_names_the_mean_as_it_is_computed(session):
    view = RunView(session)
    drive(session, 5)
    status = view.status("paused", None, "", timings=False)
    assert status.mean_window == min(5, MEAN_WINDOW) and status.ms_per_step is None
    assert status.mean_loss == statistics.fmean(session.losses)
    assert status.step == 5 and status.loss == session.trace.loss
