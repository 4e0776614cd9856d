"""The Adam inspector alone, fed watch rows built from real step traces. Widths 33 and 76
are its inner width in the wide layout at 120×40 and in the compact one at 80×24."""

import re

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot

from core.training.optimizer import Adam, AdamConfig, AdamEntry
from core.training.trace import StepTrace
from core.training.trainer import Trainer
from tests.tui.drive import NUMBER_CUT, cut_numbers, unwrapped
from tui.views import WatchRow
from tui.widgets.adam_inspector import AdamInspector, shorten

WIDE, COMPACT = 33, 76


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield AdamInspector()


def watch_rows(traces: list[StepTrace]) -> list[WatchRow]:
    """The rows the app would show after the last of `traces`, with m and v history."""
    rows = []
    for j, watched in enumerate(traces[-1].watched):
        history = [t.watched[j].adam for t in traces]
        rows.append(
            WatchRow(
                watched.index,
                watched.name,
                watched.adam,
                watched.adam.data_after,
                tuple(a.m for a in history),
                tuple(a.v for a in history),
            )
        )
    return rows


def lines_of(inspector: AdamInspector) -> list[str]:
    return [
        "".join(segment.text for segment in inspector.render_line(y))
        for y in range(inspector.size.height)
    ]


def line_with(inspector: AdamInspector, text: str) -> str:
    return next(line for line in lines_of(inspector) if text in line)


def fake_row(index: int) -> WatchRow:
    return WatchRow(index, f"layers.0.mlp.hidden[0][{index}]", None, 0.5)


async def shown(pilot: Pilot, rows: list[WatchRow], step: int | None = 3) -> AdamInspector:
    """Show `rows` in the harness's inspector and let it repaint."""
    inspector = pilot.app.query_one(AdamInspector)
    inspector.show(rows, step)
    await pilot.pause()
    return inspector


async def test_each_line_shows_the_parameters_m_and_v(tiny_traces):
    app = Harness()
    async with app.run_test(size=(120, 40)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        for row in watch_rows(tiny_traces):
            entry = row.entry
            assert isinstance(entry, AdamEntry)
            line = line_with(inspector, row.name)
            assert f"{entry.m:+.3e}" in line and f"{entry.v:+.3e}" in line


async def test_a_wide_panel_shows_data_before_and_after_grad_and_update(tiny_traces):
    app = Harness()
    async with app.run_test(size=(120, 40)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        e = tiny_traces[-1].watched[1].adam
        line = line_with(inspector, "layers.0.attention.query[0][0]")
        expected = f"{e.data_before:+.3e}→{e.data_after:+.3e}", f"{e.grad:+.3e}", f"{e.update:+.3e}"
        assert all(text in line for text in expected)


async def test_a_narrow_panel_shortens_names_and_keeps_m_and_v(tiny_traces):
    app = Harness()
    async with app.run_test(size=(40, 30)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        e = tiny_traces[-1].watched[1].adam
        line = line_with(inspector, "L0.att.q[0][0]")
        assert f"{e.m:+.3e}" in line and f"{e.v:+.3e}" in line


async def test_caption_names_the_step_the_entries_come_from(tiny_traces):
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces), step=3)
        assert lines_of(inspector)[0].startswith("Adam · step 3")


async def test_detail_block_shows_the_bias_corrections(tiny_traces):
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces), step=3)
        e = tiny_traces[-1].watched[0].adam
        text = "\n".join(lines_of(inspector))
        assert (e.bias1, e.bias2) == (0.3858750000000001, 0.029700999999999977)
        assert "1−β1^t = 1−0.85^3 ≈ 0.385875" in text  # ≈: six digits round it
        assert "1−β2^t = 1−0.99^3 ≈ 0.029701" in text


async def test_detail_block_writes_out_m_with_its_numbers(tiny_traces):
    app = Harness()
    async with app.run_test(size=(120, 40)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("down")
        e = tiny_traces[-1].watched[1].adam
        line = line_with(inspector, "m      = 0.85·m_prev + 0.15·grad")
        assert f"= 0.85·({e.m_before:+.3e}) + 0.15·({e.grad:+.3e}) = {e.m:+.3e}" in line


async def test_detail_block_writes_out_the_update(tiny_traces):
    app = Harness()
    async with app.run_test(size=(120, 40)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("down")
        e = tiny_traces[-1].watched[1].adam
        line = line_with(inspector, "update = lr_t·m̂ / (√v̂ + 1e-8)")
        assert line.rstrip().endswith(f"= {e.update:+.3e}")


async def test_sparklines_show_one_bar_per_step_of_history(tiny_traces):
    app = Harness()
    async with app.run_test(size=(120, 40)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("down")
        lines = lines_of(inspector)
        for name in "mv":
            caption = next(i for i, line in enumerate(lines) if line.startswith(f"{name}, last"))
            bars = lines[caption + 1].strip()
            assert len(bars) == 3 and set(bars) <= set("▁▂▃▄▅▆▇█")


async def test_sparklines_say_their_scales(tiny_traces):
    row = watch_rows(tiny_traces)[1]
    m_top, v_top = max(abs(m) for m in row.m_history), max(row.v_history)
    app = Harness()
    async with app.run_test(size=(WIDE, 60)) as pilot:
        text = unwrapped("\n".join(lines_of(await shown(pilot, [row]))))
    assert (m_top, v_top) == (
        pytest.approx(6.695e-04, rel=1e-3),
        pytest.approx(1.177e-07, rel=1e-3),
    )
    assert f"m, last 3 steps: {-m_top:.1e} to {m_top:+.1e}, middle 0" in text
    assert f"v, last 3 steps: 0 to {v_top:.1e}" in text


async def test_down_selects_the_next_parameter(tiny_traces):
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("down")
        assert inspector.selected_index == tiny_traces[-1].watched[1].index
        assert line_with(inspector, "── ").startswith("── layers.0.attention.query[0][0] ")


async def test_j_and_k_move_the_selection_like_down_and_up(tiny_traces):
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("j")
        assert inspector.selected_index == tiny_traces[-1].watched[1].index
        await pilot.press("k")
        assert inspector.selected_index == tiny_traces[-1].watched[0].index


async def test_the_selected_line_is_marked_with_a_glyph(tiny_traces):
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("down")
        assert line_with(inspector, "L0.a.q[0][0]").startswith("▶ ")
        assert line_with(inspector, "tok[cat][0]").startswith("  ")


async def test_selection_follows_its_parameter_when_rows_change():
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, [fake_row(1), fake_row(2), fake_row(3)])
        await pilot.press("down", "down")
        await shown(pilot, [fake_row(3), fake_row(1)])
        assert inspector.selected_index == 3


async def test_selection_is_clamped_when_its_row_is_removed():
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, [fake_row(1), fake_row(2), fake_row(3)])
        await pilot.press("down", "down")
        await shown(pilot, [fake_row(1), fake_row(2)])
        assert inspector.selected_index == 2


async def test_x_asks_to_remove_the_selected_parameter(tiny_traces):
    seen: list[Message] = []
    app = Harness()
    async with app.run_test(size=(60, 20), message_hook=seen.append) as pilot:
        await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("down", "x")
    removals = {id(m): m for m in seen if isinstance(m, AdamInspector.RemoveRequested)}
    assert [m.index for m in removals.values()] == [tiny_traces[-1].watched[1].index]


async def test_an_empty_list_says_how_to_add_a_parameter():
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, [], step=None)
        assert "no watched parameters: press w to add one" in lines_of(inspector)[1]
        assert inspector.selected_index is None


async def test_enter_on_an_empty_list_asks_to_add_a_parameter():
    seen: list[Message] = []
    app = Harness()
    async with app.run_test(size=(60, 20), message_hook=seen.append) as pilot:
        await shown(pilot, [], step=None)
        await pilot.press("enter")
    assert any(isinstance(m, AdamInspector.AddRequested) for m in seen)


async def test_enter_on_a_list_with_rows_asks_for_nothing(tiny_traces):
    seen: list[Message] = []
    app = Harness()
    async with app.run_test(size=(60, 20), message_hook=seen.append) as pilot:
        await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("enter")
    assert not any(isinstance(m, AdamInspector.AddRequested) for m in seen)


async def test_detail_block_writes_the_runs_constants_not_the_tutorials(tiny_corpus):
    trainer = Trainer(tiny_corpus, seed=1, adam=AdamConfig(beta1=0.9, beta2=0.95, eps=1e-6))
    index = trainer.model.params.index_of("token_embedding[cat][0]")
    traces = [trainer.step([index]) for _ in range(2)]
    app = Harness()
    async with app.run_test(size=(120, 40)) as pilot:
        text = "\n".join(lines_of(await shown(pilot, watch_rows(traces), step=2)))
    assert "m      = 0.9·m_prev + 0.1·grad" in text
    assert "v      = 0.95·v_prev + 0.05·grad²" in text
    assert "1−β1^t = 1−0.9^2" in text and "1−β2^t = 1−0.95^2" in text
    assert "update = lr_t·m̂ / (√v̂ + 1e-6)" in text


async def test_a_parameter_not_yet_stepped_shows_its_value_and_waits():
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, [WatchRow(5, "output[cat][5]", None, 0.25)], step=None)
        line = line_with(inspector, "output[cat][5]")
        assert "+2.500e-01" in line and "(after the next step)" in line


async def test_a_short_panel_scrolls_to_keep_the_selection_in_view(tiny_traces):
    entry = tiny_traces[-1].watched[1].adam
    rows = [WatchRow(i, f"layers.0.mlp.hidden[{i}][0]", entry) for i in range(12)]
    app = Harness()
    async with app.run_test(size=(60, 10)) as pilot:
        inspector = await shown(pilot, rows)
        await pilot.press(*["down"] * 11)
        await pilot.pause()
        assert "[11][0]" in line_with(inspector, "▶ ")
        assert "update -8.713e-03" in line_with(inspector, "update ")  # and its summary


async def test_clicking_a_line_selects_its_parameter():
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, [fake_row(1), fake_row(2), fake_row(3)])
        await pilot.click(AdamInspector, offset=(4, 3))
        assert inspector.selected_index == 3


# ---- nothing cut: columns drop whole, values and hints wrap ----


def tall_lines(inspector: AdamInspector) -> str:
    return "\n".join(lines_of(inspector))


@pytest.mark.parametrize("width", [WIDE, COMPACT])
async def test_no_number_is_cut_at_the_layouts_widths(tiny_traces, width):
    app = Harness()
    async with app.run_test(size=(width, 12)) as pilot:  # short: it scrolls, with a scrollbar
        inspector = await shown(pilot, watch_rows(tiny_traces))
        for _ in range(3):
            assert not cut_numbers(tall_lines(inspector))
            inspector.scroll_page_down(animate=False)
            await pilot.pause()


async def test_a_wide_layout_list_drops_the_columns_that_do_not_fit_whole(tiny_traces):
    app = Harness()
    async with app.run_test(size=(WIDE, 12)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        assert inspector.virtual_size.height > inspector.size.height  # a scrollbar takes a cell
        e = tiny_traces[-1].watched[1].adam
        line = line_with(inspector, "[0][0]")
        assert line.rstrip().endswith(f"{e.m:+.3e}")  # m whole; v dropped, not cropped
        assert lines_of(inspector)[0].split() == ["Adam", "·", "step", "3", "m"]


@pytest.mark.parametrize("width", [WIDE, COMPACT])
async def test_a_row_before_the_first_step_shows_its_whole_value_and_hint(width):
    row = WatchRow(5, "layers.0.attention.query[0][0]", None, -2.835e-02)
    app = Harness()
    async with app.run_test(size=(width, 12)) as pilot:
        inspector = await shown(pilot, [row], step=None)
        lines = lines_of(inspector)
        assert "= -2.835e-02" in lines[1]
        assert any("(after the next step)" in line for line in lines[1:3])
        note = "m, v and the update appear after the next step"
        assert note in unwrapped("\n".join(lines))


def test_a_shortened_name_never_puts_an_ellipsis_against_a_digit_or_point():
    name = "layers.0.attention.query[10][3]"
    for width in range(1, len(name) + 1):
        short = shorten(name, width)
        assert len(short) <= width and not NUMBER_CUT.search(short), short


# ---- the update and data where they are seen, the derivation below ----


@pytest.mark.parametrize("width", [WIDE, COMPACT])
async def test_the_update_and_data_are_right_under_the_title_without_scrolling(tiny_traces, width):
    app = Harness()
    async with app.run_test(size=(width, 10)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("down")
        e = tiny_traces[-1].watched[1].adam
        lines = lines_of(inspector)
        title = next(i for i, line in enumerate(lines) if line.startswith("── "))
        summary = " ".join(lines[title + 1 : title + 3])
        assert f"update {e.update:+.3e}" in summary
        assert re.search(
            rf"data +{re.escape(f'{e.data_before:+.3e} → {e.data_after:+.3e}')}", summary
        )


async def test_a_detail_taller_than_the_panel_scrolls_and_says_so(tiny_traces):
    app = Harness()
    async with app.run_test(size=(WIDE, 12)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        hidden = inspector.virtual_size.height - inspector.size.height
        assert hidden > 10 and f"↓ {hidden} more" in str(inspector.border_subtitle)
        inspector.scroll_end(animate=False)
        await pilot.pause()
        assert any(line.startswith("v, last 3 steps") for line in lines_of(inspector))


async def test_a_new_step_keeps_the_learners_scrolling(tiny_traces):
    app = Harness()
    async with app.run_test(size=(WIDE, 12)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces[:2]), step=2)
        inspector.scroll_to(y=6, animate=False)
        await pilot.pause()
        await shown(pilot, watch_rows(tiny_traces), step=3)
        assert inspector.scroll_offset.y == 6


async def test_the_update_formula_shows_the_square_root_the_update_used(tiny_traces):
    e = tiny_traces[-1].watched[1].adam
    app = Harness()
    async with app.run_test(size=(COMPACT, 40)) as pilot:
        inspector = await shown(pilot, watch_rows(tiny_traces))
        await pilot.press("down")
        text = tall_lines(inspector)
    assert e.update == e.lr * e.m_hat / (e.sqrt_v_hat + e.eps)  # the optimizer's expression
    assert f"({e.sqrt_v_hat:.3e} + 1e-8)" in text


def test_an_entrys_beta_powers_are_the_ones_its_bias_corrections_came_from(tiny_traces):
    e = tiny_traces[-1].watched[1].adam
    power1, power2 = e.beta_powers(3)
    assert (1 - power1, 1 - power2) == (e.bias1, e.bias2)
    assert (e.grad_weight_m, e.grad_weight_v) == (1 - 0.85, 1 - 0.99)


# ---- rounding is said ----


def entry_at(e: AdamEntry, step: int) -> AdamEntry:
    """The optimizer's own update of `e`'s parameter at 0-based `step`, from `e`'s state."""
    adam = Adam(1, AdamConfig())
    adam.m[:], adam.v[:] = e.m, e.v
    data, grad = np.array([e.data_after]), np.array([e.grad])
    before = (e.data_after, e.grad, e.m, e.v)
    adam.update(data, grad, step)
    return adam.entry(0, step, before, float(data[0]))


async def bias_text(entry: AdamEntry, t: int, width: int) -> str:
    app = Harness()
    async with app.run_test(size=(width, 60)) as pilot:
        inspector = await shown(pilot, [WatchRow(7, "output[cat][5]", entry)], step=t)
        return unwrapped(tall_lines(inspector))


@pytest.mark.parametrize("width", [WIDE, COMPACT])
async def test_a_bias_correction_that_is_exactly_1_says_what_rounded_away(tiny_traces, width):
    entry = entry_at(tiny_traces[-1].watched[1].adam, 300)
    assert entry.bias1 == 1.0  # 1 − 5.7e-22 is 1 in floating point
    text = await bias_text(entry, 301, width)
    assert "1−β1^t = 1−0.85^301 = 1 (0.85^301 = 5.7e-22 rounds away)" in text
    assert "1−β2^t = 1−0.99^301 ≈ 0.95145 " in text


async def test_a_bias_correction_shown_as_1_but_not_1_says_it_is_rounded(tiny_traces):
    entry = entry_at(tiny_traces[-1].watched[1].adam, 99)
    assert entry.bias1 == 0.9999999125232637
    text = await bias_text(entry, 100, WIDE)
    assert "1−β1^t = 1−0.85^100 ≈ 1 (0.85^100 = 8.7e-08 rounds away)" in text


async def test_a_power_too_small_for_a_float_is_said_so(tiny_traces):
    entry = entry_at(tiny_traces[-1].watched[1].adam, 4999)
    text = await bias_text(entry, 5000, COMPACT)
    assert "1−β1^t = 1−0.85^5000 = 1 (0.85^5000 is too small for a float)" in text
    assert "1−β2^t = 1−0.99^5000 = 1 (0.99^5000 = 1.5e-22 rounds away)" in text


# ---- a new watch is selected and in view ----


async def test_a_new_watch_is_selected_and_drawn_when_its_row_arrives(tiny_traces):
    entry = tiny_traces[-1].watched[1].adam
    rows = [WatchRow(i, f"layers.0.mlp.hidden[{i}][0]", entry) for i in range(4)]
    app = Harness()
    async with app.run_test(size=(WIDE, 6)) as pilot:  # the header and 3 rows in view at once
        inspector = await shown(pilot, rows[:3])
        inspector.select_parameter(3)  # as the app does right after the learner adds it
        assert inspector.selected_index == 0  # the row is not there yet
        await shown(pilot, rows)
        assert inspector.selected_index == 3
        assert "L0.mlp.hidden[3][0]" in line_with(inspector, "▶ ")


@pytest.mark.parametrize("width", [WIDE, COMPACT])
async def test_selecting_a_watched_parameter_brings_it_into_view(tiny_traces, width):
    entry = tiny_traces[-1].watched[1].adam
    rows = [WatchRow(i, f"layers.0.mlp.hidden[{i}][0]", entry) for i in range(6)]
    app = Harness()
    async with app.run_test(size=(width, 6)) as pilot:
        inspector = await shown(pilot, rows)
        inspector.select_parameter(5)
        await pilot.pause()
        assert inspector.selected_index == 5 and "[5][0]" in line_with(inspector, "▶ ")


async def test_a_key_pressed_before_the_new_row_arrives_wins(tiny_traces):
    app = Harness()
    async with app.run_test(size=(WIDE, 10)) as pilot:
        inspector = await shown(pilot, [fake_row(1), fake_row(2)])
        inspector.select_parameter(3)
        await pilot.press("down")
        await shown(pilot, [fake_row(1), fake_row(2), fake_row(3)])
        assert inspector.selected_index == 2


async def test_the_watch_that_follows_the_sentence_is_marked(tiny_traces):
    row = watch_rows(tiny_traces)[0]
    follower = WatchRow(row.index, row.name, row.entry, follows=True)
    app = Harness()
    async with app.run_test(size=(COMPACT, 10)) as pilot:
        inspector = await shown(pilot, [follower, watch_rows(tiny_traces)[1]])
        assert line_with(inspector, "token_embedding[cat][0]").startswith("▶↻ ")
        assert "── ↻ token_embedding[cat][0] " in tall_lines(inspector)
