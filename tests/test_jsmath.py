"""jsmath gives the same bits as Node 20's (V8 11.3) Math.exp, Math.log, Math.cos and **."""

import json
import math
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from core.reference import jsmath

EXTRA_VECTORS = Path(__file__).parent / "data" / "jsmath_extra.json"
SCALAR = {"exp": jsmath.exp, "log": jsmath.log, "cos": jsmath.cos}
POW_SETS = ["pow_-0.5", "pow_-1.5", "pow_-2", "pow_-1", "pow_2", "pow_0.85_k", "pow_0.99_k"]


def same(a: float, b: float) -> bool:
    """Bit-identical (so +0.0 and -0.0 differ); any NaN matches any NaN."""
    if a != a:
        return b != b
    return struct.pack("<d", a) == struct.pack("<d", b)


def from_hex(h: str) -> float:
    return struct.unpack("<d", struct.pack("<Q", int(h, 16)))[0]


def mismatches(cases: list[list[float]], compute: Callable[..., float]) -> list[tuple]:
    """The cases (inputs..., expected) where compute(*inputs) differs, with what it gave."""
    bad = []
    for *inputs, want in cases:
        got = compute(*inputs)
        if not same(got, want):
            bad.append((*inputs, want, got))
    return bad


@pytest.fixture(scope="module")
def reference(reference_dir: Path) -> dict:
    with open(reference_dir / "jsmath_vectors.json") as f:
        cases = json.load(f)["cases"]
    # inputs like k in 0.85 ** k come as JSON integers
    return {name: [[float(v) for v in case] for case in cs] for name, cs in cases.items()}


@pytest.fixture(scope="module")
def extra() -> dict:
    with open(EXTRA_VECTORS) as f:
        cases = json.load(f)["cases"]
    return {name: [[from_hex(h) for h in case] for case in cs] for name, cs in cases.items()}


@pytest.mark.parametrize("name", ["exp", "log", "cos"])
def test_scalar_function_matches_v8_on_reference_vectors(reference, name):
    bad = mismatches(reference[name], SCALAR[name])
    assert not bad, f"{len(bad)} of {len(reference[name])} differ, e.g. (x, v8, ours): {bad[:5]}"


@pytest.mark.parametrize("name", POW_SETS)
def test_pow_matches_v8_on_reference_vectors(reference, name):
    number = float(name.split("_")[1])

    def compute(v: float) -> float:
        # "pow_0.85_k" cases are (k, 0.85 ** k); "pow_-0.5" cases are (x, x ** -0.5)
        return jsmath.pow(number, v) if name.endswith("_k") else jsmath.pow(v, number)

    bad = mismatches(reference[name], compute)
    assert not bad, f"{len(bad)} of {len(reference[name])} differ, e.g. (in, v8, ours): {bad[:5]}"


def test_exp_array_matches_v8_on_reference_vectors(reference):
    x, want = np.array(reference["exp"]).T
    got = jsmath.exp_array(x)
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


@pytest.mark.parametrize("name", ["exp", "log", "cos"])
def test_scalar_function_matches_v8_on_extra_vectors(extra, name):
    bad = mismatches(extra[name], SCALAR[name])
    assert not bad, f"{len(bad)} of {len(extra[name])} differ, e.g. (x, v8, ours): {bad[:5]}"


def test_pow_matches_v8_on_extra_vectors(extra):
    bad = mismatches(extra["pow"], jsmath.pow)
    assert not bad, f"{len(bad)} of {len(extra['pow'])} differ, e.g. (x, y, v8, ours): {bad[:5]}"


def test_exp_array_matches_v8_on_extra_vectors(extra):
    x, want = np.array(extra["exp"]).T
    got = jsmath.exp_array(x)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.uint64), want[~nan].view(np.uint64))


def test_exp_array_equals_scalar_exp_elementwise():
    rng = np.random.default_rng(7)
    specials = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 2.0**-29,
                -(2.0**-28), 709.782712893384, 709.7827128933841, -745.1332191019411,
                -745.1332191019412, 1e308, -1e308]  # fmt: skip
    x = np.concatenate([
        rng.uniform(-750.0, 720.0, 3000),
        rng.uniform(-40.0, 1.0, 3000),
        rng.uniform(-1.1, 1.1, 3000),
        rng.choice([-1.0, 1.0], 3000) * 2.0 ** rng.uniform(-1074.0, 11.0, 3000),
        rng.integers(0, 2**64, 3000, dtype=np.uint64).view(np.float64),  # any bit pattern
        specials,
    ])  # fmt: skip
    pairs = zip(x.tolist(), jsmath.exp_array(x).tolist(), strict=True)
    bad = [(v, g) for v, g in pairs if not same(g, jsmath.exp(v))]
    assert not bad, f"{len(bad)} of {len(x)} differ from exp(), e.g. (x, exp_array): {bad[:5]}"


def test_exp_array_keeps_the_input_shape_and_leaves_the_input_alone():
    x = np.array([[0.5, -2.0, 30.0], [-700.0, 1.0, 0.0]])
    before = x.copy()
    got = jsmath.exp_array(x)
    assert got.shape == x.shape
    assert np.array_equal(x, before)
    assert [jsmath.exp(v) for v in x.ravel().tolist()] == got.ravel().tolist()


def test_pow_keeps_javascript_special_cases():
    # JS differs from IEEE 754 / Python: (+-1) ** (+-Infinity) is NaN
    assert math.isnan(jsmath.pow(1.0, math.inf))
    assert math.isnan(jsmath.pow(-1.0, -math.inf))
    assert jsmath.pow(math.nan, 0.0) == 1.0
    assert same(jsmath.pow(-0.0, -3.0), -math.inf)
    assert same(jsmath.pow(-0.0, 0.5), 0.0)
    assert math.isnan(jsmath.pow(-8.0, 1.0 / 3.0))


def test_functions_return_python_floats():
    x = 0.3
    results = [jsmath.exp(x), jsmath.log(x), jsmath.cos(x), jsmath.pow(x, -0.5), jsmath.pow(x, 2.0)]
    assert all(type(r) is float for r in results)
