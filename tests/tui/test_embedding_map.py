"""The embedding gradient map, alone in a test app, read back as the text it displays."""

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from core.model.tokenizer import Tokenizer
from core.training.corpus import Corpus, load_corpus
from core.training.optimizer import AdamConfig
from core.training.trace import RowState, StepTrace
from core.training.trainer import Trainer
from tui.widgets.embedding_map import EmbeddingGradMap

GRADIENT_GLYPHS = set("░▒▓█")


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield EmbeddingGradMap()


@asynccontextmanager
async def showing(
    trace: StepTrace | None, words: Sequence[str], size: tuple[int, int] = (80, 30)
) -> AsyncIterator[tuple[Pilot, EmbeddingGradMap]]:
    """A harness showing `trace` in the map, ready to read."""
    async with Harness().run_test(size=size) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(words, 16)
        widget.show(trace)
        await pilot.pause()
        yield pilot, widget


@pytest.fixture(scope="module")
def wide_words() -> tuple[str, ...]:
    return Tokenizer.from_sentences(load_corpus().sentences).words


@pytest.fixture(scope="module")
def tiny_words(tiny_corpus: Corpus) -> tuple[str, ...]:
    return Tokenizer.from_sentences(tiny_corpus.sentences).words


def screen_lines(widget: EmbeddingGradMap) -> list[str]:
    return ["".join(s.text for s in widget.render_line(y)) for y in range(widget.size.height)]


def details(widget: EmbeddingGradMap) -> str:
    """The last line drawn: the cell under the cursor."""
    return [line for line in screen_lines(widget) if line.strip()][-1]


def position_cells(widget: EmbeddingGradMap) -> dict[int, str]:
    """The position entries ("15█") wherever they are drawn."""
    entries = re.findall(r"(\d+)([░▒▓█·])", "\n".join(screen_lines(widget)))
    return {int(p): glyph for p, glyph in entries}


def tiny_cells(widget: EmbeddingGradMap) -> str:
    """The 37 cells of the tiny vocabulary: one grid line, under the counts and listing."""
    return screen_lines(widget)[2][: widget.vocab_size]


async def test_counts_line_says_how_many_rows_got_a_gradient(wide_traces, wide_words):
    trace = wide_traces[2]
    async with showing(trace, wide_words, (80, 30)) as (_pilot, widget):
        assert screen_lines(widget)[0].startswith(
            f"{len(trace.token_rows)} of 597 rows got a gradient"
        )


async def test_counts_line_counts_rows_moved_by_momentum_alone(wide_traces, wide_words):
    trace = wide_traces[2]
    alone = len(set(trace.token_rows_moved) - {r.row for r in trace.token_rows})
    async with showing(trace, wide_words, (80, 30)) as (_pilot, widget):
        assert f"{alone} moved by momentum alone" in screen_lines(widget)[0]


async def test_listing_names_the_rows_that_got_a_gradient(wide_traces, wide_words):
    trace = wide_traces[0]  # six rows: they all fit in 80 columns
    async with showing(trace, wide_words, (80, 30)) as (_pilot, widget):
        items = screen_lines(widget)[1].rstrip().split(" · ")
        listed = {tuple(item.rsplit(" ", 1)) for item in items}
        assert listed == {(r.label, str(r.row)) for r in trace.token_rows}


async def test_long_listing_says_how_many_more(wide_traces, wide_words):
    trace = wide_traces[2]  # twelve rows
    async with showing(trace, wide_words, (40, 30)) as (_pilot, widget):
        *shown, more = screen_lines(widget)[1].rstrip().split(" · ")
        assert more == f"+{len(trace.token_rows) - len(shown)} more"


async def test_row_with_a_gradient_shows_a_gradient_glyph(tiny_traces, tiny_words):
    trace = tiny_traces[2]
    async with showing(trace, tiny_words, (80, 30)) as (_pilot, widget):
        cells = tiny_cells(widget)
        assert {cells[r.row] for r in trace.token_rows} <= GRADIENT_GLYPHS
        assert sum(c in GRADIENT_GLYPHS for c in cells) == len(trace.token_rows)


async def test_strongest_gradient_gets_the_full_block(tiny_traces, tiny_words):
    trace = tiny_traces[2]
    strongest = max(trace.token_rows, key=lambda r: r.norm).row
    async with showing(trace, tiny_words, (80, 30)) as (_pilot, widget):
        assert tiny_cells(widget)[strongest] == "█"


async def test_untouched_row_shows_no_gradient_glyph(tiny_traces, tiny_words):
    trace = tiny_traces[0]
    untouched = [r for r, hits in enumerate(trace.token_row_hits) if hits == 0]
    async with showing(trace, tiny_words, (80, 30)) as (_pilot, widget):
        assert {tiny_cells(widget)[r] for r in untouched} == {"·"}


async def test_row_moved_by_momentum_alone_shows_the_momentum_glyph(tiny_traces, tiny_words):
    trace = tiny_traces[1]
    alone = set(trace.token_rows_moved) - {r.row for r in trace.token_rows}
    assert alone, "the second step should move rows of the first by momentum"
    async with showing(trace, tiny_words, (80, 30)) as (_pilot, widget):
        assert {tiny_cells(widget)[r] for r in alone} == {"•"}


async def test_positions_past_the_sentence_show_no_gradient(wide_traces, wide_words):
    trace = wide_traces[0]  # n = 6 of 16 positions
    async with showing(trace, wide_words, (80, 30)) as (_pilot, widget):
        cells = position_cells(widget)
        assert sorted(cells) == list(range(16))
        assert {cells[p] for p in range(trace.n)} <= GRADIENT_GLYPHS
        assert {cells[p] for p in range(trace.n, 16)} == {"·"}


async def test_narrow_map_puts_the_positions_below_the_grid(wide_traces, wide_words):
    async with showing(wide_traces[2], wide_words, (36, 30)) as (_pilot, widget):
        lines = screen_lines(widget)
        assert all(len(line) == 36 for line in lines)
        assert any(line.startswith("pos  0") for line in lines)
        assert sorted(position_cells(widget)) == list(range(16))


async def test_toggling_the_mode_switches_to_hit_counts(wide_traces, wide_words):
    async with showing(wide_traces[2], wide_words, (80, 30)) as (pilot, widget):
        widget.toggle_mode()
        await pilot.pause()
        assert widget.mode == "cumulative"
        text = "\n".join(screen_lines(widget))
        assert "rows got a gradient in some step" in text
        assert "hits · 0  ░ 1  ▒ 2–9  ▓ 10–99  █ 100+" in text


async def test_hit_counts_name_the_most_hit_words(wide_traces, wide_words):
    trace = wide_traces[2]  # "the" and BOS were in all three sentences
    async with Harness().run_test(size=(80, 30)) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(wide_words, 16)
        widget.show(trace)
        widget.mode = "cumulative"
        await pilot.pause()
        assert screen_lines(widget)[1].startswith("most hit: the 3 · BOS 3")


async def test_toggling_twice_returns_to_this_steps_gradients(wide_traces, wide_words):
    async with Harness().run_test(size=(80, 30)) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(wide_words, 16)
        widget.show(wide_traces[2])
        widget.toggle_mode()
        widget.toggle_mode()
        await pilot.pause()
        assert widget.mode == "step"
        assert "moved by momentum alone" in screen_lines(widget)[0]


async def test_hit_count_cells_grow_darker_with_hits(tiny_traces, tiny_words):
    trace = tiny_traces[2]
    async with Harness().run_test(size=(80, 30)) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(tiny_words, 16)
        widget.show(trace)
        widget.mode = "cumulative"
        await pilot.pause()
        cells = tiny_cells(widget)
        expected = {0: "·", 1: "░", 2: "▒", 3: "▒"}
        assert all(cells[r] == expected[h] for r, h in enumerate(trace.token_row_hits))


async def test_arrow_keys_move_the_cursor_to_the_next_word(wide_traces, wide_words):
    async with showing(wide_traces[2], wide_words, (80, 30)) as (pilot, widget):
        await pilot.press("right", "right")
        assert details(widget).startswith(f"▸ {wide_words[2]} (id 2) · no gradient")


async def test_details_line_gives_the_gradient_under_the_cursor(wide_traces, wide_words):
    trace = wide_traces[2]
    row = trace.token_rows[1]
    async with Harness().run_test(size=(80, 30)) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(wide_words, 16)
        widget.show(trace)
        widget.cursor = row.row
        await pilot.pause()
        assert details(widget).startswith(
            f"▸ {row.label} (id {row.row}) · gradient norm {row.norm:.3g}"
        )


async def test_left_from_the_first_cell_wraps_to_bos(wide_traces, wide_words):
    async with showing(wide_traces[2], wide_words, (80, 30)) as (pilot, widget):
        await pilot.press("left")
        assert widget.cursor == 596
        assert details(widget).startswith("▸ BOS (id 596)")


async def test_down_moves_a_whole_line_and_up_comes_back(wide_traces, wide_words):
    async with Harness().run_test(size=(80, 30)) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(wide_words, 16)
        widget.show(wide_traces[2])
        widget.cursor = 3
        await pilot.pause()
        await pilot.press("down")
        below = widget.cursor
        await pilot.press("up")
        assert below > 3 + 30
        assert widget.cursor == 3


async def test_up_from_the_top_line_wraps_to_the_bottom(wide_traces, wide_words):
    async with showing(wide_traces[2], wide_words, (80, 30)) as (pilot, widget):
        await pilot.press("up")
        assert widget.cursor > 596 - 80


async def test_cursor_stays_valid_when_the_vocabulary_shrinks(
    wide_traces, wide_words, tiny_traces, tiny_words
):
    async with Harness().run_test(size=(80, 30)) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(wide_words, 16)
        widget.show(wide_traces[2])
        widget.cursor = 500
        widget.set_vocabulary(tiny_words, 16)
        widget.show(tiny_traces[0])
        await pilot.pause()
        bos = len(tiny_words)
        assert widget.cursor == bos
        assert details(widget).startswith(f"▸ BOS (id {bos})")


async def test_short_map_scrolls_to_keep_the_cursor_in_view(wide_traces, wide_words):
    async with Harness().run_test(size=(60, 8)) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(wide_words, 16)
        widget.show(wide_traces[2])
        widget.cursor = 596
        await pilot.pause()
        lines = [list(widget.render_line(y)) for y in range(widget.size.height)]
        cursor = [s.text for line in lines for s in line if s.style and s.style.reverse]
        assert cursor == ["█"]  # BOS, the last cell, got the largest gradient


async def test_map_before_any_step_shows_the_hint(wide_words):
    async with showing(None, wide_words, (80, 30)) as (_pilot, widget):
        assert any("no steps yet: press space" in line for line in screen_lines(widget))


async def test_rows_whose_momentum_ran_out_show_as_resting(tiny_corpus, tiny_words):
    trainer = Trainer(tiny_corpus, seed=1, adam=AdamConfig(beta1=0.0))  # m: this step's grad
    trainer.step()
    trace = trainer.step()
    resting = [r for r, s in enumerate(trace.token_row_states) if s is RowState.RESTING]
    assert resting, "rows of the first sentence only should rest in the second step"
    async with showing(trace, tiny_words, (80, 30)) as (_pilot, widget):
        assert {tiny_cells(widget)[r] for r in resting} == {"∘"}
        assert screen_lines(widget)[0].rstrip().endswith(f" · {len(resting)} resting")
