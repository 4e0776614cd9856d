"""GraphExplorerScreen: one step's computation graph from the loss down, opened node by node
from the keyboard; beside it the highlighted node in full (data, grad, what it stands for,
its children ranked by what backward added into them). It only shows a graph the session
rebuilt: nothing of the run changes."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from core.autograd.graph_view import Child, GraphNode
from core.training.step_graph import StepGraph
from tui.screens.gradient_check import WHERE
from tui.screens.parameter_picker import ParameterPicker
from tui.widgets.key_bar import KeyBar

PAGE = 100  # children added at a time: a softmax's total has one per token (597)
TOP = 8  # children the detail pane ranks


@dataclass(eq=False)
class Shown:
    """What a tree node shows: a graph node, how its parent reached it, and how much of it
    the tree holds so far (nothing below it until it is first expanded)."""

    node: GraphNode
    edge: Child | None = None
    """The edge from the parent (None for the loss and for a primitives subtree's top)."""
    title: str = ""
    """On the top of an opened fused node: "primitives of …"."""
    filled: bool = False
    rows: list[TreeNode[Entry]] = field(default_factory=list)
    """Tree nodes of children()[0], [1], ...: the pages added so far."""
    more: TreeNode[Entry] | None = None
    """The "… N more" node while children remain."""
    primitives: TreeNode[Entry] | None = None
    _children: list[Child] | None = None

    def children(self) -> list[Child]:
        """The graph node's children, made once (a linear row makes each on demand)."""
        if self._children is None:
            self._children = self.node.children()
        return self._children


@dataclass(eq=False)
class More:
    """The last node of a page: selecting it adds the next page to its parent."""


Entry = Shown | More


class GraphTree(Tree[Entry]):
    """A Tree whose shift+space opens the node under the cursor only: Tree's own expands
    every sibling, which would build a page for each of hundreds of nodes at once."""

    def action_toggle_expand_all(self) -> None:
        self.action_toggle_node()


class GraphExplorerScreen(ModalScreen[None]):
    """A step's graph as a lazy tree; o opens a fused node into the reference's primitive
    nodes, / finds a parameter's leaf, esc (or q, v) closes."""

    DEFAULT_CSS = """
    GraphExplorerScreen {
        background: $surface;
        & #graph-summary { height: auto; padding: 0 1; }
        & #graph-body { height: 1fr; }
        & #graph-tree { border: round $accent; height: 1fr; }
        & #graph-detail-box { border: round $accent; padding: 0 1; height: 45%; }
        &.-wide #graph-body { layout: horizontal; }
        &.-wide #graph-tree { width: 3fr; }
        &.-wide #graph-detail-box { width: 2fr; height: 1fr; }
        /* at 80 columns the panes are stacked: a top rule (with the title) is enough */
        &.-narrow #graph-tree, &.-narrow #graph-detail-box {
            border: none;
            border-top: round $accent;
        }
    }
    """
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,v", "close", "Close"),
        Binding("o", "primitives", "Primitives"),
        Binding("slash", "find_parameter", "Find a parameter"),
    ]

    def __init__(self, graph: StepGraph, *, find: int | None = None) -> None:
        """`find`: a parameter's flat index whose leaf the tree opens onto, as / would."""
        super().__init__()
        self.graph = graph
        self._find = find
        self._seen: set[object] = set()  # keys of the graph nodes the tree shows

    def compose(self) -> ComposeResult:
        yield Static(render_summary(self.graph), id="graph-summary")
        with Container(id="graph-body"):
            root = Shown(self.graph.root)
            yield GraphTree(self._label(root), data=root, id="graph-tree")
            with VerticalScroll(id="graph-detail-box"):
                yield Static("", id="graph-detail")
        yield KeyBar(show_palette=False)

    def on_mount(self) -> None:
        self._tree = self.query_one(GraphTree)
        self._detail = self.query_one("#graph-detail", Static)
        self._tree.guide_depth = 2  # the graph is deep: keep labels in view longer
        self._tree.border_title = "from the loss down · enter opens a node"
        self.query_one("#graph-detail-box").border_title = "highlighted node"
        self._fill(self._tree.root)
        self._tree.root.expand()
        self._tree.focus()
        self._show_detail(self._tree.root)
        self._reveal_parameter(self._find)

    # --- keys ---

    def action_close(self) -> None:
        self.dismiss(None)

    def action_primitives(self) -> None:
        """Open the highlighted fused node into the reference's primitive nodes, as a
        subtree of its own first under it (or go to it, opened before)."""
        node = self._tree.cursor_node
        if node is None or not isinstance(node.data, Shown):
            return
        shown = node.data
        if shown.primitives is not None:
            self._go_to(shown.primitives)
            return
        top = shown.node.primitives()
        if top is None:
            if shown.node.fused:
                why = "it can be opened where its softmax uses it"
            else:
                why = "it is one of the reference's own nodes: there is nothing to open"
            self.notify(f"{shown.node.op}: {why}", markup=False)
            return
        count = shown.node.primitive_count
        opened = Shown(top, title=f"primitives of {shown.node.op} ({count:,} nodes)")
        shown.primitives = node.add(self._label(opened), opened, before=0)
        self._fill(shown.primitives)
        node.expand()
        shown.primitives.expand()
        self._go_to(shown.primitives)

    def action_find_parameter(self) -> None:
        picker = ParameterPicker(self.graph.model.params, title="Find a parameter in the graph")
        self.app.push_screen(picker, self._reveal_parameter)

    # --- the tree, grown on demand ---

    @on(Tree.NodeExpanded, "#graph-tree")
    def _expanded(self, event: Tree.NodeExpanded[Entry]) -> None:
        self._fill(event.node)

    @on(Tree.NodeSelected, "#graph-tree")
    def _selected(self, event: Tree.NodeSelected[Entry]) -> None:
        parent = event.node.parent
        if isinstance(event.node.data, More) and parent is not None:
            assert isinstance(parent.data, Shown)
            first = len(parent.data.rows)
            self._add_page(parent)
            self._go_to(parent.data.rows[first])

    @on(Tree.NodeHighlighted, "#graph-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[Entry]) -> None:
        self._show_detail(event.node)

    def _fill(self, node: TreeNode[Entry]) -> None:
        """The first page of the node's children, the first time it is expanded."""
        if isinstance(node.data, Shown) and not node.data.filled:
            self._add_page(node)

    def _add_page(self, node: TreeNode[Entry]) -> None:
        shown = node.data
        assert isinstance(shown, Shown)
        kids = shown.children()
        if shown.more is not None:
            shown.more.remove()
            shown.more = None
        first = len(shown.rows)
        for child in kids[first : first + PAGE]:
            entry = Shown(child.node, child)
            # the graph's only leaves; asking the rest for children would build them all
            has_children = child.node.op not in ("parameter", "constant")
            shown.rows.append(node.add(self._label(entry), entry, allow_expand=has_children))
        shown.filled = True
        rest = len(kids) - len(shown.rows)
        if rest:
            label = Text(f"… {rest:,} more (enter adds {min(rest, PAGE)})", style="italic")
            shown.more = node.add_leaf(label, More())
        if not kids and shown.primitives is None:
            node.allow_expand = False

    def _label(self, shown: Shown) -> Text:
        key = shown.node.key
        seen = key is not None and key in self._seen
        if key is not None:
            self._seen.add(key)
        return node_label(self.graph, shown, seen)

    def _go_to(self, node: TreeNode[Entry]) -> None:
        """Put the cursor on `node` once the tree has laid out the lines just added."""

        def move() -> None:
            self._tree.move_cursor(node)
            self._show_detail(node)

        self.call_after_refresh(move)

    def _show_detail(self, node: TreeNode[Entry]) -> None:
        parent = node.parent
        if isinstance(node.data, Shown):
            self._detail.update(node_detail(self.graph, node.data))
        elif parent is not None and isinstance(parent.data, Shown):
            shown = parent.data
            rest = len(shown.children()) - len(shown.rows)
            self._detail.update(
                Text(f"{rest:,} more children of this {shown.node.op}: enter adds the next page")
            )

    # --- finding a parameter ---

    def _reveal_parameter(self, index: int | None) -> None:
        if index is None:
            return
        path = self.graph.path_to(index)
        if path is None:
            name = self.graph.model.params.name_of(index)
            self.notify(
                f"this step's graph does not use {name}{_why_unused(self.graph, index)}",
                markup=False,
            )
            return
        node = self._tree.root
        for k in path:
            assert isinstance(node.data, Shown)
            self._fill(node)
            while len(node.data.rows) <= k:
                self._add_page(node)
            node.expand()
            node = node.data.rows[k]
        self._go_to(node)


def render_summary(graph: StepGraph) -> Group:
    """Where the graph comes from, its size beside the reference's, and its nodes by op."""
    s = graph.summary
    head = Text()
    head.append("Computation graph", style="bold")
    head.append(f" · step {graph.step + 1:,}'s sentence (")
    head.append(f"“{graph.sentence}”")
    head.append(f"), {WHERE[graph.which]}\n")
    head.append(
        f"{s.nodes:,} nodes and {s.parameters:,} parameter leaves (the reference's primitive "
        f"nodes: {s.primitive_nodes:,}, leaves included) · depth {s.depth:,} (in primitive "
        f"nodes: {s.primitive_depth:,})"
    )
    by_op = [Text(f"{op} {count:,}") for op, count in s.by_op]
    by_op[0] = Text("nodes by op: ") + by_op[0]
    return Group(head, Flow(by_op))


class Flow:
    """Texts left to right, wrapped between them and never inside one (wrapping a line of
    text would part an op from its count)."""

    def __init__(self, items: list[Text], separator: str = " · ") -> None:
        self.items, self.separator = items, separator

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        line = Text()
        for item in self.items:
            if line and line.cell_len + len(self.separator) + item.cell_len > options.max_width:
                yield line
                line = Text()
            if line:
                line.append(self.separator)
            line.append_text(item)
        yield line


def node_label(graph: StepGraph, shown: Shown, seen: bool = False) -> Text:
    """One line of the tree: role, op, data, grad, local gradient, then the node's name
    (numbers before names, so that a deep line the tree scrolls keeps them in view)."""
    node, edge = shown.node, shown.edge
    text = Text()
    if shown.title:
        text.append(f"{shown.title}: ", style="italic")
    if edge is not None and edge.role:
        text.append(f"{edge.role}: ")
    text.append(node.op, style="bold")
    text.append(f" data={node.data:+.3e} grad={node.grad:+.1e}")
    if edge is not None:
        text.append(f" local={edge.local:+.1e}")
    name = graph.describe(node)
    if name:
        text.append(f" · {name}", style="italic")
    if seen:
        text.append(" ↺ seen", style="dim")
    return text


def node_detail(graph: StepGraph, shown: Shown) -> Group:
    """The node in full precision, what it stands for, and its children ranked by what
    backward added into their gradients."""
    node, edge = shown.node, shown.edge
    out = Text()
    if shown.title:
        out.append(f"{shown.title}\n", style="italic")
    out.append(node.op, style="bold")
    name = graph.describe(node)
    if name:
        out.append(f" · {name}")
    out.append(f"\ndata {exact(node.data)}\ngrad {exact(node.grad)}\n")
    if node.fused:
        out.append(
            f"stands for {node.fused} ({node.primitive_count:,} of the reference's nodes; "
            "o opens them)\n"
        )
    else:
        out.append("one of the reference's own nodes\n")
    if edge is not None:
        role = f" as {edge.role}" if edge.role else ""
        out.append(
            f"reached{role}: local ∂parent/∂this {exact(edge.local)}, "
            f"contribution {exact(edge.contribution)}\n",
            style="dim",
        )
    kids = shown.children()
    if not kids:
        out.append("a leaf: no children")
        return Group(out)
    noun = "child" if len(kids) == 1 else "children"
    out.append(
        f"{len(kids):,} {noun} by |contribution| (what backward added into each one's gradient):"
    )
    # A table keeps each number whole in a narrow pane: only the role may fold.
    table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    table.add_column(style="bold", overflow="fold")
    table.add_column(overflow="fold")
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    ranked = heapq.nlargest(TOP, range(len(kids)), key=lambda k: abs(kids[k].contribution))
    for k in ranked:
        child = kids[k]
        table.add_row(
            Text(child.role or f"#{k}"),
            Text(child.node.op),
            f"local {child.local:+.3e}",
            f"added {child.contribution:+.3e}",
        )
    rest = Text(f"and {len(kids) - TOP:,} more" if len(kids) > TOP else "")
    return Group(out, table, rest)


def exact(x: float) -> str:
    """Every digit that matters: Python's repr (the shortest text that reads back as the
    same float), signed."""
    return ("+" if math.copysign(1.0, x) > 0 else "") + repr(x)


def _why_unused(graph: StepGraph, index: int) -> str:
    """Why the step's sentence never reaches an embedding entry ("" for other matrices)."""
    spec = graph.model.params.spec_at(index)
    row = (index - spec.offset) // spec.cols
    if spec.name == "token_embedding":
        return f" (its sentence has no '{spec.row_label(row)}' at any position)"
    if spec.name == "position_embedding":
        n = graph.forward.n
        return f" (its sentence has {n} positions, 0 to {n - 1})"
    return ""
