"""Where the model's numbers live: every parameter in one flat array (with its gradient
beside it), cut into named weight matrices, and a readable name for each parameter.

Names follow the tutorial: `token_embedding[cat][3]`, `layers.1.mlp.hidden[100][7]`.
Karpathy's names (`wte`, `wpe`, `lm_head`) and the reference's state-dict keys
(`layer0.attn_wq`, ...) are accepted as aliases.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import ParameterNameError

BOS_LABEL = "BOS"  # how the BOS row of a vocabulary-sized matrix is named


@dataclass(frozen=True)
class MatrixSpec:
    """The shape and place of one weight matrix in the flat parameter array."""

    name: str
    """Tutorial name, e.g. `layers.0.attention.query`."""
    rows: int
    cols: int
    offset: int
    """Flat index of [0][0]; the matrix is stored row by row from there."""
    row_labels: tuple[str, ...] | None = None
    """Words naming the rows (vocabulary-sized matrices), or None for numbered rows."""

    @property
    def size(self) -> int:
        return self.rows * self.cols

    def row_label(self, row: int) -> str:
        return self.row_labels[row] if self.row_labels else str(row)


class Matrix:
    """A named view of one weight matrix: its values and gradients as 2-D numpy views
    of the flat arrays (writing through them writes the model)."""

    __slots__ = ("data_rows", "flat_data", "flat_grad", "grad_rows", "spec")

    def __init__(self, spec: MatrixSpec, data: np.ndarray, grad: np.ndarray) -> None:
        end = spec.offset + spec.size
        self.spec = spec
        self.data_rows = data[spec.offset : end].reshape(spec.rows, spec.cols)
        self.grad_rows = grad[spec.offset : end].reshape(spec.rows, spec.cols)
        self.flat_data = data  # the whole flat arrays, for reaching rows by flat index
        self.flat_grad = grad

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def offset(self) -> int:
        return self.spec.offset

    @property
    def cols(self) -> int:
        return self.spec.cols


class Parameters:
    """All parameters in one flat float64 array, with gradients in another of the same
    length, and the matrices that divide them."""

    def __init__(self, specs: Sequence[MatrixSpec]) -> None:
        self.specs = tuple(specs)
        self.count = sum(s.size for s in self.specs)
        self.data = np.zeros(self.count)
        self.grad = np.zeros(self.count)
        self.matrices = {s.name: Matrix(s, self.data, self.grad) for s in self.specs}
        self._starts = [s.offset for s in self.specs]

    def __getitem__(self, name: str) -> Matrix:
        return self.matrices[name]

    def spec_at(self, index: int) -> MatrixSpec:
        """The matrix holding flat parameter `index`."""
        if not 0 <= index < self.count:
            raise ParameterNameError(f"parameter index {index} is outside 0..{self.count - 1}")
        return self.specs[bisect.bisect_right(self._starts, index) - 1]

    def name_of(self, index: int) -> str:
        spec = self.spec_at(index)
        row, col = divmod(index - spec.offset, spec.cols)
        return f"{spec.name}[{spec.row_label(row)}][{col}]"

    def index_of(self, name: str) -> int:
        """The flat index named by `name`, e.g. `token_embedding[cat][3]` or `wte[12][3]`."""
        match = _NAME.fullmatch(name.strip())
        if not match:
            raise ParameterNameError(
                f"'{name}' is not a parameter name: write matrix[row][column], "
                "e.g. token_embedding[cat][3] or layers.0.mlp.hidden[7][12]"
            )
        spec = self.spec_named(match["matrix"])
        row = _row_number(spec, match["row"])
        col = number_below(match["col"], spec.cols)
        if col is None:
            raise ParameterNameError(
                f"column {match['col']} is outside {spec.name}'s 0..{spec.cols - 1} in '{name}'"
            )
        return spec.offset + row * spec.cols + col

    def spec_named(self, name: str) -> MatrixSpec:
        canonical = canonical_matrix_name(name)
        for spec in self.specs:
            if spec.name == canonical:
                return spec
        known = ", ".join(s.name for s in self.specs)
        raise ParameterNameError(f"no matrix is called '{name}'; the matrices are: {known}")


_NAME = re.compile(r"(?P<matrix>[A-Za-z_][\w.]*)\[(?P<row>[^\]]+)\]\[(?P<col>[0-9]+)\]")

# Karpathy's and the reference's names for the same matrices.
_ALIASES = {"wte": "token_embedding", "wpe": "position_embedding", "lm_head": "output"}
_LAYER_ALIASES = {
    "attn_wq": "attention.query",
    "attn_wk": "attention.key",
    "attn_wv": "attention.value",
    "attn_wo": "attention.output",
    "mlp_fc1": "mlp.hidden",
    "mlp_fc2": "mlp.output",
}
_REFERENCE_LAYER = re.compile(r"layers?\.?(\d+)\.(\w+)")


def canonical_matrix_name(name: str) -> str:
    """The tutorial's name for a matrix named any accepted way."""
    if name in _ALIASES:
        return _ALIASES[name]
    match = _REFERENCE_LAYER.fullmatch(name)
    if match and match[2] in _LAYER_ALIASES:
        return f"layers.{match[1]}.{_LAYER_ALIASES[match[2]]}"
    return name


def aliases_of(canonical: str) -> tuple[str, ...]:
    """The other accepted names of a matrix (Karpathy's, then the reference's)."""
    aliases = [alias for alias, name in _ALIASES.items() if name == canonical]
    layer = re.fullmatch(r"layers\.(\d+)\.(.+)", canonical)
    if layer:
        aliases += [
            f"layer{layer[1]}.{alias}" for alias, part in _LAYER_ALIASES.items() if part == layer[2]
        ]
    return tuple(aliases)


def _row_number(spec: MatrixSpec, text: str) -> int:
    text = text.strip()
    if is_number(text):
        row = number_below(text, spec.rows)
        if row is None:
            raise ParameterNameError(f"row {text} is outside {spec.name}'s 0..{spec.rows - 1}")
        return row
    if spec.row_labels and text in spec.row_labels:
        return spec.row_labels.index(text)
    what = "a word of the vocabulary or a row number" if spec.row_labels else "a row number"
    raise ParameterNameError(f"row '{text}' of {spec.name} must be {what}")


def is_number(text: str) -> bool:
    """Whether `text` is written as a row or column number: ASCII digits only (Python's
    `"²".isdigit()` is True, and int() refuses it)."""
    return text.isascii() and text.isdigit()


def number_below(text: str, count: int) -> int | None:
    """The number `text` (ASCII digits) when it is below `count`, else None. Converts no
    more digits than `count` has: int() of thousands of digits is slow, and refused."""
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(count)) or int(digits) >= count:
        return None
    return int(digits)
