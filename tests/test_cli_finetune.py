"""Fine-tuning from the command line: `train --model`, `--vocab-from`, `--lr` and the
`--fine-tune` preset, with what `train` prints and logs of the original-corpus loss."""

import json
import shutil

import pytest

from core.model.modelfile import load_model, model_to_json
from core.training.corpus import DEFAULT_CORPUS, DEFAULT_QUESTIONS, load_corpus
from core.training.forgetting import EVERY
from core.training.trainer import Trainer
from tui.cli import main, parse_args


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model of our corpus after two steps, saved as `train --save` saves it."""
    path = tmp_path_factory.mktemp("model") / "trained.json"
    assert main(["train", "--stop-after", "2", "--save", str(path)]) == 0
    return path


def test_fine_tune_presets_our_questions_the_tutorials_rate_and_schedule():
    args = parse_args(["train", "--model", "m.json", "--fine-tune"])
    assert (args.data, args.lr, args.steps) == (str(DEFAULT_QUESTIONS), 0.001, 1000)


def test_options_given_beside_fine_tune_win():
    args = parse_args(["--model", "m.json", "--fine-tune", "--lr", "0.002", "--steps", "50"])
    assert (args.lr, args.steps, args.data) == (0.002, 50, str(DEFAULT_QUESTIONS))


def test_fine_tune_without_a_model_says_what_to_give(capsys):
    with pytest.raises(SystemExit):
        parse_args(["train", "--fine-tune"])
    assert "--fine-tune needs --model FILE" in capsys.readouterr().err


def test_vocab_from_without_a_model_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["train", "--vocab-from", "corpus.txt"])
    assert "--vocab-from goes with --model" in capsys.readouterr().err


@pytest.mark.parametrize("rate", ["0", "-0.1", "11", "nan", "fast"])
def test_a_learning_rate_out_of_range_is_refused(capsys, rate):
    with pytest.raises(SystemExit):
        parse_args(["train", "--lr", rate])
    assert "--lr" in capsys.readouterr().err


def test_lr_sets_the_peak_of_a_training_from_scratch(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    main(["train", "--lr", "0.05", "--steps", "10", "--stop-after", "2", "--log-jsonl", str(log)])
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["lr"] for line in lines] == [0.05, 0.05 * (1 - 1 / 10)]


def test_train_fine_tunes_logs_the_original_loss_and_saves_with_the_vocabulary(
    trained, tmp_path, capsys
):
    log, saved = tmp_path / "log.jsonl", tmp_path / "tuned.json"
    argv = ["train", "--model", str(trained), "--fine-tune", "--stop-after", str(EVERY)]
    assert main([*argv, "--log-jsonl", str(log), "--save", str(saved)]) == 0
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines[0]["lr"] == 0.001 and "original_loss" not in lines[0]
    assert {"original_loss", "original_rise"} <= set(lines[EVERY - 1])
    err = " ".join(capsys.readouterr().err.split())
    assert "watching forgetting" in err and "original-corpus loss" in err
    assert load_model(saved).words == load_model(trained).words


def test_a_model_file_without_a_vocabulary_needs_vocab_from(trained, tmp_path, capsys):
    bare = json.loads(trained.read_text())
    del bare["vocabulary"]
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(bare))
    assert main(["train", "--model", str(path), "--fine-tune", "--stop-after", "1"]) == 1
    assert "pass --vocab-from CORPUS" in " ".join(capsys.readouterr().err.split())
    shutil.copy(DEFAULT_CORPUS, tmp_path / "original.txt")
    argv = ["train", "--model", str(path), "--fine-tune", "--stop-after", "1"]
    assert main([*argv, "--vocab-from", str(tmp_path / "original.txt")]) == 0


def test_a_word_the_model_does_not_know_is_named_with_its_file_and_line(trained, tmp_path, capsys):
    corpus = tmp_path / "mine.txt"
    corpus.write_text("can the cat run\nwhere is my xylophone\n")
    assert main(["train", "--model", str(trained), "--data", str(corpus)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "mine.txt, line 2: the word 'xylophone' is not in the vocabulary" in err
    assert "Traceback" not in err


def test_saving_over_the_model_being_fine_tuned_is_refused(trained, capsys):
    before = trained.read_bytes()
    argv = ["train", "--model", str(trained), "--fine-tune", "--save", str(trained)]
    assert main([*argv, "--stop-after", "1"]) == 1
    assert trained.read_bytes() == before
    assert "the model file" in capsys.readouterr().err


def test_a_trained_model_fine_tunes_as_the_trainer_does(trained):
    # The command is a thin layer: its model is the one a Trainer fine-tuning it starts from.
    model = load_model(trained)
    trainer = Trainer(load_corpus(DEFAULT_QUESTIONS), 42, model=model, fine_tune=True)
    assert model_to_json(trainer.model) == model_to_json(model)


def test_the_tutorials_model_fine_tunes_with_vocab_from_as_its_script_does(reference_dir, tmp_path):
    log = tmp_path / "log.jsonl"
    argv = ["train", "--model", str(reference_dir / "model_seed42_after30.json")]
    argv += ["--data", str(reference_dir / "questions.txt"), "--lr", "0.001", "--steps", "1000"]
    argv += ["--vocab-from", str(reference_dir / "grade1_sentences.txt"), "--stop-after", "3"]
    assert main([*argv, "--log-jsonl", str(log)]) == 0
    expected = json.loads((reference_dir / "finetune_after30.json").read_text())["steps"][:3]
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["loss"] for line in lines] == [s["loss"] for s in expected]


def test_the_tutorials_model_without_vocab_from_says_what_to_pass(reference_dir, capsys):
    argv = ["train", "--model", str(reference_dir / "model_seed42_after30.json")]
    argv += ["--data", str(reference_dir / "questions.txt")]
    assert main(argv) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "carries no vocabulary" in err and "pass --vocab-from CORPUS" in err
    assert "grade1_sentences.txt" in err
