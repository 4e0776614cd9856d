"""`microgpt train`: train headless with a progress bar; optionally log every step as
JSON lines and save the model. Ctrl-C stops cleanly and keeps what was trained."""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections import deque
from contextlib import nullcontext
from typing import TextIO

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

from core.corpus import load_corpus
from core.errors import NonFiniteError
from core.files import replacing_stream
from core.modelfile import save_model
from core.optimizer import AdamConfig
from core.trace import StepTrace
from core.trainer import Trainer
from tui.cli import print_warnings

RECENT = 100  # steps in the running mean shown beside the current loss


class StepRateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text(f"{speed:5.1f} steps/s" if speed else "  ... steps/s", style="cyan")


def run_train(args: argparse.Namespace, out: Console, err: Console) -> int:
    corpus = load_corpus(args.data)
    print_warnings(err, corpus.warnings)
    trainer = Trainer(corpus, args.seed, AdamConfig(num_steps=args.steps))
    gc.freeze()  # the corpus and model live as long as the run: never scan them again
    total = min(args.stop_after or args.steps, args.steps)
    err.print(
        f"training on {corpus.path}: {len(corpus.sentences):,} sentences, vocabulary "
        f"{trainer.tokenizer.vocab_size}, {trainer.model.params.count:,} parameters, "
        f"seed {args.seed}, {total:,} of {args.steps:,} steps",
        highlight=False,
    )
    log = replacing_stream(args.log_jsonl) if args.log_jsonl else nullcontext(None)
    started = time.perf_counter()
    with log as stream:
        steps, failure = _train(trainer, total, stream, err)
    elapsed = time.perf_counter() - started
    _summarise(err, steps, elapsed, total)
    if failure is not None:
        err.print(f"[bold red]error:[/] {failure}", highlight=False)
    if args.save and trainer.step_index > 0:
        save_model(trainer.model, args.save)
        err.print(
            f"saved the model after {trainer.step_index:,} steps to {args.save}", highlight=False
        )
    if args.log_jsonl:
        err.print(f"logged {len(steps):,} steps to {args.log_jsonl}", highlight=False)
    return 1 if failure is not None else 0


def _train(
    trainer: Trainer, total: int, stream: TextIO | None, err: Console
) -> tuple[list[StepTrace], NonFiniteError | None]:
    steps: list[StepTrace] = []
    recent: deque[float] = deque(maxlen=RECENT)
    columns = (
        TextColumn("step"),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}"),
        StepRateColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("train", total=total, loss="   ...")
        try:
            for _ in range(total):
                trace = trainer.step()
                steps.append(trace)
                recent.append(trace.loss)
                if stream is not None:
                    stream.write(
                        json.dumps(
                            {
                                "step": trace.step + 1,
                                "loss": trace.loss,
                                "n": trace.n,
                                "lr": trace.lr,
                            }
                        )
                        + "\n"
                    )
                mean = statistics.fmean(recent)
                progress.update(
                    task, advance=1, loss=f"{trace.loss:.4f} (last {len(recent)}: {mean:.4f})"
                )
        except NonFiniteError as failure:
            return steps, failure
        except KeyboardInterrupt:
            err.print(f"stopped after {len(steps):,} steps")
    return steps, None


def _summarise(err: Console, steps: list[StepTrace], elapsed: float, total: int) -> None:
    if not steps:
        return
    ms = statistics.median(s.timings.total_ms for s in steps)
    tail = [s.loss for s in steps[-RECENT:]]
    err.print(
        f"trained {len(steps):,} steps in {elapsed:.1f} s (median {ms:.1f} ms per step); "
        f"loss {steps[0].loss:.4f} at step 1, mean of the last {len(tail)}: "
        f"{statistics.fmean(tail):.4f}",
        highlight=False,
    )
