"""The stage line, read from real records: a step of the bundled corpus walked stage by
stage, and a sentence too long for the block."""

from dataclasses import replace
from pathlib import Path

import pytest
from drive import text_of
from rich.cells import cell_len
from rich.console import Console
from textual.app import App, ComposeResult

from core.training.corpus import load_corpus
from core.training.stages import Stage, StepProgress
from core.training.trace import RowState
from core.training.trainer import Trainer
from tui.format import percent
from tui.widgets.stage_line import StageLine, render_stage

WATCHED = ("token_embedding[the][0]", "layers.0.attention.query[0][0]", "output[3][2]")
STEPS_BEFORE = 3  # whole steps first: a later step has momentum rows and lr_t below the peak
NAMES = ("tokenize", "forward", "loss", "backward", "update")


def walk(trainer: Trainer, watch: list[int]) -> list[StepProgress]:
    """The progress after every stage of the trainer's next step (each position fed)."""
    staged = trainer.begin_step(watch)
    seen = [staged.progress()]
    while not staged.done:
        staged.advance()
        seen.append(staged.progress())
    return seen


@pytest.fixture(scope="module")
def walked() -> list[StepProgress]:
    trainer = Trainer(load_corpus(), seed=1)
    for _ in range(STEPS_BEFORE):
        trainer.step()
    return walk(trainer, [trainer.model.params.index_of(name) for name in WATCHED])


@pytest.fixture(scope="module")
def long_walk(tmp_path_factory: pytest.TempPathFactory) -> list[StepProgress]:
    words = "the cat eats a muffin and the dog runs to the park with mom and dad on a hot day"
    assert len(words.split()) == 20  # 22 tokens: 21 predictions, the block takes 16
    path: Path = tmp_path_factory.mktemp("long") / "one.txt"
    path.write_text(words + "\n")
    return walk(Trainer(load_corpus(path), seed=1), [])


def at(progress: list[StepProgress], stage: Stage) -> StepProgress:
    return next(p for p in progress if p.stage is stage)


def shown(p: StepProgress, width: int = 200) -> str:
    """The text on one line, wrapped lines joined again (a wrap breaks at a space)."""
    return " ".join(line.strip() for line in render_stage(p, width).plain.splitlines())


def test_the_walk_has_every_stage_and_one_forward_per_position(walked):
    stages = [p.stage for p in walked]
    forward = [Stage.FORWARD] * walked[0].n
    assert stages == [Stage.TOKENIZE, *forward, Stage.LOSS, Stage.BACKWARD, Stage.UPDATE]


def test_the_tracker_marks_stages_done_current_and_ahead_with_glyphs(walked):
    for p in walked:
        tracker = render_stage(p, 200).plain.splitlines()[0]
        assert tracker.startswith(f"step {p.step + 1:,} · ")
        for number, name in enumerate(NAMES, start=1):
            label = f"{number} {name}"
            if number == Stage.FORWARD and p.stage >= Stage.FORWARD:
                label += f" {p.fed}/{p.n}"
            if number < p.stage:
                assert f"✓ {label}" in tracker
            elif number == p.stage:
                assert f"▸ {label}" in tracker
            else:
                assert f"· {label}" in tracker and f"✓ {label}" not in tracker


def test_tokenize_says_which_sentence_its_tokens_and_n(walked):
    p = at(walked, Stage.TOKENIZE)
    text = shown(p)
    total = len(p.tokens)
    assert f"sentences[{p.step:,} % {p.num_sentences:,}] = sentences[{p.sentence_index:,}]" in text
    assert f"BOS, {total - 2} words, BOS = {total} tokens" in text
    assert f"n = min(blockSize, {total} − 1) = min(16, {total - 1}) = {p.n} predictions." in text
    assert "✂" not in text
    assert ". feeds position 0" in text


def test_each_forward_position_shows_its_words_probability_and_rank(walked):
    for p in (p for p in walked if p.stage is Stage.FORWARD):
        q = p.positions[-1]
        text = shown(p)
        fed = "BOS" if q.position == 0 else f"“{q.input_word}”"
        assert f"Fed {fed} at position {q.position}:" in text
        rows = "row" if p.fed == 1 else "rows"
        assert f"KV cache now holds {p.attention.positions} {rows};" in text
        vocabulary = len(q.distribution())
        assert f"{vocabulary} scores → softmax" in text
        target = "BOS" if q.target_token == p.tokens[0] else f"“{q.target_word}”"
        assert f"p({target}) = {percent(q.prob)}," in text
        assert f"rank {q.rank} of {vocabulary}, −log p = {q.loss:.2f}." in text
        next_key = f"feeds position {p.fed}" if p.fed < p.n else "computes the loss"
        assert f". {next_key}" in text


def test_the_real_model_has_597_scores_and_63296_parameters(walked):
    assert "597 scores" in shown(walked[1])
    assert "of 63,296 parameters" in shown(at(walked, Stage.BACKWARD))


def test_loss_shows_the_terms_sum_mean_and_the_best_and_worst_positions(walked):
    p = at(walked, Stage.LOSS)
    assert p.loss_sum is not None and p.loss is not None
    text = shown(p)
    losses = [f"{q.loss:.2f}" for q in p.positions]
    terms = losses if len(losses) <= 6 else [*losses[:3], "…", losses[-1]]
    assert f"({' + '.join(terms)}) / {p.n} = {p.loss_sum:.4f} / {p.n} = {p.loss:.4f}." in text
    best = min(p.positions, key=lambda q: q.loss)
    worst = max(p.positions, key=lambda q: q.loss)
    assert (
        f"position {best.position} paid the least, {best.loss:.2f} (p {percent(best.prob)})" in text
    )
    assert f"position {worst.position} the most, {worst.loss:.2f} (p {percent(worst.prob)})" in text


def test_backward_counts_the_gradients_and_the_embedding_rows(walked):
    p = at(walked, Stage.BACKWARD)
    text = shown(p)
    assert f"{p.gradient_count:,} of {p.parameter_count:,} parameters got a non-zero .grad" in text
    assert f"{len(p.token_rows)} token rows and {len(p.position_rows)} position rows." in text
    assert ". runs Adam's update" in text


def test_update_shows_lr_the_bias_corrections_and_the_rows_moved(walked):
    p = at(walked, Stage.UPDATE)
    assert p.trace is not None
    trace, t = p.trace, p.step + 1
    entry = trace.watched[0].adam
    text = shown(p)
    assert f"lr_t = {trace.lr:.6g}," in text
    assert f"1 − {entry.beta1:g}^{t} = {entry.bias1:.4g}," in text
    assert f"1 − {entry.beta2:g}^{t} = {entry.bias2:.4g};" in text
    assert (entry.bias1, entry.bias2) == p.bias_corrections
    momentum = trace.rows_in(RowState.MOMENTUM)
    assert momentum > 0  # after three steps, rows of earlier sentences still move
    assert f"{trace.rows_in(RowState.GRADIENT)} token rows moved by their gradient" in text
    assert f"{momentum} by momentum alone." in text
    assert "the step is done: . walks the next one · b goes back before it" in text


def test_update_writes_the_first_watched_parameter_and_counts_the_rest(walked):
    p = at(walked, Stage.UPDATE)
    assert p.trace is not None
    lines = render_stage(p, 200).plain.splitlines()
    w = p.trace.watched[0]
    e = w.adam
    change = f"{e.data_before:+.3e} → {e.data_after:+.3e} (Δ {0.0 - e.update:+.3e})"
    assert any(line.startswith(f"{w.name}: {change}") for line in lines)
    assert WATCHED[1] not in "\n".join(lines) and WATCHED[2] not in "\n".join(lines)
    assert "+2 more" in lines[-2]


def test_without_a_watched_parameter_the_betas_are_written_as_symbols(walked):
    p = at(walked, Stage.UPDATE)
    assert p.trace is not None
    unwatched = replace(p, trace=replace(p.trace, watched=()))
    bias1, bias2 = p.bias_corrections
    t = p.step + 1
    text = shown(unwatched)
    assert f"1 − β1^{t} = {bias1:.4g}, 1 − β2^{t} = {bias2:.4g};" in text


def test_a_sentence_longer_than_the_block_is_marked_cut(long_walk):
    p = long_walk[0]
    assert p.truncated and (len(p.tokens), p.n) == (22, 16)
    text = shown(p)
    assert "n = min(blockSize, 22 − 1) = min(16, 21) = 16 predictions." in text
    assert (
        "✂ only the first 16 fit the block (blockSize = 16): the last 5 predictions are cut."
        in text
    )


def test_before_the_update_b_drops_the_step(walked):
    for p in walked[:-1]:
        assert render_stage(p, 200).plain.splitlines()[-1].endswith("b drops it (not trained yet)")


@pytest.mark.parametrize("width", [80, 100, 120])
def test_every_line_fits_and_wraps_only_between_words(walked, long_walk, width):
    for p in [*walked, long_walk[0]]:
        text = render_stage(p, width)
        lines = text.plain.splitlines()
        assert all(cell_len(line) <= width for line in lines), lines
        # A wrap only moves words to the next line: the same words as on one wide line.
        assert text.plain.split() == render_stage(p, 1000).plain.split()
        console = Console(width=width, record=True, color_system=None)
        console.print(text)
        printed = console.export_text().splitlines()
        assert printed == [line.rstrip() for line in lines]  # nothing wrapped again
        assert len(lines) <= 7


def test_the_tracker_and_the_keys_take_one_line_each_at_80_columns(walked):
    for p in walked:
        lines = render_stage(p, 80).plain.splitlines()
        assert lines[0].startswith("step ") and not lines[1].startswith("  ")
        assert lines[-1].startswith((". ", "the step is done")) and not lines[-1].startswith(" ")


def test_a_word_is_shown_as_written_never_read_as_markup(walked):
    p = walked[3]
    q = replace(p.positions[-1], input_word="[bold red]cat[/]")
    text = shown(replace(p, positions=(*p.positions[:-1], q)))
    assert "Fed “[bold red]cat[/]” at position" in text


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield StageLine()


async def test_the_widget_shows_the_progress_and_nothing_without_one(walked):
    app = Harness()
    async with app.run_test(size=(80, 12)) as pilot:
        line = app.query_one(StageLine)
        line.show(walked[3])
        await pilot.pause()
        shown_text = text_of(line)
        assert "▸ 2 forward 3/" in shown_text
        assert f"{len(walked[3].positions[-1].distribution())} scores" in shown_text
        assert all(cell_len(row.rstrip()) <= 80 for row in shown_text.splitlines())
        line.show(None)
        await pilot.pause()
        assert text_of(line).strip() == ""
