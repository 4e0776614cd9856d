"""The predictions table drawn alone: a step part-way through its stages (only the positions
fed), after its update (p before → after, Δloss with a glyph), and always within its width."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from rich.cells import cell_len
from rich.console import Console, RenderableType

from core.training.corpus import load_corpus
from core.training.stages import Stage, StepProgress
from core.training.trace import StepTrace
from core.training.trainer import Trainer
from core.training.update_effect import PositionEffect, UpdateEffect, measure_effect
from tui.format import percent
from tui.widgets.predictions_table import render_predictions

ROW = re.compile(r"^\s*(▲?)(\d+)\s.*→")  # a position's row: its number, ▲ on the worst


def lines_of(renderable: RenderableType, width: int = 76) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text().rstrip("\n").split("\n")


def glyph(change: float) -> str:
    return "▼" if change < 0 else "▲" if change > 0 else "="


def rows_of(lines: list[str]) -> dict[int, str]:
    return {int(m[2]): line for line in lines if (m := ROW.match(line))}


@dataclasses.dataclass(frozen=True)
class WalkedStep:
    """A real step taken stage by stage: its progress after each stage, then its effect."""

    progress: list[StepProgress]
    trace: StepTrace
    effect: UpdateEffect


def walk(trainer: Trainer) -> WalkedStep:
    staged = trainer.begin_step()
    progress = [staged.progress()]
    while not staged.done:
        staged.advance()
        progress.append(staged.progress())
    return WalkedStep(progress, staged.finish(), measure_effect(trainer, staged.finish()))


@pytest.fixture(scope="module")
def walked(tiny_corpus) -> WalkedStep:
    """The second step on the tiny corpus (seed 1): 'the big red dog sees the cat', n = 8."""
    trainer = Trainer(tiny_corpus, seed=1)
    trainer.step()
    return walk(trainer)


@pytest.fixture(scope="module")
def walked_long(tutorial_words_corpus_path) -> WalkedStep:
    """A 15-word sentence (16 positions, a full block) in the tutorial's 597 tokens."""
    trainer = Trainer(load_corpus(tutorial_words_corpus_path), seed=42)
    while len(trainer.sentence_at(trainer.step_index)[1].split()) < 15:
        trainer.step()
    return walk(trainer)


def part_way(walked: WalkedStep) -> list[StepProgress]:
    return [p for p in walked.progress if 0 < p.fed < p.n]


def test_part_way_through_the_forward_only_the_positions_fed_have_rows(walked):
    assert walked.trace.n >= 4 and len(part_way(walked)) == walked.trace.n - 1
    for progress in part_way(walked):
        lines = lines_of(render_predictions(progress, 0))
        assert sorted(rows_of(lines)) == list(range(progress.fed))
        for p in progress.positions:
            assert f"{p.loss:.4f}" in rows_of(lines)[p.position]


def test_the_positions_not_fed_are_named_with_the_key_that_feeds_them(walked):
    n = walked.trace.n
    for progress in part_way(walked):
        lines = lines_of(render_predictions(progress, 0))
        left = f"positions {progress.fed}–{n - 1}" if progress.fed < n - 1 else f"position {n - 1}"
        assert f"{left}: not fed yet (. feeds the next)" in lines


def test_until_every_position_is_fed_the_loss_line_says_what_it_will_be(walked):
    for progress in part_way(walked):
        lines = lines_of(render_predictions(progress, 0))
        assert f"loss: the mean of the {progress.n} position losses, once they are all fed" in lines
        assert not any(line.startswith("loss =") for line in lines)


def test_with_every_position_fed_but_no_loss_yet_nothing_is_pending_but_the_loss(walked):
    (fed,) = [p for p in walked.progress if p.fed == p.n and p.loss is None]
    lines = lines_of(render_predictions(fed, 0))
    assert sorted(rows_of(lines)) == list(range(fed.n))
    assert not any("not fed yet" in line for line in lines)
    assert f"loss: the mean of the {fed.n} position losses, next (. computes it)" in lines


def test_from_the_loss_stage_on_the_mean_line_is_the_traces(walked):
    for progress in walked.progress:
        if progress.stage >= Stage.LOSS:
            assert lines_of(render_predictions(progress, 0)) == lines_of(
                render_predictions(walked.trace, 0)
            )


def test_before_the_first_position_the_table_says_the_forward_has_not_started(walked):
    first = walked.progress[0]
    assert (first.stage, first.fed) == (Stage.TOKENIZE, 0)
    lines = lines_of(render_predictions(first, 0))
    assert lines[0] == "the forward pass has not started (. feeds position 0)"
    assert rows_of(lines) == {}


def test_the_worst_mark_is_on_the_worst_of_the_positions_fed(walked):
    for progress in part_way(walked):
        marked = [
            m[2]
            for line in lines_of(render_predictions(progress, 0))
            if (m := ROW.match(line)) and m[1]
        ]
        worst = max(progress.positions, key=lambda p: p.loss).position
        assert marked == [str(worst)]


def test_the_effect_shows_each_positions_p_before_and_after_and_its_change(walked):
    trace, effect = walked.trace, walked.effect
    lines = lines_of(render_predictions(trace, 0, effect=effect))
    assert lines[0].split() == [
        "pos",
        "context",
        "→",
        "target",
        "p",
        "before",
        "p",
        "after",
        "Δloss",
    ]
    rows = rows_of(lines)
    assert sorted(rows) == list(range(trace.n))
    for e in effect.positions:
        assert rows[e.position].split()[-4:] == [
            percent(e.before),
            percent(e.after),
            f"{e.change:+.4f}",
            glyph(e.change),
        ]
    assert lines[-1] == (
        f"after the update: loss {effect.loss_before:.4f} → {effect.loss_after:.4f} "
        f"({effect.change:+.4f}) · {effect.better} better ▼ · {effect.worse} worse ▲"
    )
    assert not any("top guesses" in line or line.startswith("loss =") for line in lines)


def test_the_effect_of_a_finished_staged_step_is_shown_as_for_its_trace(walked):
    done = walked.progress[-1]
    assert done.trace is not None
    shown = lines_of(render_predictions(done, 0, effect=walked.effect))
    assert shown == lines_of(render_predictions(walked.trace, 0, effect=walked.effect))


def test_each_change_has_its_glyph_and_the_unchanged_are_counted(walked):
    trace = walked.trace
    changes = [(-0.5, "-0.5000 ▼"), (0.25, "+0.2500 ▲"), (0.0, "+0.0000 =")]
    positions = tuple(
        PositionEffect(p.position, p.target_word, p.prob, p.prob, p.loss, p.loss + change)
        for p, (change, _) in zip(trace.positions, changes * trace.n)
    )
    effect = UpdateEffect(trace.step, positions, 3.0, 2.5)
    lines = lines_of(render_predictions(trace, 0, effect=effect))
    rows = rows_of(lines)
    for k, (_, shown) in zip(range(trace.n), changes * trace.n):
        assert rows[k].endswith(shown)
    start = next(k for k, line in enumerate(lines) if "update" in line)
    summary = " ".join(line.strip() for line in lines[start:])  # wrapped at 76
    assert summary.startswith("after the update: loss 3.0000 → 2.5000 (-0.5000)")
    same = trace.n - effect.better - effect.worse
    assert summary.endswith(f"· {effect.worse} worse ▲ · {same} unchanged =")


def test_an_effect_of_another_step_leaves_the_table_as_it_is_and_says_when(walked):
    trace = walked.trace
    stale = dataclasses.replace(walked.effect, step=trace.step - 1)
    lines = lines_of(render_predictions(trace, 0, effect=stale))
    assert lines[:-1] == lines_of(render_predictions(trace, 0))
    assert lines[-1] == "before → after: once this step's update is done"


def test_a_step_part_way_says_when_before_and_after_will_show(walked):
    progress = part_way(walked)[1]
    effect = dataclasses.replace(walked.effect, step=progress.step)  # not done: not shown
    lines = lines_of(render_predictions(progress, 0, effect=effect))
    assert lines[:-1] == lines_of(render_predictions(progress, 0))
    assert lines[-1] == "before → after: once this step's update is done"


def every_mode(walked: WalkedStep) -> list[tuple[StepTrace | StepProgress, UpdateEffect | None]]:
    stale = dataclasses.replace(walked.effect, step=walked.trace.step + 1)
    return [
        *((p, None) for p in walked.progress),
        (walked.trace, walked.effect),
        (walked.trace, stale),
        (part_way(walked)[0], stale),
    ]


@pytest.mark.parametrize("width", [76, 60])
@pytest.mark.parametrize("height", [40, 12])
def test_every_line_fits_the_width_in_every_mode(walked, walked_long, width, height):
    for step in (walked, walked_long):
        for shown, effect in every_mode(step):
            lines = lines_of(render_predictions(shown, 5, width, height, effect), width)
            assert max(cell_len(line) for line in lines) <= width


@pytest.mark.parametrize("width", [76, 60])
def test_when_narrow_the_context_gives_way_never_a_target_or_a_change(walked_long, width):
    trace, effect = walked_long.trace, walked_long.effect
    rows = rows_of(lines_of(render_predictions(trace, 0, width, effect=effect), width))
    for e, p in zip(effect.positions, trace.positions):
        assert f"→ {p.target_word} " in rows[p.position]
        assert rows[p.position].rstrip().endswith(f"{e.change:+.4f} {glyph(e.change)}")


@pytest.mark.parametrize("width", [76, 60])
def test_a_long_sentence_is_windowed_around_the_selection_within_the_height(walked_long, width):
    trace, effect = walked_long.trace, walked_long.effect
    assert trace.n == 16
    for selected in (0, 7, 15):
        for shown, with_effect in [
            (trace, None),
            (trace, effect),
            (part_way(walked_long)[-1], None),
        ]:
            lines = lines_of(render_predictions(shown, selected, width, 12, with_effect), width)
            rows = sorted(rows_of(lines))
            assert len(lines) <= 12 and min(selected, len(shown.positions) - 1) in rows
            assert rows == list(range(rows[0], rows[-1] + 1))
            assert any(line.startswith(f"positions {rows[0]}–{rows[-1]} of 0–") for line in lines)
