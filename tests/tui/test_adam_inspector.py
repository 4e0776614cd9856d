"""The Adam inspector alone, fed watch rows built from real step traces."""

from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot

from core.training.optimizer import AdamConfig, AdamEntry
from core.training.trace import StepTrace
from core.training.trainer import Trainer
from tui.views import WatchRow
from tui.widgets.adam_inspector import AdamInspector


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
        assert f"1−β1^t = 1−0.85^3 = {e.bias1:.6g}" in text
        assert f"1−β2^t = 1−0.99^3 = {e.bias2:.6g}" in text


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
        bars = line_with(inspector, "±").split()[1]
        assert len(bars) == 3 and set(bars) <= set("▁▂▃▄▅▆▇█")


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
        assert line_with(inspector, "L0.att.q[0][0]").startswith("▶ ")
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


async def test_a_short_panel_scrolls_the_list_to_keep_the_selection_in_view(tiny_traces):
    entry = tiny_traces[-1].watched[1].adam
    rows = [WatchRow(i, f"layers.0.mlp.hidden[{i}][0]", entry) for i in range(12)]
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, rows)
        await pilot.press(*["down"] * 11)
        assert "[11][0]" in line_with(inspector, "▶ ")
        assert "12/12" in lines_of(inspector)[0]


async def test_clicking_a_line_selects_its_parameter():
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        inspector = await shown(pilot, [fake_row(1), fake_row(2), fake_row(3)])
        await pilot.click(AdamInspector, offset=(4, 3))
        assert inspector.selected_index == 3
