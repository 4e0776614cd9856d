"""`microgpt train`: train headless with a progress bar; optionally log every step as
JSON lines and save the model.

Every output is checked before training starts, so a mistake costs no work. Ctrl-C,
SIGTERM and SIGHUP stop after the step in flight: the model and the log of the steps
done are written, and the exit status says which signal stopped it (128 + its number).
Memory stays constant, whatever the number of steps: nothing of a step is kept but its
line in the log and the running figures.
"""

from __future__ import annotations

import argparse
import gc
import signal
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType, TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from core.errors import MicrogptError
from core.files.outputs import AtomicFile, Output, check_output
from core.model.modelfile import save_model
from core.training.stats import MEAN_WINDOW, recent_mean
from core.training.steplog import line, step_record
from core.training.trace import LightTrace, StepTrace
from core.training.trainer import Trainer
from tui.commands.start import start_run
from tui.console import say

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StepRateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text(f"{speed:5.1f} steps/s" if speed else "  ... steps/s", style="cyan")


class StopOnSignals:
    """While active, Ctrl-C, SIGTERM and SIGHUP ask training to stop after the step in
    flight; a second Ctrl-C interrupts at once (the step in flight is then undone)."""

    def __init__(self, interrupt: bool = True) -> None:
        self.signal: int | None = None
        self.interrupt = interrupt
        """Whether a second Ctrl-C interrupts the step in flight (a twin step takes a
        millisecond: it is always let finish, so that a step is done whole or not at all)."""
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopOnSignals:
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signal == signal.SIGINT and signum == signal.SIGINT and self.interrupt:
            raise KeyboardInterrupt
        self.signal = self.signal or signum

    @property
    def name(self) -> str:
        return "Ctrl-C" if self.signal == signal.SIGINT else signal.Signals(self.signal or 0).name


@dataclass
class Progressed:
    """What training did, in constant memory."""

    steps: int = 0
    first_loss: float = 0.0
    recent_losses: deque[float] = field(default_factory=lambda: deque(maxlen=MEAN_WINDOW))
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=1000))
    original: tuple[int, float, float] | None = None
    """When fine-tuning, the last original-corpus measurement: steps done, loss, rise."""
    held_out: tuple[int, float] | None = None
    """With a held-out set, its last measurement after a step: steps done, loss."""
    failure: MicrogptError | None = None


def run_train(args: argparse.Namespace, out: Console, err: Console) -> int:
    # Signals are caught from the start: one that comes while the files are being read
    # stops the run before its first step, leaving nothing half-made behind.
    with StopOnSignals(interrupt=args.engine == "scalar") as stop:
        done = _run(args, err, stop)
    if stop.signal is not None:
        return 128 + stop.signal
    return 1 if done.failure is not None else 0


def _run(args: argparse.Namespace, err: Console, stop: StopOnSignals) -> Progressed:
    run = start_run(args, err)
    trainer, inputs = run.trainer, run.inputs
    corpus = trainer.corpus
    save = check_output(args.save, "model file", inputs) if args.save else None
    log_output = (
        check_output(args.log_jsonl, "log", inputs, [save] if save else [])
        if args.log_jsonl
        else None
    )
    gc.freeze()  # the corpus and model live as long as the run: never scan them again
    total = min(args.stop_after or args.steps, args.steps)
    say(
        err,
        f"training on {corpus.path}: {len(corpus.sentences):,} sentences, vocabulary "
        f"{trainer.tokenizer.vocab_size}, {trainer.model.params.count:,} parameters, "
        f"seed {args.seed}, learning rate {args.lr:g}, {total:,} of {args.steps:,} steps",
    )
    if trainer.forgetting is not None:
        say(err, f"original-corpus loss before fine-tuning: {trainer.forgetting.baseline:.4f}")
    if trainer.held_out is not None and trainer.held_out_baseline is not None:
        held_out, every = trainer.held_out, trainer.held_out_every
        say(
            err,
            f"held-out loss before {'fine-tuning' if trainer.fine_tuning else 'training'}: "
            f"{trainer.held_out_baseline:.4f} ({len(held_out.tokens):,} sentences of "
            f"{held_out.path}, measured every {'step' if every == 1 else f'{every:,} steps'} "
            "and at the end)",
        )
    log = AtomicFile(log_output) if log_output else None
    try:
        started = time.perf_counter()
        done = _train(trainer, total, log, err, stop, args.engine == "twin")
        _summarise(err, done, time.perf_counter() - started, trainer)
        if done.failure is not None:
            say(err, str(done.failure), "error:", "bold red")
        _write(trainer, save, log, done, err)
    finally:
        if log is not None:
            log.discard()  # nothing, once committed; else the temporary file goes
    return done


def _train(
    trainer: Trainer,
    total: int,
    log: AtomicFile | None,
    err: Console,
    stop: StopOnSignals,
    twin: bool,
) -> Progressed:
    """Train on the twin (light steps), or on the scalar engine (full steps, each undone
    if a second Ctrl-C interrupts it): the same numbers either way."""
    done = Progressed()
    take_step: Callable[[], StepTrace | LightTrace] = trainer.light_step if twin else trainer.step
    columns = (
        TextColumn("step"),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}"),
        *([TextColumn("original {task.fields[original]}")] if trainer.forgetting else []),
        *([TextColumn("held-out {task.fields[held_out]}")] if trainer.held_out else []),
        StepRateColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        baseline = trainer.forgetting.baseline if trainer.forgetting else 0.0
        held_out = trainer.held_out_baseline or 0.0
        task = progress.add_task(
            "train",
            total=total,
            loss="   ...",
            original=f"{baseline:.4f}",
            held_out=f"{held_out:.4f}",
        )
        while done.steps < total and stop.signal is None:
            before = None if twin else trainer.snapshot()  # 1.5 MB: as long as a twin step
            started = time.perf_counter()
            try:
                trace = take_step()
            except KeyboardInterrupt:  # a second Ctrl-C, mid-step: undo the step
                assert before is not None  # only the scalar engine's steps are interrupted
                trainer.restore(before)
                stop.signal = signal.SIGINT
                break
            except MicrogptError as failure:  # NaN or infinity: nothing was updated
                done.failure = failure
                break
            if log is not None:
                measured = None
                if trace.original_loss is not None and trace.original_rise is not None:
                    measured = (trace.original_loss, trace.original_rise)
                record = step_record(trainer, trace.step, trace.loss, measured, trace.held_out_loss)
                try:
                    log.write(line(record))
                    log.flush()  # a line per step, for `tail -f`
                except MicrogptError as failure:  # the disk is full: keep the model
                    done.failure = MicrogptError(f"{failure}; the log was not written")
            done.steps += 1
            if done.steps == 1:
                done.first_loss = trace.loss
            done.recent_losses.append(trace.loss)
            done.recent_ms.append((time.perf_counter() - started) * 1e3)
            mean = recent_mean(list(done.recent_losses))
            shown = f" (last {mean.steps}: {mean.value:.4f})" if mean else ""
            if trace.original_loss is not None and trace.original_rise is not None:
                done.original = (trace.step + 1, trace.original_loss, trace.original_rise)
                original = f"{trace.original_loss:.4f} ({trace.original_rise:+.4f})"
                progress.update(task, original=original)
            if trace.held_out_loss is not None:
                done.held_out = (trace.step + 1, trace.held_out_loss)
                progress.update(task, held_out=f"{trace.held_out_loss:.4f}")
            progress.update(task, advance=1, loss=f"{trace.loss:.4f}{shown}")
            if done.failure is not None:
                break
    if stop.signal is not None:
        say(err, f"stopped after {done.steps:,} steps ({stop.name}); writing what was done")
    elif trainer.held_out is not None and done.failure is None:
        _held_out_at_the_end(trainer, done)
    return done


def _held_out_at_the_end(trainer: Trainer, done: Progressed) -> None:
    """The held-out loss after the last step done, when the schedule did not measure it
    there (--stop-after between two measurements): the summary gives it at the end."""
    held_out = trainer.held_out
    if held_out is None or (done.held_out is not None and done.held_out[0] == trainer.step_index):
        return
    done.held_out = (trainer.step_index, held_out.loss(trainer.model))


def _write(
    trainer: Trainer,
    save: Output | None,
    log: AtomicFile | None,
    done: Progressed,
    err: Console,
) -> None:
    """The model first (the work), then the log: each is complete or not written, and
    one failing does not keep the other from being written."""
    failed: MicrogptError | None = None
    if save is not None and trainer.step_index > 0:
        try:
            save_model(trainer.model, save)
            say(err, f"saved the model after {trainer.step_index:,} steps to {save.given}")
        except MicrogptError as error:
            failed = error
    if log is not None and not log.closed:
        log.commit()
        say(err, f"logged {done.steps:,} steps to {log.output.given}")
    if failed is not None:
        raise failed


def _summarise(err: Console, done: Progressed, elapsed: float, trainer: Trainer) -> None:
    if not done.steps:
        return
    ms = statistics.median(done.recent_ms)
    mean = recent_mean(list(done.recent_losses))
    tail = f", mean of the last {mean.steps}: {mean.value:.4f}" if mean else ""
    say(
        err,
        f"trained {done.steps:,} steps in {elapsed:.1f} s (median {ms:.1f} ms per step over "
        f"the last {len(done.recent_ms):,}); loss {done.first_loss:.4f} at step 1{tail}",
    )
    if trainer.forgetting is not None and done.original is not None:
        steps, loss, rise = done.original
        say(
            err,
            f"original-corpus loss {trainer.forgetting.baseline:.4f} before fine-tuning, "
            f"{loss:.4f} after {steps:,} steps ({rise:+.4f})",
        )
    if trainer.held_out_baseline is not None and done.held_out is not None:
        start = "fine-tuning" if trainer.fine_tuning else "training"
        steps, loss = done.held_out
        say(
            err,
            f"held-out loss {trainer.held_out_baseline:.4f} before {start}, {loss:.4f} after "
            f"{steps:,} steps",
        )
