"""The computation graph as a learner reads it: every node's op, data and grad, and for
each child the local derivative and what backward added into the child's gradient.

The engine's fused nodes (a dot product, a sum, a linear row, a softmax output, a scaled
value, softmax's exp(l - max)) are shown as one node each, and each can be opened into
the reference's primitive nodes it stands for (`GraphNode.primitives`): the same floats,
rebuilt from the fused node's numbers, with the fused node's children as their leaves.
Parameters, which the engine keeps in a flat array rather than as nodes, appear as
leaves (`ParameterNode`). Nothing here changes the graph; views are made on demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.autograd.engine import Sum, Value
from core.autograd.linear import LinearRow
from core.autograd.params import Parameters
from core.autograd.primitives import SHIFTED_EXP, EmbeddingSum, Probability, _js_max
from core.reference import jsmath


@dataclass(frozen=True)
class Child:
    """One edge from a node to what it was computed from."""

    node: GraphNode
    local: float
    """∂(node)/∂(child): the local derivative the chain rule multiplies by."""
    contribution: float
    """What backward added into the child's gradient along this edge, computed as the
    engine computes it (for a softmax output's total, local x grad rounds differently)."""
    role: str = ""
    """The child's part, where it has one: "x[3]", "w[7][3]", "token", "exp", ..."""


class GraphNode:
    """A node of the graph, as shown. `key` identifies it (the same node reached twice
    has the same key)."""

    op = ""
    fused = ""
    """What the node stands for in the reference's primitives ("" when it is one)."""

    def __init__(self, key: object, data: float, grad: float) -> None:
        self.key = key
        self.data = data
        self.grad = grad

    def children(self) -> list[Child]:
        return []

    def child(self, k: int) -> Child:
        """children()[k] (a node with many children may make just the one)."""
        return self.children()[k]

    @property
    def primitive_count(self) -> int:
        """How many of the reference's nodes this one stands for (its children aside)."""
        return 1

    def primitives(self) -> GraphNode | None:
        """The reference's nodes this one stands for, top first (None when primitive)."""
        return None


class ValueNode(GraphNode):
    """A node of the engine's graph."""

    def __init__(self, value: Value, params: Parameters) -> None:
        super().__init__(value, value.data, value.grad)
        self.value = value
        self.params = params
        self.op = value._op

    @property
    def primitive_count(self) -> int:
        return stands_for(self.value)[1]

    def children(self) -> list[Child]:
        g = self.grad
        return [
            Child(node_of(child, self.params), local, local * g)
            for child, local in zip(self.value._children, self.value._local_grads)
        ]


class ConstantNode(ValueNode):
    """A number the graph was given (Value(-1) of a negation, rmsnorm's 1e-5, ...)."""

    op = "constant"

    def __init__(self, value: Value, params: Parameters) -> None:
        super().__init__(value, params)
        self.op = "constant"


class ParameterNode(GraphNode):
    """A weight: a leaf, in the flat parameter array (the data as the forward pass read it,
    the step's gradient)."""

    op = "parameter"

    def __init__(self, params: Parameters, index: int) -> None:
        super().__init__(("parameter", index), float(params.data[index]), float(params.grad[index]))
        self.index = index
        self.name = params.name_of(index)


class EmbedNode(ValueNode):
    """token_embedding[t][i] + position_embedding[p][i]: one add of two parameters."""

    op = "embed"

    def children(self) -> list[Child]:
        v = self.value
        assert isinstance(v, EmbeddingSum)
        g = self.grad
        return [
            Child(ParameterNode(self.params, v._token_index), 1.0, g, "token"),
            Child(ParameterNode(self.params, v._position_index), 1.0, g, "position"),
        ]


class SumNode(ValueNode):
    """Σ children (op "sum") or Σ x_i · y_i over interleaved pairs (op "dot"), left to right
    from 0: the reference's chain of adds from Value(0), of products for a dot."""

    def children(self) -> list[Child]:
        v, g, params = self.value, self.grad, self.params
        softmax_total = bool(v._children) and v._children[0]._op == SHIFTED_EXP
        made = [
            shifted_exp_node(c, v, params) if softmax_total else node_of(c, params)
            for c in v._children
        ]
        if self.op == "sum":
            return [Child(n, 1.0, g) for n in made]
        locals_ = v._local_grads
        return [
            Child(n, local, local * g, f"{'xy'[k % 2]}[{k // 2}]")
            for k, (n, local) in enumerate(zip(made, locals_))
        ]

    @property
    def terms(self) -> int:
        n = len(self.value._children)
        return n if self.op == "sum" else n // 2

    @property
    def fused(self) -> str:  # type: ignore[override]
        if self.op == "sum":
            return f"Value(0) + {self.terms} terms: {self.terms} add nodes"
        return f"Σ x·y over {self.terms} pairs: {self.terms} mul and {self.terms} add nodes"

    def primitives(self) -> GraphNode:
        children = self.children()
        if self.op == "sum":
            return _chain(self.grad, [(c.node.data, [c]) for c in children])
        pairs = []
        for x, y in zip(children[::2], children[1::2]):
            pairs.append((x.node.data * y.node.data, [x, y]))
        return _chain(self.grad, pairs, products=True)


class LinearRowNode(ValueNode):
    """Row r of a weight matrix dotted with the layer's input: Σ w[r][i] · x[i]."""

    op = "linear"

    def __init__(self, value: Value, params: Parameters) -> None:
        super().__init__(value, params)
        assert isinstance(value, LinearRow)
        call = value._call
        self.matrix = call.matrix.name
        self.row = value._row
        self.position = call.position
        self.row_label = call.matrix.spec.row_label(value._row)
        self.width = len(call.xdata)  # the layer's input size

    @property
    def fused(self) -> str:  # type: ignore[override]
        n = self.width
        return f"{self.matrix}[{self.row_label}] · x: {n} mul and {n} add nodes"

    def children(self) -> list[Child]:
        """The inputs x[i] (local: the weight), then the row's weights (local: x[i])."""
        return [self.child(k) for k in range(2 * self.width)]

    def child(self, k: int) -> Child:
        row = self.value
        assert isinstance(row, LinearRow)
        call, g, n = row._call, self.grad, self.width
        if k < n:
            w = float(call.inputs.flat_data[row._offset + k])
            return Child(node_of(call.inputs.members[k], self.params), w, w * g, f"x[{k}]")
        x = float(call.xdata[k - n])
        index = row._offset + k - n
        return Child(ParameterNode(self.params, index), x, g * x, f"w[{self.row_label}][{k - n}]")

    def primitives(self) -> GraphNode:
        children = self.children()
        n = len(children) // 2
        pairs = []  # the reference's wi.mul(x[i]): the weight is the mul's first child
        for x, w in zip(children[:n], children[n:]):
            pairs.append((w.node.data * x.node.data, [w, x]))
        return _chain(self.grad, pairs, products=True)


class ProbabilityNode(ValueNode):
    """p_i = exp_i / total, the reference's exp_i.mul(total.pow(-1))."""

    op = "softmax"
    fused = "exp / total: a mul and a pow node"

    def children(self) -> list[Child]:
        v = self.value
        assert isinstance(v, Probability)
        exp, total = v._children
        inverse, g = v._inverse, self.grad
        return [
            Child(
                shifted_exp_node(exp, total, self.params), inverse.value, inverse.value * g, "exp"
            ),
            Child(
                node_of(total, self.params),
                inverse.local() * exp.data,
                inverse.local() * (exp.data * g),  # the engine's order: via the pow's grad
                "total",
            ),
        ]

    def primitives(self) -> GraphNode:
        v = self.value
        assert isinstance(v, Probability)
        exp_child, total_child = self.children()
        inverse, g = v._inverse, self.grad
        pow_node = Primitive(
            "**-1",
            inverse.value,
            exp_child.node.data * g,
            [Child(total_child.node, inverse.local(), total_child.contribution)],
        )
        return Primitive(
            "*",
            self.data,
            g,
            [exp_child, Child(pow_node, exp_child.node.data, exp_child.node.data * g)],
        )


class ScaleNode(ValueNode):
    """v / d for a plain number d: the reference's v.mul(Value(d).pow(-1))."""

    fused = "v / d: a constant, a pow and a mul node"

    def __init__(self, value: Value, params: Parameters) -> None:
        super().__init__(value, params)
        self.divisor = float(value._op[1:])

    def primitives(self) -> GraphNode:
        (child,) = self.children()
        d, g = self.divisor, self.grad
        inverse = child.local
        x = child.node.data
        pow_grad = x * g
        local = -1.0 * jsmath.pow(d, -2.0)
        constant = Primitive("constant", d, local * pow_grad, [])
        pow_node = Primitive("**-1", inverse, pow_grad, [Child(constant, local, local * pow_grad)])
        return Primitive("*", self.data, g, [child, Child(pow_node, x, pow_grad)])


class ShiftedExpNode(ValueNode):
    """A softmax's exp(l - max), the max subtracted as a plain number: the reference's
    l.sub(max).exp(), that is exp(l + Value(max).mul(-1))."""

    fused = "exp(l − max): a constant, a neg, an add and an exp node"

    def __init__(self, value: Value, params: Parameters, total: Value | None) -> None:
        super().__init__(value, params)
        self.total = total

    @property
    def max(self) -> float | None:
        """The largest of the softmax's inputs (known from its total)."""
        if self.total is None:
            return None
        return _js_max([e._children[0].data for e in self.total._children])

    def primitives(self) -> GraphNode | None:
        top = self.max
        if top is None:
            return None
        (child,) = self.children()
        e, g = self.data, self.grad
        shifted_grad = e * g
        minus_one = Primitive("constant", -1.0, top * shifted_grad, [])
        constant = Primitive("constant", top, -1.0 * shifted_grad, [])
        neg = Primitive(
            "*",
            top * -1.0,
            shifted_grad,
            [
                Child(constant, -1.0, -1.0 * shifted_grad),
                Child(minus_one, top, top * shifted_grad),
            ],
        )
        shifted = Primitive(
            "+",
            child.node.data + top * -1.0,
            shifted_grad,
            [
                Child(child.node, 1.0, 1.0 * shifted_grad),
                Child(neg, 1.0, 1.0 * shifted_grad),
            ],
        )
        return Primitive("exp", e, g, [Child(shifted, e, shifted_grad)])


class Primitive(GraphNode):
    """One of the reference's nodes, rebuilt inside a fused node's expansion."""

    def __init__(self, op: str, data: float, grad: float, children: list[Child]) -> None:
        super().__init__(None, data, grad)
        self.op = op
        self._kids = children

    def children(self) -> list[Child]:
        return self._kids


def _chain(g: float, terms: list[tuple[float, list[Child]]], products: bool = False) -> GraphNode:
    """Value(0) + t0 + t1 + ...: the reference's vsum, each term a child or a product of
    two. Every add and every product has the sum's gradient g."""
    total: GraphNode = Primitive("constant", 0.0, g, [])
    for data, kids in terms:
        if products:
            a, b = kids
            term: GraphNode = Primitive(
                "*",
                data,
                g,
                [
                    Child(a.node, b.node.data, b.node.data * g, a.role),
                    Child(b.node, a.node.data, a.node.data * g, b.role),
                ],
            )
        else:
            term = kids[0].node
        total = Primitive(
            "+", total.data + data, g, [Child(total, 1.0, g), Child(term, 1.0, g, kids[0].role)]
        )
    return total


def stands_for(value: Value) -> tuple[str, int]:
    """The op a summary counts `value` under ("scale" for every v / d, "constant" for a
    leaf), and how many of the reference's nodes it stands for (its children aside)."""
    kind = type(value)
    if isinstance(value, LinearRow):
        return "linear", 1 + 2 * len(value._call.xdata)  # Value(0), a mul and an add per input
    if kind is EmbeddingSum:
        return "embed", 1
    if kind is Probability:
        return "softmax", 2  # the mul and the pow
    if kind is Sum:
        return value._op, 1 + len(value._children)  # Value(0), an add per term, a mul per pair
    op = value._op
    if op == SHIFTED_EXP:
        return op, 5  # Value(max), Value(-1), their mul, the add, the exp
    if op.startswith("/"):
        return "scale", 3  # Value(d), its pow, the mul
    if not value._children:
        return "constant", 1
    return op, 1


def node_of(value: Value, params: Parameters) -> GraphNode:
    """The view of an engine node."""
    kind = type(value)
    if kind is LinearRow:
        return LinearRowNode(value, params)
    if kind is Sum:
        return SumNode(value, params)
    if kind is Probability:
        return ProbabilityNode(value, params)
    if kind is EmbeddingSum:
        return EmbedNode(value, params)
    op = value._op
    if op == SHIFTED_EXP:
        return ShiftedExpNode(value, params, None)
    if op.startswith("/"):
        return ScaleNode(value, params)
    if not value._children:
        return ConstantNode(value, params)
    return ValueNode(value, params)


def shifted_exp_node(value: Value, total: Value, params: Parameters) -> GraphNode:
    """A child of a softmax (its exp, or a term of its total): an exp(l - max) knowing its
    softmax's total, hence the max."""
    if value._op == SHIFTED_EXP:
        return ShiftedExpNode(value, params, total)
    return node_of(value, params)
