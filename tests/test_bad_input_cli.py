"""Bad and unusual input to the command line, as a careful tester gives it: for every case,
no traceback, one message that names the thing at fault, and every file that existed
before is byte-identical afterwards (or, for an intended write, complete and valid).

Cases are grouped by the categories of the reliability issue; each case is a command line
written against a small world of files in a temporary folder.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from filestate import changed, file_state

from core.debugging.runfile import load_run, save_run
from core.model.gpt import GPTConfig, Model
from core.model.modelfile import load_model, model_to_json
from core.reference.rng import Mulberry32
from core.training.corpus import load_corpus
from core.training.trainer import Trainer
from tui.cli import main

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "the dog eats"]


@dataclass
class World:
    """The files a case may point at."""

    root: Path
    corpus: Path
    model: Path
    run: Path
    notes: Path

    def __truediv__(self, name: str) -> Path:
        return self.root / name

    def write_model(self, name: str, obj: object) -> str:
        path = self.root / name
        path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
        return str(path)


@pytest.fixture
def world(tmp_path: Path) -> World:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(SENTENCES) + "\n")
    trainer = Trainer(load_corpus(corpus), seed=1)
    losses = [trainer.step().loss]
    model = tmp_path / "model.json"
    model.write_text(json.dumps(model_to_json(trainer.model)))
    run = tmp_path / "run.json"
    save_run(run, trainer, [], [], losses)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes: do not lose\n")
    return World(tmp_path, corpus, model, run, notes)


def run_cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    """The exit status, stdout and stderr of one command; argparse's refusals count."""
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], world: World, argv: list[str], *named: str) -> str:
    """Run a command that must fail: non-zero, every `named` string in its message, no file
    touched. Returns the message."""
    before = file_state(world.root)
    code, out, err = run_cli(capsys, argv)
    assert code != 0, out + err
    message = " ".join(err.split())  # Rich may break a long line
    for name in named:
        assert name in message, f"{name!r} not in: {message}"
    assert changed(before, file_state(world.root)) == set()
    return message


def tiny_model_obj(**config: object) -> dict[str, object]:
    """A small, valid model file's object (4 tokens), with config fields overridden."""
    base = GPTConfig(n_layer=1, n_embd=4, block_size=4, n_head=2, head_dim=2, vocab_size=4)
    model = Model.initialised(base, Mulberry32(1), ["x", "y", "z"])
    obj = model_to_json(model)
    obj["config"].update(config)
    return obj


def make_fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def make_device(path: Path, major: int = 1, minor: int = 3) -> Path:
    """A character device in the test's folder (1,3 is /dev/null's number; 1,5 /dev/zero's;
    1,7 /dev/full's), never the machine's own /dev."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    return path


# --- 1. Outputs must not destroy inputs, or each other ---------------------------------

TRAIN = ["train", "--stop-after", "1", "--steps", "10"]


def train_args(world: World, *extra: str) -> list[str]:
    return [*TRAIN, "--data", str(world.corpus), *extra]


@pytest.mark.parametrize("flag", ["--save", "--log-jsonl"])
def test_an_output_that_is_the_corpus_is_refused(world, capsys, flag):
    refused(capsys, world, train_args(world, flag, str(world.corpus)), "corpus.txt", "corpus")


@pytest.mark.parametrize("flag", ["--save", "--log-jsonl"])
def test_the_corpus_written_another_way_is_still_the_corpus(world, capsys, flag):
    other_way = f"{world.root}/./sub/../corpus.txt"
    (world / "sub").mkdir()
    refused(capsys, world, train_args(world, flag, other_way), "corpus")


@pytest.mark.parametrize("flag", ["--save", "--log-jsonl"])
def test_a_symlink_to_the_corpus_is_the_corpus(world, capsys, flag):
    (world / "link.txt").symlink_to(world.corpus)
    refused(capsys, world, train_args(world, flag, str(world / "link.txt")), "link.txt", "corpus")


@pytest.mark.parametrize("flag", ["--save", "--log-jsonl"])
def test_a_hard_link_to_the_corpus_is_the_corpus(world, capsys, flag):
    os.link(world.corpus, world / "hard.txt")
    refused(capsys, world, train_args(world, flag, str(world / "hard.txt")), "hard.txt")


def test_the_same_file_for_model_and_log_is_refused(world, capsys):
    out = str(world / "both.json")
    refused(capsys, world, train_args(world, "--save", out, "--log-jsonl", out), "both.json")


def test_the_same_file_for_model_and_log_through_a_link_is_refused(world, capsys):
    (world / "alias.json").symlink_to(world / "both.json")
    argv = train_args(world, "--save", str(world / "both.json"))
    refused(capsys, world, [*argv, "--log-jsonl", str(world / "alias.json")], "alias.json")


@pytest.mark.parametrize("flag", ["--save", "--log-jsonl"])
@pytest.mark.parametrize(("device", "number"), [("null", 3), ("zero", 5), ("full", 7)])
def test_a_device_is_never_replaced_by_a_file(world, capsys, flag, device, number):
    node = make_device(world / device, 1, number)
    refused(capsys, world, train_args(world, flag, str(node)), device, "device")
    assert stat.S_ISCHR(os.lstat(node).st_mode)


@pytest.mark.parametrize("flag", ["--save", "--log-jsonl"])
def test_a_fifo_is_refused_without_blocking(world, capsys, flag):
    fifo = make_fifo(world / "pipe")
    refused(capsys, world, train_args(world, flag, str(fifo)), "pipe")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("flag", ["--save", "--log-jsonl"])
def test_an_existing_text_file_is_not_overwritten(world, capsys, flag):
    refused(capsys, world, train_args(world, flag, str(world.notes)), "notes.txt", "not JSON")


def test_saving_over_a_symlink_writes_its_target(world, capsys):
    (world / "latest.json").symlink_to(world.model)
    code, _, _ = run_cli(capsys, train_args(world, "--save", str(world / "latest.json")))
    assert code == 0
    assert os.readlink(world / "latest.json") == str(world.model)
    assert (
        load_model(world.model).config.vocab_size
        == load_model(world / "latest.json").config.vocab_size
    )


@pytest.mark.parametrize("mode", [0o640, 0o600, 0o664])
def test_saving_over_a_file_keeps_its_permissions(world, capsys, mode):
    os.chmod(world.model, mode)
    assert run_cli(capsys, train_args(world, "--save", str(world.model)))[0] == 0
    assert stat.S_IMODE(os.stat(world.model).st_mode) == mode
    load_model(world.model)  # complete and valid


def test_a_new_file_gets_the_usual_permissions(world, capsys):
    umask = os.umask(0o022)
    try:
        assert run_cli(capsys, train_args(world, "--save", str(world / "new.json")))[0] == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(world / "new.json").st_mode) == 0o644


def test_overwriting_a_model_with_a_new_one_is_an_intended_write(world, capsys):
    before = file_state(world.root)
    assert run_cli(capsys, train_args(world, "--save", str(world.model)))[0] == 0
    assert changed(before, file_state(world.root)) == {"model.json"}
    load_model(world.model)


# --- 2. No work thrown away: outputs are checked before training ------------------------


@pytest.mark.parametrize("flag", ["--save", "--log-jsonl"])
@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("missing/model.json", "does not exist"),
        ("notes.txt/model.json", "not a folder"),
        ("", "is a folder"),
        (".", "is a folder"),
    ],
)
def test_a_bad_output_place_is_refused_before_training(world, capsys, flag, where, named):
    message = refused(capsys, world, train_args(world, flag, str(world / where)), named)
    assert "training on" not in message  # refused before any step was spent


def test_an_unwritable_folder_is_refused_before_training(world, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere; see the read-only mount test in test_signals_cli")
    locked = world / "locked"
    locked.mkdir(mode=0o500)
    message = refused(capsys, world, train_args(world, "--save", str(locked / "m.json")), "locked")
    assert "training on" not in message


def test_a_full_disk_while_logging_keeps_the_model(world, capsys, monkeypatch):
    from core.files import outputs

    real_write, writes = outputs.AtomicFile.write, []

    def write(self, text):
        writes.append(text)
        if len(writes) == 2:
            self._stream.write = _raise_enospc  # the disk fills up at the second line
        real_write(self, text)

    monkeypatch.setattr(outputs.AtomicFile, "write", write)
    log, saved = world / "log.jsonl", world / "saved.json"
    argv = [*train_args(world, "--save", str(saved), "--log-jsonl", str(log))]
    argv[argv.index("--stop-after") + 1] = "5"
    before = file_state(world.root)
    code, _, err = run_cli(capsys, argv)
    assert code == 1 and "disk is full" in err and "log.jsonl" in err
    assert changed(before, file_state(world.root)) == {"saved.json"}
    load_model(saved)  # the work is kept
    assert not log.exists()  # and no half-written log


def _raise_enospc(text: str) -> int:
    raise OSError(28, "No space left on device")


def test_no_temporary_file_is_left_when_a_save_fails(world, capsys, monkeypatch):
    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    argv = train_args(world, "--save", str(world / "m.json"), "--log-jsonl", str(world / "l.jsonl"))
    before = file_state(world.root)
    code, _, err = run_cli(capsys, argv)
    assert code == 1 and "disk is full" in err
    assert changed(before, file_state(world.root)) == set()


def test_headless_training_keeps_no_step_traces(world, capsys, monkeypatch):
    import gc

    from core.training.trace import StepTrace

    alive = []

    def count_traces():
        gc.collect()
        alive.append(sum(isinstance(o, StepTrace) for o in gc.get_objects()))

    from tui.commands import train

    real = train._summarise
    monkeypatch.setattr(train, "_summarise", lambda *a: (count_traces(), real(*a)))
    argv = train_args(world)
    argv[argv.index("--stop-after") + 1] = "6"
    assert run_cli(capsys, argv)[0] == 0
    assert alive == [0]


# --- 3. User and file text is shown literally, never as markup --------------------------

MARKUP = ["[/]", "[b]bold[/b]", "[red]", "[link=x]y[/link]", "[[/]]", "a[/b]c"]


@pytest.mark.parametrize("text", MARKUP)
def test_a_missing_corpus_with_brackets_is_named_literally(world, capsys, text):
    refused(capsys, world, ["train", "--data", str(world / f"{text}.txt")], f"{text}.txt")


@pytest.mark.parametrize("text", MARKUP)
def test_a_missing_model_with_brackets_is_named_literally(world, capsys, text):
    path = str(world / f"{text}.json")
    refused(capsys, world, ["generate", "--model", path], f"{text}.json")


@pytest.mark.parametrize("text", MARKUP[:3])
def test_a_run_file_with_brackets_is_named_literally(world, capsys, text):
    refused(capsys, world, ["--resume", str(world / f"{text}.json")], f"{text}.json")


NAMES = ["[b]bold", "[red]x", "[link=x]y", "x[i]"]  # markup that a file name can hold


@pytest.mark.parametrize("text", NAMES)
def test_a_corpus_named_with_brackets_trains_and_is_named_literally(world, capsys, text):
    named = world / f"{text}.txt"
    named.write_text(world.corpus.read_text())
    code, _, err = run_cli(capsys, [*TRAIN, "--data", str(named)])
    assert code == 0 and f"{text}.txt" in err


@pytest.mark.parametrize("text", NAMES)
def test_info_names_a_bracketed_corpus_literally(world, capsys, text):
    named = world / f"{text}.txt"
    named.write_text(world.corpus.read_text())
    code, out, _ = run_cli(capsys, ["info", "--data", str(named)])
    assert code == 0 and f"{text}.txt" in out


@pytest.mark.parametrize("text", ["[/]", "[b]cat[/b]", "cat [red]"])
def test_an_unknown_word_in_a_prompt_is_shown_literally(world, capsys, text):
    # Brackets are punctuation to the corpus reader: what is left must be named as typed.
    argv = ["generate", "--model", str(world.model), "--prompt", f"the zebra{text}"]
    refused(capsys, world, argv, "zebra")


def test_a_save_folder_with_brackets_is_named_literally(world, capsys):
    refused(
        capsys, world, train_args(world, "--save", str(world / "[b]x[/b]" / "m.json")), "[b]x[/b]"
    )


# --- 4. Output for pipes and files: complete lines, streamed ----------------------------


def test_generate_writes_one_sentence_per_line_whatever_its_length(world, capsys):
    code, out, _ = run_cli(
        capsys,
        [
            "generate",
            "--model",
            str(world.model),
            "--num",
            "30",
            "--seed",
            "3",
            "--temperature",
            "3",
        ],
    )
    lines = out.splitlines()
    assert code == 0 and len(lines) == 30
    words = set(" ".join(SENTENCES).split())
    assert all(set(line.split()) <= words for line in lines if line)


def test_info_does_not_cut_a_long_path(world, capsys):
    deep = world.root / ("a-rather-long-folder-name-" * 4)
    deep.mkdir()
    (deep / "corpus.txt").write_text(world.corpus.read_text())
    code, out, _ = run_cli(capsys, ["info", "--data", str(deep / "corpus.txt")])
    assert code == 0 and str(deep / "corpus.txt") in out and "…" not in out


def test_info_encodes_a_long_sentence_without_crushing_it(world, capsys):
    sentence = " ".join(["the dog eats a muffin"] * 6)
    code, out, _ = run_cli(capsys, ["info", "--data", str(world.corpus), "--encode", sentence])
    assert code == 0 and "…" not in out
    assert out.count("muffin") >= 6


def test_bench_prints_its_json_lines_whole(world, capsys):
    code, out, _ = run_cli(capsys, ["bench", "--data", str(world.corpus), "--repeat", "1"])
    lines = [x for x in out.splitlines() if x.startswith('{"bench"')]
    assert code == 0 and len(lines) == 2  # the scalar engine's and the twin's
    assert all(json.loads(line)["bench"] for line in lines)


# --- 5. Hostile or odd files -------------------------------------------------------------


@pytest.mark.parametrize("command", ["train", "info", "bench"])
def test_a_fifo_as_corpus_is_refused_without_waiting(world, capsys, command):
    fifo = make_fifo(world / "corpus.fifo")
    refused(capsys, world, [command, "--data", str(fifo)], "corpus.fifo", "pipe")


@pytest.mark.parametrize("minor", [3, 5])
def test_a_device_as_corpus_is_refused(world, capsys, minor):
    node = make_device(world / "dev", 1, minor)
    refused(capsys, world, ["info", "--data", str(node)], "dev", "device")


@pytest.mark.parametrize("argv", [["generate", "--model"], ["info", "--model"], ["--model"]])
def test_a_fifo_as_model_is_refused_without_waiting(world, capsys, argv):
    fifo = make_fifo(world / "model.fifo")
    refused(capsys, world, [*argv, str(fifo)], "model.fifo", "pipe")


def test_a_fifo_as_run_file_is_refused_without_waiting(world, capsys):
    fifo = make_fifo(world / "run.fifo")
    refused(capsys, world, ["--resume", str(fifo)], "run.fifo", "pipe")


def test_a_device_as_model_is_refused(world, capsys):
    node = make_device(world / "zero", 1, 5)
    refused(capsys, world, ["generate", "--model", str(node)], "zero", "device")


@pytest.mark.parametrize(("flag", "what"), [("--data", "corpus"), ("--model", "model")])
def test_a_huge_file_is_refused_by_its_size_without_reading_it(
    world, capsys, tmp_path_factory, flag, what
):
    huge = tmp_path_factory.mktemp("huge") / "huge"  # outside the world: not hashed
    with open(huge, "wb") as f:
        f.truncate(4 << 30)  # sparse: 4 GB that take no space
    argv = ["info", "--data", str(world.corpus), flag, str(huge)]
    refused(capsys, world, argv, "huge", "MB")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('{"config": 1e400, "weights": []}', "1e400"),
        ('{"config": {}, "weights": [-1e400]}', "-1e400"),
        ('{"config": {}, "weights": [1' + "0" * 400 + "]}", "401 digits"),
        ('{"config": {}, "weights": [0.' + "1" * 5000 + "]}", "5,002 characters"),
        ('{"config": {}, "weights": [NaN]}', "NaN"),
        ('{"config": {}, "weights": [Infinity]}', "Infinity"),
        ('{"config": {}, "weights": [-Infinity]}', "Infinity"),
        ("[" * 5_000 + "]" * 5_000, "nested too deeply"),
        ('{"config": {}, "weights": [' + "[" * 5_000, "nested too deeply"),
        ("[" * 200_000 + "]" * 200_000, "more values or lists"),
        ("[" + "[]," * 1_000_000 + "[]]", "more values or lists"),
        ('{"config": {}, "weights": [' + "0," * 6_000_000 + "0]}", "more values or lists"),
        ('{"config": {"nLayer": 2', "truncated"),
        ("", "not complete JSON"),
        ("\xff\xfe", "not UTF-8"),
        ("[1, 2, 3]", '"config" and "weights"'),
        ('"config"', '"config" and "weights"'),
    ],
)
def test_a_hostile_model_file_is_refused_with_its_name(world, capsys, text, named):
    path = world / "hostile.json"
    path.write_bytes(text.encode("utf-8") if text != "\xff\xfe" else b"\xff\xfe{")
    refused(capsys, world, ["generate", "--model", str(path)], "hostile.json", named)


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"nEmbd": 4_000_000, "headDim": 2_000_000}, "nEmbd"),
        ({"nLayer": 10_000_000}, "nLayer"),
        ({"vocabSize": 10**9}, "vocabSize"),
        ({"nLayer": 64, "nEmbd": 4096, "nHead": 1, "headDim": 4096}, "parameters"),
        ({"nEmbd": 4e6}, "nEmbd"),
        ({"nLayer": 0}, "nLayer"),
        ({"nLayer": -2}, "nLayer"),
        ({"nLayer": True}, "nLayer"),
        ({"blockSize": "16"}, "blockSize"),
        ({"nHead": 3}, "nHead"),
    ],
)
def test_a_config_out_of_bounds_is_refused_before_any_allocation(world, capsys, config, named):
    import tracemalloc

    path = world.write_model("big.json", tiny_model_obj(**config))
    tracemalloc.start()
    try:
        refused(capsys, world, ["generate", "--model", path], "big.json", named)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 << 20


def test_a_model_with_too_few_weights_is_called_damaged(world, capsys):
    obj = tiny_model_obj()
    obj["weights"] = obj["weights"][:-1]
    path = world.write_model("short.json", obj)
    refused(capsys, world, ["generate", "--model", path], "short.json", "damaged or truncated")


@pytest.mark.parametrize(
    ("vocabulary", "named"),
    [
        (["x", "x", "z"], "'x' twice"),
        (["", "y", "z"], "entry 0"),
        (["x", "y z", "zz"], "'y z'"),
        (["BOS", "x", "y"], '"BOS"'),
        (["z", "y", "x"], "sorted order"),
        (["x", 7, "z"], "entry 1"),
        (["x", "y", "cat."], "'cat.'"),
        (["X", "y", "z"], "'X'"),
        ("x y z", '"vocabulary" must be a list'),
    ],
)
def test_a_bad_vocabulary_is_refused_naming_the_entry(world, capsys, vocabulary, named):
    obj = tiny_model_obj()
    obj["vocabulary"] = vocabulary
    path = world.write_model("vocab.json", obj)
    refused(capsys, world, ["generate", "--model", path], "vocab.json", named)


def test_a_model_of_overflowing_weights_cannot_generate(world, capsys):
    obj = tiny_model_obj()
    obj["weights"] = [1e308] * len(obj["weights"])
    path = world.write_model("huge-weights.json", obj)
    message = refused(capsys, world, ["generate", "--model", path, "--seed", "1"], "overflow")
    assert "1e+308" in message and "RuntimeWarning" not in message


@pytest.mark.parametrize("command", ["info", "generate"])
def test_info_and_generate_agree_that_a_model_does_not_fit(world, capsys, command):
    # Same number of tokens as the corpus, other words: it must not "fit" for either.
    words = sorted({w for s in SENTENCES for w in s.split()})
    other = [f"{w}s" for w in words]
    config = GPTConfig(
        n_layer=1, n_embd=4, block_size=4, n_head=2, head_dim=2, vocab_size=len(words) + 1
    )
    path = world.write_model("other.json", model_to_json(Model(config, sorted(other))))
    if command == "info":
        code, out, _ = run_cli(capsys, ["info", "--data", str(world.corpus), "--model", path])
        assert code == 0 and "does NOT fit" in out and "different vocabulary" in out
    else:
        argv = ["generate", "--model", path, "--data", str(world.corpus)]
        refused(capsys, world, argv, "other.json", "different vocabulary")


def test_a_model_that_fits_is_said_to_fit(world, capsys):
    code, out, _ = run_cli(
        capsys, ["info", "--data", str(world.corpus), "--model", str(world.model)]
    )
    assert code == 0 and "fits this corpus" in out


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"\x00\x01\x02", "binary"),
        (b"the cat\n\xff\xfe dog\n", "line 2"),
        (b"", "empty"),
        (b"\n\n  \n\t\n", "empty"),
        (b"...\n!!!\n?? -- ''\n", "only punctuation"),
        (b"\xe2\x80\xa8\xe3\x80\x80\n", "empty"),  # JavaScript's whitespace only
    ],
)
def test_a_corpus_without_sentences_says_why(world, capsys, content, named):
    path = world / "odd.txt"
    path.write_bytes(content)
    refused(capsys, world, ["info", "--data", str(path)], "odd.txt", named)


@pytest.mark.parametrize("command", ["train", "info"])
def test_a_folder_as_corpus_is_refused(world, capsys, command):
    refused(capsys, world, [command, "--data", str(world.root)], "folder")


def test_a_symlink_loop_as_corpus_is_refused(world, capsys):
    (world / "loop").symlink_to(world / "loop")
    refused(capsys, world, ["info", "--data", str(world / "loop")], "loop")


def test_an_unreadable_corpus_is_refused(world, capsys):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    os.chmod(world.corpus, 0)
    refused(capsys, world, ["info", "--data", str(world.corpus)], "corpus.txt", "permission")


# --- 6. Flags: honoured wherever they are written, or refused ---------------------------


def _log_of(capsys, world: World, argv: list[str], name: str) -> list[dict]:
    log = world / name
    assert run_cli(capsys, [*argv, "--log-jsonl", str(log)][:])[0] == 0
    return [json.loads(x) for x in log.read_text().splitlines()]


def test_a_seed_before_the_subcommand_is_honoured(world, capsys):
    before = _log_of(capsys, world, ["--seed", "7", *train_args(world)], "a.jsonl")
    after = _log_of(capsys, world, train_args(world, "--seed", "7"), "b.jsonl")
    default = _log_of(capsys, world, train_args(world), "c.jsonl")
    assert before == after != default


def test_data_and_steps_before_the_subcommand_are_honoured(world, capsys):
    argv = ["--data", str(world.corpus), "--steps", "4", "train", "--stop-after", "1"]
    log = _log_of(capsys, world, argv, "d.jsonl")
    assert log[0]["lr"] == 0.01  # step 0 of a 4-step schedule: lr is the peak
    assert _log_of(capsys, world, [*argv[:4], "train", "--stop-after", "2"], "e.jsonl")[1][
        "lr"
    ] == 0.01 * (1 - 1 / 4)


def test_a_model_before_generate_is_honoured(world, capsys):
    a = run_cli(capsys, ["--model", str(world.model), "generate", "--seed", "1", "--num", "2"])
    b = run_cli(capsys, ["generate", "--model", str(world.model), "--seed", "1", "--num", "2"])
    assert a[0] == b[0] == 0 and a[1] == b[1]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--resume", "run.json", "train"], "--resume"),
        (["--lr", "0.1", "info"], "--lr"),
        (["--fine-tune", "generate", "--model", "model.json"], "--fine-tune"),
        (["--steps", "3", "info"], "--steps"),
        (["--seed", "3", "info"], "--seed"),
        (["--resume", "run.json", "generate", "--model", "model.json"], "--resume"),
        (["--model", "model.json", "bench"], "--model"),
        (["--eval", "held.txt", "generate", "--model", "model.json"], "--eval"),
        (["--eval-every", "3", "bench"], "--eval-every"),
    ],
)
def test_an_option_the_subcommand_does_not_take_is_refused(world, capsys, argv, named):
    refused(capsys, world, argv, named, "not an option")


@pytest.mark.parametrize(
    "seed", ["4294967296", "18446744073709551616", "-1", "1e3", "seven", "0x10"]
)
@pytest.mark.parametrize("command", ["train", "generate", "bench"])
def test_a_seed_out_of_range_is_refused(world, capsys, seed, command):
    argv = [command, "--seed", seed] + (
        ["--model", str(world.model)] if command == "generate" else []
    )
    refused(capsys, world, argv, "4,294,967,295")


def test_the_largest_seed_is_accepted(world, capsys):
    assert run_cli(capsys, [*train_args(world), "--seed", "4294967295"])[0] == 0


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--temperature", "inf", "finite"),
        ("--temperature", "nan", "finite"),
        ("--temperature", "0", "above 0"),
        ("--temperature", "-1", "above 0"),
        ("--temperature", "warm", "not a number"),
        ("--top-p", "0", "above 0"),
        ("--top-p", "1.5", "at most 1"),
        ("--top-p", "nan", "finite"),
        ("--top-k", "-1", "0 or more"),
        ("--top-k", "2.5", "whole number"),
        ("--num", "0", "1 or more"),
    ],
)
def test_a_sampling_option_out_of_range_is_refused(world, capsys, flag, value, named):
    argv = ["generate", "--model", str(world.model), flag, value]
    refused(capsys, world, argv, flag, named)


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--save", ""],
        ["train", "--log-jsonl", "  "],
        ["train", "--data", ""],
        ["generate", "--model", ""],
        ["info", "--model", ""],
        ["--resume", ""],
    ],
)
def test_an_empty_file_name_is_refused(world, capsys, argv):
    refused(capsys, world, argv, "file name is empty")


def test_generate_without_a_model_says_what_it_needs(world, capsys):
    refused(capsys, world, ["generate"], "--model")


@pytest.mark.parametrize("prompt", ["the  dog", " the dog ", "The Dog", "the\tdog", "the dog!"])
def test_a_prompt_is_read_as_the_corpus_is_read(world, capsys, prompt):
    base = ["generate", "--model", str(world.model), "--seed", "5", "--num", "3", "--prompt"]
    expected = run_cli(capsys, [*base, "the dog"])
    assert run_cli(capsys, [*base, prompt]) == expected


@pytest.mark.parametrize("prompt", ["", "...", "  "])
def test_a_prompt_without_words_is_refused(world, capsys, prompt):
    refused(
        capsys, world, ["generate", "--model", str(world.model), "--prompt", prompt], "no words"
    )


@pytest.mark.parametrize("sentence", ["the  cat", "The Cat!", "\tthe cat "])
def test_encode_reads_a_sentence_as_the_corpus_is_read(world, capsys, sentence):
    argv = ["info", "--data", str(world.corpus), "--encode"]
    assert run_cli(capsys, [*argv, sentence]) == run_cli(capsys, [*argv, "the cat"])


def test_an_unknown_word_to_encode_is_named(world, capsys):
    refused(
        capsys, world, ["info", "--data", str(world.corpus), "--encode", "the zebra"], "'zebra'"
    )


# --- 7. Run files: validated on load ------------------------------------------------------


def edit_run(world: World, edit: Callable[[dict], None]) -> str:
    obj = json.loads(world.run.read_text())
    edit(obj)
    path = world / "edited-run.json"
    path.write_text(json.dumps(obj))
    return str(path)


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def edit(obj):
        for key in keys[:-1]:
            obj = obj[key]
        obj[keys[-1]] = value(obj[keys[-1]]) if callable(value) else value

    return edit


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (_set("schedule", 0), "schedule"),
        (_set("schedule", -5), "schedule"),
        (_set("schedule", 0.5), "schedule"),
        (_set("step", 7), "one per step"),  # 7 steps, 1 loss
        (_set("step", -1), "step"),
        (_set("step", True), "step"),
        (_set("seed", 2**40), "seed"),
        (_set("seed", "42"), "seed"),
        (_set("rng_state", -3), "rng_state"),
        (_set("adam", "v", lambda v: [-x - 1 for x in v]), "negative"),
        (_set("adam", "m", lambda m: m[:-1]), "adam.m"),
        (_set("adam", "v", "zeros"), "adam.v"),
        (_set("losses", []), "losses"),
        (_set("losses", lambda x: x + x), "losses"),
        (_set("token_row_hits", lambda h: [-1, *h[1:]]), "token_row_hits"),
        (_set("watch", ["token_embedding[zebra][0]"]), "zebra"),
        (_set("watch", [3]), "watch"),
        (_set("conditions", ["loss >> 4"]), "loss >> 4"),
        (_set("conditions", ["grad zebra"]), "zebra"),
        (_set("corpus", "sha256", "0" * 64), "trained on"),
        (_set("corpus", "path", 5), "corpus.path"),
        (_set("format", "something-else"), "not a run file"),
        (_set("version", 4), "version 4"),
        (_set("model", "weights", lambda w: w[:10]), "damaged or truncated"),
    ],
)
def test_a_damaged_run_file_is_refused_naming_what(world, capsys, edit, named):
    path = edit_run(world, edit)
    refused(capsys, world, ["--resume", path], "edited-run.json", named)


def test_a_schedule_below_the_step_is_refused(world, capsys):
    def edit(obj):
        obj["schedule"] = 1
        obj["step"] = 2
        obj["losses"] = [1.0, 2.0]

    refused(capsys, world, ["--resume", edit_run(world, edit)], "step", "from 0 to 1")


def test_a_run_file_is_refused_when_it_holds_only_part_of_the_steps(world, capsys):
    trainer = Trainer(load_corpus(world.corpus), seed=1)
    trainer.step()
    trainer.step()
    from core.debugging.runfile import RunFileError

    with pytest.raises(RunFileError, match="between steps"):
        save_run(world / "r.json", trainer, [], [], [0.5])  # 2 steps, 1 loss
    assert not (world / "r.json").exists()


def test_a_valid_run_file_loads(world):
    run = load_run(world.run)
    assert run.trainer.step_index == 1 and len(run.losses) == 1


@pytest.mark.parametrize(
    "option",
    [
        ["--seed", "3"],
        ["--steps", "9"],
        ["--model", "model.json"],
        ["--eval", "held.txt"],
        ["--eval-every", "9"],
    ],
)
def test_an_option_the_run_file_already_holds_is_refused_with_resume(world, capsys, option):
    refused(capsys, world, ["--resume", str(world.run), *option], option[0], "--resume")


def test_a_model_that_does_not_fit_the_debugger_corpus_is_named(world, capsys):
    path = world.write_model("small.json", tiny_model_obj())
    refused(capsys, world, ["--data", str(world.corpus), "--model", path], "small.json", "fit")


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--save", "m\x00.json"],
        ["train", "--log-jsonl", "l\x00.jsonl"],
        ["train", "--data", "c\x00.txt"],
        ["generate", "--model", "m\x00.json"],
        ["--resume", "r\x00.json"],
    ],
)
def test_a_file_name_with_a_nul_byte_is_refused(world, capsys, argv):
    refused(capsys, world, argv, "NUL byte")


# --- 8. Held-out files (--eval) -----------------------------------------------------------


def eval_args(world: World, held: str, *extra: str) -> list[str]:
    return train_args(world, "--eval", held, *extra)


def test_a_missing_held_out_file_is_named(world, capsys):
    message = refused(capsys, world, eval_args(world, str(world / "held.txt")), "held.txt")
    assert "no such file; give the path of a held-out file" in message
    assert "training on" not in message  # refused before any step was spent


def test_a_held_out_word_outside_the_vocabulary_names_the_file_the_line_and_the_word(world, capsys):
    held = world / "held.txt"
    held.write_text("the cat eats a muffin\n\nthe zebra runs\n")
    refused(
        capsys,
        world,
        eval_args(world, str(held)),
        f"{held}, line 3: the word 'zebra' is not in the vocabulary of {world.corpus}",
        "remove or replace it",
    )


def test_a_held_out_word_outside_the_vocabulary_is_refused_by_the_debugger_too(world, capsys):
    held = world / "held.txt"
    held.write_text("the zebra runs\n")
    argv = ["--data", str(world.corpus), "--eval", str(held)]
    refused(capsys, world, argv, "held.txt, line 1", "'zebra'")


@pytest.mark.parametrize(
    ("content", "named"),
    [(b"\x00\x01\x02", "binary"), (b"\xff\xfe cat\n", "UTF-8"), (b"\n\n", "no sentences")],
)
def test_a_held_out_file_that_is_not_sentences_says_why(world, capsys, content, named):
    held = world / "held.txt"
    held.write_bytes(content)
    refused(capsys, world, eval_args(world, str(held)), "held.txt", named)


def test_a_fifo_as_held_out_file_is_refused_without_waiting(world, capsys):
    fifo = make_fifo(world / "pipe")
    refused(capsys, world, eval_args(world, str(fifo)), "pipe", "held-out file")


def test_a_folder_as_held_out_file_is_refused(world, capsys):
    refused(capsys, world, eval_args(world, str(world.root)), "is a folder", "held-out file")


@pytest.mark.parametrize("text", MARKUP[:3])
def test_a_missing_held_out_file_with_brackets_is_named_literally(world, capsys, text):
    refused(capsys, world, eval_args(world, str(world / f"{text}.txt")), f"{text}.txt")


@pytest.mark.parametrize("every", ["0", "-3", "often"])
def test_eval_every_below_one_is_refused(world, capsys, every):
    refused(capsys, world, train_args(world, "--eval-every", every), "--eval-every")


def test_eval_every_without_a_held_out_set_says_what_to_give(world, capsys):
    message = refused(capsys, world, train_args(world, "--eval-every", "5"), "--eval-every")
    assert "no held-out set: give one with --eval FILE" in message


def test_saving_over_the_held_out_file_is_refused(world, capsys):
    held = world / "held.json"
    held.write_text("the cat eats a muffin\n")
    refused(capsys, world, eval_args(world, str(held), "--save", str(held)), "held-out file")
