"""The graph explorer: a step's graph from the loss down, opened node by node with the core's
numbers; the highlighted node in full; o opens a fused node into the reference's primitive
nodes; / finds a parameter's leaf; big nodes open a page at a time; it reads whole at 80×24
and shows the user's words literally."""

from __future__ import annotations

from typing import Any

import pytest
from drive import cut_numbers, screen_text, text_of, wait_for
from textual.app import App
from textual.pilot import Pilot

from core.autograd.graph_view import GraphNode, LinearRowNode, ParameterNode
from core.model.gpt import GPTConfig, Model
from core.model.tokenizer import Tokenizer
from core.reference.rng import Mulberry32
from core.training.corpus import Corpus
from core.training.step_graph import StepGraph
from core.training.trainer import Trainer
from tui.app import DebuggerApp
from tui.screens.graph_explorer import PAGE, GraphExplorerScreen, GraphTree, More, Shown
from tui.screens.parameter_picker import ParameterPicker


class Host(App[None]):
    """A bare app to open the screen over."""


@pytest.fixture(scope="module")
def graph(tiny_corpus: Corpus) -> StepGraph:
    """Step 0's graph on the tiny corpus, before any update."""
    trainer = Trainer(tiny_corpus, seed=1)
    _, sentence = trainer.sentence_at(0)
    return StepGraph(trainer.model, 0, sentence, trainer.tokenizer.encode(sentence), "next")


async def open_explorer(
    pilot: Pilot, app: App[Any], graph: StepGraph, find: int | None = None
) -> GraphExplorerScreen:
    app.push_screen(GraphExplorerScreen(graph, find=find))
    await wait_for(pilot, lambda: isinstance(app.screen, GraphExplorerScreen))
    await pilot.pause()
    assert isinstance(app.screen, GraphExplorerScreen)
    return app.screen


def tree_of(screen: GraphExplorerScreen) -> GraphTree:
    return screen.query_one(GraphTree)


def shown_at_cursor(screen: GraphExplorerScreen) -> Shown | None:
    """What the tree node under the cursor shows (None on a "… more" node)."""
    node = tree_of(screen).cursor_node
    return node.data if node is not None and isinstance(node.data, Shown) else None


def title_at_cursor(screen: GraphExplorerScreen) -> str:
    shown = shown_at_cursor(screen)
    return "" if shown is None else shown.title


def graph_node_at_cursor(screen: GraphExplorerScreen) -> GraphNode | None:
    shown = shown_at_cursor(screen)
    return None if shown is None else shown.node


def signed(x: float) -> str:
    """A float at full precision, as the detail pane writes it."""
    return ("" if x < 0 else "+") + repr(x)


def flat(text: str) -> str:
    return " ".join(text.split())


async def find(pilot: Pilot, screen: GraphExplorerScreen, name: str) -> None:
    """/, the parameter's full name, enter."""
    await pilot.press("slash")
    await wait_for(pilot, lambda: isinstance(screen.app.screen, ParameterPicker))
    await pilot.press(*name, "enter")
    await wait_for(pilot, lambda: screen.app.screen is screen)
    await pilot.pause()


async def test_the_summary_counts_the_steps_graph(tiny_corpus: Corpus):
    app = DebuggerApp(Trainer(tiny_corpus, seed=1), deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.is_training)
        await pilot.pause()
        graph = app.session.step_graph()
        screen = await open_explorer(pilot, app, graph)
        text = flat(text_of(screen.query_one("#graph-summary")))
        s = graph.summary
        assert f"step {graph.step + 1}'s sentence (“{graph.sentence}”)" in text
        assert f"{s.nodes:,} nodes and {s.parameters:,} parameter leaves" in text
        assert f"primitive nodes: {s.primitive_nodes:,}, leaves included" in text
        assert f"depth {s.depth:,} (in primitive nodes: {s.primitive_depth:,})" in text
        for op, count in s.by_op:
            assert f"{op} {count:,}" in text


async def test_the_loss_opens_onto_its_children_with_the_cores_numbers(graph: StepGraph):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(pilot, app, graph)
        tree = tree_of(screen)
        assert tree.root.is_expanded
        shown = [node.data for node in tree.root.children]
        kids = graph.root.children()
        assert [s.node.data for s in shown if isinstance(s, Shown)] == [c.node.data for c in kids]
        await pilot.press("down", "space")  # open the sum of the positions' losses
        await pilot.pause()
        opened = tree.cursor_node
        assert opened is not None and opened.is_expanded
        below = graph.root.child(0).node.children()
        labels = [str(node.label) for node in opened.children]
        assert len(labels) == len(below)
        for label, child in zip(labels, below):
            assert f"data={child.node.data:+.3e} grad={child.node.grad:+.1e}" in label
            assert f"local={child.local:+.1e}" in label
        assert "position 0's loss" in labels[0]  # the core's name for it


async def test_the_detail_pane_shows_the_highlighted_node_in_full(graph: StepGraph):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(pilot, app, graph)
        await pilot.press("down", "space", "down")  # the first position's loss
        await pilot.pause()
        node: GraphNode = graph.root.child(0).node.child(0).node
        edge = graph.root.child(0).node.child(0)
        current = shown_at_cursor(screen)
        assert isinstance(current, Shown) and current.node.key == node.key
        text = text_of(screen.query_one("#graph-detail"))
        assert f"data {signed(node.data)}" in text and f"grad {signed(node.grad)}" in text
        assert graph.describe(node) in flat(text)
        assert f"contribution {signed(edge.contribution)}" in flat(text)
        ranked = sorted(node.children(), key=lambda c: -abs(c.contribution))
        assert f"added {ranked[0].contribution:+.3e}" in text


async def test_o_opens_the_loss_into_the_references_primitive_nodes(graph: StepGraph):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(pilot, app, graph)
        assert graph.root.fused  # the loss is the mean: a scaled sum
        await pilot.press("o")
        await wait_for(pilot, lambda: tree_of(screen).cursor_node is not tree_of(screen).root)
        opened = tree_of(screen).root.children[0]
        assert tree_of(screen).cursor_node is opened
        assert isinstance(opened.data, Shown) and opened.data.title.startswith("primitives of")
        top = opened.data.node
        assert top.key is None and top.data == graph.root.data and top.op == "*"
        assert "primitives of" in str(opened.label)
        leaves = [str(node.label) for node in opened.children]
        assert len(leaves) == 2 and leaves[0].startswith("sum")  # the fused node's own child
        assert "↺ seen" in leaves[0]  # the same node as the loss's child in the tree


async def test_o_opens_a_linear_row_and_refuses_a_primitive(graph: StepGraph):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(pilot, app, graph)
        await find(pilot, screen, "layers.0.mlp.hidden[3][4]")
        await pilot.press("shift+left")  # from the weight up to its linear row
        await pilot.pause()
        row = shown_at_cursor(screen)
        assert isinstance(row, Shown) and isinstance(row.node, LinearRowNode)
        await pilot.press("o")
        await wait_for(pilot, lambda: title_at_cursor(screen) != "")
        top = shown_at_cursor(screen)
        assert isinstance(top, Shown) and top.node.op == "+"
        assert top.title == f"primitives of linear ({row.node.primitive_count:,} nodes)"
        assert top.node.data == pytest.approx(row.node.data, rel=1e-12)
        await pilot.press("o")  # the top add is one of the reference's own nodes
        await pilot.pause()
        assert any("reference's own nodes" in n.message for n in app._notifications)


async def test_slash_finds_a_parameters_leaf(graph: StepGraph):
    word = graph.sentence.split(" ")[1]
    name = f"token_embedding[{word}][3]"
    index = graph.model.params.index_of(name)
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(pilot, app, graph)
        await find(pilot, screen, name)
        await wait_for(pilot, lambda: isinstance(graph_node_at_cursor(screen), ParameterNode))
        leaf = shown_at_cursor(screen)
        assert isinstance(leaf, Shown) and isinstance(leaf.node, ParameterNode)
        assert leaf.node.index == index and leaf.edge is not None and leaf.edge.role == "token"
        assert name in text_of(screen.query_one("#graph-detail"))


async def test_the_explorer_can_open_onto_a_parameters_leaf(graph: StepGraph):
    index = graph.model.params.index_of("layers.1.attention.query[2][7]")
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(pilot, app, graph, find=index)
        await wait_for(pilot, lambda: isinstance(graph_node_at_cursor(screen), ParameterNode))
        leaf = graph_node_at_cursor(screen)
        assert isinstance(leaf, ParameterNode) and leaf.index == index


async def test_a_parameter_the_graph_does_not_use_is_named(graph: StepGraph, tiny_corpus):
    used = set(graph.sentence.split(" "))
    word = next(w for s in tiny_corpus.sentences for w in s.split(" ") if w not in used)
    name = f"token_embedding[{word}][0]"
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(pilot, app, graph)
        await find(pilot, screen, name)
        expected = (
            f"this step's graph does not use {name} (its sentence has no '{word}' at any position)"
        )
        assert any(n.message == expected for n in app._notifications)
        assert app.screen is screen and tree_of(screen).cursor_node is tree_of(screen).root


async def test_a_node_with_many_children_opens_a_page_at_a_time(graph: StepGraph):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(pilot, app, graph)
        await find(pilot, screen, "layers.0.mlp.output[0][5]")
        await pilot.press("shift+left")
        await pilot.pause()
        tree = tree_of(screen)
        row = tree.cursor_node
        assert row is not None and isinstance(row.data, Shown)
        shown = row.data
        n = len(shown.node.children())  # 2 × the MLP's 128 hidden values
        assert n > 2 * PAGE and len(shown.rows) == 2 * PAGE  # enough to reach x-width + 5
        more = row.children[-1]
        assert isinstance(more.data, More)
        assert f"… {n - 2 * PAGE:,} more" in str(more.label)
        tree.move_cursor(more)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(shown.rows) == n)
        assert not any(isinstance(node.data, More) for node in row.children)
        last = row.children[-1].data
        assert isinstance(last, Shown) and last.node.data == shown.node.child(n - 1).node.data


@pytest.mark.parametrize("key", ["escape", "q", "v"])
async def test_escape_q_and_v_close(graph: StepGraph, key: str):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_explorer(pilot, app, graph)
        await pilot.press(key)
        await wait_for(pilot, lambda: not isinstance(app.screen, GraphExplorerScreen))


async def test_the_explorer_reads_whole_at_80_by_24(graph: StepGraph):
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_explorer(pilot, app, graph)
        await pilot.press("down", "space", "down", "space", "down")
        await pilot.pause()
        text = screen_text(app)
        assert cut_numbers(text) == []
        assert "nodes by op" in text and "o Primitives" in text and "/ Find a parameter" in text
        summary = screen.query_one("#graph-summary")
        tree, detail = tree_of(screen), screen.query_one("#graph-detail-box")
        assert summary.region.bottom <= tree.region.y < detail.region.y  # stacked
        assert detail.region.bottom <= 23


async def test_words_with_brackets_are_shown_literally():
    words = ["[bold]", "a[b", "cat"]
    config = GPTConfig(n_layer=1, n_embd=8, n_head=2, head_dim=4, vocab_size=len(words) + 1)
    model = Model.initialised(config, Mulberry32(3), words)
    sentence = "[bold] a[b cat"
    graph = StepGraph(model, 0, sentence, Tokenizer(tuple(words)).encode(sentence), "next")
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(pilot, app, graph)
        await pilot.press("down", "space", "down", "space")  # position 0's loss, its log
        await pilot.press("down", "space", "down")  # the log's softmax: p([bold])
        await pilot.pause()
        assert "(“[bold] a[b cat”)" in text_of(screen.query_one("#graph-summary"))
        assert "p([bold]) at position 0" in text_of(screen.query_one("#graph-detail"))
        assert "p([bold]) at position 0" in screen_text(app)
        await pilot.press("space", "down", "space", "down")  # its exp, the exp's logit
        await pilot.pause()
        assert "output[[bold]] at position 0" in flat(text_of(screen.query_one("#graph-detail")))
