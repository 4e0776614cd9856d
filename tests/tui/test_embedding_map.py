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
from tests.tui.drive import cut_numbers
from tui.widgets.embedding_map import EmbeddingGradMap
from tui.widgets.embedding_texts import wrap

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
    """The lines in view, as drawn."""
    return ["".join(s.text for s in widget.render_line(y)) for y in range(widget.size.height)]


def content_lines(widget: EmbeddingGradMap) -> list[str]:
    """Every line of the map, in view or scrolled out of it, as built beside the scrollbar
    when there is one."""
    width, height = widget.size
    if widget.virtual_size.height > height:
        width -= widget.styles.scrollbar_size_vertical
    return [strip.text.ljust(widget.size.width) for strip in widget._build(width, height)]


def joined(lines: Sequence[str]) -> str:
    """Wrapped lines put end to end again (a wrap breaks at a space)."""
    return " ".join(line.strip() for line in lines if line.strip())


def details(widget: EmbeddingGradMap) -> str:
    """The paragraph about the cell under the cursor: "▸ …" and its indented lines."""
    lines = content_lines(widget)
    start = next(i for i, line in enumerate(lines) if line.startswith("▸ "))
    end = next(i for i in range(start + 1, len(lines) + 1) if not lines[i].startswith("  "))
    return joined(lines[start:end])


def position_cells(widget: EmbeddingGradMap) -> dict[int, str]:
    """The position entries ("15█") wherever they are drawn."""
    entries = re.findall(r"(\d+)([░▒▓█·])", "\n".join(content_lines(widget)))
    return {int(p): glyph for p, glyph in entries}


def tiny_cells(widget: EmbeddingGradMap) -> str:
    """The 37 cells of the tiny vocabulary: its one grid line."""
    size = widget.vocab_size
    return next(line for line in content_lines(widget) if re.match(f"[·∘•░▒▓█]{{{size}}}", line))[
        :size
    ]


async def test_counts_line_says_how_many_rows_got_a_gradient(wide_traces, wide_words):
    trace = wide_traces[2]
    async with showing(trace, wide_words, (80, 30)) as (_pilot, widget):
        assert screen_lines(widget)[0].startswith(
            f"{len(trace.token_rows)} of 597 rows got a gradient"
        )


async def test_counts_count_rows_moved_by_momentum_alone(wide_traces, wide_words):
    trace = wide_traces[2]
    alone = len(set(trace.token_rows_moved) - {r.row for r in trace.token_rows})
    never = trace.token_row_states.count(RowState.NEVER)
    async with showing(trace, wide_words, (80, 30)) as (_pilot, widget):
        assert f"{alone} moved by momentum · {never} never touched" in joined(screen_lines(widget))


def sentence_order(trace: StepTrace) -> list[str]:
    """The rows that got a gradient as the word list names them: in sentence order."""
    labels = {r.row: r.label for r in trace.token_rows}
    return [f"{labels[t]} {t}" for t in dict.fromkeys(trace.tokens) if t in labels]


async def test_word_list_names_the_rows_that_got_a_gradient_in_sentence_order(
    wide_traces, wide_words
):
    trace = wide_traces[0]
    async with showing(trace, wide_words, (80, 30)) as (_pilot, widget):
        lead = f"{len(trace.token_rows)} of 597 rows got a gradient: "
        assert lead + " · ".join(sentence_order(trace)) in joined(screen_lines(widget))


async def test_word_list_wraps_instead_of_leaving_words_out(wide_traces, wide_words):
    trace = wide_traces[2]  # twelve rows
    async with showing(trace, wide_words, (60, 30)) as (_pilot, widget):
        lines = screen_lines(widget)
        assert " · ".join(sentence_order(trace)) in joined(lines[:4])
        assert "more" not in joined(lines[:4])


async def test_word_list_past_four_lines_says_how_many_more(wide_traces, wide_words):
    trace = wide_traces[2]
    async with showing(trace, wide_words, (24, 30)) as (_pilot, widget):
        listing = joined(screen_lines(widget)[:4]).split(": ", 1)[1]
        *shown, more = listing.split(" · ")
        assert shown == sentence_order(trace)[: len(shown)]
        assert more == f"+{len(trace.token_rows) - len(shown)} more"
        assert not screen_lines(widget)[4].startswith("  ")  # the list ended in four lines


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
        assert all(len(line) == 36 for line in screen_lines(widget))
        assert any(line.startswith("pos  0") for line in content_lines(widget))
        assert sorted(position_cells(widget)) == list(range(16))


async def test_toggling_the_mode_switches_to_hit_counts(wide_traces, wide_words):
    trace = wide_traces[2]
    ever = sum(hits > 0 for hits in trace.token_row_hits)
    async with showing(trace, wide_words, (80, 30)) as (pilot, widget):
        widget.toggle_mode()
        await pilot.pause()
        assert widget.mode == "cumulative"
        text = "\n".join(screen_lines(widget))
        assert f"{ever} of 597 rows ever got a gradient · {597 - ever} never did" in text
        assert "steps with a gradient: · 0  ░ 1  ▒ 2–9  ▓ 10–99  █ 100+" in text


async def test_hit_counts_name_the_most_hit_words(wide_traces, wide_words):
    trace = wide_traces[2]  # "the" and BOS were in all three sentences
    async with Harness().run_test(size=(80, 30)) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(wide_words, 16)
        widget.show(trace)
        widget.mode = "cumulative"
        await pilot.pause()
        assert "most often with a gradient: the ×3 · BOS ×3" in joined(screen_lines(widget))


async def test_toggling_twice_returns_to_this_steps_gradients(wide_traces, wide_words):
    async with Harness().run_test(size=(80, 30)) as pilot:
        widget = pilot.app.query_one(EmbeddingGradMap)
        widget.set_vocabulary(wide_words, 16)
        widget.show(wide_traces[2])
        widget.toggle_mode()
        widget.toggle_mode()
        await pilot.pause()
        assert widget.mode == "step"
        assert "moved by momentum" in joined(screen_lines(widget))


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
        assert f"never touched · {len(resting)} resting" in joined(screen_lines(widget))


LAYOUTS = [(41, 17), (76, 14)]  # a wide layout's bottom panel; the compact layout's panel


def reversed_cells(widget: EmbeddingGradMap) -> list[str]:
    """The cells drawn reversed in view: the focused cursor."""
    lines = [list(widget.render_line(y)) for y in range(widget.size.height)]
    return [s.text for line in lines for s in line if s.style and s.style.reverse]


@pytest.mark.parametrize("size", LAYOUTS, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_layout_says_the_words_the_legend_and_the_long_detail(
    wide_traces, wide_words, size
):
    trace = wide_traces[2]
    the = next(r for r in trace.token_rows if r.label == "the")
    async with showing(trace, wide_words, size) as (pilot, widget):
        in_view = joined(screen_lines(widget))
        assert f"12 of 597 rows got a gradient: {sentence_order(trace)[0]} · " in in_view
        for glyph in ("░▒▓█ gradient by norm", "• no gradient, moved by momentum",
                      "∘ resting: its momentum ran out", "· never touched"):  # fmt: skip
            assert glyph in in_view  # above the grid
        widget.cursor = the.row
        await pilot.pause()
        everything = joined(content_lines(widget))
        assert details(widget) == (
            f"▸ the (id {the.row}) · gradient norm {the.norm:.3g} · moved · "
            "3 steps with a gradient so far"
        )
        assert "BOS (596) is the last" in everything
        assert "← → ↑ ↓ move the cursor while the map is focused (key 4)" in everything


@pytest.mark.parametrize("size", LAYOUTS, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_layout_explains_the_shades_of_hit_counts(wide_traces, wide_words, size):
    async with showing(wide_traces[2], wide_words, size) as (pilot, widget):
        widget.toggle_mode()
        await pilot.pause()
        shades = "steps with a gradient: · 0 ░ 1 ▒ 2–9 ▓ 10–99 █ 100+"
        assert shades in joined(screen_lines(widget)).replace("  ", " ")


async def test_moving_the_cursor_to_bos_scrolls_the_map_to_its_line(wide_traces, wide_words):
    async with showing(wide_traces[2], wide_words, (41, 17)) as (pilot, widget):
        assert widget.scroll_offset.y == 0
        await pilot.press("left")  # from the first cell to the last: BOS
        await pilot.pause()
        assert widget.scroll_offset.y > 0
        assert reversed_cells(widget) == ["█"]  # BOS got the largest gradient
        assert any(line.startswith("▸ BOS (id 596)") for line in screen_lines(widget))


async def test_focused_map_keeps_the_cursor_detail_in_view(wide_traces, wide_words):
    async with showing(wide_traces[2], wide_words, (41, 17)) as (_pilot, widget):
        assert widget.has_focus
        first = next(i for i, line in enumerate(content_lines(widget)) if line.startswith("▸"))
        assert first >= widget.size.height  # its own place is out of view
        assert screen_lines(widget)[-2].startswith("▸ a (id 0) · gradient norm ")
        assert reversed_cells(widget)  # the cursor's cell is not under it


async def test_unfocused_map_draws_the_detail_in_its_own_place(wide_traces, wide_words):
    async with showing(wide_traces[2], wide_words, (41, 17)) as (pilot, widget):
        widget.blur()
        await pilot.pause()
        top = round(widget.scroll_offset.y)
        assert screen_lines(widget) == content_lines(widget)[top : top + widget.size.height]


async def test_detail_wraps_between_its_fields(wide_traces, wide_words):
    async with showing(wide_traces[2], wide_words, (41, 17)) as (pilot, widget):
        widget.cursor = 596
        await pilot.pause()
        lines = content_lines(widget)
        start = next(i for i, line in enumerate(lines) if line.startswith("▸"))
        fields = ["▸ BOS (id 596)", "moved", "3 steps with a gradient so far"]
        assert all(any(f in line for line in lines[start : start + 3]) for f in fields)
        assert lines[start].rstrip().endswith(" ·")  # the break is marked


@pytest.mark.parametrize("mode", ["step", "cumulative"])
async def test_no_line_says_hits_without_saying_what_it_counts(wide_traces, wide_words, mode):
    async with showing(wide_traces[2], wide_words, (41, 17)) as (pilot, widget):
        widget.mode = mode
        await pilot.pause()
        assert not re.search(r"\bhits?\b", joined(content_lines(widget)))


@pytest.mark.parametrize("size", [(24, 12), (41, 17), (76, 14), (200, 30)])
async def test_no_number_is_cut_in_any_layout(wide_traces, wide_words, size):
    async with showing(wide_traces[2], wide_words, size) as (pilot, widget):
        for cumulative, cursor in ((False, 0), (False, 596), (True, 596)):
            widget.mode, widget.cursor = "cumulative" if cumulative else "step", cursor
            await pilot.pause()
            text = "\n".join(content_lines(widget))
            assert "…" not in text
            assert cut_numbers(text) == []


def test_wrap_breaks_between_fields_and_marks_the_break():
    fields = [[(word, "")] for word in ("alpha 1", "beta 22", "gamma 333")]
    lines = wrap(fields, 19)
    assert ["".join(t for t, _ in line) for line in lines] == ["alpha 1 · beta 22 ·", "  gamma 333"]


def test_wrap_breaks_a_field_wider_than_the_line_at_its_spaces():
    lines = wrap([[("one two three four five", "")], [("six", "")]], 10)
    texts = ["".join(t for t, _ in line) for line in lines]
    assert texts == ["one two", "  three", "  four", "  five ·", "  six"]


async def test_down_moves_by_the_cells_of_a_drawn_line_beside_the_scrollbar(
    wide_traces, wide_words
):
    async with showing(wide_traces[2], wide_words, (41, 17)) as (pilot, widget):
        assert widget.virtual_size.height > widget.size.height  # a scrollbar takes a column
        grid = next(line for line in content_lines(widget) if line.endswith(" pos     "))
        cells = len(grid) - len(grid.lstrip("·∘•░▒▓█"))
        await pilot.press("down")
        assert widget.cursor == cells
