"""Run files: resume exactly; refuse damaged files and other corpora, changing nothing."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from core.debugging.runfile import RunFileError, load_run, save_run
from core.training.corpus import load_corpus
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "we eat", "the sun is hot"]


@pytest.fixture
def corpus_path(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return path


def trained(corpus_path, steps):
    trainer = Trainer(load_corpus(corpus_path), seed=4)
    losses = [trainer.step().loss for _ in range(steps)]
    return trainer, losses


def test_save_load_step_gives_the_same_trace_as_never_saving(tmp_path, corpus_path):
    trainer, losses = trained(corpus_path, 5)
    save_run(tmp_path / "run.json", trainer, ["token_embedding[cat][0]"], ["loss < 2"], losses)
    resumed = load_run(tmp_path / "run.json")
    index = trainer.model.params.index_of("token_embedding[cat][0]")
    assert resumed.trainer.step([index]) == trainer.step([index])
    assert resumed.trainer.step() == trainer.step()
    assert (resumed.watch, resumed.conditions, resumed.losses) == (
        ("token_embedding[cat][0]",),
        ("loss < 2",),
        tuple(losses),
    )


def test_a_run_on_another_corpus_is_refused_naming_both(tmp_path, corpus_path):
    trainer, losses = trained(corpus_path, 2)
    save_run(tmp_path / "run.json", trainer, [], [], losses)
    other = tmp_path / "other.txt"
    other.write_text("\n".join(SENTENCES[::-1]) + "\n")
    with pytest.raises(RunFileError, match=r"trained on .*c\.txt.* not on .*other\.txt"):
        load_run(tmp_path / "run.json", str(other))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong losses", "not a run"])
def test_a_damaged_run_file_gives_a_clear_message(tmp_path, corpus_path, damage):
    trainer, losses = trained(corpus_path, 2)
    path = tmp_path / "run.json"
    save_run(path, trainer, [], [], losses)
    text = path.read_text()
    if damage == "truncate":
        path.write_text(text[: len(text) // 2])
    elif damage == "garbage":
        path.write_text("\x00\x01 not json")
    elif damage == "wrong losses":
        obj = json.loads(text)
        obj["losses"] = obj["losses"][:1]
        path.write_text(json.dumps(obj))
    else:
        path.write_text(json.dumps({"config": {}, "weights": []}))
    damaged = path.read_bytes()
    with pytest.raises(RunFileError, match=r"run\.json"):
        load_run(path)
    assert path.read_bytes() == damaged  # reading a bad file changes nothing


SAVER = """
import sys
from core.training.corpus import load_corpus
from core.training.optimizer import AdamConfig
from core.debugging.runfile import save_run
from core.training.trainer import Trainer
trainer = Trainer(load_corpus(sys.argv[1]), seed=4)
losses = [trainer.step().loss]
save_run(sys.argv[2], trainer, [], [], losses)
print("ready", flush=True)
while True:  # nothing but saving, so that the kill lands in the middle of one
    save_run(sys.argv[2], trainer, [], [], losses)
"""


def test_killing_the_process_during_a_save_leaves_the_previous_file_intact(tmp_path, corpus_path):
    path = tmp_path / "run.json"
    for k in range(24):
        delay = 0.02 + 0.009 * k
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(corpus_path), str(path)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if path.exists():
            run = load_run(path)  # complete and valid: the old file or the new one
            assert run.trainer.step_index == len(run.losses) >= 1


@pytest.mark.parametrize(
    "saved, shown",
    [("c\u0000.txt", r"'c\\x00\.txt'"), ("\ud800", r"'\\ud800'")],
    ids=["nul", "lone-surrogate"],
)
def test_a_corpus_path_no_file_can_have_is_refused_naming_it(tmp_path, corpus_path, saved, shown):
    trainer, losses = trained(corpus_path, 1)
    path = tmp_path / "run.json"
    save_run(path, trainer, [], [], losses)
    obj = json.loads(path.read_text())
    obj["corpus"]["path"] = saved  # JSON can hold both; no path can
    path.write_text(json.dumps(obj))
    with pytest.raises(RunFileError, match=r"run\.json: cannot read its corpus: .*" + shown):
        load_run(path)


def test_a_version_1_run_file_resumes_as_a_run_from_scratch_at_the_default_rate(
    tmp_path, corpus_path
):
    trainer, losses = trained(corpus_path, 3)
    save_run(tmp_path / "run.json", trainer, [], [], losses)
    obj = json.loads((tmp_path / "run.json").read_text())
    for key in ("learning_rate", "fine_tune", "original"):
        del obj[key]
    obj["version"] = 1
    (tmp_path / "run.json").write_text(json.dumps(obj))
    resumed = load_run(tmp_path / "run.json")
    assert not resumed.trainer.fine_tuning and resumed.trainer.adam.config.learning_rate == 0.01
    assert resumed.trainer.step() == trainer.step()


def test_a_run_at_another_learning_rate_resumes_at_it(tmp_path, corpus_path):
    trainer = Trainer(load_corpus(corpus_path), 4, AdamConfig(learning_rate=0.05, num_steps=40))
    losses = [trainer.step().loss for _ in range(2)]
    save_run(tmp_path / "run.json", trainer, [], [], losses)
    resumed = load_run(tmp_path / "run.json")
    assert resumed.trainer.adam.config == trainer.adam.config
    assert resumed.trainer.step() == trainer.step()


@pytest.mark.parametrize("rate", [0, -1, 11, "fast", True])
def test_a_learning_rate_that_cannot_be_is_refused(tmp_path, corpus_path, rate):
    trainer, losses = trained(corpus_path, 1)
    save_run(tmp_path / "run.json", trainer, [], [], losses)
    obj = json.loads((tmp_path / "run.json").read_text())
    obj["learning_rate"] = rate
    (tmp_path / "run.json").write_text(json.dumps(obj))
    with pytest.raises(RunFileError, match="learning_rate"):
        load_run(tmp_path / "run.json")
