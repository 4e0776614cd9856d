"""The headless command line: what it prints, what it writes, and one clear message (never
a traceback) for every mistake."""

import json

import pytest

from core.model.gpt import GPTConfig, Model
from core.model.modelfile import save_model
from core.reference.rng import Mulberry32
from tui.cli import main

SENTENCES = ["the cat eats a muffin", "a dog runs", "the dog eats"]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return str(path)


def test_train_logs_every_step_and_saves_the_model(tmp_path, corpus, capsys):
    log, saved = tmp_path / "log.jsonl", tmp_path / "model.json"
    code = main(
        [
            "train",
            "--data",
            corpus,
            "--steps",
            "100",
            "--stop-after",
            "3",
            "--log-jsonl",
            str(log),
            "--save",
            str(saved),
        ]
    )
    assert code == 0
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["step"] for line in lines] == [1, 2, 3]
    assert set(lines[0]) == {"step", "sentence_index", "sentence", "tokens", "n", "lr", "loss"}
    assert lines[1]["lr"] == 0.01 * (1 - 1 / 100)
    assert json.loads(saved.read_text())["vocabulary"] == [
        "a",
        "cat",
        "dog",
        "eats",
        "muffin",
        "runs",
        "the",
    ]
    assert "trained 3 steps" in capsys.readouterr().err


def test_generate_prints_one_sentence_per_line(tmp_path, corpus, capsys):
    saved = tmp_path / "model.json"
    main(["train", "--data", corpus, "--stop-after", "2", "--save", str(saved)])
    capsys.readouterr()
    assert main(["generate", "--model", str(saved), "--num", "4", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert all(set(line.split()) <= set(" ".join(SENTENCES).split()) for line in lines)


def test_generate_continues_a_prompt(tmp_path, corpus, capsys):
    saved = tmp_path / "model.json"
    main(["train", "--data", corpus, "--stop-after", "2", "--save", str(saved)])
    capsys.readouterr()
    main(["generate", "--model", str(saved), "--num", "3", "--seed", "1", "--prompt", "the dog"])
    assert all(line.startswith("the dog") for line in capsys.readouterr().out.splitlines())


def test_info_counts_the_tutorials_parameters_for_597_tokens(tmp_path, capsys):
    words = [f"w{i}" for i in range(596)]
    path = tmp_path / "wide.txt"
    path.write_text("\n".join(" ".join(words[i : i + 4]) for i in range(0, 596, 4)))
    assert main(["info", "--data", str(path), "--encode", "w1 w2"]) == 0
    out = capsys.readouterr().out
    assert "63,296" in out and "597 tokens" in out


def error_of(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    return err


def test_an_unknown_prompt_word_is_named(tmp_path, corpus, capsys):
    saved = tmp_path / "model.json"
    main(["train", "--data", corpus, "--stop-after", "1", "--save", str(saved)])
    capsys.readouterr()
    assert "'unicorn'" in error_of(
        capsys, ["generate", "--model", str(saved), "--prompt", "the unicorn"]
    )


def test_an_unknown_word_to_encode_is_named(corpus, capsys):
    assert "'zebra'" in error_of(capsys, ["info", "--data", corpus, "--encode", "a zebra"])


def test_a_missing_corpus_is_named(tmp_path, capsys):
    assert "missing.txt: no such file" in error_of(
        capsys, ["train", "--data", str(tmp_path / "missing.txt")]
    )


def test_a_model_file_that_is_not_json_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    assert "bad.json is not a model file" in error_of(capsys, ["generate", "--model", str(bad)])


def test_a_reference_model_without_vocabulary_asks_for_its_corpus(tmp_path, capsys):
    path = tmp_path / "ref.json"
    model = Model(GPTConfig(vocab_size=4))
    path.write_text(
        json.dumps({"config": model.config.to_reference(), "weights": model.params.data.tolist()})
    )
    assert "give --data" in error_of(capsys, ["generate", "--model", str(path)])


def test_a_model_of_another_vocabulary_is_refused(tmp_path, corpus, capsys):
    path = tmp_path / "other.json"
    save_model(Model.initialised(GPTConfig(vocab_size=4), Mulberry32(1), ["x", "y", "z"]), path)
    assert "different vocabulary" in error_of(
        capsys, ["generate", "--model", str(path), "--data", corpus]
    )


def test_an_interrupted_training_keeps_a_complete_log(tmp_path, corpus, monkeypatch, capsys):
    from core.training.trainer import Trainer

    real_step, calls = Trainer.step, []

    def step(self, watch=()):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_step(self, watch)

    monkeypatch.setattr(Trainer, "step", step)
    log = tmp_path / "log.jsonl"
    argv = ["train", "--engine", "scalar", "--data", corpus, "--log-jsonl", str(log)]
    assert main(argv) == 130  # 128 + SIGINT
    assert len(log.read_text().splitlines()) == 2
    assert "stopped after 2 steps" in capsys.readouterr().err


@pytest.mark.parametrize("engine, method", [("twin", "light_step"), ("scalar", "step")])
def test_a_non_finite_loss_stops_training_with_a_message_and_no_traceback(
    tmp_path, corpus, monkeypatch, capsys, engine, method
):
    from core.errors import NonFiniteError
    from core.training.trainer import Trainer

    def diverge(self, watch=()):
        raise NonFiniteError("step 1: the loss is inf; the update was not applied")

    monkeypatch.setattr(Trainer, method, diverge)
    saved = tmp_path / "model.json"
    argv = ["train", "--engine", engine, "--data", corpus, "--save", str(saved)]
    err = error_of(capsys, argv)
    assert "the loss is inf" in err and not saved.exists()


def test_resuming_a_damaged_run_file_says_so_before_the_ui_starts(tmp_path, capsys):
    bad = tmp_path / "run.json"
    bad.write_text('{"format": "microgpt-run", "version": 1, "corpus": ')
    assert "may be truncated" in error_of(capsys, ["--resume", str(bad)])


def test_resuming_on_another_corpus_names_both(tmp_path, corpus, capsys):
    from core.debugging.runfile import save_run
    from core.training.corpus import load_corpus
    from core.training.trainer import Trainer

    trainer = Trainer(load_corpus(corpus), seed=1)
    trainer.step()
    save_run(tmp_path / "run.json", trainer, [], [], [0.0])
    other = tmp_path / "other.txt"
    other.write_text("we eat\n")
    err = error_of(capsys, ["--resume", str(tmp_path / "run.json"), "--data", str(other)])
    assert "corpus.txt" in err and "other.txt" in err
