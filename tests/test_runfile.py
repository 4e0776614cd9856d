"""Run files: resume exactly (the held-out set and its losses too); refuse damaged files and
other corpora, changing nothing; read the versions before this one."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from core.debugging.runfile import RunFileError, load_run, save_run
from core.debugging.timeline import Timeline
from core.training.corpus import load_corpus
from core.training.heldout import HeldOut
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


# --- the held-out set (version 3) ------------------------------------------------------

HELD_OUT = ["the dog eats a muffin", "the cat runs to the park"]


def with_held_out(tmp_path, corpus_path, steps, every=2):
    """A run with a held-out set, stepped `steps` times through a timeline, saved."""
    held = tmp_path / "held.txt"
    held.write_text("\n".join(HELD_OUT) + "\n")
    corpus = load_corpus(corpus_path)
    held_out = HeldOut.read(held, Trainer(corpus, 4).tokenizer, corpus.path)
    timeline = Timeline(Trainer(corpus, 4, held_out=held_out, held_out_every=every))
    for _ in range(steps):
        timeline.step()
    trainer = timeline.trainer
    save_run(
        tmp_path / "run.json",
        trainer,
        [],
        [],
        timeline.losses,
        held_out_losses=timeline.held_out_losses,
    )
    return timeline, held


def test_a_run_with_a_held_out_set_resumes_with_its_losses_and_goes_on_bit_for_bit(
    tmp_path, corpus_path
):
    timeline, held = with_held_out(tmp_path, corpus_path, 3)
    saved = dict(timeline.held_out_losses)
    rest = [timeline.step() for _ in range(3)]
    run = load_run(tmp_path / "run.json")
    assert run.trainer.held_out is not None and run.trainer.held_out.path == str(held)
    assert run.trainer.held_out_every == 2 and run.warnings == ()
    assert run.held_out_losses == saved and sorted(saved) == [0, 2]
    resumed = Timeline(run.trainer, losses=run.losses, held_out_losses=run.held_out_losses)
    again = [resumed.step() for _ in range(3)]
    assert again == rest  # held_out_loss is part of each trace
    assert resumed.held_out_losses == timeline.held_out_losses


def test_a_run_file_keeps_the_held_out_file_its_hash_its_schedule_and_its_losses(
    tmp_path, corpus_path
):
    timeline, held = with_held_out(tmp_path, corpus_path, 2)
    saved = json.loads((tmp_path / "run.json").read_text())
    assert saved["version"] == 3
    trainer = timeline.trainer
    assert trainer.held_out is not None
    assert saved["held_out"] == {
        "path": str(held),
        "sha256": trainer.held_out.sha256,
        "every": 2,
        "baseline": trainer.held_out_baseline,
        "losses": [[0, trainer.held_out_baseline], [2, timeline.held_out_losses[2]]],
    }


def test_a_version_2_run_file_resumes_without_a_held_out_set(tmp_path, corpus_path):
    trainer, losses = trained(corpus_path, 2)
    save_run(tmp_path / "run.json", trainer, [], [], losses)
    obj = json.loads((tmp_path / "run.json").read_text())
    del obj["held_out"]
    obj["version"] = 2
    (tmp_path / "run.json").write_text(json.dumps(obj))
    resumed = load_run(tmp_path / "run.json")
    assert resumed.trainer.held_out is None and resumed.held_out_losses == {}
    assert resumed.trainer.step() == trainer.step()


def test_a_version_3_run_file_without_its_held_out_entry_is_damaged(tmp_path, corpus_path):
    trainer, losses = trained(corpus_path, 1)
    save_run(tmp_path / "run.json", trainer, [], [], losses)
    obj = json.loads((tmp_path / "run.json").read_text())
    del obj["held_out"]
    (tmp_path / "run.json").write_text(json.dumps(obj))
    with pytest.raises(RunFileError, match=r"run\.json is damaged: held_out is missing"):
        load_run(tmp_path / "run.json")


def test_a_held_out_file_that_changed_resumes_without_it_and_says_so(tmp_path, corpus_path):
    _, held = with_held_out(tmp_path, corpus_path, 2)
    held.write_text("the dog eats a muffin\n")
    run = load_run(tmp_path / "run.json")
    assert run.trainer.held_out is None and run.held_out_losses == {}
    assert len(run.warnings) == 1
    assert f"no held-out loss: {held} changed since the run was saved" in run.warnings[0]


def test_a_held_out_file_that_is_gone_resumes_without_it_and_says_so(tmp_path, corpus_path):
    _, held = with_held_out(tmp_path, corpus_path, 2)
    held.unlink()
    run = load_run(tmp_path / "run.json")
    assert run.trainer.held_out is None
    assert "cannot read the held-out file" in run.warnings[0] and str(held) in run.warnings[0]


@pytest.mark.parametrize(
    ("key", "value"), [("losses", [[2, "low"]]), ("baseline", None), ("every", 0)]
)
def test_damaged_held_out_entries_are_refused_naming_them(tmp_path, corpus_path, key, value):
    with_held_out(tmp_path, corpus_path, 2)
    obj = json.loads((tmp_path / "run.json").read_text())
    obj["held_out"][key] = value
    (tmp_path / "run.json").write_text(json.dumps(obj))
    with pytest.raises(RunFileError, match=rf"run\.json is damaged: held_out\.{key}"):
        load_run(tmp_path / "run.json")
