"""The core works without a UI: importing it (and running the headless commands) never
imports Textual."""

import subprocess
import sys


def modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_core_never_imports_the_ui():
    loaded = modules_after(
        "import core.training.trainer, core.model.generation, core.model.modelfile, "
        "core.model.naive, core.debugging.runfile, core.debugging.timeline"
    )
    assert not {m for m in loaded if m.split(".")[0] in {"textual", "tui", "rich"}}


def test_the_headless_commands_do_not_load_textual():
    loaded = modules_after("import tui.cli, tui.commands.train, tui.commands.info")
    assert not {m for m in loaded if m.split(".")[0] == "textual"}


def test_numba_loads_only_with_the_twin():
    # Importing numba costs ~0.4 s and ~100 MB: the commands that never use the twin
    # (info, generate) must not pay for it.
    loaded = modules_after(
        "import core.training.trainer, core.debugging.session, tui.cli, tui.commands.info, "
        "tui.commands.generate"
    )
    assert "numba" not in loaded
    assert "numba" in modules_after("import core.model.twin")
