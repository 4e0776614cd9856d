"""`microgpt` alone: open the debugger (or, with --resume, continue a saved run). Files
are read and checked first, so that a bad corpus, model or run file gets its message in
the terminal, before the interface starts."""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

from rich.console import Console

from core.corpus import DEFAULT_CORPUS, load_corpus
from core.modelfile import load_model
from core.optimizer import AdamConfig
from core.runfile import load_run
from core.trainer import Trainer
from tui.cli import print_warnings


def run_debugger(args: argparse.Namespace, out: Console, err: Console) -> int:
    if args.resume:
        err.print(f"resuming {args.resume}…", highlight=False)
        run = load_run(args.resume, args.data)  # the run's own corpus unless --data
        print_warnings(err, run.trainer.corpus.warnings)
        params = run.trainer.model.params
        _open(
            run.trainer,
            watch=[params.index_of(name) for name in run.watch],
            losses=run.losses,
            conditions=run.conditions,
            run_path=args.resume,
        )
        return 0
    corpus = load_corpus(args.data or DEFAULT_CORPUS)
    print_warnings(err, corpus.warnings)
    model = load_model(args.model) if args.model else None
    err.print(f"preparing {corpus.path} (seed {args.seed})…", highlight=False)
    _open(
        Trainer(corpus, args.seed, AdamConfig(num_steps=args.steps), model=model),
        warnings=corpus.warnings,
    )
    return 0


def _open(trainer: Trainer, **options: Any) -> None:
    gc.freeze()  # the corpus and model live as long as the app: never scan them again
    sys.setswitchinterval(0.002)  # hand the GIL to the interface more often during steps

    from tui.app import DebuggerApp  # Textual loads only when the debugger opens

    DebuggerApp(trainer, **options).run()
