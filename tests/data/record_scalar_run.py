"""Record a whole training run of the scalar engine, for the twin's conformance tests.

    python tests/data/record_scalar_run.py CORPUS OUT.json [--steps 5000] [--seed 42]

For every step: the loss (as float.hex) and a digest of the gradient Adam received; every
`--every` steps (and at the end): digests of the weights, m and v. The scalar engine takes
two to four minutes for 5,000 steps; the twin's test replays the run in seconds and
compares every number (tests/test_twin_conformance.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from core.training.corpus import load_corpus
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer


def digest(array: np.ndarray) -> str:
    """The first 16 hex digits of the SHA-256 of the array's float64 bytes."""
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float64).tobytes()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--every", type=int, default=1000)
    args = parser.parse_args()
    trainer = Trainer(load_corpus(args.corpus), args.seed, AdamConfig(num_steps=args.steps))
    grads: list[str] = []
    update = trainer.adam.update

    def recording_update(data: np.ndarray, grad: np.ndarray, step: int) -> np.ndarray:
        grads.append(digest(grad))
        return update(data, grad, step)

    trainer.adam.update = recording_update  # type: ignore[method-assign]
    losses, states = [], {}
    for step in range(args.steps):
        losses.append(trainer.step().loss.hex())
        done = step + 1
        if done % args.every == 0 or done == args.steps:
            states[str(done)] = {
                "data": digest(trainer.model.params.data),
                "m": digest(trainer.adam.m),
                "v": digest(trainer.adam.v),
            }
    record = {
        "corpus": Path(args.corpus).name,
        "seed": args.seed,
        "steps": args.steps,
        "losses": losses,
        "grads": grads,
        "states": states,
    }
    Path(args.out).write_text(json.dumps(record, indent=0) + "\n")


if __name__ == "__main__":
    main()
