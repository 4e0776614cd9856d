"""`jsmath`'s exp, log and pow compiled by numba, for the twin engine's kernels.

Not a second port: numba compiles the very functions of `jsmath` and `_fdlibm` (the
source is shared, so the two cannot drift apart). Only the two helpers that pack and
unpack a double's bits with `struct`, which numba cannot compile, get compiled
equivalents here, and `ldexp_or_inf` becomes C's ldexp (which returns infinity where
Python's raises), by a multiplication where that gives the same bits. Numba compiles
without fastmath, so every operation is the IEEE operation the Python source names, in its
order: a test checks the results, bit for bit, against the Python functions on millions of
arguments.

Importing this module imports numba (about 0.4 s): only the twin engine does.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload, register_jitable

from core.reference import _fdlibm, jsmath

_HIGH_WORD = np.uint64(0xFFFFFFFF00000000)
_EXPONENT_SHIFT = np.uint64(52)


@intrinsic
def _bits(typingctx, x):
    """The 64 bits of a double, as an unsigned integer."""
    if x is not types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.uint64(types.float64), codegen


@intrinsic
def _double(typingctx, b):
    """The double whose bits are b."""
    if b is not types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.uint64), codegen


@overload(_fdlibm.clear_low_word)
def _clear_low_word(x):
    def impl(x):
        return _double(_bits(x) & _HIGH_WORD)  # type: ignore[call-arg]

    return impl


@overload(_fdlibm.ldexp_or_inf)
def _ldexp_or_inf(z, n):
    def impl(z, n):
        # z * 2**n is ldexp's result, rounding included, wherever 2**n is a normal double;
        # a multiplication is several times cheaper than the library call.
        if -1022 <= n <= 1023:
            return z * _double(np.uint64(n + 1023) << _EXPONENT_SHIFT)  # type: ignore[call-arg]
        return math.ldexp(z, n)

    return impl


for _helper in (_fdlibm._divide, _fdlibm._log2_near_one, _fdlibm._log2, _fdlibm._exp2_scaled):
    register_jitable(_helper)

compiled = njit(cache=True, nogil=True, error_model="numpy")

exp = compiled(jsmath.exp)
log = compiled(jsmath.log)
pow = compiled(_fdlibm.pow)
