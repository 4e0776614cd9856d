"""The twin against whole runs of the scalar engine: all 5,000 steps of the tutorial's
corpus and of ours (seed 42), every loss and every gradient Adam received, and the
weights, m and v every 1,000 steps, compared to the bit with the scalar engine's run as
tests/data/record_scalar_run.py recorded it (two to four minutes each; the twin takes
seconds)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.training.corpus import DEFAULT_CORPUS, load_corpus
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer
from tests.conftest import REPO_ROOT
from tests.data.record_scalar_run import digest

RECORDS = REPO_ROOT / "tests" / "data"


def replay(corpus_path, record_name: str) -> None:
    record = json.loads((RECORDS / record_name).read_text())
    trainer = Trainer(
        load_corpus(corpus_path), record["seed"], AdamConfig(num_steps=record["steps"])
    )
    grads: list[str] = []
    apply = trainer.adam.apply

    def recording_apply(data: np.ndarray, grad: np.ndarray, step: int) -> None:
        grads.append(digest(grad))
        apply(data, grad, step)

    trainer.adam.apply = recording_apply  # type: ignore[method-assign]
    losses = []
    for step in range(record["steps"]):
        losses.append(trainer.light_step().loss.hex())
        state = record["states"].get(str(step + 1))
        if state is not None:
            assert {
                "data": digest(trainer.model.params.data),
                "m": digest(trainer.adam.m),
                "v": digest(trainer.adam.v),
            } == state, f"after step {step + 1}"
    first_loss = next((k for k, (a, b) in enumerate(zip(losses, record["losses"])) if a != b), None)
    first_grad = next((k for k, (a, b) in enumerate(zip(grads, record["grads"])) if a != b), None)
    assert (first_loss, first_grad) == (None, None), "the first step that differs"
    assert len(losses) == len(record["losses"]) == len(grads) == len(record["grads"])


@pytest.mark.slow
def test_the_twin_repeats_the_scalar_engines_5000_steps_on_our_corpus():
    replay(DEFAULT_CORPUS, "scalar_run_own_seed42.json")


@pytest.mark.slow
def test_the_twin_repeats_the_scalar_engines_5000_steps_on_the_tutorials_corpus(reference_dir):
    replay(reference_dir / "grade1_sentences.txt", "scalar_run_tutorial_seed42.json")
