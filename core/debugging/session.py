"""A debugging session: the one object that owns a training run as a debugger drives it.

Single steps (presses queue), a step walked stage by stage, run and pause, run until a
condition holds, go to a step forward or back, step back, the watched parameters and the
conditions, the losses and the Adam history of the watches, saving. Plain Python, with
no interface: a host asks for what the user wants (`request_step`, `run`, `go_to`, ...),
then calls `advance()` while `wants_step()` holds, one step (or stage) at a time, and
shows `state()`.

Threads: a host may call `advance()` (and `save`) on a worker thread while the requests
and the readings come from its interface thread; a lock keeps the bookkeeping whole. A
step itself runs outside the lock, so a request made during a step is taken at once and
acted on when the step is done ("pausing lets the step in flight finish").
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.debugging.conditions import Condition, check_all
from core.debugging.history import HistoryPolicy
from core.debugging.runfile import save_run
from core.debugging.session_state import Mode, Press, SessionState
from core.debugging.timeline import Timeline
from core.errors import MicrogptError
from core.files.outputs import AtomicFile, Output
from core.model.gpt import Model
from core.model.tokenizer import normalise_sentence
from core.training.gradient_check import GradientReport, check_gradients, sample_of
from core.training.heldout import HeldOutReading
from core.training.optimizer import AdamEntry
from core.training.staged_step import StagedStep
from core.training.stages import StepProgress
from core.training.stats import MEAN_WINDOW
from core.training.step_graph import GradientOrigin, StepGraph, gradient_origin
from core.training.steplog import line, run_records
from core.training.trace import StepFacts, StepTrace
from core.training.trainer import Trainer
from core.training.update_effect import UpdateEffect, measure_effect

__all__ = ["Mode", "Press", "Session", "SessionState", "default_watch"]

FOLLOW_COLUMN = 0  # which entry of the first word's embedding row the follower watches
ADAM_HISTORY = 30  # steps of m and v kept per watched parameter, for the sparklines
FAST_FORWARD_BATCH = 0.05  # seconds of twin steps between two looks from the host


_HEADING = (Mode.GOING, Mode.REWINDING)  # modes with a goal, reached on the twin


@dataclass(frozen=True)
class WhatIf:
    """A what-if step shown in place of the run's step, and what `b` puts back."""

    trace: StepTrace
    effect: UpdateEffect
    """What its update did to its own sentence (shown with before → after)."""
    shown: StepTrace | None
    """The run's step that was shown before it."""
    progress: StepProgress | None
    effect_before: UpdateEffect | None


class Session:
    """A training run under a debugger."""

    def __init__(
        self,
        trainer: Trainer,
        *,
        watch: Iterable[int] = (),
        conditions: Iterable[Condition] = (),
        losses: Sequence[float] = (),
        original_losses: Mapping[int, float] | None = None,
        held_out_losses: Mapping[int, float] | None = None,
        policy: HistoryPolicy | None = None,
        follow: bool = False,
    ) -> None:
        self.trainer = trainer
        self.timeline = Timeline(trainer, policy, losses, original_losses, held_out_losses)
        self.watched: list[int] = list(watch)
        self.follow = follow
        """Also watch an entry of each step's first word (see `follower`), so that a
        watched parameter gets a gradient on every step, whatever the sentence."""
        self.conditions: list[Condition] = list(conditions)
        self.trace: StepTrace | None = None  # the step shown
        self.adam_history: dict[int, deque[tuple[int, AdamEntry]]] = {}  # index -> (step, m/v)
        self.recent_ms: deque[float] = deque(maxlen=20)  # the last steps' milliseconds
        self.fast_forward_batch = FAST_FORWARD_BATCH  # 0: one light step per advance()
        self.held_out_reading: HeldOutReading | None = None  # the last asked for (key h)
        self.progress: StepProgress | None = None
        """The step walked stage by stage: how far it has got (after its update, until
        the next step or a step back, the whole of it)."""
        self.compare = False
        """Run each step's sentence again after its update (see `effect`)."""
        self.effect: UpdateEffect | None = None
        """With `compare`: what the shown step's update did to its own sentence."""
        self._staged: StagedStep | None = None  # the step in progress, before its update
        self._drop_staged = False  # a step back asked for during a step in progress
        self._lock = threading.RLock()
        self._mode = Mode.IDLE
        self._presses: deque[Press] = deque()  # asked for and not yet begun
        self._goal: int | None = None
        self._rewind_to: int | None = None  # a rewind asked for, done by the next advance
        self._reason = _resumed(trainer.step_index) if trainer.step_index else ""
        self._refused = False
        self.saved_at = trainer.step_index  # the step of the last save (or of the start)
        self._stepped = False  # steps were taken since then
        self._what_if: WhatIf | None = None  # a what-if step shown (b puts the run's back)

    # --- what the host shows ---

    @property
    def num_steps(self) -> int:
        return self.trainer.num_steps

    @property
    def steps_done(self) -> int:
        return self.trainer.step_index

    @property
    def losses(self) -> list[float]:
        """The loss of step k at index k, for every step done."""
        return self.timeline.losses

    @property
    def original_losses(self) -> dict[int, float]:
        """When fine-tuning, the original-corpus loss after k steps, for the k measured."""
        return self.timeline.original_losses

    @property
    def held_out_losses(self) -> dict[int, float]:
        """With a held-out set, its loss after k steps, for the k measured (0: the start)."""
        return self.timeline.held_out_losses

    def latest_held_out(self) -> HeldOutReading | None:
        """The latest held-out loss of the model up to the steps done: the run's last
        measurement, or a reading asked for since (training is deterministic, so a reading
        stays true of its step when the run goes back and forward again)."""
        measured = dict(self.held_out_losses)  # a copy: a step may add to it meanwhile
        latest = None
        if measured:
            at = max(measured)
            latest = HeldOutReading(at, measured[at])
        asked = self.held_out_reading
        if asked is None or asked.step > self.steps_done:
            return latest
        return asked if latest is None or asked.step > latest.step else latest

    def state(self) -> SessionState:
        with self._lock:
            return SessionState(
                self._mode,
                self.steps_done,
                self.num_steps,
                len(self._presses),
                self._goal,
                self._reason,
                self._refused,
            )

    @property
    def shown_step(self) -> int:
        """The 0-based step whose trace is shown; with none, the step space would train."""
        return self.trace.step if self.trace is not None else self.steps_done

    def follower(self, step_index: int) -> int:
        """The parameter that follows the sentence at 0-based step `step_index`: entry 0
        of the token-embedding row of the sentence's first word. That row is the input at
        position 1, so it always gets a gradient (a fixed watch mostly gets none: a word
        is in few sentences)."""
        _, sentence = self.trainer.sentence_at(step_index)
        first = sentence.split(" ")[0]
        return self.trainer.model.params.index_of(f"token_embedding[{first}][{FOLLOW_COLUMN}]")

    def watch_list(self, step_index: int) -> list[int]:
        """What is watched at step `step_index`: the follower first (when following),
        then the fixed watches."""
        if not self.follow:
            return list(self.watched)
        follower = self.follower(step_index)
        return [follower, *(i for i in self.watched if i != follower)]

    def step_watch(self) -> list[int]:
        """The parameters the next step must report: the watched ones (the follower too)
        and those the conditions need."""
        watched = self.watch_list(self.steps_done)
        extra = [i for c in self.conditions for i in c.watches if i not in watched]
        return [*watched, *dict.fromkeys(extra)]

    # --- what the user asks for ---

    def request_step(self) -> None:
        """One more step (presses queue); during a step walked stage by stage, the rest
        of it."""
        self._press(Press.STEP)

    def request_stage(self) -> None:
        """One stage more of the step in progress, or the first of the next step."""
        self._press(Press.STAGE)

    def _press(self, press: Press) -> None:
        with self._lock:
            self._leave_what_if()
            self._presses.append(press)
            self._say("")
            if self._mode is Mode.IDLE:
                self._mode = Mode.STEPPING

    @property
    def in_step(self) -> bool:
        """A step walked stage by stage is in progress (begun, not yet updated)."""
        return self._staged is not None

    def run(self) -> None:
        with self._lock:
            self._leave_what_if()
            self._mode, self._goal = Mode.RUNNING, None
            self._say("")

    def toggle_run(self) -> None:
        """Run, or stop whatever is moving (a run, a go-to, a replay)."""
        with self._lock:
            if self._mode in (Mode.RUNNING, Mode.GOING, Mode.REWINDING):
                self.stop()
            else:
                self.run()

    def stop(self) -> None:
        """Stop after the step in flight; forget queued presses and any go-to."""
        with self._lock:
            self._mode, self._goal, self._rewind_to = Mode.IDLE, None, None
            self._presses.clear()

    def go_to(self, target: int) -> None:
        """Forward (training) or back (restore, then replay) to `target` steps done."""
        with self._lock:
            if target == self.steps_done and self._staged is not None:
                self._drop_staged = True  # back to the start of the step in progress
                return
            if not 0 <= target <= self.num_steps or target == self.steps_done:
                return
            self._leave_what_if()
            self._say("")
            self._goal = target
            self._presses.clear()
            if target > self.steps_done:
                self._mode, self._rewind_to = Mode.GOING, None
            else:
                self._mode, self._rewind_to = Mode.REWINDING, target

    def step_back(self) -> None:
        """Back to the state before the last step; during a replay, counting from where
        the replay is heading."""
        with self._lock:
            if self._what_if is not None:
                self._undo_what_if()
                return
            if self._staged is not None:  # nothing of it was trained: drop it
                self.stop()
                self._drop_staged = True
                return
            heading = self._goal if self._mode is Mode.REWINDING else None
            base = self.steps_done if heading is None else heading
            if base == 0:
                self._say("already at the start: step 0", refused=True)
                return
            self.go_to(base - 1)

    @property
    def what_if_shown(self) -> bool:
        """A what-if step is shown in place of the run's (b puts the run's back)."""
        return self._what_if is not None

    def what_if(self, sentence: str) -> StepTrace:
        """Show the next step as it would be on `sentence` (typed by the user) instead of
        the corpus's next one: taken on a scratch copy of the run (call it where `advance`
        runs: it reads the weights), so the run's weights, Adam buffers, schedule, losses
        and history stay exactly as they were; `step_back` (or any step) leaves it."""
        with self._lock:
            if self._mode is not Mode.IDLE or self._presses or self._staged is not None:
                raise MicrogptError(
                    "a what-if step is taken between two of the run's steps: pause first "
                    "(esc), or finish the step in progress (space)"
                )
            if self.steps_done >= self.num_steps:
                raise MicrogptError(
                    "the schedule is complete (its learning rate is 0): no step is left to try"
                )
            watch = self.step_watch()
        words = normalise_sentence(sentence)
        if not words:
            raise MicrogptError("the sentence has no words: type a few words of the vocabulary")
        trace, scratch = self.trainer.what_if(words, watch)
        effect = measure_effect(scratch, trace)
        with self._lock:
            self._leave_what_if()
            self._what_if = WhatIf(trace, effect, self.trace, self.progress, self.effect)
            self.trace, self.progress = trace, None
            self.effect = effect if self.compare else None
            self._record_watches(trace)
            self._say(
                f"what-if: step {trace.step + 1:,} on your sentence, on a copy of the run "
                "(the run did not change); b goes back to the run's step"
            )
        return trace

    def _leave_what_if(self) -> None:
        """Put the run's step back in place of a what-if shown (the lock held)."""
        what_if = self._what_if
        if what_if is None:
            return
        self._what_if = None
        self.trace, self.progress, self.effect = (
            what_if.shown,
            what_if.progress,
            what_if.effect_before,
        )
        self._forget_watches_from(what_if.trace.step)
        self._say("")

    def _undo_what_if(self) -> None:
        self._leave_what_if()
        self._say(f"left the what-if: back at step {self.steps_done:,}, as the run is")

    def watch(self, index: int) -> None:
        with self._lock:
            if index not in self.watched:
                self.watched.append(index)

    def unwatch(self, index: int) -> None:
        """Stop watching `index`; the follower's current parameter stops the following."""
        with self._lock:
            if self.follow and index == self.follower(self.shown_step):
                self.follow = False
            elif index in self.watched:
                self.watched.remove(index)

    def set_conditions(self, conditions: Iterable[Condition]) -> None:
        with self._lock:
            self.conditions = list(conditions)

    def fail(self, reason: str) -> None:
        """The host hit a problem while driving: stop, and say why."""
        with self._lock:
            self.stop()
            self._say(reason)

    # --- driving ---

    def wants_step(self) -> bool:
        """Whether `advance` has something to do."""
        with self._lock:
            if self._rewind_to is not None or self._drop_staged:
                return True
            if self.steps_done >= self.num_steps:
                return False
            if self._mode is Mode.RUNNING or self._presses:
                return True
            return self._goal is not None and self.steps_done < self._goal

    def advance(self) -> StepTrace | None:
        """Do the next thing: a rewind asked for, or one step. The trace of the step taken,
        or None (nothing wanted, a rewind, or a step that failed: the state says why)."""
        with self._lock:
            if self._drop_staged:
                self._drop_staged = False
                if self._staged is None:  # its update came first: back before it, then
                    self.step_back()
                else:
                    self._abandon()
            if self._rewind_to is not None:
                self._abandon()
                self._rewind(self._rewind_to)
                rewound = True
            else:
                rewound = False
        if rewound:
            self.refresh_effect()
            return None
        with self._lock:
            if not self.wants_step():
                self._settle()
                return None
            press = self._presses.popleft() if self._presses else Press.STEP
            replaying = self._mode is Mode.REWINDING
            watch = self.step_watch()
            staged = self._staged
            if staged is not None:
                staged.watch = watch  # as of its update: a watch added meanwhile is seen
            elif press is Press.STAGE:
                self._begin(watch)
                return None
            self.progress = None  # a step taken whole, or fast-forward: no stages shown
            goal = self._goal
            if goal is not None and goal - self.steps_done > 1 and self._mode in _HEADING:
                # Going forward or replaying: the twin takes every step but the last, whose
                # full trace is the one shown.
                conditions = [] if replaying else list(self.conditions)
            else:
                goal = None
        if staged is not None:  # a step in progress: first its stages
            return self._stage(staged, whole=press is Press.STEP)
        if goal is not None:
            return self._fast_forward(goal, conditions)
        try:
            trace = self.timeline.step(watch)  # the long part: outside the lock
        except MicrogptError as error:  # NaN or infinity: nothing was updated
            with self._lock:
                self._pause(f"paused: {error}")
            return None
        with self._lock:
            self._record(trace, check=not replaying)
            self._settle()
        self.refresh_effect()
        return trace

    def _begin(self, watch: list[int]) -> None:
        """Stage 1 of the next step (the lock held: it only picks and encodes a sentence)."""
        staged = self._staged = self.timeline.begin_step(watch)
        self.progress = staged.progress()
        self.effect = None
        self._settle()

    def _stage(self, staged: StagedStep, whole: bool) -> StepTrace | None:
        """One stage more of the step in progress, or (`whole`) the rest of it; its trace
        once its update is done."""
        try:
            if not whole:
                staged.advance()  # outside the lock, as a step
            trace = self.timeline.finish(staged) if whole or staged.done else None
        except MicrogptError as error:  # NaN or infinity: nothing was updated
            with self._lock:
                self._staged, self.progress = None, None
                self._pause(f"paused: {error}")
            return None
        with self._lock:
            self.progress = staged.progress() if not whole else None
            if trace is not None:
                self._staged = None
                self._record(trace, check=self._mode is not Mode.REWINDING)
            self._settle()
        if trace is not None:
            self.refresh_effect()
        return trace

    def _abandon(self) -> None:
        """Drop the step in progress (the lock held; on the thread that steps): nothing of
        it was trained, so the run is back at its start."""
        staged = self._staged
        if staged is None:
            return
        staged.abandon()
        self._staged, self.progress = None, None
        self._say(f"dropped step {staged.step + 1:,} before its update: nothing was trained")

    def set_compare(self, on: bool) -> None:
        """Turn the before → after view on or off (`refresh_effect` then measures)."""
        with self._lock:
            self.compare = on
            if not on:
                self.effect = None

    def refresh_effect(self) -> UpdateEffect | None:
        """With `compare` on, what the shown step's update did to its sentence, measured if
        not yet (call it where `advance` runs: it reads the weights right after that
        step); None when off, or when the run is not right after the shown step."""
        with self._lock:
            if self._what_if is not None:  # measured when it was taken
                self.effect = self._what_if.effect if self.compare else None
                return self.effect
            trace, effect = self.trace, self.effect
            current = (
                self.compare
                and trace is not None
                and self._staged is None
                and trace.step + 1 == self.steps_done
            )
            if not current or trace is None:
                return None
            if effect is not None and effect.step == trace.step:
                return effect
        effect = measure_effect(self.trainer, trace)  # the twin's forward: no state touched
        with self._lock:
            if self.trace is trace:
                self.effect = effect
        return effect

    def _fast_forward(self, goal: int, conditions: Sequence[Condition]) -> StepTrace | None:
        """Light steps towards `goal` for about `fast_forward_batch` seconds (the host shows
        progress between calls), stopping one step short of it, when the user stops or
        changes course, or when a condition is met: that step is then taken again on the
        scalar engine, so the step that paused the run is shown whole."""
        deadline = time.perf_counter() + self.fast_forward_batch
        try:
            while True:
                with self._lock:
                    if self._goal != goal or self._mode not in _HEADING:
                        return None  # stopped (esc) or sent elsewhere meanwhile
                    if self.steps_done >= goal - 1:
                        break
                    watch = self.step_watch()
                light = self.timeline.light_step(watch)
                with self._lock:
                    self._record_watches(light)
                    self._stepped = True
                if conditions:
                    earlier = self.losses[max(0, light.step - MEAN_WINDOW) : light.step]
                    met = check_all(conditions, light, earlier)
                    if met is not None:
                        return self._take_again(light.step, met)
                if time.perf_counter() > deadline:
                    break
        except MicrogptError as error:  # NaN or infinity: nothing was updated
            with self._lock:
                self._pause(f"paused: {error}")
            return None
        with self._lock:
            self._settle()
        return None

    def _take_again(self, step: int, met: str) -> StepTrace | None:
        """Back to the state before `step` (a snapshot and a few light steps), then that
        step on the scalar engine, which pauses the run (the same numbers: the same
        condition holds)."""
        with self._lock:
            rewind = self.timeline.begin_rewind(step)
            self._forget_watches_from(rewind.state.step_index)
        while self.steps_done < step:
            light = self.timeline.light_step(self.step_watch())
            with self._lock:
                self._record_watches(light)
        trace = self.timeline.step(self.step_watch())
        with self._lock:
            self._record(trace, check=True)
            if self._mode is not Mode.IDLE:  # cannot happen: the twin's numbers are the same
                self._pause(f"paused: {met}")
        self.refresh_effect()
        return trace

    def save(self, output: Output, watch_names: Sequence[str], conditions: Sequence[str]) -> int:
        """Save the run between two steps (call it where `advance` runs); the step saved."""
        save_run(
            output,
            self.trainer,
            watch_names,
            conditions,
            self.losses,
            self.original_losses,
            self.held_out_losses,
        )
        with self._lock:
            self.saved_at, self._stepped = self.steps_done, False
        return self.steps_done

    def export_steps(self, output: Output) -> int:
        """Every step the run has taken, a JSON line each, in `microgpt train
        --log-jsonl`'s format (core.training.steplog), written whole or not at all; call
        it where `advance` runs. The steps written."""
        with self._lock:
            losses = list(self.losses)
            original, held_out = dict(self.original_losses), dict(self.held_out_losses)
        file = AtomicFile(output)
        try:
            for record in run_records(self.trainer, losses, original, held_out):
                file.write(line(record))
            file.commit()
        finally:
            file.discard()
        return len(losses)

    def evaluate_held_out(self) -> HeldOutReading | None:
        """The held-out loss of the model as it is now (call it where `advance` runs, so
        that no step changes the model meanwhile); None without a held-out set. A reading
        for the host to show: the run does not change, nor what it records and saves."""
        trainer = self.trainer
        if trainer.held_out is None:
            return None
        reading = HeldOutReading(trainer.step_index, trainer.held_out.loss(trainer.model), True)
        with self._lock:
            self.held_out_reading = reading
        return reading

    def check_gradients(self, indices: Sequence[int]) -> GradientReport:
        """A gradient check of `indices` where the gradient shown came from: the step
        walked stage by stage (the weights as they are, before its update), else the
        step shown, on a copy of the model with the weights it had before its update
        (the engine's gradient is then the one in its trace), else (none shown, or one
        shown again after going back) the next step, with the weights as they are. Call
        it where `advance` runs; nothing of the run changes."""
        model, step, sentence, tokens, which = self._gradient_target()
        return GradientReport(step, sentence, which, check_gradients(model, tokens, indices))

    def check_sample(self, matrix: str, k: int, seed: int = 0) -> GradientReport:
        """`check_gradients` of k entries of `matrix`, drawn by a generator of their own;
        of an embedding, from the rows the sentence uses (the others' gradient is 0)."""
        model, step, sentence, tokens, which = self._gradient_target()
        n = min(model.config.block_size, len(tokens) - 1)
        rows = {"token_embedding": tokens[:n], "position_embedding": range(n)}.get(matrix)
        indices = sample_of(model, matrix, k, seed, rows)
        return GradientReport(step, sentence, which, check_gradients(model, tokens, indices))

    def step_graph(self) -> StepGraph:
        """The computation graph of the step whose gradient is shown, rebuilt on a copy of
        the model (as `check_gradients` chooses the step). Call it where `advance` runs;
        nothing of the run changes."""
        return StepGraph(*self._gradient_target())

    def gradient_origin(self, index: int) -> GradientOrigin:
        """Where parameter `index`'s gradient came from, on the step `step_graph` picks."""
        return gradient_origin(self.step_graph(), index)

    def _gradient_target(self) -> tuple[Model, int, str, list[int], str]:
        """The model, step, sentence, tokens and which step (see `check_gradients`) whose
        gradient the host shows."""
        with self._lock:
            staged, trace, before = self._staged, self.trace, self.timeline.weights_before
        model = self.trainer.model
        if staged is not None:
            return model, staged.step, staged.sentence, staged.tokens, "walked"
        if trace is not None and trace.what_if:  # taken from the weights as they are
            return model, trace.step, trace.sentence, list(trace.tokens), "what-if"
        if trace is not None and before is not None and before[0] == trace.step:
            model = model.copy()
            model.params.data[:] = before[1]
            return model, trace.step, trace.sentence, list(trace.tokens), "shown"
        _, sentence = self.trainer.sentence_at(self.steps_done)
        return model, self.steps_done, sentence, self.trainer.tokenizer.encode(sentence), "next"

    @property
    def unsaved(self) -> bool:
        """Steps were taken since the run was started, resumed or saved (quitting would
        lose them); going back to the saved step counts as saved."""
        return self._stepped and self.steps_done != self.saved_at

    # --- bookkeeping (with the lock held) ---

    def _say(self, reason: str, refused: bool = False) -> None:
        self._reason, self._refused = reason, refused

    def _record(self, trace: StepTrace, check: bool) -> None:
        self._what_if = None  # a step of the run: shown in its place
        self.trace = trace
        self.recent_ms.append(trace.timings.total_ms)
        self._record_watches(trace)
        self._stepped = True
        met = check_all(self.conditions, trace, self.losses[: trace.step]) if check else None
        if met is not None:
            self._pause(f"paused: {met}")

    def _record_watches(self, trace: StepFacts) -> None:
        for watched in trace.watched:
            entries = self.adam_history.setdefault(watched.index, deque(maxlen=ADAM_HISTORY))
            entries.append((trace.step, watched.adam))

    def _forget_watches_from(self, step_index: int) -> None:
        """Drop the Adam history of the steps from `step_index` on (gone back before them)."""
        for entries in self.adam_history.values():
            while entries and entries[-1][0] >= step_index:
                entries.pop()

    def _pause(self, reason: str) -> None:
        """Stop for a reason; a go-to that is cut short says where it was heading."""
        goal = self._goal if self._mode is Mode.GOING else None
        self.stop()
        if goal is not None and self.steps_done < goal:
            reason = (
                f"{reason}; the go-to step {goal:,} stopped at step {self.steps_done:,} (g goes on)"
            )
        self._say(reason)

    def _settle(self) -> None:
        """Back to idle once nothing more is asked for."""
        if self._goal is not None and self.steps_done >= self._goal:
            self._goal = None
            if self._mode in (Mode.GOING, Mode.REWINDING):
                self._mode = Mode.IDLE
        if self._mode is Mode.STEPPING and not self._presses:
            self._mode = Mode.IDLE
        if self.steps_done >= self.num_steps and self._mode is not Mode.IDLE:
            self.stop()
            self._say("the schedule is complete")

    def _rewind(self, target: int) -> None:
        self._leave_what_if()
        self._rewind_to = None
        self.progress = None
        try:
            rewind = self.timeline.begin_rewind(target)
        except MicrogptError as error:  # beyond the kept history: nothing changed
            self.stop()
            self._say(str(error), refused=True)
            return
        if rewind.state.step_index == self.timeline.history.floor and not rewind.replay:
            self._say(_resumed(target) if target else "")
        self._forget_watches_from(rewind.state.step_index)
        if rewind.trace is not None:
            self.trace = rewind.trace
        elif rewind.state.step_index == 0 or not rewind.replay:
            self.trace = None  # back at the start (or where the run was resumed): no step
        if rewind.replay:
            self._goal = target  # the replay steps are taken by the next advances
        else:
            self._goal, self._mode = None, Mode.IDLE


def _resumed(step: int) -> str:
    return f"resumed at step {step:,}: space trains step {step + 1:,}"


def default_watch(trainer: Trainer) -> list[int]:
    """What a new session watches beside the follower, fixed: an entry of the first
    sentence's second word (its first is followed, and moves on), and one dense weight."""
    params = trainer.model.params
    _, sentence = trainer.sentence_at(trainer.step_index)
    words = list(dict.fromkeys(sentence.split(" ")))[1:2]
    names = [f"token_embedding[{w}][0]" for w in words] + ["layers.0.attention.query[0][0]"]
    return [params.index_of(name) for name in names]
