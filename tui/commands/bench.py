"""`microgpt bench`: time training steps and report, for people and for scripts."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from core.training.bench import BenchResult, run_benchmark
from core.training.corpus import load_corpus
from tui.console import print_warnings, say

# Steps timed when --repeat is not given: a twin step takes a millisecond, so it takes
# many of them for a steady median.
DEFAULT_REPEAT = {"scalar": 20, "naive": 20, "twin": 500}


def run_bench(args: argparse.Namespace, out: Console, err: Console) -> int:
    corpus = load_corpus(args.data)
    print_warnings(err, corpus.warnings)
    results = []
    for engine in args.engine:
        repeat = args.repeat or DEFAULT_REPEAT[engine]
        say(
            err,
            f"timing {repeat} steps of {corpus.path} (seed {args.seed}, engine "
            f"{engine}) after one warm-up step...",
        )
        result = run_benchmark(corpus, args.seed, repeat, engine, args.steps)
        out.print(_table(result))
        results.append(result)
    by_engine = {r.engine: r for r in results}
    if "scalar" in by_engine and "twin" in by_engine:
        scalar, twin = by_engine["scalar"], by_engine["twin"]
        say(
            out,
            f"the twin takes {twin.median_ms:.2f} ms per step against the scalar engine's "
            f"{scalar.median_ms:.1f} ms: {scalar.median_ms / twin.median_ms:.0f} times faster "
            f"(5,000 steps in about {5000 * twin.median_ms / 1e3:.0f} s)",
        )
    for result in results:
        say(out, json.dumps({"bench": result.as_dict()}))
    return 0


def _table(r: BenchResult) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("engine", r.engine)
    table.add_row(
        "per step",
        f"median {r.median_ms:.2f} ms (min {r.min_ms:.2f}, max {r.max_ms:.2f}): "
        f"{r.steps_per_second:,.0f} steps/s",
    )
    if r.engine == "scalar":
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
            "inside",
            f"recording the attention adds {r.attention_ms:.2f} ms to a step; the "
            f"before → after pass takes {r.after_pass_ms:.2f} ms after it (medians)",
        )
    table.add_row(
        "memory",
        f"peak RSS {r.peak_rss_mb:.0f} MB ({r.rss_before_mb:.0f} MB before "
        f"the steps); one step allocates at most {r.step_alloc_peak_mb:.1f} MB",
    )
    return table
