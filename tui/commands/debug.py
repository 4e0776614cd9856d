"""`microgpt` alone: open the debugger (or, with --resume, continue a saved run). Files
are read and checked first, so that a bad corpus, model or run file gets its message in
the terminal, before the interface starts."""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

from rich.console import Console

from core.debugging.runfile import load_run
from core.files.outputs import Input
from core.training.trainer import Trainer
from tui.commands.start import start_run
from tui.console import print_warnings, say, warm_up_twin


def run_debugger(args: argparse.Namespace, out: Console, err: Console) -> int:
    if args.resume:
        say(err, f"resuming {args.resume}…")
        warm_up_twin(err)
        run = load_run(args.resume, args.data)  # the run's own corpus unless --data
        print_warnings(err, [*run.trainer.corpus.warnings, *run.warnings])
        params = run.trainer.model.params
        from tui.actions import RUN_FILE_INPUT

        return _open(
            run.trainer,
            watch=[params.index_of(name) for name in run.watch],
            losses=run.losses,
            original_losses=run.original_losses,
            held_out_losses=run.held_out_losses,
            conditions=run.conditions,
            run_path=args.resume,
            inputs=[Input(args.resume, RUN_FILE_INPUT)],
            present=args.present,
        )
    started = start_run(args, err)
    return _open(
        started.trainer,
        warnings=started.warnings,
        inputs=[i for i in started.inputs if i.path != started.trainer.corpus.path],
        present=args.present,
    )


def _open(trainer: Trainer, **options: Any) -> int:
    gc.freeze()  # the corpus and model live as long as the app: never scan them again
    sys.setswitchinterval(0.002)  # hand the GIL to the interface more often during steps

    from tui.app import DebuggerApp  # Textual loads only when the debugger opens

    app = DebuggerApp(trainer, **options)
    app.run()
    return app.return_code or 0
