"""`microgpt serve` without a browser: the command each tab runs, where it listens, the
warning for a host other than this machine, and the mistakes that end before serving."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest
from serving import MICROGPT, URL_LINE, free_port, serving

from core.debugging.runfile import save_run
from core.training.corpus import load_corpus
from core.training.trainer import Trainer
from tui.cli import DEFAULTS, TAKES, main, parse_args
from tui.commands.serve import child_command, is_loopback, public_url

SENTENCES = ["the cat eats a muffin", "a dog runs to the park", "the dog eats"]
DEBUGGER = [sys.executable, "-m", "tui"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return path


def child_of(argv: list[str]) -> list[str]:
    return shlex.split(child_command(parse_args(argv).debugger_options))


def test_each_tab_runs_the_debugger_with_the_options_given(corpus):
    argv = ["--seed", "7", "serve", "--data", "my corpus.txt", "--lr", "0.002", "--port", "9000"]
    argv += ["--steps", "30", "--eval", "none"]
    assert child_of(argv) == [
        *DEBUGGER,
        *("--data", "my corpus.txt", "--eval", "none", "--lr", "0.002"),
        *("--seed", "7", "--steps", "30"),
    ]
    assert child_command(parse_args(["serve", "--data", "a'b c.txt"]).debugger_options).endswith(
        "--data 'a'\"'\"'b c.txt'"
    )  # quoted for the shell textual-serve runs it in


def test_the_tab_s_debugger_reads_the_options_as_the_debugger_would(corpus):
    given = ["--data", "corpus.txt", "--model", "m.json", "--vocab-from", "v.txt", "--lr", "0.003"]
    given += ["--steps", "12", "--seed", "9", "--eval", "held.txt", "--eval-every", "4"]
    given += ["--present"]
    child = child_of(["serve", *given, "--host", "127.0.0.2"])
    assert child[:3] == DEBUGGER
    passed, direct = parse_args(child[3:]), parse_args(given)
    assert all(getattr(passed, o) == getattr(direct, o) for o in DEFAULTS[None]), vars(passed)


def test_switches_and_the_run_file_are_passed_on():
    assert child_of(["serve", "--model", "m.json", "--fine-tune"]) == [
        *DEBUGGER,
        *("--fine-tune", "--model", "m.json"),  # the presets are the debugger's to apply
    ]
    assert child_of(["serve", "--resume", "run.json"]) == [*DEBUGGER, "--resume", "run.json"]
    assert child_of(["serve"]) == DEBUGGER  # nothing given, nothing passed: its defaults


def test_serve_takes_every_option_the_debugger_takes(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    shown = capsys.readouterr().out.split()
    assert [o for o in TAKES[None] if "--" + o.replace("_", "-") not in shown] == []


def test_the_run_file_s_own_options_are_refused_as_by_the_debugger(capsys):
    with pytest.raises(SystemExit) as stop:
        parse_args(["serve", "--resume", "run.json", "--seed", "3"])
    assert stop.value.code == 2
    assert "--seed cannot be used with --resume" in capsys.readouterr().err


def test_it_listens_on_this_machine_only_unless_told(monkeypatch):
    for name in ("HOST", "MICROGPT_HOST", "TEXTUAL_HOST", "BIND"):  # no other way to get one
        monkeypatch.setenv(name, "0.0.0.0")
    args = parse_args(["serve"])
    assert (args.host, args.port, args.public_url) == ("127.0.0.1", 8000, None)
    assert is_loopback(args.host) and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert not is_loopback("classroom.example")


def test_browsers_are_sent_to_an_address_they_can_reach():
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert public_url("0.0.0.0", 8001) == f"http://{socket.gethostname()}:8001"
    assert public_url("::", 8002) == f"http://{socket.gethostname()}:8002"
    assert public_url("fe80::1", 8003) == "http://[fe80::1]:8003"
    given = parse_args(["serve", "--public-url", "https://class.example/"])
    assert given.public_url == "https://class.example"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--port", "0"], "a port is from 1 to 65535, not 0"),
        (["--port", "65536"], "a port is from 1 to 65535, not 65536"),
        (["--port", "-5"], "a port is from 1 to 65535, not -5"),
        (["--port", "eighty"], "'eighty' is not a port"),
        (["--host", " "], "the host is empty"),
        (["--public-url", "class.example:8000"], "is not a web address"),
    ],
)
def test_a_bad_port_host_or_url_is_refused_with_a_message(capsys, option, message):
    with pytest.raises(SystemExit) as stop:
        main(["serve", *option])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_on_this_machine_the_url_is_printed_without_a_warning(corpus):
    port = free_port()
    with serving(["--data", str(corpus), "--port", str(port)]) as served:
        assert served.wait_for_url() == f"http://127.0.0.1:{port}"
        assert "warning" not in served.said()
        assert listening_addresses(port) in ({"127.0.0.1"}, None)
        assert served.interrupt() == 0  # Ctrl-C
    assert "stopped serving" in served.said() and "Traceback" not in served.said()


def test_another_host_is_served_only_with_a_warning(corpus):
    port = free_port()
    with serving(["--data", str(corpus), "--host", "0.0.0.0", "--port", str(port)]) as served:
        url = served.wait_for_url()
        assert listening_addresses(port) in ({"0.0.0.0"}, None)
        assert served.interrupt() == 0
    assert url == f"http://{socket.gethostname()}:{port}"  # a browser can't go to 0.0.0.0
    before_url = served.said().split(URL_LINE)[0]
    assert "warning: serving on 0.0.0.0, not only this machine: anyone who can reach" in before_url
    assert "can drive the training" in before_url and "about a core each" in before_url
    assert "--public-url" in before_url  # how to send browsers elsewhere


def test_a_port_in_use_is_said_clearly(corpus, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--data", str(corpus), "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"error: port {port} is already in use on 127.0.0.1" in err
    assert "choose another with --port" in err and URL_LINE not in err


def test_a_port_taken_after_the_check_is_said_clearly_too(corpus):
    """The server's own bind failing (the port taken between the check and the serving)."""
    script = (
        "import sys, tui.commands.serve as serve; from tui.cli import main; "
        "serve._probe = lambda host, port: None; sys.exit(main(sys.argv[1:]))"
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = [sys.executable, "-c", script, "serve", "--data", str(corpus), "--port", str(port)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"error: port {port} is already in use on 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def bad_files(tmp_path: Path, corpus: Path) -> dict[str, list[str]]:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    model = tmp_path / "model.json"
    model.write_text("{not json")
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"format": "something else"}))
    return {
        "missing corpus": ["--data", str(tmp_path / "nowhere.txt")],
        "empty corpus": ["--data", str(empty)],
        "bad model": ["--data", str(corpus), "--model", str(model)],
        "bad run file": ["--resume", str(run)],
    }


@pytest.mark.parametrize("case", ["missing corpus", "empty corpus", "bad model", "bad run file"])
def test_a_bad_file_ends_in_the_terminal_before_serving(tmp_path, corpus, case):
    options = bad_files(tmp_path, corpus)[case]
    argv = [*MICROGPT, "serve", *options, "--port", str(free_port())]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: ") and URL_LINE not in done.stderr
    assert "Traceback" not in done.stderr and not done.stdout


def test_a_good_run_file_is_served(tmp_path, corpus):
    trainer = Trainer(load_corpus(corpus), seed=1)
    losses = [trainer.step().loss]
    run = tmp_path / "run.json"
    save_run(run, trainer, [], [], losses)
    with serving(["--resume", str(run), "--port", str(free_port())]) as served:
        served.wait_for_url()
        assert served.interrupt() == 0


def test_the_tab_s_debugger_writes_only_the_protocol_on_stdout(corpus):
    """textual-serve reads the debugger's stdout as packets: a stray print there (from the
    files' checks, the warm-up, the app) would break the page. Once the first screen is
    drawn, the run is asked to quit through the protocol, as closing the tab does."""
    env = {
        **os.environ,
        "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
        "COLUMNS": "120",
        "ROWS": "40",
    }
    child = child_of(["serve", "--data", str(corpus)])
    process = subprocess.Popen(
        child, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert process.stdin is not None and process.stdout is not None
    out = bytearray()
    reader = threading.Thread(target=read_all, args=(process.stdout, out))
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while b"no step yet" not in out and process.poll() is None:
            assert time.monotonic() < deadline, bytes(out[-400:])
            time.sleep(0.05)
        quit_meta = json.dumps({"type": "quit"}).encode()
        process.stdin.write(b"M" + len(quit_meta).to_bytes(4, "big") + quit_meta)
        process.stdin.close()
        process.wait(60)
        err = process.stderr.read() if process.stderr else b""
    finally:
        process.kill()
        reader.join(10)
    assert process.returncode == 0, err.decode()
    prelude = b"__GANGLION__\n"
    assert out.startswith(prelude), bytes(out[:200])
    packets, rest = [], bytes(out[len(prelude) :])
    while rest:
        kind, size = rest[:1], int.from_bytes(rest[1:5], "big")
        assert kind in (b"D", b"M", b"P") and len(rest) >= 5 + size, rest[:80]
        packets.append((kind, rest[5 : 5 + size]))
        rest = rest[5 + size :]
    assert packets[-1] == (b"M", json.dumps({"type": "exit"}).encode())


def read_all(stream: IO[bytes], into: bytearray) -> None:
    while chunk := os.read(stream.fileno(), 65536):
        into.extend(chunk)


def listening_addresses(port: int) -> set[str] | None:
    """The IPv4 addresses listening on `port`, from Linux's /proc (None elsewhere)."""
    table = Path("/proc/net/tcp")
    if not table.exists():
        return None
    found = set()
    for line in table.read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found
