"""`microgpt bench`: time training steps and report, for people and for scripts."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from core.training.bench import run_benchmark
from core.training.corpus import load_corpus
from tui.console import print_warnings, say


def run_bench(args: argparse.Namespace, out: Console, err: Console) -> int:
    corpus = load_corpus(args.data)
    print_warnings(err, corpus.warnings)
    say(
        err,
        f"timing {args.repeat} steps of {corpus.path} (seed {args.seed}, engine "
        f"{args.engine}) after one warm-up step...",
    )
    r = run_benchmark(corpus, args.seed, args.repeat, args.engine, args.steps)
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row(
        "per step", f"median {r.median_ms:.1f} ms (min {r.min_ms:.1f}, max {r.max_ms:.1f})"
    )
    if args.engine == "fused":
        table.add_row(
            "stages",
            f"forward {r.forward_ms:.1f} ms, backward {r.backward_ms:.1f} ms, "
            f"update {r.update_ms:.1f} ms (medians)",
        )
        table.add_row(
            "graph",
            f"{r.nodes:,} nodes, standing for {r.reference_nodes:,} primitive operations (medians)",
        )
    table.add_row(
        "memory",
        f"peak RSS {r.peak_rss_mb:.0f} MB ({r.rss_before_mb:.0f} MB before "
        f"the steps); one step allocates at most {r.step_alloc_peak_mb:.1f} MB",
    )
    out.print(table)
    say(out, json.dumps({"bench": r.as_dict()}))
    return 0
