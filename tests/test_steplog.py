"""The step log: `train --log-jsonl` and the debugger's export write one JSON line per
step, in one format, and what is read back is what the steps computed (==)."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from core.debugging.session import Session
from core.files.outputs import check_output
from core.training.corpus import load_corpus
from core.training.optimizer import AdamConfig
from core.training.steplog import FIELDS
from core.training.trainer import Trainer
from tui.cli import main, parse_args
from tui.commands.start import start_run

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "we eat", "the sun is hot"]
HELD_OUT = ["the dog eats", "we eat a muffin"]
STEPS = 7


@pytest.fixture
def files(tmp_path):
    corpus, held_out = tmp_path / "corpus.txt", tmp_path / "held.txt"
    corpus.write_text("\n".join(SENTENCES) + "\n")
    held_out.write_text("\n".join(HELD_OUT) + "\n")
    return tmp_path, str(corpus), str(held_out)


def read(path) -> list[dict]:
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]


def train_log(tmp_path, argv: list[str]) -> list[dict]:
    log = tmp_path / "train.jsonl"
    assert main(["train", *argv, "--stop-after", str(STEPS), "--log-jsonl", str(log)]) == 0
    return read(log)


def test_train_logs_a_line_per_step_with_the_losses_of_the_steps(files):
    tmp_path, corpus, _ = files
    lines = train_log(tmp_path, ["--data", corpus, "--steps", "20"])
    trainer = Trainer(load_corpus(corpus), adam=AdamConfig(num_steps=20))
    traces = [trainer.step() for _ in range(STEPS)]
    assert [x["step"] for x in lines] == list(range(1, STEPS + 1))
    assert [x["loss"] for x in lines] == [t.loss for t in traces]
    assert [x["lr"] for x in lines] == [t.lr for t in traces]
    for x, t in zip(lines, traces):
        assert (x["sentence"], x["sentence_index"]) == (t.sentence, t.sentence_index)
        assert (tuple(x["tokens"]), x["n"]) == (t.tokens, t.n)
        assert set(x) == {"step", "sentence_index", "sentence", "tokens", "n", "lr", "loss"}


def test_every_field_written_is_documented(files):
    tmp_path, corpus, held_out = files
    lines = train_log(tmp_path, ["--data", corpus, "--eval", held_out, "--eval-every", "3"])
    assert {k for x in lines for k in x} <= set(FIELDS)
    assert [x["step"] for x in lines if "held_out_loss" in x] == [3, 6]


def session_after(corpus: str, held_out: str, steps: int) -> Session:
    args = parse_args(["--data", corpus, "--eval", held_out, "--eval-every", "3"])
    session = Session(start_run(args, Console(quiet=True)).trainer)
    for _ in range(steps):
        session.request_step()
        while session.wants_step():
            session.advance()
    return session


def test_the_debuggers_export_is_the_train_log_byte_for_byte(files):
    tmp_path, corpus, held_out = files
    train_log(tmp_path, ["--data", corpus, "--eval", held_out, "--eval-every", "3"])
    session = session_after(corpus, held_out, STEPS)
    exported = tmp_path / "exported.jsonl"
    assert session.export_steps(check_output(exported, "log")) == STEPS
    assert exported.read_bytes() == (tmp_path / "train.jsonl").read_bytes()


def test_an_export_after_going_back_has_the_steps_of_the_run_as_it_now_is(files):
    tmp_path, corpus, held_out = files
    session = session_after(corpus, held_out, 4)
    session.go_to(2)
    while session.wants_step():
        session.advance()
    exported = tmp_path / "back.jsonl"
    session.export_steps(check_output(exported, "log"))
    assert [x["loss"] for x in read(exported)] == session.losses and len(session.losses) == 2


def test_a_fine_tuning_export_carries_the_original_corpus_loss_and_its_rise(files):
    tmp_path, corpus, _ = files
    model = tmp_path / "model.json"
    assert main(["train", "--data", corpus, "--stop-after", "3", "--save", str(model)]) == 0
    tuning = tmp_path / "tune.txt"
    tuning.write_text("the cat eats\nwe eat a muffin\n")
    argv = ["--data", str(tuning), "--model", str(model), "--vocab-from", corpus, "--fine-tune"]
    argv += ["--steps", str(STEPS)]  # the original corpus is measured after the last step
    train_log(tmp_path, argv)
    session = Session(start_run(parse_args(argv), Console(quiet=True)).trainer)
    for _ in range(STEPS):
        session.request_step()
        while session.wants_step():
            session.advance()
    exported = tmp_path / "tuned.jsonl"
    session.export_steps(check_output(exported, "log"))
    lines = read(exported)
    assert exported.read_bytes() == (tmp_path / "train.jsonl").read_bytes()
    measured = [x for x in lines if "original_loss" in x]
    assert measured and all(
        x["original_rise"] == x["original_loss"] - session.original_losses[0] for x in measured
    )


def test_the_readme_documents_every_field():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### The step log") :]
    assert all(f"`{field}`" in table for field in FIELDS)
