"""`microgpt bench`: placeholder until the speed issue delivers the benchmark."""

from __future__ import annotations

import argparse

from rich.console import Console


def run_bench(args: argparse.Namespace, out: Console, err: Console) -> int:
    raise NotImplementedError
