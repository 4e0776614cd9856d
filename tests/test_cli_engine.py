"""`train --engine` and `bench --engine`: the twin (the default) and the scalar engine give
the same model, byte for byte, and the same log; the benchmark times either, or both."""

import json

import pytest

from tui.cli import main, parse_args


def train(tmp_path, engine: str) -> tuple[bytes, str]:
    model, log = tmp_path / f"{engine}.json", tmp_path / f"{engine}.jsonl"
    argv = ["train", "--engine", engine, "--stop-after", "40", "--eval-every", "20"]
    assert main([*argv, "--save", str(model), "--log-jsonl", str(log)]) == 0
    return model.read_bytes(), log.read_text()


def test_train_uses_the_twin_unless_told_otherwise():
    assert parse_args(["train"]).engine == "twin"
    assert parse_args(["train", "--engine", "scalar"]).engine == "scalar"


def test_both_engines_save_the_same_model_and_log_the_same_steps(tmp_path):
    twin_model, twin_log = train(tmp_path, "twin")
    scalar_model, scalar_log = train(tmp_path, "scalar")
    assert twin_model == scalar_model
    assert twin_log == scalar_log and len(twin_log.splitlines()) == 40
    assert "held_out_loss" in twin_log.splitlines()[19]  # measured on both engines alike


def test_an_unknown_engine_is_refused_naming_the_choices(capsys):
    with pytest.raises(SystemExit):
        parse_args(["train", "--engine", "gpu"])
    assert "twin" in capsys.readouterr().err


def bench(capsys, *argv: str) -> list[dict]:
    assert main(["bench", "--repeat", "2", *argv]) == 0
    out = capsys.readouterr().out
    return [json.loads(x)["bench"] for x in out.splitlines() if x.startswith('{"bench"')]


def test_bench_times_the_scalar_engine_and_the_twin_by_default_and_compares_them(capsys):
    assert main(["bench", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    results = [json.loads(x)["bench"] for x in out.splitlines() if x.startswith('{"bench"')]
    assert [r["engine"] for r in results] == ["scalar", "twin"]
    assert all(r["steps_per_second"] > 0 for r in results)
    assert "times faster" in out


@pytest.mark.parametrize("given, engines", [("twin", ["twin"]), ("fused,twin", ["scalar", "twin"])])
def test_bench_times_the_engines_named(capsys, given, engines):
    assert [r["engine"] for r in bench(capsys, "--engine", given)] == engines


def test_bench_refuses_an_unknown_engine(capsys):
    with pytest.raises(SystemExit):
        parse_args(["bench", "--engine", "twin,gpu"])
    assert "'twin,gpu' is not an engine" in capsys.readouterr().err
