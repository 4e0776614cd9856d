"""Math.exp, Math.log, Math.cos and ** exactly as Node 20 (V8 11.3) computes them, bit for bit.

V8 ports fdlibm, which differs in the last bit from the C library behind Python's math for a few
percent of inputs; to reproduce the reference run we repeat fdlibm's operations in its order.
"""

import math

import numpy as np

from ._fdlibm import INF, from_words, ldexp_or_inf, pow, rem_pio2_large

__all__ = ["cos", "exp", "exp_array", "log", "pow"]

_frexp = math.frexp
_floor = math.floor

# fdlibm branches on the high 32-bit word of |x|.  For a non-negative double, "high word >= H" is
# the float test "|x| >= from_words(H)", so the thresholds below let us branch without unpacking.

# ---------------------------------------------------------------------------
# exp: FreeBSD msun e_exp.c as adapted in V8's ieee754.cc

_O_THRESHOLD = 7.09782712893383973096e02
_U_THRESHOLD = -7.45133219101941108420e02
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INVLN2 = 1.44269504088896338700e00
_EP1 = 1.66666666666666019037e-01
_EP2 = -2.77777777770155933842e-03
_EP3 = 6.61375632143793436117e-05
_EP4 = -1.65339022054652515390e-06
_EP5 = 4.13813679705723846039e-08
_E = 2.718281828459045  # V8 special-cases exp(1), which the algorithm gets 1 ulp wrong
_TWO1023 = 8.988465674311579539e307
_TWOM1000 = 9.33263618503218878990e-302
_EXP_BIG = from_words(0x40862E42)  # hx >= 0x40862E42: |x| >= 709.78..
_EXP_HALF_LN2 = from_words(0x3FD62E43)  # hx > 0x3FD62E42: |x| > 0.5*ln2
_EXP_3HALF_LN2 = from_words(0x3FF0A2B2)  # hx < 0x3FF0A2B2: |x| < 1.5*ln2
_EXP_TINY = from_words(0x3E300000)  # hx < 0x3E300000: |x| < 2**-28


def exp(x: float) -> float:
    """Math.exp(x) as V8 computes it."""
    ax = -x if x < 0.0 else x
    if not ax < _EXP_BIG:  # also NaN
        if x != x:
            return x + x
        if x == INF:
            return x
        if x == -INF:
            return 0.0
        if x > _O_THRESHOLD:
            return INF
        if x < _U_THRESHOLD:
            return 0.0

    # x = k*ln2 + (hi - lo), |hi - lo| <= 0.5*ln2
    if ax >= _EXP_HALF_LN2:
        if ax < _EXP_3HALF_LN2:
            if x == 1.0:
                return _E
            if x < 0.0:
                hi = x + _LN2_HI
                lo = -_LN2_LO
                k = -1
            else:
                hi = x - _LN2_HI
                lo = _LN2_LO
                k = 1
        else:
            k = int(_INVLN2 * x + (-0.5 if x < 0.0 else 0.5))
            t = float(k)
            hi = x - t * _LN2_HI  # exact: t*LN2_HI has trailing zeros
            lo = t * _LN2_LO
        x = hi - lo
    elif ax < _EXP_TINY:
        return 1.0 + x
    else:
        t = x * x
        c = x - t * (_EP1 + t * (_EP2 + t * (_EP3 + t * (_EP4 + t * _EP5))))
        return 1.0 - ((x * c) / (c - 2.0) - x)

    t = x * x
    c = x - t * (_EP1 + t * (_EP2 + t * (_EP3 + t * (_EP4 + t * _EP5))))
    y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi)
    # y * 2**k: exact for a normal result; below that, the one rounding fdlibm's
    # y * 2**(k+1000) * 2**-1000 makes is the correctly rounded value ldexp gives too.
    if k == 1024:
        return y * 2.0 * _TWO1023
    return ldexp_or_inf(y, k)


def exp_array(a: np.ndarray) -> np.ndarray:
    """Elementwise exp over a float64 array, each element bit-identical to exp().

    The same fdlibm operations run on whole arrays (elementwise IEEE ops only, no reductions),
    with np.where picking each element's branch.
    """
    x = np.asarray(a, dtype=np.float64)
    shape = x.shape
    x = x.reshape(-1)  # 0-d input would turn the temporaries below into numpy scalars
    with np.errstate(all="ignore"):  # the branches not taken may overflow or be NaN
        ax = np.abs(x)
        neg = x < 0.0
        small = ax < _EXP_HALF_LN2
        # k = 0 for |x| <= 0.5*ln2, +-1 up to 1.5*ln2, else trunc(x/ln2 +- 0.5)
        k = np.trunc(x * _INVLN2 + np.where(neg, -0.5, 0.5))
        k = np.where(ax < _EXP_3HALF_LN2, np.where(neg, -1.0, 1.0), k)
        np.copyto(k, 0.0, where=small)
        # For k = +-1 this is x -+ LN2_HI and +-LN2_LO as in the scalar branch; for k = 0, x and 0.
        hi = x - k * _LN2_HI
        lo = k * _LN2_LO
        r = hi - lo
        t = r * r
        c = r - t * (_EP1 + t * (_EP2 + t * (_EP3 + t * (_EP4 + t * _EP5))))
        rc = r * c
        y = 1.0 - ((lo - rc / (2.0 - c)) - hi)
        out = np.ldexp(y, k.astype(np.int32))  # see exp() on why ldexp is exact here
        np.copyto(out, 1.0 - (rc / (c - 2.0) - r), where=small)
        np.copyto(out, 1.0 + x, where=ax < _EXP_TINY)
        np.copyto(out, _E, where=x == 1.0)
        np.copyto(out, INF, where=x > _O_THRESHOLD)  # +inf included; NaN stays NaN throughout
        np.copyto(out, 0.0, where=x < _U_THRESHOLD)  # -inf included
    return out.reshape(shape)


# ---------------------------------------------------------------------------
# log: FreeBSD msun e_log.c as adapted in V8's ieee754.cc

_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_TWO_M20 = 2.0**-20
# With x = m * 2**e from frexp (m in [0.5, 1)), fdlibm's tests on the top 20 mantissa bits hx
# of x become tests on m:
_LOG_SQRT2_HALF = from_words(0x3FE6A09C)  # hx >= 0x6A09C: use x/2, keeping 1+f below sqrt(2)
_LOG_MID_LO = from_words(0x3FE6147A)  # hx in [0x6147A, 0x6B851]: the more accurate hfsq form
_LOG_MID_HI = from_words(0x3FE6B852)


def log(x: float) -> float:
    """Math.log(x) as V8 computes it."""
    if not (0.0 < x < INF):
        if x == 0.0:
            return -INF
        if x > 0.0 or x != x:
            return x + x  # +inf, NaN
        return math.nan  # log of a negative number

    # x = 2**k * (1+f) with sqrt(2)/2 < 1+f < sqrt(2); frexp handles subnormals like fdlibm's 2**54
    m, k = _frexp(x)
    if m >= _LOG_SQRT2_HALF:
        f = m - 1.0
    else:
        f = (m + m) - 1.0
        k -= 1
    if -_TWO_M20 <= f < _TWO_M20:
        if f == 0.0:
            if k == 0:
                return 0.0
            dk = float(k)
            return dk * _LN2_HI + dk * _LN2_LO
        R = f * f * (0.5 - 0.33333333333333333 * f)
        if k == 0:
            return f - R
        dk = float(k)
        return dk * _LN2_HI - ((R - dk * _LN2_LO) - f)

    s = f / (2.0 + f)
    dk = float(k)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    R = t2 + t1
    if _LOG_MID_LO <= m < _LOG_MID_HI:
        hfsq = 0.5 * f * f
        if k == 0:
            return f - (hfsq - s * (hfsq + R))
        return dk * _LN2_HI - ((hfsq - (s * (hfsq + R) + dk * _LN2_LO)) - f)
    if k == 0:
        return f - s * (f - R)
    return dk * _LN2_HI - ((s * (f - R) - dk * _LN2_LO) - f)


# ---------------------------------------------------------------------------
# cos: fdlibm s_cos.c with k_cos.c, k_sin.c and e_rem_pio2.c as in V8's ieee754.cc

_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11
_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_TRIG_TINY = from_words(0x3E400000)  # |x| < 2**-27
_KCOS_SMALL = from_words(0x3FD33333)  # |x| < 0.3
_KCOS_BIG = from_words(0x3FE90001)  # |x| > 0.78125 (high word)
_TWO21 = 2097152.0
_TWO22 = 4194304.0


def _kernel_cos(x: float, y: float) -> float:
    """cos(x + y) for |x| <= ~pi/4, y the tail of x."""
    ax = -x if x < 0.0 else x
    if ax < _TRIG_TINY:
        return 1.0
    z = x * x
    r = z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    if ax < _KCOS_SMALL:
        return 1.0 - (0.5 * z - (z * r - x * y))
    if ax >= _KCOS_BIG:
        qx = 0.28125
    else:
        # |x|/4 with the low word cleared; |x| in [0.3, 0.78125], so flooring at the
        # high word's resolution (2**-22 below 0.5, 2**-21 above) clears exactly those bits
        if ax < 0.5:
            qx = _floor(ax * _TWO22) / _TWO22 * 0.25
        else:
            qx = _floor(ax * _TWO21) / _TWO21 * 0.25
    iz = 0.5 * z - qx
    a = 1.0 - qx
    return a - (iz - (z * r - x * y))


def _kernel_sin(x: float, y: float) -> float:
    """sin(x + y) for |x| <= ~pi/4, y the tail of x (fdlibm's iy=1 case)."""
    if -_TRIG_TINY < x < _TRIG_TINY:
        return x
    z = x * x
    v = z * x
    r = _S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))
    return x - ((z * (0.5 * y - v * r) - y) - v * _S1)


_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e00  # first 33 bits of pi/2
_PIO2_1T = 6.07710050650619224932e-11  # pi/2 - PIO2_1
_PIO2_2 = 6.07710050630396597660e-11  # second 33 bits
_PIO2_2T = 2.02226624879595063154e-21
_PIO2_3 = 2.02226624871116645580e-21  # third 33 bits
_PIO2_3T = 8.47842766036889956997e-32
_PIO4 = from_words(0x3FE921FC)  # ix <= 0x3FE921FB: |x| ~<= pi/4
_3PIO4 = from_words(0x4002D97C)  # ix < 0x4002D97C: |x| < 3pi/4
_NEAR_PIO2 = (from_words(0x3FF921FB), from_words(0x3FF921FC))  # ix == 0x3FF921FB
_MEDIUM = from_words(0x413921FC)  # ix <= 0x413921FB: |x| ~<= 2**19 * pi/2
_NPIO2_HW = (
    0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C,
    0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C,
    0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A,
    0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
    0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
    0x404858EB, 0x404921FB,
)  # fmt: skip
# [lo, hi) float range of each n*pi/2 high word: ix == npio2_hw[n-1] means cancellation is likely
_NPIO2_RANGE = tuple((from_words(h), from_words(h + 1)) for h in _NPIO2_HW)


def _biased_exponent(v: float) -> int:
    """fdlibm's (high word >> 20) & 0x7FF."""
    if v == 0.0:
        return 0
    e = _frexp(v)[1]
    return max(e + 1022, 0)


def _rem_pio2(x: float) -> tuple[int, float, float]:
    """(n, y0, y1) with x - n*pi/2 = y0 + y1, |y0 + y1| <= ~pi/4, for finite |x| > pi/4."""
    ax = -x if x < 0.0 else x
    if ax < _3PIO4:  # n = +-1
        near = _NEAR_PIO2[0] <= ax < _NEAR_PIO2[1]  # then 33+53 bits of pi/2 are not enough
        if x > 0.0:
            z = x - _PIO2_1
            if not near:
                y0 = z - _PIO2_1T
                return 1, y0, (z - y0) - _PIO2_1T
            z -= _PIO2_2
            y0 = z - _PIO2_2T
            return 1, y0, (z - y0) - _PIO2_2T
        z = x + _PIO2_1
        if not near:
            y0 = z + _PIO2_1T
            return -1, y0, (z - y0) + _PIO2_1T
        z += _PIO2_2
        y0 = z + _PIO2_2T
        return -1, y0, (z - y0) + _PIO2_2T

    if ax >= _MEDIUM:
        return rem_pio2_large(x)

    n = int(ax * _INVPIO2 + 0.5)
    fn = float(n)
    r = ax - fn * _PIO2_1
    w = fn * _PIO2_1T  # first round good to 85 bits
    if n < 32 and not (_NPIO2_RANGE[n - 1][0] <= ax < _NPIO2_RANGE[n - 1][1]):
        y0 = r - w
    else:
        j = _biased_exponent(ax)
        y0 = r - w
        if j - _biased_exponent(y0) > 16:  # second round, good to 118 bits
            t = r
            w = fn * _PIO2_2
            r = t - w
            w = fn * _PIO2_2T - ((t - r) - w)
            y0 = r - w
            if j - _biased_exponent(y0) > 49:  # third round, 151 bits
                t = r
                w = fn * _PIO2_3
                r = t - w
                w = fn * _PIO2_3T - ((t - r) - w)
                y0 = r - w
    y1 = (r - y0) - w
    if x < 0.0:
        return -n, -y0, -y1
    return n, y0, y1


def cos(x: float) -> float:
    """Math.cos(x) as V8 computes it."""
    if -_PIO4 < x < _PIO4:
        return _kernel_cos(x, 0.0)
    if not -INF < x < INF:
        return x - x  # NaN for +-inf and NaN
    n, y0, y1 = _rem_pio2(x)
    n &= 3
    if n == 0:
        return _kernel_cos(y0, y1)
    if n == 1:
        return -_kernel_sin(y0, y1)
    if n == 2:
        return -_kernel_cos(y0, y1)
    return _kernel_sin(y0, y1)
