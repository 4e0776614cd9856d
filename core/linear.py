"""The linear layer as fused nodes: each output is one `LinearRow` node standing for the
reference's chain `vsum(row.map((w, i) => w.mul(x[i])))` of 2 x n_in + 1 nodes.

Forward and backward are computed with elementwise numpy operations, which are exact
IEEE operations; sums are taken with `np.add.accumulate`, which adds strictly left to
right (a plain `np.sum` would not). Gradients reach the inputs and weights in exactly
the order the reference's backward would produce them, so every bit is the same.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import numpy as np

from core.engine import BackwardPass, Value
from core.params import Matrix


class LinearRow(Value):
    """One output of `linear`: a weight row dotted with the input vector."""

    __slots__ = ("_call", "_row")

    def __init__(self, data: float, call: LinearCall, row: int) -> None:
        super().__init__(data, (), (), "linear")
        self._call = call
        self._row = row

    def _sort_children(self, token: object) -> Sequence[Value]:
        # All rows share the input's members: only the first row reached walks them,
        # for the rest they are already visited (as in the reference's sort).
        inputs = self._call.inputs
        if inputs.mark is token:
            inputs.rows_reached += 1
            return ()
        inputs.mark = token
        inputs.rows_reached = 1
        inputs.pending.clear()
        inputs.pending_grads.clear()
        return inputs.members

    def _backward(self, run: BackwardPass) -> None:
        self._call.receive(self._row, self.grad, run)


class InputFlags:
    """What a member of a linear layer's input knows of it: only whether another kind of
    node also consumes the input. (Members point here, not at the input object, so that
    the graph has no reference cycles and is freed as soon as it is dropped.)"""

    __slots__ = ("mixed", "owner")

    def __init__(self, owner: LinearInput) -> None:
        self.mixed = False  # set by the topological sort
        self.owner = weakref.ref(owner)


class LinearInput:
    """A vector of values fed to one or more linear layers (q, k and v share theirs).

    The rows' contributions to its gradients are collected in the order the backward
    pass produces them and applied in one batch when the last row has handed its share
    over. That is exact only when rows are the members' sole consumers; if another node
    also uses a member (`flags.mixed`), rows apply their contributions immediately.
    """

    __slots__ = (
        "__weakref__",
        "cols",
        "flags",
        "flat_data",
        "mark",
        "members",
        "pending",
        "pending_grads",
        "rows_reached",
    )

    def __init__(self, members: tuple[Value, ...], flat_data: np.ndarray) -> None:
        self.members = members
        self.flags = InputFlags(self)
        self.mark: object = None  # the topological sort that last walked the members
        self.rows_reached = 0  # rows of this input in the graph, counted by the sort
        self.pending: list[int] = []  # flat offsets of the weight rows, in arrival order
        self.pending_grads: list[float] = []  # the matching row gradients
        self.flat_data = flat_data
        self.cols = np.arange(len(members))

    def receive(self, offset: int, grad: float) -> None:
        self.pending.append(offset)
        self.pending_grads.append(grad)
        if len(self.pending) == self.rows_reached:
            self._flush()

    def _flush(self) -> None:
        offsets = np.array(self.pending)
        weights = self.flat_data[offsets[:, None] + self.cols]  # one row per contribution
        contributions = weights * np.array(self.pending_grads)[:, None]
        # Row k of `running` is the gradient after k + 1 contributions, added in order.
        running = np.add.accumulate(contributions, axis=0)
        for member, total in zip(self.members, running[-1].tolist()):
            member.grad += total
        self.pending.clear()
        self.pending_grads.clear()

    @classmethod
    def of(cls, x: Sequence[Value], flat_data: np.ndarray) -> LinearInput:
        """The input object for `x`: shared when the same vector feeds several layers."""
        flags = x[0]._group
        known = flags.owner() if flags is not None else None
        if known is not None and known.members == tuple(x):  # Values compare by identity
            return known
        group = cls(tuple(x), flat_data)
        if len({id(m) for m in x}) < len(x) or any(m._group is not None for m in x):
            group.flags.mixed = True  # overlapping inputs: apply contributions in order
        else:
            for member in x:
                member._group = group.flags
        return group


class LinearCall:
    """One application of a weight matrix to an input vector."""

    __slots__ = (
        "first_tick",
        "inputs",
        "last_tick",
        "matrix",
        "row_grads",
        "rows",
        "ticks",
        "xdata",
    )

    def __init__(self, matrix: Matrix, inputs: LinearInput, xdata: np.ndarray) -> None:
        self.matrix = matrix
        self.inputs = inputs
        self.xdata = xdata  # the input values at forward time
        self.rows: list[int] = []  # rows that received a gradient, in arrival order
        self.row_grads: list[float] = []
        self.ticks: list[int] = []
        self.first_tick = 0
        self.last_tick = 0

    def receive(self, row: int, grad: float, run: BackwardPass) -> None:
        if not self.rows:
            run.calls.append(self)
            self.first_tick = run.clock
        self.rows.append(row)
        self.row_grads.append(grad)
        self.ticks.append(run.clock)
        self.last_tick = run.clock
        run.clock += 1
        inputs = self.inputs
        if inputs.flags.mixed:
            weights = self.matrix.data_rows[row].tolist()
            for member, w in zip(reversed(inputs.members), reversed(weights)):
                member.grad += w * grad
        else:
            inputs.receive(self.matrix.offset + row * self.matrix.cols, grad)

    def apply_weight_grads(self) -> None:
        # Each row appears once per call, so one fancy-indexed add is elementwise exact.
        rows = np.array(self.rows)
        self.matrix.grad_rows[rows] += np.multiply.outer(np.array(self.row_grads), self.xdata)


def linear(x: Sequence[Value], matrix: Matrix) -> list[Value]:
    """y = W x: one output per weight row (the reference's `linear`)."""
    xdata = np.array([v.data for v in x])
    # Σ_i w[i] * x[i] from left to right, for every row at once.
    products = matrix.data_rows * xdata
    totals = np.add.accumulate(products, axis=1)[:, -1] + 0.0  # + 0.0: the sum starts at +0
    call = LinearCall(matrix, LinearInput.of(x, matrix.flat_data), xdata)
    return [LinearRow(t, call, r) for r, t in enumerate(totals.tolist())]
