"""Finding a parameter by typing part of its name: what the debugger's picker lists.

Matrix first, then row, then column, so a search never returns thousands of hits.
Matrix names match fuzzily: any order-preserving subsequence (`l1mlph` finds
`layers.1.mlp.hidden`), and, when nothing matches that way, one mistyped letter is
forgiven. Pure: no UI, no printing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.autograd.params import (
    MatrixSpec,
    Parameters,
    aliases_of,
    canonical_matrix_name,
    is_number,
    number_below,
)

FEW = 5  # entries listed after a matrix, as a taste of its names
MORE = "…"  # marks a prefix that still needs a row or column


@dataclass(frozen=True)
class ParameterMatch:
    """One line of search results."""

    label: str
    """What to show, e.g. `token_embedding[cat][3]` or `layers.0.mlp.hidden[…]  128×32`."""
    completion: str
    """What to put in the search box when this line is chosen."""
    index: int | None
    """The flat parameter index when the line is one parameter; None for a prefix to refine."""


def search_parameters(params: Parameters, query: str, limit: int = 40) -> list[ParameterMatch]:
    """The parameters (or matrix and row prefixes) that `query` names, best first."""
    query = query.strip()
    if limit <= 0:
        return []
    if not query:
        return [_matrix_prefix(spec) for spec in params.specs[:limit]]
    parts = _QUERY.fullmatch(query)
    if parts is None:
        return []
    if parts["row"] is None:
        found = _by_word_or_matrix(params, query.lower(), limit)
    else:
        spec = _resolve_matrix(params, parts["matrix"].strip())
        if spec is None:
            return []
        col = parts["col"].strip() if parts["col"] is not None else None
        found = _in_matrix(spec, parts["row"].strip(), bool(parts["row_closed"]), col, limit)
    return found[:limit]


# matrix, then an optional [row (closed or not), then an optional [column
_QUERY = re.compile(
    r"(?P<matrix>[^\[\]]+)"
    r"(?:\[(?P<row>[^\[\]]*)(?P<row_closed>\])?"
    r"(?:\[(?P<col>[^\[\]]*)\]?)?)?"
)


def _by_word_or_matrix(params: Parameters, text: str, limit: int) -> list[ParameterMatch]:
    """A query without brackets: a matrix name or fragment, or a word of the vocabulary."""
    ranked = _rank_matrices(params, text)
    exact = canonical_matrix_name(text)
    found: list[ParameterMatch] = []
    if ranked and ranked[0][0].name == exact:
        found += [_matrix_prefix(ranked[0][0], ranked[0][1])]
        found += _entries(ranked[0][0], 0, range(FEW))
        found += [_matrix_prefix(spec, alias) for spec, alias in ranked[1:]]
        return found
    word_specs = [s for s in params.specs if s.row_labels]
    for spec in word_specs:  # a word: its token-embedding row, then its output row
        row = _labels(spec).get(text)
        if row is not None:
            if found:
                found.append(_row_prefix(spec, row))
            found += _entries(spec, row, range(spec.cols))
    found += [_matrix_prefix(spec, alias) for spec, alias in ranked]
    if ranked:
        found += _entries(ranked[0][0], 0, range(FEW))
    if word_specs and len(found) < limit:
        spec = word_specs[0]
        rows = _labelled_rows_starting(spec, text, limit - len(found) + 1)
        found += [_row_prefix(spec, row) for row in rows if spec.row_label(row) != text]
    return found


def _in_matrix(
    spec: MatrixSpec, row_text: str, row_closed: bool, col_text: str | None, limit: int
) -> list[ParameterMatch]:
    """A query with brackets: `matrix[row`, `matrix[row]`, `matrix[row][col`, ..."""
    row = _row_named(spec, row_text)
    if row is None:
        return [_row_prefix(spec, r) for r in _rows_starting(spec, row_text, limit)]
    found = _entries(spec, row, _columns_first(spec, col_text))
    if col_text is None and not row_closed:  # `matrix[1`: rows 10, 11, ... may be meant
        others = _rows_starting(spec, row_text, limit + 1)
        found += [_row_prefix(spec, r) for r in others if r != row]
    return found


def _columns_first(spec: MatrixSpec, col_text: str | None) -> list[int]:
    """All columns, those named by `col_text` (exactly, then by prefix) first."""
    cols = list(range(spec.cols))
    if not col_text:
        return cols
    first = [c for c in cols if str(c) == col_text]
    first += [c for c in cols if str(c).startswith(col_text) and str(c) != col_text]
    return first + [c for c in cols if not str(c).startswith(col_text)]


def _row_named(spec: MatrixSpec, text: str) -> int | None:
    if is_number(text):
        return number_below(text, spec.rows)
    labels = _labels(spec)
    return labels.get(text, labels.get(text.lower())) if labels else None


def _rows_starting(spec: MatrixSpec, text: str, limit: int) -> list[int]:
    if spec.row_labels and not is_number(text):
        return _labelled_rows_starting(spec, text.lower(), limit)
    return [r for r in range(spec.rows) if str(r).startswith(text)][:limit]


def _labelled_rows_starting(spec: MatrixSpec, text: str, limit: int) -> list[int]:
    rows: list[int] = []
    for label, row in _labels(spec).items():
        if label.startswith(text) and row not in rows:
            rows.append(row)
            if len(rows) == limit:
                break
    return rows


@lru_cache(maxsize=8)
def _labels(spec: MatrixSpec) -> dict[str, int]:
    """Row by word, also by the word in lower case (so `bos` finds BOS)."""
    labels: dict[str, int] = {}
    for row, label in enumerate(spec.row_labels or ()):
        labels.setdefault(label, row)
        labels.setdefault(label.lower(), row)
    return labels


def _entries(spec: MatrixSpec, row: int, cols: range | list[int]) -> list[ParameterMatch]:
    label = spec.row_label(row)
    base = spec.offset + row * spec.cols
    out = []
    for col in cols:
        name = f"{spec.name}[{label}][{col}]"
        out.append(ParameterMatch(name, name, base + col))
    return out


def _matrix_prefix(spec: MatrixSpec, alias: str | None = None) -> ParameterMatch:
    also = f" ({alias})" if alias else ""
    return ParameterMatch(
        f"{spec.name}[{MORE}]  {spec.rows}×{spec.cols}{also}", f"{spec.name}[", None
    )


def _row_prefix(spec: MatrixSpec, row: int) -> ParameterMatch:
    head = f"{spec.name}[{spec.row_label(row)}]"
    return ParameterMatch(f"{head}[{MORE}]  {spec.cols} values", f"{head}[", None)


# ---- fuzzy matching of matrix names ----


def _resolve_matrix(params: Parameters, text: str) -> MatrixSpec | None:
    """The matrix `text` names exactly (any alias), else the best fuzzy match (no typo
    forgiven: with a row and column written out, `layers.5` must not become `layers.0`)."""
    canonical = canonical_matrix_name(text)
    for spec in params.specs:
        if spec.name == canonical:
            return spec
    ranked = _rank_matrices(params, text.lower(), forgiving=False)
    return ranked[0][0] if ranked else None


def _rank_matrices(
    params: Parameters, text: str, forgiving: bool = True
) -> list[tuple[MatrixSpec, str | None]]:
    """Matrices whose name or an alias matches `text`, best first, each with the alias that
    matched (None when it was the tutorial's name). A typo is forgiven only when no
    matrix matches without one."""
    for score in (_score, _score_forgiving) if forgiving else (_score,):
        ranked = []
        for order, spec in enumerate(params.specs):
            best: tuple[float, str | None] | None = None
            for name, alias in _names(spec.name):
                s = score(text, name)
                if s is not None and alias:
                    s -= 1  # the tutorial's name wins a tie
                if s is not None and (best is None or s > best[0]):
                    best = (s, alias)
            if best is not None:
                ranked.append((-best[0], order, spec, best[1]))
        if ranked:
            ranked.sort(key=lambda r: (r[0], r[1]))
            return [(spec, alias) for _, _, spec, alias in ranked]
    return []


@lru_cache(maxsize=64)
def _names(canonical: str) -> tuple[tuple[str, str | None], ...]:
    """A matrix's tutorial name, then its aliases (Karpathy's, the reference's)."""
    names: list[tuple[str, str | None]] = [(canonical, None)]
    names += [(alias, alias) for alias in aliases_of(canonical)]
    return tuple(names)


_BOUNDARY = "._["  # a letter after these starts a word of the name


def _score(query: str, name: str) -> float | None:
    """How well `query` matches `name` as an order-preserving subsequence (None: it does
    not). Whole names beat prefixes beat substrings beat scattered letters; letters that
    follow each other or start a word score more."""
    if query == name:
        return 1000.0
    if name.startswith(query):
        return 500.0 - len(name) / 100
    at = name.find(query)
    if at >= 0:
        return 300.0 - at / 10 - len(name) / 100
    score, pos, prev = 100.0, 0, -2
    for ch in query:
        i = name.find(ch, pos)
        if i < 0:
            return None
        if i == prev + 1:
            score += 2
        elif i == 0 or name[i - 1] in _BOUNDARY:
            score += 1
        else:
            score -= min(i - pos, 5) / 5
        prev, pos = i, i + 1
    return score - len(name) / 100


def _score_forgiving(query: str, name: str) -> float | None:
    """The best score with one letter of `query` left out (a typo), ranked below any
    clean match."""
    if not 3 <= len(query) <= len(name) + 1:  # longer: no letter left out makes it fit
        return None
    best = None
    for k in range(len(query)):
        s = _score(query[:k] + query[k + 1 :], name)
        if s is not None and (best is None or s > best):
            best = s
    return None if best is None else best - 1000
