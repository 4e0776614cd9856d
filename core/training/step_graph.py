"""One step's computation graph, rebuilt to be explored: the forward pass and backward
pass of the step's sentence on a copy of the model (the weights its gradient was computed
from), with the engine's log of every addition into a parameter's gradient.

Training keeps no graph (each step's is freed as soon as its backward pass is done); this
recomputes it on demand, which costs one step's time and, while it is held, the memory of
one graph (`GraphSummary.nodes` values: 15,000 for the tutorial's model on a 16-position
sentence). The floats are the step's own: same weights, same sentence, same engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from core.autograd.engine import Sum, Value, topological_order
from core.autograd.graph_view import GraphNode, LinearRowNode, ParameterNode, node_of, stands_for
from core.autograd.linear import LinearCall, LinearRow
from core.autograd.params import BOS_LABEL
from core.autograd.primitives import SHIFTED_EXP, EmbeddingSum, Probability
from core.model.gpt import Model
from core.model.loss import SentenceForward
from core.training.staged_step import collector_paused

EMBEDDINGS = ("token_embedding", "position_embedding")


@dataclass(frozen=True)
class GraphSummary:
    """The graph's size and shape."""

    nodes: int
    """The engine's nodes (fused ones count once)."""
    by_op: tuple[tuple[str, int], ...]
    """Nodes per op, most first ("scale" for every v / d)."""
    parameters: int
    """Parameter leaves the graph reaches."""
    primitive_nodes: int
    """The nodes the reference builds for the same loss, leaves included."""
    depth: int
    """The longest chain of nodes from the loss to a leaf, fused nodes counting once."""
    primitive_depth: int
    """The same, in the reference's nodes."""


@dataclass(frozen=True)
class GradientTerm:
    """One addition into a parameter's gradient during backward."""

    position: int
    """The position of the sentence whose forward pass used the parameter there."""
    value: float
    via: str
    """The node that added it: "linear" (a weight times its input) or "embed"."""


@dataclass(frozen=True)
class GradientTerms:
    """A parameter's gradient as the additions that made it, in the engine's order (the
    reference's): 0.0 + terms[0] + terms[1] + ... is the gradient, bit for bit."""

    index: int
    name: str
    terms: tuple[GradientTerm, ...]
    gradient: float
    """What the backward pass left in the parameter's gradient."""

    @property
    def total(self) -> float:
        total = 0.0
        for term in self.terms:
            total += term.value
        return total


@dataclass(frozen=True)
class Hop:
    """A node of a path from the loss to a parameter, named for a learner."""

    label: str
    share: float
    """Of the gradient of the node below it on the path, the part that came through this
    edge (contribution / gradient); a path's shares multiply to its part of the whole."""


@dataclass(frozen=True)
class GradientPath:
    """One way the gradient went from the loss to a parameter."""

    share: float
    """The path's part of the parameter's gradient (the product of its hops' shares):
    the chain rule's sum over all paths, this one's term over the total."""
    hops: tuple[Hop, ...]
    """From the parameter up to the loss; only the named nodes (linear rows, the
    embedding, each position's loss) are kept."""
    length: int
    """Every node of the path, named or not."""


@dataclass(frozen=True)
class PositionShare:
    """What one position of the sentence did to an embedding row's gradient."""

    position: int
    token: str
    norm: float
    """|g_p|: the norm of the row's gradient from this position's forward pass alone."""
    share: float
    """g_p · g / |g|²: its part of the row's gradient g (the parts sum to 1)."""


class StepGraph:
    """The graph of one step, inspectable as long as it is held."""

    def __init__(
        self,
        model: Model,
        step: int,
        sentence: str,
        tokens: list[int],
        which: str,
    ) -> None:
        """Build it from `model` as it is (copied: the original is not touched)."""
        self.model = model.copy()
        self.step, self.sentence, self.tokens, self.which = step, sentence, list(tokens), which
        params = self.model.params
        self.log: list[Any] = []  # see BackwardPass.log
        with collector_paused(), np.errstate(all="ignore"):
            forward = SentenceForward(self.model, self.tokens, record_attention=False)
            while forward.fed < forward.n:
                forward.feed()
            result = forward.loss()
            result.loss.backward(self.log)
        self.forward = forward
        self.loss_value = result.loss
        self.labels: dict[int, str] = {
            id(result.loss): f"the loss: the mean of {forward.n} positions' losses",
            id(result.total): "the sum of the positions' losses",
        }
        label = self.model.words
        for t, (loss, probs) in enumerate(zip(result.losses, result.probs)):
            target = self.tokens[t + 1]
            word = _token_label(label, target)
            self.labels[id(loss)] = f"position {t}'s loss: −log p({word})"
            self.labels[id(probs[target])] = f"p({word}) at position {t}"
        self._walk()
        self.root = node_of(result.loss, params)

    # --- the walk ---

    def _walk(self) -> None:
        """Number every node (in the engine's topological order), count them, measure the
        depth, and note where each parameter is used."""
        root = self.loss_value
        self.nodes: list[Value] = topological_order(root)
        self.rows_by_weight: dict[tuple[str, int], list[LinearRow]] = {}
        self.embeds: list[EmbeddingSum] = []
        self._parents: dict[int, list[tuple[Value, int]]] | None = None
        depth: dict[int, tuple[int, int]] = {}  # id -> (fused depth, primitive depth)
        input_depth: dict[int, tuple[int, int]] = {}
        counts: Counter[str] = Counter()
        primitive = 0
        for node in self.nodes:
            if type(node) is LinearRow:
                call = node._call
                self.rows_by_weight.setdefault((call.matrix.name, node._row), []).append(node)
            elif type(node) is EmbeddingSum:
                self.embeds.append(node)
            kind, count = stands_for(node)
            counts[kind] += 1
            primitive += count
            depth[id(node)] = self._depth(node, depth, input_depth)
        n_params = sum(s.size for s in self.model.params.specs if s.name not in EMBEDDINGS)
        cols = self.model.config.n_embd
        tokens_used = {e._token_index // cols for e in self.embeds}  # offset 0
        positions_used = {self._position_of(e) for e in self.embeds}
        leaves = n_params + (len(tokens_used) + len(positions_used)) * cols
        fused, prim = depth[id(root)]
        self.summary = GraphSummary(
            nodes=len(self.nodes),
            by_op=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            parameters=leaves,
            primitive_nodes=primitive + leaves,
            depth=fused,
            primitive_depth=prim,
        )

    def _index_parents(self) -> dict[int, list[tuple[Value, int]]]:
        """Every node's consumers but linear rows, as (parent, k: the node's place among
        the parent's children in the view); the rows of each linear input. Made on first
        need (paths), not to open the graph."""
        if self._parents is not None:
            return self._parents
        parents: dict[int, list[tuple[Value, int]]] = {}
        self._member_of: dict[int, list[tuple[int, int]]] = {}  # member -> (input id, i)
        self._rows_of: dict[int, list[LinearRow]] = {}  # input id -> rows of every call
        for node in self.nodes:
            if type(node) is LinearRow:
                inputs = node._call.inputs
                rows = self._rows_of.get(id(inputs))
                if rows is None:
                    rows = self._rows_of[id(inputs)] = []
                    for i, member in enumerate(inputs.members):
                        self._member_of.setdefault(id(member), []).append((id(inputs), i))
                rows.append(node)
            elif type(node) is not EmbeddingSum:
                for k, child in enumerate(node._children):
                    parents.setdefault(id(child), []).append((node, k))
        self.index = {id(node): i for i, node in enumerate(self.nodes)}
        self._parents = parents
        return parents

    def _depth(
        self,
        node: Value,
        depth: dict[int, tuple[int, int]],
        input_depth: dict[int, tuple[int, int]],
    ) -> tuple[int, int]:
        """(fused, primitive) depth of `node`, its children's known: a chain of n terms
        hangs its k-th term below n - k adds."""
        kind = type(node)
        if isinstance(node, LinearRow):
            inputs = node._call.inputs
            known = input_depth.get(id(inputs))
            if known is None:
                n = len(inputs.members)
                fused = 1 + max([1] + [depth[id(m)][0] for m in inputs.members])
                prim = max(
                    n - k + 1 + max(depth[id(m)][1], 1) for k, m in enumerate(inputs.members)
                )
                known = input_depth[id(inputs)] = (fused, prim)
            return known
        if kind is EmbeddingSum:
            return 2, 2
        kids = node._children
        if not kids:
            return 1, 1
        fused = 1 + max(depth[id(c)][0] for c in kids)
        if kind is Sum:
            n = len(kids)
            if not node._local_grads:
                return fused, max(n - k + depth[id(c)][1] for k, c in enumerate(kids))
            pairs = n // 2
            return fused, max(pairs - k // 2 + 1 + depth[id(c)][1] for k, c in enumerate(kids))
        if kind is Probability:
            exp, total = kids
            return fused, max(1 + depth[id(exp)][1], 2 + depth[id(total)][1])
        if node._op == SHIFTED_EXP:
            return fused, max(2 + depth[id(kids[0])][1], 4)
        if node._op.startswith("/"):
            return fused, max(1 + depth[id(kids[0])][1], 3)
        return fused, 1 + max(depth[id(c)][1] for c in kids)

    # --- finding a parameter ---

    def consumers(self, index: int) -> list[tuple[Value, int]]:
        """The nodes that use parameter `index`, with its place among their children."""
        params = self.model.params
        spec = params.spec_at(index)
        row, col = divmod(index - spec.offset, spec.cols)
        if spec.name in EMBEDDINGS:
            k = EMBEDDINGS.index(spec.name)
            return [
                (e, k)
                for e in self.embeds
                if (e._token_index if k == 0 else e._position_index) == index
            ]
        return [(r, spec.cols + col) for r in self.rows_by_weight.get((spec.name, row), [])]

    def path_to(self, index: int) -> list[int] | None:
        """Child indices from the loss down to parameter `index` (through its first
        consumer, each node by the first parent the walk met): None if the step's graph
        does not reach it."""
        found = self.consumers(index)
        if not found:
            return None
        node, k = found[0]
        path = [k]
        while node is not self.loss_value:
            parent, k = self._first_parent(node)
            path.append(k)
            node = parent
        return path[::-1]

    def _first_parent(self, node: Value) -> tuple[Value, int]:
        """The parent nearest the loss in the topological order (any would do)."""
        return max(self._parents_of(node), key=lambda pk: self.index[id(pk[0])])

    def _parents_of(self, node: Value) -> list[tuple[Value, int]]:
        """Every (parent, k) with `node` as the parent's k-th child in the view."""
        found = list(self._index_parents().get(id(node), ()))
        for inputs, i in self._member_of.get(id(node), ()):
            found += [(row, i) for row in self._rows_of[inputs]]
        return found

    def node_at(self, path: list[int]) -> GraphNode:
        """The node reached from the root by child indices."""
        node = self.root
        for k in path:
            node = node.child(k).node
        return node

    # --- where a gradient came from ---

    def gradient_terms(self, index: int) -> GradientTerms:
        """Parameter `index`'s gradient as the engine added it up, term by term."""
        params = self.model.params
        spec = params.spec_at(index)
        row, col = divmod(index - spec.offset, spec.cols)
        terms: list[GradientTerm] = []
        for entry in self.log:
            if isinstance(entry, EmbeddingSum):
                if index in (entry._token_index, entry._position_index):
                    terms.append(GradientTerm(self._position_of(entry), entry.grad, "embed"))
                continue
            call, rows = cast(tuple[LinearCall, list[LinearRow]], entry)
            if call.matrix.name != spec.name:
                continue
            for r in rows:
                if r._row == row:
                    terms.append(
                        GradientTerm(call.position, r.grad * float(call.xdata[col]), "linear")
                    )
        return GradientTerms(index, params.name_of(index), tuple(terms), float(params.grad[index]))

    def main_paths(self, index: int, count: int = 5, beam: int = 12) -> list[GradientPath]:
        """The ways most of parameter `index`'s gradient came, best first: a beam search up
        from the parameter, each edge weighed by its share of the gradient below it."""
        leaf = ParameterNode(self.model.params, index)
        if leaf.grad == 0.0:
            return []
        Partial = tuple[float, list[tuple[Value, int]]]
        partial: list[Partial] = []
        for node, k in self.consumers(index):
            share = node_of(node, self.model.params).child(k).contribution / leaf.grad
            partial.append((share, [(node, k)]))
        done: list[Partial] = []
        while partial:
            grown: list[Partial] = []
            for share, path in partial:
                top = path[-1][0]
                if top is self.loss_value:
                    done.append((share, path))
                    continue
                if top.grad == 0.0:
                    continue
                for parent, k in self._parents_of(top):
                    c = node_of(parent, self.model.params).child(k).contribution
                    if c != 0.0:
                        grown.append((share * c / top.grad, [*path, (parent, k)]))
            grown.sort(key=lambda sp: -abs(sp[0]))
            best_done = sorted(done, key=lambda sp: -abs(sp[0]))[:count]
            floor = abs(best_done[-1][0]) if len(best_done) == count else 0.0
            partial = [sp for sp in grown[:beam] if abs(sp[0]) > floor]
            done = best_done
        return [self._path(share, path, leaf) for share, path in done]

    def _path(
        self, share: float, path: list[tuple[Value, int]], leaf: ParameterNode
    ) -> GradientPath:
        hops = [Hop(leaf.name, 1.0)]
        below = leaf.grad
        for node, k in path:
            view = node_of(node, self.model.params)
            edge = view.child(k).contribution / below if below else 0.0
            below = node.grad
            name = self.describe(view, k)
            if name:
                hops.append(Hop(name, edge))
        return GradientPath(share, tuple(hops), len(path) + 1)

    def describe(self, view: GraphNode, k: int | None = None) -> str:
        """A learner's name for a node (a parameter's own; "" for the many that have none);
        given the child `k` a path took, a linear row of attention names the head."""
        if isinstance(view, ParameterNode):
            return view.name
        labelled = self.labels.get(id(getattr(view, "value", None)))
        if labelled:
            return labelled
        if isinstance(view, LinearRowNode):
            head = _head(view, k, self.model.config.head_dim)
            return f"{view.matrix}[{view.row_label}] at position {view.position}{head}"
        value = getattr(view, "value", None)
        if isinstance(value, EmbeddingSum):
            return f"the embedding at position {self._position_of(value)}"
        return ""

    def _position_of(self, embed: EmbeddingSum) -> int:
        """The position whose embedding `embed` is part of."""
        spec = self.model.params[EMBEDDINGS[1]].spec
        return (embed._position_index - spec.offset) // spec.cols

    def embedding_row(self, matrix: str, row: int) -> list[PositionShare]:
        """Which positions used row `row` of an embedding, and their part of its gradient."""
        params = self.model.params
        spec = params[matrix].spec
        first = spec.offset + row * spec.cols
        k = EMBEDDINGS.index(matrix)
        per_position: dict[int, np.ndarray] = {}
        for e in self.embeds:
            column = (e._token_index if k == 0 else e._position_index) - first
            if 0 <= column < spec.cols:
                position = self._position_of(e)
                per_position.setdefault(position, np.zeros(spec.cols))[column] = e.grad
        total = params.grad[first : first + spec.cols]
        norm2 = float(total @ total)
        words = self.model.words
        shares = []
        for position in sorted(per_position):
            g = per_position[position]
            label = _token_label(words, self.tokens[position])
            share = float(g @ total) / norm2 if norm2 else 0.0
            shares.append(PositionShare(position, label, float(np.sqrt(g @ g)), share))
        return shares


def _token_label(words: Sequence[str] | None, token: int) -> str:
    """A token's word: BOS after the words, the id when the model has no vocabulary."""
    if words is None:
        return str(token)
    return words[token] if token < len(words) else BOS_LABEL


def _head(view: LinearRowNode, k: int | None, head_dim: int) -> str:
    """ ", head h" for a row of attention's q, k or v (its row) or of its output matrix
    (the input the path came through)."""
    if ".attention." not in view.matrix:
        return ""
    if view.matrix.endswith(".output"):
        if k is None or k >= view.width:
            return ""
        return f", from head {k // head_dim}"
    return f", head {view.row // head_dim}"


@dataclass(frozen=True)
class GradientOrigin:
    """Where one parameter's gradient came from, on one step."""

    step: int
    sentence: str
    which: str
    """As the gradient check's: "walked", "shown", "next" or "what-if"."""
    terms: GradientTerms
    paths: tuple[GradientPath, ...]
    row: tuple[PositionShare, ...] | None
    """For an embedding entry: its row's positions and their part of the row's gradient."""


def gradient_origin(graph: StepGraph, index: int) -> GradientOrigin:
    """Parameter `index`'s gradient on `graph`'s step: its terms, main paths and, for an
    embedding, its row's positions."""
    params = graph.model.params
    spec = params.spec_at(index)
    row = None
    if spec.name in EMBEDDINGS:
        row = tuple(graph.embedding_row(spec.name, (index - spec.offset) // spec.cols))
    return GradientOrigin(
        graph.step,
        graph.sentence,
        graph.which,
        graph.gradient_terms(index),
        tuple(graph.main_paths(index)),
        row,
    )
