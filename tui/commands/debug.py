"""`microgpt` alone: open the debugger. Files are read and checked first, so that a bad
corpus or model file gets its message in the terminal, before the interface starts."""

from __future__ import annotations

import argparse
import gc
import sys

from rich.console import Console

from core.corpus import load_corpus
from core.modelfile import load_model
from core.optimizer import AdamConfig
from core.trainer import Trainer
from tui.cli import print_warnings


def run_debugger(args: argparse.Namespace, out: Console, err: Console) -> int:
    corpus = load_corpus(args.data)
    print_warnings(err, corpus.warnings)
    model = load_model(args.model) if args.model else None
    err.print(f"preparing {corpus.path} (seed {args.seed})…", highlight=False)
    trainer = Trainer(corpus, args.seed, AdamConfig(num_steps=args.steps), model=model)
    gc.freeze()  # the corpus and model live as long as the app: never scan them again
    sys.setswitchinterval(0.002)  # hand the GIL to the interface more often during steps

    from tui.app import DebuggerApp  # Textual loads only when the debugger opens

    DebuggerApp(trainer, warnings=corpus.warnings).run()
    return 0
