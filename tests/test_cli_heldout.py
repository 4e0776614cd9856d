"""The held-out set from the command line: which runs have one (`--eval FILE`, our file for
a run of our corpus from scratch, `--eval none`), how often it is measured (`--eval-every`),
and what `train` prints and logs of it."""

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from core.training.corpus import DEFAULT_HELD_OUT
from core.training.heldout import HELD_OUT_EVERY
from core.training.trainer import Trainer
from tui.cli import main, parse_args
from tui.commands.start import start_run

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "the dog eats", "we play"]
HELD_OUT = ["the dog eats a muffin", "a cat runs to the park"]


@pytest.fixture
def corpus(tmp_path: Path) -> str:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return str(path)


@pytest.fixture
def held(tmp_path: Path) -> str:
    path = tmp_path / "held.txt"
    path.write_text("\n".join(HELD_OUT) + "\n")
    return str(path)


def started(*argv: str) -> Trainer:
    """The trainer the debugger would open with these options."""
    return start_run(parse_args(list(argv)), Console(file=io.StringIO())).trainer


def log_lines(path: Path) -> list[dict[str, float]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_run_of_our_corpus_from_scratch_measures_our_held_out_set(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    argv = ["train", "--stop-after", "2", "--eval-every", "1", "--log-jsonl", str(log)]
    assert main(argv) == 0
    lines = log_lines(log)
    assert all(isinstance(line["held_out_loss"], float) for line in lines)
    err = " ".join(capsys.readouterr().err.split())
    assert f"200 sentences of {DEFAULT_HELD_OUT}, measured every step" in err
    assert f"{lines[-1]['held_out_loss']:.4f} after 2 steps" in err


def test_another_corpus_has_no_held_out_set_unless_one_is_given(tmp_path, corpus, capsys):
    log = tmp_path / "log.jsonl"
    assert main(["train", "--data", corpus, "--stop-after", "2", "--log-jsonl", str(log)]) == 0
    assert all("held_out_loss" not in line for line in log_lines(log))
    assert "held-out" not in capsys.readouterr().err


def test_eval_names_the_file_and_train_logs_it_every_k_steps_and_at_the_end(
    tmp_path, corpus, held, capsys
):
    log = tmp_path / "log.jsonl"
    argv = ["train", "--data", corpus, "--steps", "5", "--eval", held, "--eval-every", "2"]
    assert main([*argv, "--log-jsonl", str(log)]) == 0
    lines = log_lines(log)
    assert [line["step"] for line in lines if "held_out_loss" in line] == [2, 4, 5]
    err = " ".join(capsys.readouterr().err.split())
    assert f"2 sentences of {held}, measured every 2 steps" in err
    assert f"{lines[-1]['held_out_loss']:.4f} after 5 steps" in err


def test_the_progress_shows_the_held_out_loss_beside_the_loss(corpus, held, capsys):
    assert main(["train", "--data", corpus, "--steps", "2", "--eval", held]) == 0
    err = capsys.readouterr().err
    assert "held-out " in err.split("step 2/2")[-1]


def test_a_run_stopped_between_measurements_still_gives_the_loss_at_the_end(corpus, held, capsys):
    argv = ["train", "--data", corpus, "--stop-after", "3", "--eval", held, "--eval-every", "2"]
    assert main(argv) == 0
    summary = [line for line in capsys.readouterr().err.splitlines() if "held-out loss" in line]
    assert "before training" in summary[-1] and summary[-1].endswith("after 3 steps")


def test_eval_none_turns_off_our_held_out_set():
    assert started("--eval", "none", "--steps", "3").held_out is None


def test_the_debugger_opens_our_corpus_with_our_held_out_set():
    trainer = started("--steps", "3")
    assert trainer.held_out is not None and trainer.held_out.path == str(DEFAULT_HELD_OUT)
    assert trainer.held_out_every == HELD_OUT_EVERY


def test_the_debugger_takes_eval_and_eval_every(corpus, held):
    trainer = started("--data", corpus, "--eval", held, "--eval-every", "7")
    assert trainer.held_out is not None and trainer.held_out.path == held
    assert trainer.held_out_every == 7 and trainer.held_out_baseline is not None


def test_fine_tuning_has_no_held_out_set_unless_one_is_given(tmp_path, corpus, held):
    model = tmp_path / "model.json"
    assert main(["train", "--data", corpus, "--stop-after", "1", "--save", str(model)]) == 0
    assert started("--model", str(model), "--data", corpus).held_out is None
    tuned = started("--model", str(model), "--data", corpus, "--eval", held)
    assert tuned.fine_tuning and tuned.held_out is not None
    assert tuned.held_out.words == tuned.tokenizer.words


def test_a_word_the_fine_tuned_model_does_not_know_names_the_model(tmp_path, corpus, capsys):
    model = tmp_path / "model.json"
    assert main(["train", "--data", corpus, "--stop-after", "1", "--save", str(model)]) == 0
    held = tmp_path / "held.txt"
    held.write_text("the cat eats a pie\n")
    capsys.readouterr()
    argv = ["train", "--model", str(model), "--data", corpus, "--eval", str(held)]
    assert main(argv) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"{held}, line 1: the word 'pie' is not in the vocabulary of {model}" in err
