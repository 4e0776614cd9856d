"""The scalar autograd engine: a `Value` holds one number and the gradient of the loss
with respect to it, and remembers which values it was computed from.

Every op has the tutorial's shape: a forward result plus one local derivative per child,
and `backward()` applies the chain rule `child.grad += local * grad` in the reference's
order (a depth-first topological sort, walked in reverse). A few fused n-ary nodes
(`vsum`, `dot`, and the rows of `core.autograd.primitives.linear`) stand for whole chains of
primitive nodes; they perform the same floating-point operations in the same order, so
the numbers are identical to the last bit, only far fewer Python objects are made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from core.reference import jsmath


class Value:
    """One scalar in the computation graph."""

    __slots__ = ("_children", "_group", "_local_grads", "_mark", "_op", "data", "grad")

    def __init__(
        self,
        data: float,
        children: tuple[Value, ...] = (),
        local_grads: tuple[float, ...] = (),
        op: str = "",
    ) -> None:
        self.data = data  # the forward result
        self.grad = 0.0  # d(loss)/d(this value), filled in by backward()
        self._children = children  # the values this one was computed from, in order
        self._local_grads = local_grads  # d(this)/d(child), one per child
        self._op = op  # a label for inspection ("+", "*", "exp", "linear", ...)
        self._mark: object = None  # which topological sort last visited this node
        self._group: Any = None  # flags of the linear-layer input this value is part of

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r}, op={self._op!r})"

    # --- the primitive ops, exactly as the reference defines them ---

    def add(self, other: Value | float) -> Value:
        o = other if isinstance(other, Value) else Value(float(other))
        return Value(self.data + o.data, (self, o), (1.0, 1.0), "+")

    def mul(self, other: Value | float) -> Value:
        o = other if isinstance(other, Value) else Value(float(other))
        return Value(self.data * o.data, (self, o), (o.data, self.data), "*")

    def pow(self, n: float) -> Value:
        # JavaScript's ** is fdlibm's pow: x ** -1 is 1 / x, x ** 2 is x * x.
        local = n * jsmath.pow(self.data, n - 1)
        return Value(jsmath.pow(self.data, n), (self,), (local,), f"**{n:g}")

    def log(self) -> Value:
        return Value(jsmath.log(self.data), (self,), (js_divide(1.0, self.data),), "log")

    def exp(self) -> Value:
        e = jsmath.exp(self.data)
        return Value(e, (self,), (e,), "exp")

    def relu(self) -> Value:
        return Value(js_max0(self.data), (self,), (1.0 if self.data > 0 else 0.0,), "relu")

    # Derived ops are built from the primitives, as the reference builds them: that choice
    # decides the floating-point result (x / y is x * y**-1, not a single division).

    def neg(self) -> Value:
        return self.mul(-1.0)

    def sub(self, other: Value | float) -> Value:
        o = other if isinstance(other, Value) else Value(float(other))
        return self.add(o.neg())

    def div(self, other: Value | float) -> Value:
        o = other if isinstance(other, Value) else Value(float(other))
        return self.mul(o.pow(-1.0))

    __add__ = add
    __mul__ = mul
    __pow__ = pow
    __neg__ = neg
    __sub__ = sub
    __truediv__ = div

    def __radd__(self, other: float) -> Value:
        return Value(float(other)).add(self)

    def __rmul__(self, other: float) -> Value:
        return Value(float(other)).mul(self)

    def __rsub__(self, other: float) -> Value:
        return Value(float(other)).sub(self)

    def __rtruediv__(self, other: float) -> Value:
        return Value(float(other)).div(self)

    # --- the chain rule ---

    walks_linear_inputs = False  # True for nodes whose children are a linear layer's input

    def _sort_children(self, token: object) -> Sequence[Value]:
        """The children a topological sort walks (fused subclasses may share theirs)."""
        return self._children

    def backward(self, log: list[Any] | None = None) -> BackwardPass:
        """Fill in `grad` on every value this one depends on. Never recurses. Given a
        `log`, every addition into a parameter's gradient is recorded in it, in order
        (`BackwardPass.log`)."""
        graph = topological_order(self)
        self.grad = 1.0
        run = BackwardPass(len(graph), log)
        for v in reversed(graph):
            if type(v) is Value:
                g = v.grad
                for child, local in zip(v._children, v._local_grads):
                    child.grad += local * g
            else:
                v._backward(run)  # type: ignore[attr-defined]
        run.finish()
        return run


class BackwardPass:
    """Book-keeping for one backward(): fused linear rows hand over their weight-gradient
    contributions, which are applied in batches, each weight's in the order produced."""

    def __init__(self, nodes: int, log: list[Any] | None = None) -> None:
        self.nodes = nodes  # how many graph nodes the pass walked
        self.last_call: Any = None  # the linear call whose row was processed last
        self.open_calls: dict[Any, Any] = {}  # matrix -> the call collecting its gradients
        self.log = log
        """None, or where the parameters' gradient terms are recorded as they are added:
        (linear call, its rows) for a batch of weight terms, an embedding node for its
        two. Off in training; the graph's explorer turns it on, on a copy of the model."""

    def switch_to(self, call: Any) -> None:
        """A row of `call` arrives after a row of another call. If another call on the
        same matrix has contributions waiting, apply them first, so that every weight
        receives its contributions in the order they were produced."""
        waiting = self.open_calls.get(call.matrix)
        if waiting is not None and waiting is not call:
            waiting.apply_weight_grads(self.log)
        self.open_calls[call.matrix] = call
        self.last_call = call

    def finish(self) -> None:
        for call in self.open_calls.values():
            call.apply_weight_grads(self.log)


def topological_order(root: Value) -> list[Value]:
    """Depth-first post-order from `root`, visiting children in order: the reference's
    `buildTopo`, made iterative so that graphs of any depth work.

    On the way it tells each linear layer's input whether some node other than the layer's
    rows uses it (`mixed`): the rows then apply their gradients one by one, in order."""
    token = object()
    order: list[Value] = []
    append = order.append
    root._mark = token
    stack: list[tuple[Value, Any]] = [(root, iter(root._sort_children(token)))]
    push = stack.append
    while stack:
        node, children = stack[-1]
        for child in children:
            if child._group is not None and not node.walks_linear_inputs:
                child._group.mixed = True
            if child._mark is not token:
                child._mark = token
                if type(child) is Value:
                    grandchildren: Sequence[Value] = child._children
                else:
                    grandchildren = child._sort_children(token)
                if grandchildren:
                    push((child, iter(grandchildren)))
                    break
                append(child)
        else:
            stack.pop()
            append(node)
    return order


def js_divide(a: float, b: float) -> float:
    """a / b with JavaScript's result for a zero divisor (±Infinity or NaN), not an error."""
    if b != 0.0:
        return a / b
    if a != a or a == 0.0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def js_max0(x: float) -> float:
    """JavaScript's Math.max(0, x): NaN stays NaN, -0 becomes +0."""
    if x > 0 or x != x:
        return x
    return 0.0


def vsum(values: Iterable[Value]) -> Value:
    """Sum of values, left to right starting from 0, as one n-ary node (the reference's
    chain of additions, without the intermediate nodes)."""
    children = tuple(values)
    total = 0.0
    for v in children:
        total += v.data
    return Sum(total, children, (), "sum")


def dot(xs: Sequence[Value], ys: Sequence[Value]) -> Value:
    """Σ xs[i] * ys[i], left to right from 0, as one n-ary node: the reference's
    `vsum(xs.map((x, i) => x.mul(ys[i])))`."""
    children: list[Value] = []
    locals_: list[float] = []
    total = 0.0
    for x, y in zip(xs, ys):
        total += x.data * y.data
        children += (x, y)
        locals_ += (y.data, x.data)
    return Sum(total, tuple(children), tuple(locals_), "dot")


class Sum(Value):
    """An n-ary sum (of values, or of products when local grads are given). Backward walks
    the terms last to first, as the reference's chain of additions would."""

    __slots__ = ()

    def _backward(self, run: BackwardPass) -> None:
        g = self.grad
        children = self._children
        if not self._local_grads:
            for child in reversed(children):
                child.grad += g
            return
        for child, local in zip(reversed(children), reversed(self._local_grads)):
            child.grad += local * g
