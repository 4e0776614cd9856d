"""What the debugger knows of the run it shows: the latest trace, the loss of every step,
the watched parameters with their recent Adam entries, and the run-until conditions.
Plain Python (no Textual), so the app stays thin and this stays easy to test."""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Iterable, Sequence

from core.debugging.conditions import Condition, check_all
from core.training.optimizer import AdamEntry
from core.training.trace import StepTrace
from core.training.trainer import Trainer
from tui.widgets.adam_inspector import WatchRow
from tui.widgets.status_bar import StatusView

MEAN_WINDOW = 100  # steps in the status bar's running mean
HISTORY = 30  # steps of m and v kept per watched parameter


class RunView:
    """The debugger's record of a run, fed one trace at a time."""

    def __init__(
        self,
        trainer: Trainer,
        watched: Iterable[int],
        losses: Sequence[float] = (),
        conditions: Iterable[Condition] = (),
    ) -> None:
        self.params = trainer.model.params
        self.num_steps = trainer.num_steps
        self.num_sentences = len(trainer.sentences)
        self.trace: StepTrace | None = None
        self.done = trainer.step_index  # steps done in the state shown
        self.losses: list[float] = list(losses)  # loss of step k at index k
        self.selected = 0  # the position shown in the distribution
        self.watched: list[int] = list(watched)
        self.history: dict[int, deque[tuple[int, AdamEntry]]] = {}  # index -> (step, entry)
        self.values: dict[int, float] = {}  # current values, for watches not yet stepped
        self.conditions: list[Condition] = list(conditions)
        self.step_ms: deque[float] = deque(maxlen=20)

    def record(self, trace: StepTrace, check: bool = True) -> str | None:
        """Take in a new step; the reason a run-until condition gives, if one holds."""
        earlier = self.losses[: trace.step]
        self.show(trace)
        del self.losses[trace.step :]
        self.losses.append(trace.loss)
        self.step_ms.append(trace.timings.total_ms)
        for watched in trace.watched:
            self.history.setdefault(watched.index, deque(maxlen=HISTORY)).append(
                (trace.step, watched.adam)
            )
        return check_all(self.conditions, trace, earlier) if check else None

    def show(self, trace: StepTrace) -> None:
        """Show `trace` as the current step (its state is the run's state)."""
        self.trace = trace
        self.done = trace.step + 1
        self.selected = min(self.selected, trace.n - 1)

    def rewound(self, steps_done: int, trace: StepTrace | None) -> None:
        """The run went back to `steps_done` steps: forget what came after."""
        del self.losses[steps_done:]
        for entries in self.history.values():
            while entries and entries[-1][0] >= steps_done:
                entries.pop()
        if trace is not None:
            self.show(trace)
        else:
            self.done = steps_done
            if steps_done == 0:
                self.trace = None

    def step_watch(self) -> list[int]:
        """The parameters a step must report: the watched ones and those conditions need."""
        extra = [i for c in self.conditions for i in c.watches if i not in self.watched]
        return [*self.watched, *dict.fromkeys(extra)]

    def select(self, delta: int) -> None:
        if self.trace is not None:
            self.selected = max(0, min(self.trace.n - 1, self.selected + delta))

    def watch_rows(self) -> list[WatchRow]:
        latest = {w.index: w.adam for w in self.trace.watched} if self.trace else {}
        rows = []
        for index in self.watched:
            entries = [entry for _, entry in self.history.get(index, ())]
            rows.append(
                WatchRow(
                    index=index,
                    name=self.params.name_of(index),
                    entry=latest.get(index),
                    value=self.values.get(index),
                    m_history=tuple(e.m for e in entries),
                    v_history=tuple(e.v for e in entries),
                )
            )
        return rows

    def status(self, state: str, goal: int | None, note: str, timings: bool) -> StatusView:
        t = self.trace
        recent = self.losses[-MEAN_WINDOW:]
        return StatusView(
            step=self.done,
            num_steps=self.num_steps,
            sentence_index=t.sentence_index if t else None,
            num_sentences=self.num_sentences,
            lr=t.lr if t else None,
            loss=t.loss if t else None,
            mean_loss=statistics.fmean(recent) if recent else None,
            mean_window=len(recent),
            ms_per_step=statistics.median(self.step_ms) if timings and self.step_ms else None,
            nodes=t.nodes if t else None,
            reference_nodes=t.reference_nodes if t else None,
            state=state,
            goal=goal,
            note=note,
            conditions=tuple(c.text for c in self.conditions),
        )
