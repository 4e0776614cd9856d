"""What the main screen shows of a session: everything is read from the `Session` (the
run's state lives there); the position selected, and how the attention is shown, are the
state the interface keeps for itself, with the values of watches not yet stepped."""

from __future__ import annotations

import statistics

from core.debugging.conditions import Condition
from core.debugging.session import Session
from core.training.stages import Stage, StepProgress
from core.training.stats import recent_mean
from core.training.trace import StepTrace
from core.training.update_effect import UpdateEffect
from tui.views import Forgotten, StatusView, WatchRow


class RunView:
    """A session, as the widgets are given it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.params = session.trainer.model.params
        self.num_steps = session.num_steps
        self.num_sentences = len(session.trainer.sentences)
        self._selected = 0  # the position shown in the distribution
        self._fed: tuple[int, int] | None = None  # (step, positions fed) last shown
        self.attention = "off"
        """How the distribution's slot shows attention: "off" (the next-word bars),
        "heads" (every head at the selected position) or "matrix" (one head, whole)."""
        self.head = 0  # the head the matrix shows: layer * n_head + head
        self.samples = 0  # gradient-check samples drawn: each k draws another
        self.values: dict[int, float] = {}  # current values, for watches not yet stepped
        self.evaluating = False  # the held-out loss asked for is being evaluated

    @property
    def trace(self) -> StepTrace | None:
        return self.session.trace

    @property
    def progress(self) -> StepProgress | None:
        """The step walked stage by stage, when one is shown."""
        return self.session.progress

    @property
    def shown(self) -> StepTrace | StepProgress | None:
        """What the sentence's widgets show: the step in progress, else the step shown."""
        progress = self.session.progress
        if progress is not None and progress.trace is None:
            return progress
        return self.session.trace

    @property
    def effect(self) -> UpdateEffect | None:
        """Before → after of the shown step's update, when that view is on."""
        return self.session.effect if self.session.compare else None

    @property
    def heads(self) -> int:
        config = self.session.trainer.model.config
        return config.n_layer * config.n_head

    def cycle_attention(self) -> str:
        """Next-word bars → every head → one head's matrix → the bars again."""
        order = ("off", "heads", "matrix")
        self.attention = order[(order.index(self.attention) + 1) % len(order)]
        return self.attention

    def select_head(self, delta: int) -> None:
        self.head = (self.head + delta) % self.heads

    @property
    def done(self) -> int:
        return self.session.steps_done

    @property
    def losses(self) -> list[float]:
        return list(self.session.losses)

    @property
    def original_losses(self) -> dict[int, float]:
        """When fine-tuning: the original-corpus loss after k steps, for the k measured."""
        return dict(self.session.original_losses)

    @property
    def held_out_losses(self) -> dict[int, float]:
        """With a held-out set: its loss after k steps, for the k measured."""
        return dict(self.session.held_out_losses)

    def forgotten(self) -> Forgotten | None:
        """The original-corpus loss last measured, when fine-tuning."""
        measured = self.session.original_losses
        if not measured:
            return None
        at = max(measured)
        return Forgotten(at, measured[at], measured[at] - measured[0])

    @property
    def watched(self) -> list[int]:
        return self.session.watched

    @property
    def conditions(self) -> list[Condition]:
        return self.session.conditions

    @property
    def selected(self) -> int:
        """The position selected, within the sentence shown (while a step's forward pass
        is walked, the position just fed, until another is chosen)."""
        shown = self.shown
        if isinstance(shown, StepProgress):
            fed = (shown.step, shown.fed)
            if shown.stage is Stage.FORWARD and fed != self._fed:
                self._selected = shown.fed - 1
            self._fed = fed
            return max(0, min(self._selected, shown.fed - 1))
        return min(self._selected, shown.n - 1) if shown is not None else self._selected

    def select(self, delta: int) -> None:
        shown = self.shown
        if shown is not None and shown.positions:
            last = len(shown.positions) - 1
            self._selected = max(0, min(last, self.selected + delta))

    def step_watch(self) -> list[int]:
        return self.session.step_watch()

    def watch_indices(self) -> list[int]:
        """The watches as of the step shown (the follower is that step's first word)."""
        return self.session.watch_list(self.session.shown_step)

    def watch_rows(self) -> list[WatchRow]:
        latest = {w.index: w.adam for w in self.trace.watched} if self.trace else {}
        watched = self.watch_indices()
        follower = watched[0] if self.session.follow else None
        rows = []
        for index in watched:
            entries = [entry for _, entry in tuple(self.session.adam_history.get(index, ()))]
            rows.append(
                WatchRow(
                    index=index,
                    name=self.params.name_of(index),
                    entry=latest.get(index),
                    value=self.values.get(index),
                    m_history=tuple(e.m for e in entries),
                    v_history=tuple(e.v for e in entries),
                    follows=index == follower,
                )
            )
        return rows

    def status(self, state: str, goal: int | None, note: str, timings: bool) -> StatusView:
        t = self.trace
        mean = recent_mean(self.losses)
        ms = tuple(self.session.recent_ms)
        return StatusView(
            step=self.done,
            num_steps=self.num_steps,
            sentence_index=t.sentence_index if t else None,
            num_sentences=self.num_sentences,
            lr=t.lr if t else None,
            loss=t.loss if t else None,
            mean_loss=mean.value if mean else None,
            mean_window=mean.steps if mean else 0,
            ms_per_step=statistics.median(ms) if timings and ms else None,
            nodes=t.nodes if t else None,
            reference_nodes=t.reference_nodes if t else None,
            state=state,
            goal=goal,
            note=note,
            conditions=tuple(c.text for c in self.conditions),
            fine_tuning=self.session.trainer.fine_tuning,
            original=self.forgotten(),
            held_out=self.session.latest_held_out(),
            held_out_pending=self.evaluating,
            what_if=t is not None and t.what_if,
        )
