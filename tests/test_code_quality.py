"""Lint, format and type checks run with the tests, so that they cannot rot."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: install the test extras (pip install -e '.[test]')")
    return path


def test_ruff_finds_no_lint():
    result = run(tool("ruff"), "check", "core", "tui", "tests", "data")
    assert result.returncode == 0, result.stdout


def test_code_is_ruff_formatted():
    result = run(tool("ruff"), "format", "--check", "core", "tui", "tests", "data")
    assert result.returncode == 0, result.stdout


def test_mypy_finds_no_type_errors():
    result = run(tool("mypy"))
    assert result.returncode == 0, result.stdout


def test_the_layers_hold():
    """The import-linter contracts in pyproject.toml: core's layers import only downwards,
    core never imports the interface, and the interface is layered too."""
    result = run(tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout
