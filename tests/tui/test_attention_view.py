"""The attention view: what `render_attention` draws for real traces and hand-built
weights (the numbers, the mask, the bold maxima, the 56-column fit), and the widget alone
in a test app."""

import random
import re

import pytest
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult

from core.training.attention import AttentionWeights
from tests.tui.drive import text_of
from tui.widgets.attention_view import (
    SHADES,
    AttentionView,
    percent_label,
    render_attention,
    shade,
    weight_label,
)

WEIGHT = re.compile(r"1\.0|\.\d\d")  # a weight as the heads view writes it
GLYPHS = set(SHADES) - {" "}
REAL_WIDTH = 56  # the distribution's slot at 80 columns, which the view takes


def lines(text: Text) -> list[Text]:
    return list(text.split("\n"))


def row(text: Text, position: int) -> Text:
    """The grid's row of `position`: its number, one space, then its word."""
    found = [line for line in lines(text) if re.match(rf"\s*{position} \S", line.plain)]
    assert len(found) == 1, f"no single row {position} in\n{text.plain}"
    return found[0]


def bold_pieces(line: Text) -> list[str]:
    """The parts of `line` drawn in bold, stripped."""
    pieces = []
    for span in line.spans:
        style = Style.parse(span.style) if isinstance(span.style, str) else span.style
        if style.bold:
            pieces.append(line.plain[span.start : span.end].strip())
    return pieces


def styled(line: Text, attribute: str) -> bool:
    """Whether a span of `line` covers all of it with `attribute` (e.g. reverse)."""
    for span in line.spans:
        style = Style.parse(span.style) if isinstance(span.style, str) else span.style
        if getattr(style, attribute) and span.start == 0 and span.end >= len(line.plain):
            return True
    return False


def record(n_layer: int, n_head: int, rows: list[list[tuple[float, ...]]]) -> AttentionWeights:
    return AttentionWeights.record(n_layer, n_head, rows)


def peaked(n_layer: int, n_head: int, positions: int, seed: int = 0) -> AttentionWeights:
    """Made-up softmax outputs with a clear winner in most heads, as a trained model has."""
    rng = random.Random(seed)
    per_position = []
    for t in range(positions):
        heads = []
        for _ in range(n_layer * n_head):
            raw = [rng.random() ** 4 for _ in range(t + 1)]
            heads.append(tuple(r / sum(raw) for r in raw))
        per_position.append(heads)
    return record(n_layer, n_head, per_position)


# A 15-word sentence fills the real model's block: BOS and 15 words, 16 positions.
LONG_WORDS = ("BOS", "playground", "supercalifragilistic", *(f"w{k}" for k in range(13)))


# --- every head at one position ---


@pytest.mark.parametrize("traces", ["tiny_traces", "wide_traces"])
def test_the_heads_view_shows_every_heads_weight_on_each_position_seen(request, traces):
    trace = request.getfixturevalue(traces)[-1]
    attention = trace.attention
    for selected in range(attention.positions):
        text = render_attention(attention, trace.words, selected, REAL_WIDTH, 40)
        seen = "position 0 only" if selected == 0 else f"positions 0–{selected}"
        assert f"position {selected} “{trace.words[selected]}” looks back at {seen}" in text.plain
        for j in range(selected + 1):
            expected = [
                weight_label(attention.at(selected, layer, h)[j])
                for layer in range(attention.n_layer)
                for h in range(attention.n_head)
            ]
            assert WEIGHT.findall(row(text, j).plain) == expected
        later = [line for line in lines(text) if re.match(rf"\s*{selected + 1} \S", line.plain)]
        assert not later  # a word never sees the words after it


def test_at_position_zero_every_head_reads_one(tiny_traces):
    trace = tiny_traces[0]
    text = render_attention(trace.attention, trace.words, 0)
    assert WEIGHT.findall(row(text, 0).plain) == ["1.0"] * 8


def test_weights_are_written_with_two_decimals_in_three_cells():
    assert [weight_label(w) for w in (0.0, 0.004, 0.424, 0.5, 0.994, 0.996, 1.0)] == [
        ".00",
        ".00",
        ".42",
        ".50",
        ".99",
        "1.0",
        "1.0",
    ]
    assert [percent_label(w) for w in (1.0, 0.42, 0.0)] == ["100", " 42", "  0"]


HAND = record(
    1, 2, [[(1.0,), (1.0,)], [(0.6, 0.4), (0.3, 0.7)], [(0.2, 0.5, 0.3), (0.7, 0.1, 0.2)]]
)
HAND_WORDS = ("BOS", "cat", "eats")


def test_the_heads_view_bolds_each_heads_largest_weight():
    text = render_attention(HAND, HAND_WORDS, 2)
    assert ".70" in bold_pieces(row(text, 0))  # head 1's largest
    assert ".20" not in bold_pieces(row(text, 0))
    assert ".50" in bold_pieces(row(text, 1))  # head 0's largest
    assert ".10" not in bold_pieces(row(text, 1))
    assert not {".30", ".20"} & set(bold_pieces(row(text, 2)))


def test_the_heads_view_shades_each_weight_beside_its_number():
    text = render_attention(HAND, HAND_WORDS, 2)
    assert f"{shade(0.2)}.20 {shade(0.7)}.70" in row(text, 0).plain
    assert shade(0.7) == "▓" and shade(0.0) == " " and shade(1.0) == "█"


def test_narrower_the_shades_go_first_and_the_words_stay():
    attention = peaked(2, 4, 16)
    wide = render_attention(attention, LONG_WORDS, 15, REAL_WIDTH, 40)
    narrow = render_attention(attention, LONG_WORDS, 15, 50, 40)
    assert GLYPHS & set(wide.plain)
    assert not GLYPHS & set(narrow.plain)
    assert "playground" in narrow.plain
    for j in range(16):
        assert WEIGHT.findall(row(narrow, j).plain) == WEIGHT.findall(row(wide, j).plain)


def test_rows_that_do_not_fit_leave_the_earliest_out_and_say_so():
    attention = peaked(2, 4, 16)
    text = render_attention(attention, LONG_WORDS, 15, REAL_WIDTH, 12)
    assert len(lines(text)) <= 12
    shown = [j for j in range(16) if any(line.plain.startswith(f"{j:>2} ") for line in lines(text))]
    assert shown == list(range(16 - len(shown), 16))  # the latest, down to the selected
    assert f"↑ {16 - len(shown)} earlier positions not shown" in text.plain


def test_the_head_the_matrix_would_show_is_marked():
    text = render_attention(HAND, HAND_WORDS, 2, head=1)
    names = next(line for line in lines(text) if "h0" in line.plain)
    assert "h1" in bold_pieces(names) and "h0" not in bold_pieces(names)


# --- one head's matrix ---


@pytest.mark.parametrize("head", range(8))
def test_the_matrix_shows_a_heads_weights_in_percent_and_masks_the_future(tiny_traces, head):
    trace = tiny_traces[-1]
    attention = trace.attention
    n = attention.positions
    layer, h = divmod(head, 4)
    text = render_attention(attention, trace.words, 0, REAL_WIDTH, 40, matrix=True, head=head)
    assert text.plain.startswith(f"layer {layer} head {h}: the causal matrix")
    for t in range(n):
        cells = row(text, t).plain.split()[2:]  # after the number and the word
        expected = [percent_label(w).strip() for w in attention.at(t, layer, h)]
        assert cells == expected + ["·"] * (n - 1 - t)


def test_the_matrix_reverses_the_selected_row_and_bolds_each_rows_largest():
    text = render_attention(HAND, HAND_WORDS, 1, matrix=True, head=0)
    assert styled(row(text, 1), "reverse")
    assert not styled(row(text, 2), "reverse")
    assert "60" in bold_pieces(row(text, 1)) and "40" not in bold_pieces(row(text, 1))
    assert "50" in bold_pieces(row(text, 2))


def test_a_head_out_of_range_is_clamped():
    text = render_attention(peaked(2, 4, 3), ("BOS", "a", "b"), 0, matrix=True, head=99)
    assert text.plain.startswith("layer 1 head 3:")
    text = render_attention(peaked(2, 4, 3), ("BOS", "a", "b"), 0, matrix=True, head=-4)
    assert text.plain.startswith("layer 0 head 0:")


def test_a_short_matrix_shows_the_rows_around_the_selected_one():
    text = render_attention(peaked(2, 4, 16), LONG_WORDS, 8, REAL_WIDTH, 10, matrix=True)
    assert len(lines(text)) <= 10
    row(text, 8)  # shown
    assert re.search(r"rows \d+–\d+ of 0–15 shown", text.plain)


def test_a_matrix_too_wide_keeps_the_columns_up_to_the_selected_rows_diagonal():
    text = render_attention(peaked(1, 1, 16), LONG_WORDS, 12, 40, 40, matrix=True)
    assert re.search(r"columns \d+–12 of 0–15 shown · z enlarges", text.plain)
    assert all(cell_len(line.plain) <= 40 for line in lines(text))


# --- the real model's size ---


@pytest.mark.parametrize("selected", [0, 7, 15])
@pytest.mark.parametrize("matrix", [False, True])
def test_sixteen_positions_of_the_real_model_fit_56_columns(selected, matrix):
    attention = peaked(2, 4, 16)  # n_layer 2, n_head 4, the whole block
    for head in (0, 7):
        text = render_attention(attention, LONG_WORDS, selected, REAL_WIDTH, 40, matrix, head)
        assert all(cell_len(line.plain) <= REAL_WIDTH for line in lines(text)), text.plain
        assert "z enlarges" not in text.plain  # nothing left out
    if matrix:
        assert all(len(row(text, t).plain.split()[2:]) == 16 for t in range(16))
    else:
        assert GLYPHS & set(text.plain)
        assert all(len(WEIGHT.findall(row(text, j).plain)) == 8 for j in range(selected + 1))


# --- nothing to show ---


def test_no_step_says_so():
    assert render_attention(None, (), 0).plain == "no step yet"


def fed_so_far(attention: AttentionWeights, positions: int) -> AttentionWeights:
    """The attention a forward pass fed `positions` positions far had (as a step walked
    stage by stage shows it)."""
    per_position = [
        [attention.at(t, li, h) for li in range(attention.n_layer) for h in range(attention.n_head)]
        for t in range(positions)
    ]
    return AttentionWeights.record(attention.n_layer, attention.n_head, per_position)


@pytest.mark.parametrize("matrix", [False, True])
def test_a_position_not_fed_yet_says_so(tiny_traces, matrix):
    trace = tiny_traces[0]
    text = render_attention(fed_so_far(trace.attention, 2), trace.words, 3, matrix=matrix)
    assert text.plain == "position 3 is not fed yet (positions 0–1 are)"
    text = render_attention(fed_so_far(trace.attention, 0), trace.words, 0, matrix=matrix)
    assert text.plain.startswith("position 0 is not fed yet")


# --- the widget ---


class Harness(App[None]):
    CSS = "AttentionView { height: 1fr; }"  # as the screen's slot: its height is not the text's

    def compose(self) -> ComposeResult:
        yield AttentionView()


async def test_the_widget_draws_what_it_is_shown_and_redraws_to_its_width(tiny_traces):
    trace = tiny_traces[-1]
    words = ("BOS", "[red]cat", *trace.words[2:])  # a word is shown as it is, never as markup
    async with Harness().run_test(size=(REAL_WIDTH, 24)) as pilot:
        view = pilot.app.query_one(AttentionView)
        view.show(trace.attention, words, 2)
        await pilot.pause()
        shown = text_of(view)
        assert "position 2 “sun” looks back at positions 0–2" in shown
        assert "1 [red]cat" in shown
        assert GLYPHS & set(shown)
        await pilot.resize_terminal(44, 24)
        await pilot.pause()
        assert not GLYPHS & set(text_of(view))  # too narrow for the shades now
        view.show(trace.attention, words, 3, matrix=True, head=5)
        await pilot.pause()
        assert "layer 1 head 1: the causal" in text_of(view)
        view.show(None, (), 0)
        await pilot.pause()
        assert text_of(view).strip() == "no step yet"
