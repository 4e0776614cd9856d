"""`microgpt serve` in a real browser: headless Chromium opens the page, presses space, and
the step's loss (the very number core computes for that corpus and seed) is drawn. Skips
without Chromium or Playwright, except on CI (CI=true), where it fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from serving import browser_missing, browser_page, free_port, serving

from core.training.corpus import load_corpus
from core.training.trainer import Trainer

SENTENCES = [
    "the cat eats a muffin",
    "a dog runs to the park",
    "we play in the yard on monday",
    "the big red dog sees the cat",
    "i can see three birds",
    "is the cat in the box",
]
SEED, STEPS = 7, 50  # not the defaults: they show that the options reach each tab's debugger

pytestmark = pytest.mark.slow


@pytest.fixture
def browser() -> None:
    reason = browser_missing()
    if reason and os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI must have it: .ci/run installs chromium)")
    if reason:
        pytest.skip(reason)


def test_space_in_the_browser_takes_a_step_and_draws_its_loss(browser, tmp_path: Path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(SENTENCES) + "\n")
    loss = Trainer(load_corpus(corpus), seed=SEED).step().loss
    options = ["--data", str(corpus), "--seed", str(SEED), "--steps", str(STEPS)]
    with serving([*options, "--port", str(free_port())]) as served, browser_page() as page:
        page.open(served.wait_for_url())
        page.wait_for("no step yet")  # the debugger started and drew its first screen
        assert f"step 1 of {STEPS}" not in page.text()
        page.focus()
        page.press(" ")
        page.wait_for(f"step 1 of {STEPS}")
        page.wait_for(f"loss {loss:.4f}")  # as the status line shows it
        # Ctrl-C with the tab still open: the server and the tab's debugger end cleanly.
        assert served.interrupt() == 0, served.said()
    assert "stopped serving" in served.said()
    assert "Traceback" not in served.said() and "Exception ignored" not in served.said()
