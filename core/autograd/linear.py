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
from typing import Any

import numpy as np

from core.autograd.engine import BackwardPass, Value
from core.autograd.params import Matrix


class LinearRow(Value):
    """One output of `linear`: a weight row dotted with the input vector."""

    __slots__ = ("_call", "_offset", "_row")
    _children = ()  # the inputs are shared by all rows: see _sort_children
    _local_grads = ()
    _op = "linear"
    walks_linear_inputs = True

    def __init__(self, data: float, call: LinearCall, row: int, offset: int) -> None:
        # Sets every slot itself: rows are made by the thousand, a super() call costs.
        self.data = data
        self.grad = 0.0
        self._mark = None
        self._group = None
        self._call = call
        self._row = row
        self._offset = offset  # flat index of the row's first weight

    def _sort_children(self, token: object) -> Sequence[Value]:
        # All rows share the input's members: only the first row reached walks them; for
        # the rest they are already visited (the reference's sort skips them too).
        inputs = self._call.inputs
        if inputs.mark is token:
            inputs.rows_reached += 1
            return ()
        inputs.start_pass(token)
        return inputs.members

    def _backward(self, run: BackwardPass) -> None:
        call = self._call
        if call is not run.last_call:
            run.switch_to(call)
        call.arrived.append(self)
        inputs = call.inputs
        if inputs.flags.mixed:
            inputs.apply_now(self)
            return
        arrived = inputs.arrived
        arrived.append(self)
        if len(arrived) == inputs.rows_reached:
            inputs.flush()


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

    The rows hand over their gradients in the order the backward pass processes them;
    when the last row has, their contributions to the members' gradients are applied in
    one batch, in that order. That is exact only when rows are the members' sole consumers;
    if another node also uses a member (`flags.mixed`), rows apply theirs immediately.
    """

    __slots__ = (
        "__weakref__",
        "arrived",
        "cols",
        "flags",
        "flat_data",
        "mark",
        "members",
        "rows_reached",
    )

    def __init__(self, members: tuple[Value, ...], flat_data: np.ndarray) -> None:
        self.members = members
        self.flags = InputFlags(self)
        self.mark: object = None  # the topological sort that last walked the members
        self.rows_reached = 0  # rows of this input in the graph, counted by the sort
        self.arrived: list[LinearRow] = []  # rows processed by backward, in order
        self.flat_data = flat_data
        self.cols = np.arange(len(members))

    def start_pass(self, token: object) -> None:
        self.mark = token
        self.rows_reached = 1
        self.arrived = []

    def flush(self) -> None:
        rows = self.arrived
        offsets = np.fromiter([r._offset for r in rows], dtype=np.intp, count=len(rows))
        grads = np.fromiter([r.grad for r in rows], dtype=float, count=len(rows))
        weights = self.flat_data[offsets[:, None] + self.cols]  # one weight row per row
        # Row k of `running` is each member's gradient after k + 1 contributions, in order.
        running = np.add.accumulate(weights * grads[:, None], axis=0)
        for member, total in zip(self.members, running[-1].tolist()):
            member.grad += total
        self.arrived = []  # the rows refer back to this input: keep the graph acyclic

    def apply_now(self, row: LinearRow) -> None:
        """One row's contributions, member by member, last term first (the reference's
        chain of additions is walked backwards)."""
        g = row.grad
        weights = self.flat_data[row._offset : row._offset + len(self.members)].tolist()
        for member, w in zip(reversed(self.members), reversed(weights)):
            member.grad += w * g

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

    __slots__ = ("arrived", "inputs", "matrix", "position", "xdata")

    def __init__(
        self, matrix: Matrix, inputs: LinearInput, xdata: np.ndarray, position: int
    ) -> None:
        self.matrix = matrix
        self.inputs = inputs
        self.xdata = xdata  # the input values at forward time
        self.position = position  # the sentence position whose forward pass made the call
        self.arrived: list[LinearRow] = []  # rows whose weight gradients are not applied yet

    def apply_weight_grads(self, log: list[Any] | None = None) -> None:
        """w[r][i].grad += x[i] * row_r.grad for the rows that arrived. Each row arrives
        once per call, so one fancy-indexed add is elementwise exact. Given a `log`, the
        call and its rows are appended to it: the weights' gradient terms, in order."""
        rows = self.arrived
        if not rows:
            return
        self.arrived = []
        if log is not None:
            log.append((self, rows))
        index = np.fromiter([r._row for r in rows], dtype=np.intp, count=len(rows))
        grads = np.fromiter([r.grad for r in rows], dtype=float, count=len(rows))
        self.matrix.grad_rows[index] += np.multiply.outer(grads, self.xdata)


def linear(x: Sequence[Value], matrix: Matrix, position: int = -1) -> list[Value]:
    """y = W x: one output per weight row (the reference's `linear`). `position` only
    labels the call (which position of the sentence made it), for the graph's explorer."""
    xdata = np.array([v.data for v in x])
    # Σ_i w[i] * x[i] from left to right, for every row at once.
    products = matrix.data_rows * xdata
    totals = np.add.accumulate(products, axis=1)[:, -1] + 0.0  # + 0.0: the sum starts at +0
    call = LinearCall(matrix, LinearInput.of(x, matrix.flat_data), xdata, position)
    first, cols = matrix.offset, matrix.cols
    return [LinearRow(t, call, r, first + r * cols) for r, t in enumerate(totals.tolist())]
