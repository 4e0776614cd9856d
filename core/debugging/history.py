"""The run's past, within a fixed memory budget, so the debugger can go back in time.

Training is deterministic, so the past need not be stored step by step: full snapshots
(`TrainerState`, about 1.5 MB each for the tutorial's model) are kept at some steps, and
any step in between is reached by restoring the snapshot before it and replaying. Kept:
- a fine snapshot every `fine_every` steps within `fine_span` steps behind the current
  step (going back a little replays at most fine_every - 1 steps);
- a coarse snapshot every `coarse_every` steps, at most `max_coarse` of them (the oldest
  go first: going back past the oldest kept snapshot is refused);
- the last `traces` step traces, to show a step again without replaying it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from core.errors import MicrogptError
from core.training.state import TrainerState
from core.training.trace import StepTrace


class HistoryError(MicrogptError):
    """The step asked for is no longer reachable."""


@dataclass(frozen=True)
class HistoryPolicy:
    """Which snapshots to keep. The defaults bound the history to about
    (fine_span / fine_every + max_coarse) x 1.5 MB = 75 MB for the tutorial's model."""

    fine_every: int = 10
    fine_span: int = 100
    coarse_every: int = 250
    max_coarse: int = 40  # reaches 10,000 steps back
    traces: int = 32


@dataclass(frozen=True)
class Rewind:
    """How to reach a past step: restore `state`, then replay until the step is done."""

    state: TrainerState
    target: int
    """Steps done once the rewind is complete."""
    trace: StepTrace | None
    """The target step's trace when it is kept (nothing to replay), else None."""

    @property
    def replay(self) -> int:
        return self.target - self.state.step_index


class History:
    """Snapshots and recent traces of one run."""

    def __init__(self, policy: HistoryPolicy | None = None) -> None:
        self.policy = policy or HistoryPolicy()
        self.snapshots: dict[int, TrainerState] = {}  # steps done -> the state then
        self.traces: OrderedDict[int, StepTrace] = OrderedDict()  # step (0-based) -> trace
        self.floor = 0  # no state before this step can be restored (e.g. a resumed run)

    def wants_snapshot(self, steps_done: int) -> bool:
        p = self.policy
        return (steps_done % p.fine_every == 0 or steps_done % p.coarse_every == 0) and (
            steps_done not in self.snapshots
        )

    def add_snapshot(self, state: TrainerState) -> None:
        self.snapshots[state.step_index] = state
        self._prune(state.step_index)

    def add_trace(self, trace: StepTrace) -> None:
        self.traces[trace.step] = trace
        self.traces.move_to_end(trace.step)
        while len(self.traces) > self.policy.traces:
            self.traces.popitem(last=False)

    def rewind_to(self, target: int) -> Rewind:
        """The plan to get back to `target` steps done (whose trace is that of step
        target - 1, 0-based)."""
        trace = self.traces.get(target - 1)
        exact = self.snapshots.get(target)
        # The start of the history (step 0, or where a run was resumed) has no step to
        # show: its own snapshot is the way back there.
        if exact is not None and (trace is not None or target in (0, self.floor)):
            return Rewind(exact, target, trace)
        start = max((s for s in self.snapshots if s <= target - 1), default=None)
        if start is None:
            raise HistoryError(self._refusal(target))
        return Rewind(self.snapshots[start], target, None)

    @property
    def oldest(self) -> int | None:
        return min(self.snapshots, default=None)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.snapshots.values()) + sum(
            sum(len(p.probs) for p in t.positions) for t in self.traces.values()
        )

    def _prune(self, current: int) -> None:
        p = self.policy
        for step in list(self.snapshots):
            near = current - p.fine_span <= step <= current + p.fine_span
            if step % p.coarse_every and not near:
                del self.snapshots[step]
        coarse = sorted(s for s in self.snapshots if s % p.coarse_every == 0)
        for step in coarse[: max(0, len(coarse) - p.max_coarse)]:
            del self.snapshots[step]

    def _refusal(self, target: int) -> str:
        oldest = self.oldest
        if self.floor and (oldest is None or oldest >= self.floor):
            return (
                f"cannot go back to step {target:,}: this run was resumed at step "
                f"{self.floor:,}, and its earlier states were not saved"
            )
        p = self.policy
        return (
            f"cannot go back to step {target:,}: the oldest kept state is step "
            f"{oldest:,} (the history keeps a snapshot every {p.coarse_every} steps, at "
            f"most {p.max_coarse} of them: {p.coarse_every * p.max_coarse:,} steps back)"
        )
