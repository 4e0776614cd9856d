"""Bad input typed into the debugger's dialogs. Each is refused with a message that names
what is wrong, shown literally (a name like `[b]x[/b]` is never read as markup), or, for
a symlink or one of our own files, written the safe way; the app keeps running, and no
file in the test's folder changes unless it is the one asked for."""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from drive import wait_for
from filestate import changed, file_state
from textual import events
from textual.content import Content
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.widgets import Input, Static

from core.debugging.runfile import load_run, save_run
from core.model.modelfile import load_model, save_model
from core.training.corpus import load_corpus
from core.training.trainer import Trainer
from tui.app import DebuggerApp
from tui.screens.parameter_picker import ParameterPicker
from tui.screens.path_prompt import PathScreen
from tui.screens.run_until import RunUntilScreen

KIND = {"s": "run file", "m": "model file"}  # the prompt's key -> what it writes
WRITTEN = {"s": "saved the run at step", "m": "exported the model at step"}


class Debugger:
    """A debugger on a corpus inside `folder`, with every notification it showed."""

    def __init__(self, folder: Path, corpus: Path, **options) -> None:
        self.folder = folder
        self.corpus = corpus
        self.trainer = Trainer(load_corpus(corpus), seed=1)
        self.app = DebuggerApp(self.trainer, deterministic=True, **options)
        self.notifications: list[Notification] = []

    def hook(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.notifications.append(message.notification)

    def shown(self) -> list[str]:
        """The notifications' text as their toasts show it."""
        return [
            Content.from_markup(n.message).plain if n.markup else n.message
            for n in self.notifications
        ]

    def assert_alive(self) -> None:
        assert self.app.is_running and self.app.return_code is None


@pytest.fixture
def corpus(tmp_path: Path, tiny_corpus_path: Path) -> Path:
    """The corpus inside the test's folder, so that it is among the files checked."""
    return Path(shutil.copy(tiny_corpus_path, tmp_path / "corpus.txt"))


@pytest.fixture
def debugger(tmp_path: Path, corpus: Path) -> Debugger:
    return Debugger(tmp_path, corpus)


def shown_text(widget: Static) -> str:
    return str(widget.render())


async def submit(pilot: Pilot, selector: str, text: str) -> None:
    """Put `text` in the dialog's box and press enter."""
    pilot.app.screen.query_one(selector, Input).value = text
    await pilot.press("enter")


# --- the save (s) and export (m) prompts: refusals ---

Setup = Callable[[Path, Path], str]  # (folder, corpus) -> the name to type


def fifo(folder: Path, corpus: Path) -> str:
    os.mkfifo(folder / "pipe")
    return str(folder / "pipe")


def char_device(folder: Path, corpus: Path) -> str:
    try:
        os.mknod(folder / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device needs CAP_MKNOD (root)")
    return str(folder / "null")


def text_file(folder: Path, corpus: Path) -> str:
    (folder / "notes.txt").write_text("my notes, not a model\n")
    return str(folder / "notes.txt")


def folder_named_markup(folder: Path, corpus: Path) -> str:
    (folder / "[b]").mkdir()
    return str(folder / "[b]")


def subfolder(folder: Path, corpus: Path) -> str:
    (folder / "runs").mkdir()
    return str(folder / "runs")


# Each refusal: how to set it up, and a pattern of the message ({path} is what was typed,
# {kind} what the prompt writes).
REFUSALS: dict[str, tuple[Setup, str]] = {
    "closing-markup-tag": (lambda f, c: f"{f}/[/]", "{path}: the folder {folder}/[ does not"),
    "bold-markup": (
        lambda f, c: f"{f}/[b]bold[/b]",
        "{path}: the folder {folder}/[b]bold[ does not",
    ),
    "folder-named-like-markup": (folder_named_markup, "{path} is a folder"),
    "folder": (subfolder, "{path} is a folder"),
    "missing-folder": (lambda f, c: f"{f}/nowhere/x.json", "the folder {folder}/nowhere does"),
    "the-corpus": (lambda f, c: str(c), "{path} is the corpus"),
    "fifo": (fifo, "{path} is a device or a pipe"),
    "character-device": (char_device, "{path} is a device or a pipe"),
    "non-json-text-file": (text_file, "{path} exists and is not a {kind}"),
    "empty-name": (lambda f, c: "", "the {kind}'s file name is empty"),
}


@pytest.mark.parametrize("key", ["s", "m"], ids=["save", "export"])
@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
async def test_a_bad_file_name_is_refused_naming_it_literally(debugger, key, case):
    setup, pattern = REFUSALS[case]
    path = setup(debugger.folder, debugger.corpus)
    expected = pattern.format(path=path, folder=debugger.folder, kind=KIND[key])
    before = file_state(debugger.folder)
    async with debugger.app.run_test(size=(120, 40), message_hook=debugger.hook) as pilot:
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PathScreen))
        await submit(pilot, "#path-input", path)
        error = pilot.app.screen.query_one("#path-error", Static)
        await wait_for(pilot, lambda: shown_text(error))
        assert shown_text(error).startswith("✗ ") and expected in shown_text(error)
        assert isinstance(pilot.app.screen, PathScreen)  # the name can be corrected
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, PathScreen))
        await pilot.pause()
        debugger.assert_alive()
        assert not any(WRITTEN[key] in text for text in debugger.shown())
    assert changed(before, file_state(debugger.folder)) == set()


async def test_a_name_the_system_cannot_take_is_refused_without_a_crash(debugger):
    """A NUL character cannot be in a file name (a paste can bring one in)."""
    before = file_state(debugger.folder)
    async with debugger.app.run_test(size=(120, 40), message_hook=debugger.hook) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PathScreen))
        typed = f"{debugger.folder}/run\x00.json"
        box = pilot.app.screen.query_one("#path-input", Input)
        box.value = ""
        box.post_message(events.Paste(typed))
        await wait_for(pilot, lambda: box.value == typed)
        await pilot.press("enter")
        error = pilot.app.screen.query_one("#path-error", Static)
        await wait_for(pilot, lambda: shown_text(error))
        assert f"{typed!r} holds a NUL byte" in shown_text(error)
        await pilot.press("escape")
        await pilot.pause()
        debugger.assert_alive()
    assert changed(before, file_state(debugger.folder)) == set()


async def test_a_corpus_warning_is_shown_literally(tmp_path, corpus):
    warning = "line 3: [b]odd[/b] text [/] kept as it is"
    debugger = Debugger(tmp_path, corpus, warnings=[warning])
    async with debugger.app.run_test(size=(120, 40), message_hook=debugger.hook) as pilot:
        await wait_for(pilot, lambda: debugger.notifications)
        assert debugger.shown() == [warning]
        debugger.assert_alive()


# --- the save and export prompts: names that are written, the safe way ---


def check_written(key: str, path: Path, trainer: Trainer) -> None:
    if key == "s":
        assert load_run(path).trainer.step_index == trainer.step_index
    else:
        assert load_model(path).params.data.tolist() == trainer.model.params.data.tolist()


def write_other(key: str, path: Path, corpus: Path) -> None:
    """A valid file of the prompt's kind, from another run (so that replacing it shows)."""
    other = Trainer(load_corpus(corpus), seed=2)
    if key == "s":
        save_run(path, other, [], [], [])
    else:
        save_model(other.model, path)


async def save_through_the_prompt(debugger: Debugger, key: str, typed: str) -> None:
    async with debugger.app.run_test(size=(120, 40), message_hook=debugger.hook) as pilot:
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PathScreen))
        await submit(pilot, "#path-input", typed)
        await wait_for(pilot, lambda: any(WRITTEN[key] in text for text in debugger.shown()))
        assert f"{WRITTEN[key]} 0 to {typed}" in debugger.shown()
        debugger.assert_alive()


@pytest.mark.parametrize("key", ["s", "m"], ids=["save", "export"])
async def test_a_symlink_is_written_through_and_stays_a_link(debugger, key):
    target, link = debugger.folder / "target.json", debugger.folder / "link.json"
    write_other(key, target, debugger.corpus)
    link.symlink_to(target.name)
    before = file_state(debugger.folder)
    await save_through_the_prompt(debugger, key, str(link))
    assert changed(before, file_state(debugger.folder)) == {"target.json"}
    assert link.is_symlink() and os.readlink(link) == "target.json"
    check_written(key, target, debugger.trainer)


@pytest.mark.parametrize("key", ["s", "m"], ids=["save", "export"])
async def test_replacing_a_file_of_ours_keeps_its_permissions(debugger, key):
    path = debugger.folder / "old.json"
    write_other(key, path, debugger.corpus)
    path.chmod(0o640)
    before = file_state(debugger.folder)
    await save_through_the_prompt(debugger, key, str(path))
    assert changed(before, file_state(debugger.folder)) == {"old.json"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    check_written(key, path, debugger.trainer)


@pytest.mark.parametrize("key", ["s", "m"], ids=["save", "export"])
async def test_a_name_that_looks_like_markup_is_written_and_named_literally(debugger, key):
    name = "[b]bold[red].json"
    before = file_state(debugger.folder)
    await save_through_the_prompt(debugger, key, str(debugger.folder / name))
    assert changed(before, file_state(debugger.folder)) == {name}
    check_written(key, debugger.folder / name, debugger.trainer)


# --- the run-until dialog (u) ---

# What is typed, and the part of it the message must quote.
CONDITIONS = {
    "closing-tag": ("[/]", "[/]"),
    "open-tag": ("[b]x", "[b]x"),
    "markup-as-a-number": ("loss > [red]", "loss > [red]"),
    "half-a-parameter-name": ("m flips token_embedding[0]", "token_embedding[0]"),
    "markup-as-a-word": ("p([/]) < 1%", "[/]"),
    "markup-word-for-grad": ("grad [b]", "[b]"),
}


@pytest.mark.parametrize("case", CONDITIONS, ids=list(CONDITIONS))
async def test_a_bad_condition_is_refused_quoting_it_literally(debugger, case):
    typed, quoted = CONDITIONS[case]
    before = file_state(debugger.folder)
    async with debugger.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RunUntilScreen))
        await submit(pilot, "#until-input", typed)
        error = pilot.app.screen.query_one("#until-error", Static)
        await wait_for(pilot, lambda: shown_text(error))
        assert shown_text(error).startswith(f"✗ '{quoted}' is not ")
        assert isinstance(pilot.app.screen, RunUntilScreen) and debugger.app.view.conditions == []
        await pilot.press("escape")
        await pilot.pause()
        debugger.assert_alive()
        assert not debugger.app.is_training
    assert changed(before, file_state(debugger.folder)) == set()


async def test_a_condition_the_parser_trips_on_is_refused_without_a_crash(debugger, monkeypatch):
    def parse(text, trainer):
        raise IndexError("[b]no such[/b] position")

    monkeypatch.setattr("tui.actions.parse_for", parse)
    async with debugger.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RunUntilScreen))
        await submit(pilot, "#until-input", "loss < 3")
        error = pilot.app.screen.query_one("#until-error", Static)
        await wait_for(pilot, lambda: shown_text(error))
        assert shown_text(error) == (
            "✗ cannot read 'loss < 3' (internal error: IndexError: [b]no such[/b] position)"
        )
        await pilot.press("escape")
        await pilot.pause()
        debugger.assert_alive()


async def test_the_run_until_examples_and_conditions_show_their_brackets(debugger):
    condition = "m flips token_embedding[cat][0]"
    async with debugger.app.run_test(size=(160, 40)) as pilot:
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RunUntilScreen))
        examples = shown_text(pilot.app.screen.query_one("#until-help", Static))
        assert condition in examples
        await submit(pilot, "#until-input", condition)
        await wait_for(pilot, lambda: pilot.app.screen.query_one("#until-list").option_count)
        listed = pilot.app.screen.query_one("#until-list").get_option_at_index(0).prompt
        assert str(listed) == condition
        await pilot.press("escape")
        await wait_for(pilot, lambda: [c.text for c in debugger.app.view.conditions])
        assert [c.text for c in debugger.app.view.conditions] == [condition]
        debugger.assert_alive()


# --- the watch picker (w) ---


@pytest.mark.parametrize(
    "typed",
    ["[/]", "token_embedding[[/]][0]", "[b]cat[/b]"],
    ids=["closing-tag", "markup-as-a-row", "bold-word"],
)
async def test_a_bad_parameter_name_is_refused_quoting_it_literally(debugger, typed):
    watched = list(debugger.app.view.watched)
    async with debugger.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ParameterPicker))
        pilot.app.screen.query_one("#picker-input", Input).value = typed
        error = pilot.app.screen.query_one("#picker-error", Static)
        await wait_for(pilot, lambda: shown_text(error))
        assert shown_text(error).startswith("✗ ") and f"'{typed}'" in shown_text(error)
        await pilot.press("enter")  # refused: it says why rather than pick a neighbour
        assert isinstance(pilot.app.screen, ParameterPicker)
        await pilot.press("escape")
        await pilot.pause()
        debugger.assert_alive()
        assert debugger.app.view.watched == watched


# --- saving while the run goes on ---


async def test_each_save_during_a_run_holds_the_losses_of_exactly_its_steps(tmp_path, corpus):
    run_file = tmp_path / "run.json"
    debugger = Debugger(tmp_path, corpus, run_path=str(run_file))
    app = debugger.app
    async with app.run_test(size=(120, 40), message_hook=debugger.hook) as pilot:
        app.simulate_key("r")
        for _ in range(5):
            step = await save_at_a_new_step(pilot, debugger)
            run = load_run(run_file)
            assert run.trainer.step_index == step and len(run.losses) == step
            assert list(run.losses) == app.view.losses[:step]
            assert app.running  # saving does not stop the run
        app.simulate_key("r")
        await wait_for(pilot, lambda: not app.is_training)
        debugger.assert_alive()
    assert len(set(saved_steps(debugger))) == 5


async def save_at_a_new_step(pilot: Pilot, debugger: Debugger) -> int:
    """Press s and enter once the run has gone past the last save; the step saved at.
    Keys go in with `simulate_key`, as the terminal sends them: `pilot.press` waits for
    the CPU to go idle, which never happens while training runs (2 s a key)."""
    app, earlier = debugger.app, saved_steps(debugger)
    await wait_for(pilot, lambda: app.steps_done > max(earlier, default=0))
    app.simulate_key("s")
    await wait_for(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "path-input")
    app.simulate_key("enter")
    await wait_for(pilot, lambda: len(saved_steps(debugger)) > len(earlier))
    return saved_steps(debugger)[-1]


def saved_steps(debugger: Debugger) -> list[int]:
    found = (re.fullmatch(r"saved the run at step ([\d,]+) to .*", t) for t in debugger.shown())
    return [int(m.group(1).replace(",", "")) for m in found if m]
