"""The command line as a separate process: signals, pipes, a read-only folder and a full
disk (the last two in a private mount namespace, so the machine's own mounts are never
touched; skipped where the namespace cannot be made)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filestate import changed, file_state

from core.model.modelfile import load_model

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "the dog eats"]
MICROGPT = [sys.executable, "-m", "tui"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return path


def wait_until(condition, timeout: float = 60.0, what: str = "the process") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def lines_logged(folder: Path) -> int:
    """Lines in the log being written (its temporary file, until the run ends)."""
    count = 0
    for path in folder.iterdir():
        if path.name.startswith(".log.jsonl."):
            # Renamed into place between the listing and the read: the run ended.
            with contextlib.suppress(FileNotFoundError):
                count += path.read_text().count("\n")
    return count


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_during_training_writes_a_model_and_log_that_agree(tmp_path, corpus, sig):
    model, log = tmp_path / "model.json", tmp_path / "log.jsonl"
    argv = [*MICROGPT, "train", "--data", str(corpus), "--save", str(model)]
    argv += ["--log-jsonl", str(log)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(
            lambda: lines_logged(tmp_path) >= 3 or process.poll() is not None, what="three steps"
        )
        assert process.poll() is None, process.communicate()[1]  # still training
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + sig, err
    assert "Traceback" not in err and "Exception ignored" not in err
    steps = [json.loads(line) for line in log.read_text().splitlines()]
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
    assert f"saved the model after {len(steps):,} steps" in err
    # The model is exactly the one the same run stopped after that many steps gives.
    again = tmp_path / "again.json"
    subprocess.run(
        [
            *MICROGPT,
            "train",
            "--data",
            str(corpus),
            "--stop-after",
            str(len(steps)),
            "--save",
            str(again),
        ],
        check=True,
        capture_output=True,
    )
    assert model.read_bytes() == again.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "again.json",
        "corpus.txt",
        "log.jsonl",
        "model.json",
    ]  # no temporary file left


def test_generate_streams_and_stops_quietly_when_the_reader_goes_away(tmp_path, corpus):
    model = tmp_path / "model.json"
    subprocess.run(
        [*MICROGPT, "train", "--data", str(corpus), "--stop-after", "1", "--save", str(model)],
        check=True,
        capture_output=True,
    )
    argv = [*MICROGPT, "generate", "--model", str(model), "--num", "1000000", "--seed", "1"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    assert first and process.poll() is None  # the first sentence came before the rest
    process.stdout.close()  # as `| head -1` does
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in err and "Exception ignored" not in err and "Broken pipe" not in err


def test_generate_to_a_pipe_writes_whole_lines(tmp_path, corpus):
    long = " ".join(["the dog eats a muffin"] * 3)
    corpus.write_text(corpus.read_text() + long + "\n")
    model = tmp_path / "model.json"
    subprocess.run(
        [*MICROGPT, "train", "--data", str(corpus), "--stop-after", "2", "--save", str(model)],
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [
            *MICROGPT,
            "generate",
            "--model",
            str(model),
            "--num",
            "40",
            "--seed",
            "2",
            "--temperature",
            "5",
            "--prompt",
            " ".join(["the dog eats a"] * 3),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "20"},
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and len(lines) == 40
    assert all(line.startswith("the dog eats a the dog eats a") for line in lines)


def test_info_to_a_pipe_is_not_cut(tmp_path, corpus):
    deep = tmp_path / ("folder-with-a-long-name-" * 5)
    deep.mkdir()
    shutil.copy(corpus, deep / "corpus.txt")
    result = subprocess.run(
        [
            *MICROGPT,
            "info",
            "--data",
            str(deep / "corpus.txt"),
            "--encode",
            " ".join(SENTENCES[1].split() * 2),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and str(deep / "corpus.txt") in result.stdout
    assert "…" not in result.stdout


def in_namespace(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a private mount namespace (mounts made there vanish with it)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {tmp_path}"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode().strip()}")
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)


def test_a_read_only_folder_is_refused_before_training(tmp_path, corpus):
    target = tmp_path / "ro"
    target.mkdir()
    before = file_state(tmp_path)
    command = " ".join(MICROGPT) + f" train --data {corpus} --save {target}/m.json"
    result = in_namespace(f"mount -t tmpfs -o ro none {target} && {command}", tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Read-only file system" in result.stderr and f"{target}/m.json" in result.stderr
    assert "training on" not in result.stderr and "Traceback" not in result.stderr
    assert changed(before, file_state(tmp_path)) == set()


def test_a_full_disk_keeps_the_old_file_and_says_so(tmp_path, corpus):
    target = tmp_path / "full"
    target.mkdir()
    # A 64 KB disk holds the tiny corpus's model's log, but not the model itself.
    old = '{"previous": "model"}'
    command = " ".join(MICROGPT) + (
        f" train --data {corpus} --stop-after 2 --save {target}/m.json --log-jsonl {target}/l.jsonl"
    )
    script = (
        f"mount -t tmpfs -o size=64k none {target} && printf '%s' '{old}' > {target}/m.json && "
        f"{command}; echo rc=$?; cat {target}/m.json; echo; ls -a {target}"
    )
    result = in_namespace(script, tmp_path)
    assert "rc=1" in result.stdout, result.stderr
    assert "disk is full" in result.stderr and "Traceback" not in result.stderr
    assert old in result.stdout  # the old model is intact
    assert "l.jsonl" in result.stdout  # the log (small) was written all the same
    assert ".tmp" not in result.stdout  # and no temporary file was left


def test_a_saved_model_loads_after_a_normal_run(tmp_path, corpus):
    model = tmp_path / "m.json"
    result = subprocess.run(
        [*MICROGPT, "train", "--data", str(corpus), "--stop-after", "2", "--save", str(model)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and load_model(model).words is not None
