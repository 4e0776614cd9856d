"""Ask the model (key i): generated sentences equal `microgpt generate`'s for the same
model, options and seed, each word's filtered distribution shown with the word drawn
marked; your own sentence's per-position numbers are the probe's; t takes a what-if
step; nothing else of the run changes."""

from __future__ import annotations

import numpy as np
import pytest
from drive import open_screen, screen_text, text_of, unwrapped, wait_for
from textual.widgets import Input, Label, OptionList, TabbedContent

from core.model.generation import SamplingOptions, generate
from core.model.modelfile import save_model
from core.reference.rng import Mulberry32
from core.training.corpus import Corpus
from core.training.probe import probe
from core.training.trainer import Trainer
from tui import keys
from tui.app import DebuggerApp
from tui.cli import main
from tui.format import percent
from tui.screens.ask import NO_WORDS, AskScreen
from tui.widgets.draw_chart import DrawChart
from tui.widgets.probe_table import ProbeTable

SIZE = (120, 40)


@pytest.fixture
def trainer(tiny_corpus: Corpus) -> Trainer:
    trainer = Trainer(tiny_corpus, seed=1)
    for _ in range(5):
        trainer.step()
    return trainer


def field(screen: AskScreen, key: str) -> Input:
    return screen.query_one(f"#ask-{key}", Input)


async def generate_on(pilot, screen: AskScreen, **values: str) -> None:
    """Fill the fields given (temperature, top-k, top-p, seed, num), then enter."""
    for key, value in values.items():
        field(screen, key).value = value
    field(screen, "temperature").focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.generated is not None)
    await pilot.pause()


def shown_sentences(screen: AskScreen) -> list[str]:
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def open_sentence_tab(pilot, app: DebuggerApp) -> AskScreen:
    screen = await open_screen(pilot, app, "i", AskScreen)
    await pilot.press("f2")  # from the keyboard, whatever has focus
    await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "sentence")
    return screen


async def probe_on(pilot, screen: AskScreen, text: str) -> None:
    box = screen.query_one("#ask-sentence", Input)
    box.value = text
    box.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.probed is not None or _error(screen, "sentence"))
    await pilot.pause()


def _error(screen: AskScreen, tab: str) -> str:
    return str(screen.query_one(f"#ask-{tab}-error", Label).render())


async def test_i_opens_the_screen_naming_the_model_it_asks(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, app, "i", AskScreen)
        shown = screen_text(app)
        assert "Ask the model: the model after step 5 of 5,000" in shown
        assert "Generate" in shown and "Your sentence" in shown
        assert field(app.screen, "temperature").value == "0.8"
        assert field(app.screen, "seed").value == "1" and field(app.screen, "num").value == "5"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, AskScreen))


async def test_the_sentences_shown_are_generates_for_the_same_seed_and_options(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "i", AskScreen)
        await generate_on(pilot, screen, temperature="1.3", **{"top-k": "6", "seed": "9"})
        options = SamplingOptions(1.3, 6, 1.0)
        expected = list(generate(trainer.model, trainer.tokenizer, Mulberry32(9), 5, options))
        assert shown_sentences(screen) == [s or NO_WORDS for s in expected]
        shown = text_of(screen.query_one(OptionList))
        assert all(s in shown for s in expected if s)
        about = unwrapped(screen_text(app))
        assert "5 sentences from the model after step 5 of 5,000" in about
        assert "temperature 1.3 · top-k 6 · top-p off · seed 9" in about


async def test_the_screen_gives_the_sentences_of_microgpt_generate(trainer, tmp_path, capsys):
    path = tmp_path / "model.json"
    save_model(trainer.model, str(path))
    argv = ["generate", "--model", str(path), "--seed", "123", "--num", "7"]
    assert main([*argv, "--temperature", "1.1", "--top-p", "0.9"]) == 0
    printed = capsys.readouterr().out.splitlines()
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "i", AskScreen)
        await generate_on(pilot, screen, temperature="1.1", seed="123", num="7", **{"top-p": "0.9"})
        assert shown_sentences(screen) == [line or NO_WORDS for line in printed]


async def test_each_word_shows_the_distribution_it_was_drawn_from_the_word_marked(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "i", AskScreen)
        await generate_on(pilot, screen, **{"top-k": "3"})
        sample = screen.generated.samples[0]
        for draw in sample.draws:
            chart = text_of(screen.query_one(DrawChart))
            assert f"the model drew ▶ {draw.chosen_word} ({percent(draw.chosen_prob)}" in chart
            assert f"the filter kept {draw.kept} of {trainer.tokenizer.vocab_size} tokens" in chart
            assert "the rest have p = 0" in chart
            marked = [line for line in chart.splitlines() if line.startswith("▶")]
            assert len(marked) == 1 and marked[0][1:].split()[0] == draw.chosen_word
            for c in draw.likeliest:  # the words kept, with their probabilities
                assert any(
                    c.word in line and percent(c.prob) in line for line in chart.splitlines()
                )
            assert f"‹{draw.chosen_word}›" in screen_text(app)
            await pilot.press("right")
        assert draw.kept >= 3 and len(draw.likeliest) == draw.kept  # top-k 3: no more


async def test_another_sentence_shows_its_own_draws(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "i", AskScreen)
        await generate_on(pilot, screen)
        await pilot.press("down")
        await pilot.pause()
        second = screen.generated.samples[1]
        assert screen.selected_sample is second and screen.word == 0
        chart = text_of(screen.query_one(DrawChart))
        assert f"▶ {second.draws[0].chosen_word}" in chart
        assert f"the filter kept all {trainer.tokenizer.vocab_size} tokens" in chart  # no filter


@pytest.mark.parametrize(
    "values, message",
    [
        ({"temperature": "0"}, "--temperature must be a number above 0 (0.8 is the default)"),
        ({"temperature": "hot"}, "--temperature: 'hot' is not a number"),
        ({"top-p": "2"}, "--top-p must be above 0 and at most 1, not 2.0"),
        ({"seed": "-1"}, "--seed: -1 is out of range: the seed is a whole number from 0 to"),
        ({"num": "0"}, "--num: must be from 1 to 50, not 0"),
    ],
)
async def test_a_bad_value_says_what_is_wrong(trainer, values, message):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "i", AskScreen)
        for key, value in values.items():
            field(screen, key).value = value
        field(screen, "temperature").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: _error(screen, "generate"))
        assert message in _error(screen, "generate")
        assert message[:40] in unwrapped(screen_text(app))
        assert screen.generated is None


async def test_generating_never_touches_the_runs_generator_or_state(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        before = trainer.snapshot()
        screen = await open_screen(pilot, app, "i", AskScreen)
        await generate_on(pilot, screen, num="20")
        await pilot.click("#--content-tab-sentence")
        await probe_on(pilot, screen, "the cat eats a muffin")
        after = trainer.snapshot()
        assert trainer.rng.state == before.rng_state == after.rng_state
        assert after.step_index == before.step_index
        for name in ("data", "m", "v", "token_row_hits"):
            assert np.array_equal(getattr(after, name), getattr(before, name))
        assert not trainer.model.params.grad.any()


async def test_your_sentence_shows_the_probes_numbers_at_each_position(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sentence_tab(pilot, app)
        await probe_on(pilot, screen, "The cat sees the dog!")
        expected = probe(trainer.model, trainer.tokenizer, "the cat sees the dog")
        assert screen.probed.probe == expected
        table = text_of(screen.query_one(ProbeTable))
        rows = [line for line in table.splitlines() if "→" in line][1:]  # the header first
        assert len(rows) == expected.n == 6
        for row, p in zip(rows, expected.positions):
            assert row.split()[0].lstrip("▲") == str(p.position)
            assert f"→ {p.target_word}" in row
            for number in (percent(p.prob), f"{p.rank:,}", f"{p.loss:.4f}"):
                assert f" {number} " in f" {row} "
        assert f"/ 6 = {expected.loss_sum:.4f} / 6 = {expected.loss:.4f}" in unwrapped(table)
        about = unwrapped(screen_text(app))
        assert "the model after step 5 of 5,000 on “the cat sees the dog”" in about


async def test_an_unknown_word_is_named_with_the_closest_known_words(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sentence_tab(pilot, app)
        await probe_on(pilot, screen, "the catt runs to the prak")
        error = _error(screen, "sentence")
        assert "2 words not in the vocabulary: 'catt' (closest: cat" in error
        assert "'prak' (closest: park" in error
        assert "'catt'" in screen_text(app) and screen.probed is None
        assert "t Train" not in screen_text(app)  # dimmed or gone: nothing to train on


async def test_f2_goes_back_to_generate_from_your_sentence(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sentence_tab(pilot, app)
        await pilot.press("f2")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "generate")
        assert "f2 Other tab" in screen_text(app)


async def test_a_sentence_typed_key_by_key_is_probed_on_enter(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sentence_tab(pilot, app)
        await wait_for(pilot, lambda: screen.focused is screen.query_one("#ask-sentence"))
        await pilot.press(*[{" ": "space"}.get(c, c) for c in "the sun is hot"], "enter")
        await wait_for(pilot, lambda: screen.probed is not None)
        assert screen.probed.probe.sentence == "the sun is hot"  # t was typed, not a key
        await pilot.pause()
        assert "t Train one step on it (what-if)" in screen_text(app)


async def test_a_what_if_that_cannot_be_taken_says_why(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("full_stop")  # a step walked stage by stage is in progress
        await wait_for(pilot, lambda: app.session.in_step)
        screen = await open_sentence_tab(pilot, app)
        await probe_on(pilot, screen, "the dog eats a muffin")
        await pilot.press("t")
        await wait_for(pilot, lambda: _error(screen, "sentence"))
        assert "pause first" in _error(screen, "sentence") and app.screen is screen
        assert not (app.trace and app.trace.what_if)


async def test_a_long_sentence_is_said_to_be_cut_to_the_block(tiny_corpus):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sentence_tab(pilot, app)
        await probe_on(pilot, screen, " ".join(["the cat"] * 10))
        table = unwrapped(text_of(screen.query_one(ProbeTable)))
        assert "✂ 20 words: a step sees 16 positions (the block of 16)" in table


async def test_t_trains_a_what_if_step_on_the_sentence_and_b_undoes_it(trainer):
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.steps_done == 6 and not app.queued)
        shown, losses = app.trace, list(app.session.losses)
        screen = await open_sentence_tab(pilot, app)
        await probe_on(pilot, screen, "the dog eats a muffin")
        await pilot.press("t")
        await wait_for(pilot, lambda: not isinstance(app.screen, AskScreen))
        assert app.trace.what_if and app.trace.sentence == "the dog eats a muffin"
        assert app.trace.positions == screen.probed.probe.positions  # the same forward pass
        assert app.steps_done == 6 and app.session.losses == losses
        await pilot.press("b")
        await wait_for(pilot, lambda: not app.trace.what_if)
        assert app.trace is shown


async def test_the_ask_key_is_in_the_footer_help_and_palette(trainer):
    assert any(b.action == "ask" and b.key == "i" for b in keys.described())
    assert any(action == "ask" for _, _, action in keys.palette_entries())
    app = DebuggerApp(trainer, deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "i Ask" in screen_text(app)
