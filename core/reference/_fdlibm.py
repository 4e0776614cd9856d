"""Long fdlibm ports behind `jsmath`: V8's legacy pow and the huge-argument pi/2 reduction.

Kept apart from jsmath.py because they are long and rarely read; like jsmath, they follow
V8's C (src/base/ieee754.cc) operation by operation, so every float result has the same bits.
"""

import math
import struct

_D = struct.Struct("<d")
_Q = struct.Struct("<Q")
_ZERO_WORD = b"\0\0\0\0"
_floor = math.floor
_frexp = math.frexp
_ldexp = math.ldexp
_sqrt = math.sqrt
_copysign = math.copysign

INF = math.inf
NAN = math.nan


def from_words(hi: int, lo: int = 0) -> float:
    """The double whose high and low 32-bit words are hi and lo (fdlibm's INSERT_WORDS)."""
    return _D.unpack(_Q.pack((hi << 32) | lo))[0]


def clear_low_word(x: float) -> float:
    """x with its low 32 bits zeroed (fdlibm's SET_LOW_WORD(x, 0)): x cut to 21 significant bits."""
    return _D.unpack(_ZERO_WORD + _D.pack(x)[4:])[0]


def _divide(a: float, b: float) -> float:
    # C division by zero gives a signed infinity; Python raises instead.
    if b == 0.0:
        return _copysign(INF, a) * _copysign(1.0, b)
    return a / b


# ---------------------------------------------------------------------------
# pow: V8 11.3 Math.pow and ** are base::ieee754::legacy::pow, fdlibm's e_pow.c.

_BP = (1.0, 1.5)
_DP_H = (0.0, 5.84962487220764160156e-01)  # 0x3FE2B803 40000000
_DP_L = (0.0, 1.35003920212974897128e-08)  # 0x3E4CFDEB 43CFD006
_TWO53 = 9007199254740992.0
_HUGE = 1.0e300
_TINY = 1.0e-300
_L1 = 5.99999999999994648725e-01
_L2 = 4.28571428578550184252e-01
_L3 = 3.33333329818377432918e-01
_L4 = 2.72728123808534006489e-01
_L5 = 2.30660745775561754067e-01
_L6 = 2.06975017800338417784e-01
_P1 = 1.66666666666666019037e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_LG2 = 6.93147180559945286227e-01
_LG2_H = 6.93147182464599609375e-01
_LG2_L = -1.90465429995776804525e-09
_OVT = 8.0085662595372944372e-17
_CP = 9.61796693925975554329e-01
_CP_H = 9.61796700954437255859e-01
_CP_L = -7.02846165095275826516e-09
_IVLN2 = 1.44269504088896338700e00
_IVLN2_H = 1.44269502162933349609e00
_IVLN2_L = 1.92596299112661746887e-08

# fdlibm tests high words; a high word h >= H is the float test |v| >= from_words(H).
_Y_ABOVE_2P31 = from_words(0x41E00001)  # iy > 0x41e00000
_Y_ABOVE_2P64 = from_words(0x43F00001)  # iy > 0x43f00000
_X_BELOW_1 = from_words(0x3FEFFFFF)  # ix < 0x3fefffff
_X_ABOVE_1 = from_words(0x3FF00001)  # ix > 0x3ff00000
_SQRT_3_2 = from_words(0x3FF3988F)  # j <= 0x3988E
_SQRT_3 = from_words(0x3FFBB67A)  # j < 0xBB67A
_Z_ABOVE_HALF = from_words(0x3FE00001)  # i > 0x3fe00000
_TWO19 = 524288.0
_TWO20 = 1048576.0


def pow(x: float, y: float) -> float:
    """x ** y exactly as V8 computes it (fdlibm e_pow.c, JS special cases included)."""
    if y == 0.0:
        return 1.0
    if x != x or y != y:
        return x + y
    ay = abs(y)
    ax = abs(x)
    if ay == INF:
        if ax == 1.0:
            return NAN  # JS: (+-1) ** (+-Infinity) is NaN, not IEEE's 1
        if ax > 1.0:
            return y if y > 0.0 else 0.0
        return -y if y < 0.0 else 0.0
    if ay == 1.0:
        return x if y > 0.0 else _divide(1.0, x)
    if y == 2.0:
        return x * x
    x_neg = _copysign(1.0, x) < 0.0  # fdlibm's hx < 0: true for -0.0 too
    if y == 0.5 and not x_neg:
        return _sqrt(x)

    # yisint: 0 = y not an integer, 1 = odd integer, 2 = even integer (only needed for x < 0).
    yisint = 0
    if x_neg:
        if ay >= _TWO53:
            yisint = 2
        elif ay >= 1.0 and _floor(ay) == ay:
            yisint = 2 - (int(ay) & 1)

    if ax == 0.0 or ax == INF or ax == 1.0:
        z = ax
        if y < 0.0:
            z = _divide(1.0, z)
        if x_neg:
            if ax == 1.0 and yisint == 0:
                z = NAN  # (-1) ** non-integer
            elif yisint == 1:
                z = -z
        return z

    if x_neg and yisint == 0:
        return NAN  # negative ** non-integer
    s = -1.0 if (x_neg and yisint == 1) else 1.0

    if ay >= _Y_ABOVE_2P31:
        t1, t2, done = _log2_near_one(ax, y, s)
        if done:
            return t1  # already the over/underflowed result
    else:
        t1, t2 = _log2(ax)
    return _exp2_scaled(y, t1, t2, s)


def _log2_near_one(ax: float, y: float, s: float) -> tuple[float, float, bool]:
    """log2(ax) = t1 + t2 for |y| > 2**31, where only x within 2**-20 of 1 stays finite.

    Returns (result, 0, True) when the answer is already a certain over- or underflow.
    (One tuple type for every return, so that core.reference.jitmath can compile it.)
    """
    if y >= _Y_ABOVE_2P64 or y <= -_Y_ABOVE_2P64:
        if ax < 1.0:
            return (_HUGE * _HUGE if y < 0.0 else _TINY * _TINY), 0.0, True
        return (_HUGE * _HUGE if y > 0.0 else _TINY * _TINY), 0.0, True
    if ax < _X_BELOW_1:
        return (s * _HUGE * _HUGE if y < 0.0 else s * _TINY * _TINY), 0.0, True
    if ax >= _X_ABOVE_1:
        return (s * _HUGE * _HUGE if y > 0.0 else s * _TINY * _TINY), 0.0, True
    # |1-x| <= 2**-20: log(x) ~ t - t^2/2 + t^3/3 - t^4/4
    t = ax - 1.0
    w = (t * t) * (0.5 - t * (0.3333333333333333333333 - t * 0.25))
    u = _IVLN2_H * t
    v = t * _IVLN2_L - w * _IVLN2
    t1 = clear_low_word(u + v)
    return t1, v - (t1 - u), False


def _log2(ax: float) -> tuple[float, float]:
    """log2(ax) = t1 + t2 in extra precision, t1 with 21 significant bits (ax finite, > 0)."""
    # frexp normalises subnormals exactly as fdlibm's scaling by 2**53 does.
    m, n = _frexp(ax)
    mm = m + m  # ax = mm * 2**(n-1), mm in [1, 2)
    n -= 1
    # t_h: the high word of ax+bp[k]; flooring at that word's resolution gives the same bits.
    if mm < _SQRT_3_2:
        k = 0
        ax = mm
        t_h = _floor(mm * _TWO19) / _TWO19 + 1.0
    elif mm < _SQRT_3:
        k = 1
        ax = mm
        t_h = _floor(mm * _TWO19) / _TWO19 + 1.0 + 0.5
    else:
        k = 0
        n += 1
        ax = m
        t_h = _floor(m * _TWO20) / _TWO20 + 1.0
    bp = _BP[k]

    # ss = s_h + s_l = (ax - bp) / (ax + bp)
    u = ax - bp
    v = 1.0 / (ax + bp)
    ss = u * v
    s_h = clear_low_word(ss)
    t_l = ax - (t_h - bp)
    s_l = v * ((u - s_h * t_h) - s_h * t_l)
    # log(ax)
    s2 = ss * ss
    r = s2 * s2 * (_L1 + s2 * (_L2 + s2 * (_L3 + s2 * (_L4 + s2 * (_L5 + s2 * _L6)))))
    r += s_l * (s_h + ss)
    s2 = s_h * s_h
    # 3 + s2 + r lies in [2, 4): clearing its low word is flooring to a multiple of 2**-19
    t_h = _floor((3.0 + s2 + r) * _TWO19) / _TWO19
    t_l = r - ((t_h - 3.0) - s2)
    u = s_h * t_h
    v = s_l * t_h + t_l * ss
    p_h = clear_low_word(u + v)
    p_l = v - (p_h - u)
    z_h = _CP_H * p_h
    z_l = _CP_L * p_h + p_l * _CP + _DP_L[k]
    t = float(n)
    t1 = clear_low_word(((z_h + z_l) + _DP_H[k]) + t)
    t2 = z_l - (((t1 - t) - _DP_H[k]) - z_h)
    return t1, t2


def _exp2_scaled(y: float, t1: float, t2: float, s: float) -> float:
    """s * 2**(y * (t1 + t2)), with fdlibm's overflow and underflow decisions."""
    y1 = clear_low_word(y)
    p_l = (y - y1) * t1 + y * t2
    p_h = y1 * t1
    z = p_l + p_h
    # at exactly 1024 or -1075, the tail p_l decides
    if z >= 1024.0 and (z > 1024.0 or p_l + _OVT > z - p_h):
        return s * _HUGE * _HUGE  # overflow
    if z <= -1075.0 and (z < -1075.0 or p_l <= z - p_h):
        return s * _TINY * _TINY  # underflow

    # z = n + (p_h + p_l) with n the nearest integer (halves away from zero), |p_h + p_l| <= 0.5
    n = 0
    az = abs(z)
    if az >= _Z_ABOVE_HALF:
        # fdlibm adds 0.5 to the high word and masks; |z| < 2**11 makes this float floor exact
        t = float(_floor(az + 0.5))
        n = int(t)
        if z < 0.0:
            n = -n
            t = -t
        p_h -= t
    t = clear_low_word(p_l + p_h)
    u = t * _LG2_H
    v = (p_l - (t - p_h)) * _LG2 + t * _LG2_L
    z = u + v
    w = v - (z - u)
    t = z * z
    t1 = z - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    r = (z * t1) / ((t1 - 2.0) - (w + z * w))
    z = 1.0 - (r - z)
    # fdlibm adds n to the exponent field, or calls scalbn for a subnormal result: both are ldexp.
    return s * ldexp_or_inf(z, n)


def ldexp_or_inf(z: float, n: int) -> float:
    """z * 2**n as C's ldexp: infinity on overflow (ruled out where pow calls it, by the
    overflow test; but Python would raise). core.reference.jitmath compiles plain ldexp."""
    try:
        return _ldexp(z, n)
    except OverflowError:
        return _copysign(INF, z)


# ---------------------------------------------------------------------------
# __ieee754_rem_pio2 for |x| >= 2**19 * pi/2, via __kernel_rem_pio2 (e_rem_pio2.c, k_rem_pio2.c).

# 2/pi in 24-bit chunks
_TWO_OVER_PI = (
    0xA2F983, 0x6E4E44, 0x1529FC, 0x2757D1, 0xF534DD, 0xC0DB62, 0x95993C,
    0x439041, 0xFE5163, 0xABDEBB, 0xC561B7, 0x246E3A, 0x424DD2, 0xE00649,
    0x2EEA09, 0xD1921C, 0xFE1DEB, 0x1CB129, 0xA73EE8, 0x8235F5, 0x2EBB44,
    0x84E99C, 0x7026B4, 0x5F7E41, 0x3991D6, 0x398353, 0x39F49C, 0x845F8B,
    0xBDF928, 0x3B1FF8, 0x97FFDE, 0x05980F, 0xEF2F11, 0x8B5A0A, 0x6D1F6D,
    0x367ECF, 0x27CB09, 0xB74F46, 0x3F669E, 0x5FEA2D, 0x7527BA, 0xC7EBE5,
    0xF17B3D, 0x0739F7, 0x8A5292, 0xEA6BFB, 0x5FB11F, 0x8D5D08, 0x560330,
    0x46FC7B, 0x6BABF0, 0xCFBC20, 0x9AF436, 0x1DA9E3, 0x91615E, 0xE61B08,
    0x659985, 0x5F14A0, 0x68408D, 0xFFD880, 0x4D7327, 0x310606, 0x1556CA,
    0x73A8C9, 0x60E27B, 0xC08C6B,
)  # fmt: skip

# pi/2 in 24-bit chunks
_PIO2 = (
    1.57079625129699707031e00,
    7.54978941586159635335e-08,
    5.39030252995776476554e-15,
    3.28200341580791294123e-22,
    1.27065575308067607349e-29,
    1.22933308981111328932e-36,
    2.73370053816464559624e-44,
    2.16741683877804819444e-51,
)
_TWO24 = 16777216.0
_TWON24 = 5.96046447753906250000e-08


def rem_pio2_large(x: float) -> tuple[int, float, float]:
    """(n, y0, y1) with x - n*pi/2 = y0 + y1 for finite |x| >= 2**19 * pi/2."""
    ax = abs(x)
    # Split ax * 2**-e0 into three 24-bit integers; e0 = ilogb(ax) - 23
    e0 = _frexp(ax)[1] - 24
    z = _ldexp(ax, -e0)
    tx = [0.0, 0.0, 0.0]
    for i in range(2):
        tx[i] = float(int(z))
        z = (z - tx[i]) * _TWO24
    tx[2] = z
    nx = 3
    while tx[nx - 1] == 0.0:
        nx -= 1
    n, y0, y1 = _kernel_rem_pio2(tx, e0, nx)
    if x < 0.0:
        return -n, -y0, -y1
    return n, y0, y1


def _kernel_rem_pio2(x: list[float], e0: int, nx: int) -> tuple[int, float, float]:
    """fdlibm's __kernel_rem_pio2 at prec=2 (53-bit result in y0 + y1): (n & 7, y0, y1)."""
    ipio2 = _TWO_OVER_PI
    jk = 4  # init_jk[prec=2]
    jp = jk
    jx = nx - 1
    jv = max((e0 - 3) // 24, 0)
    q0 = e0 - 24 * (jv + 1)

    f = [0.0] * 20
    j = jv - jx
    for i in range(jx + jk + 1):
        f[i] = 0.0 if j < 0 else float(ipio2[j])
        j += 1
    q = [0.0] * 20
    for i in range(jk + 1):
        fw = 0.0
        for j in range(jx + 1):
            fw += x[j] * f[jx + i - j]
        q[i] = fw

    jz = jk
    iq = [0] * 20
    z = 0.0
    while True:  # fdlibm's "recompute:" label
        # distill q[] into iq[] reversingly
        z = q[jz]
        for i, j in enumerate(range(jz, 0, -1)):
            fw = float(int(_TWON24 * z))
            iq[i] = int(z - _TWO24 * fw)
            z = q[j - 1] + fw

        z = _ldexp(z, q0)
        z -= 8.0 * _floor(z * 0.125)  # trim off integer >= 8
        n = int(z)
        z -= float(n)
        ih = 0
        if q0 > 0:  # need iq[jz-1] to determine n
            i = iq[jz - 1] >> (24 - q0)
            n += i
            iq[jz - 1] -= i << (24 - q0)
            ih = iq[jz - 1] >> (23 - q0)
        elif q0 == 0:
            ih = iq[jz - 1] >> 23
        elif z >= 0.5:
            ih = 2

        if ih > 0:  # q > 0.5
            n += 1
            carry = 0
            for i in range(jz):  # compute 1-q
                j = iq[i]
                if carry == 0:
                    if j != 0:
                        carry = 1
                        iq[i] = 0x1000000 - j
                else:
                    iq[i] = 0xFFFFFF - j
            if q0 == 1:
                iq[jz - 1] &= 0x7FFFFF
            elif q0 == 2:
                iq[jz - 1] &= 0x3FFFFF
            if ih == 2:
                z = 1.0 - z
                if carry != 0:
                    z -= _ldexp(1.0, q0)

        if z == 0.0:
            j = 0
            for i in range(jz - 1, jk - 1, -1):
                j |= iq[i]
            if j == 0:  # need recomputation with more terms of 2/pi
                k = 1  # number of extra terms needed
                while k <= jk and iq[jk - k] == 0:
                    k += 1
                for i in range(jz + 1, jz + k + 1):
                    f[jx + i] = float(ipio2[jv + i])
                    fw = 0.0
                    for j in range(jx + 1):
                        fw += x[j] * f[jx + i - j]
                    q[i] = fw
                jz += k
                continue
        break

    # chop off zero terms
    if z == 0.0:
        jz -= 1
        q0 -= 24
        while iq[jz] == 0:
            jz -= 1
            q0 -= 24
    else:  # break z into 24-bit pieces if necessary
        z = _ldexp(z, -q0)
        if z >= _TWO24:
            fw = float(int(_TWON24 * z))
            iq[jz] = int(z - _TWO24 * fw)
            jz += 1
            q0 += 24
            iq[jz] = int(fw)
        else:
            iq[jz] = int(z)

    # convert integer "bit" chunks to floating-point values
    fw = _ldexp(1.0, q0)
    for i in range(jz, -1, -1):
        q[i] = fw * iq[i]
        fw *= _TWON24

    # fq[] = PIo2[0..jp] * q[jz..0]
    fq = [0.0] * 20
    for i in range(jz, -1, -1):
        fw = 0.0
        k = 0
        while k <= jp and k <= jz - i:
            fw += _PIO2[k] * q[i + k]
            k += 1
        fq[jz - i] = fw

    # compress fq[] into y0 + y1
    fw = 0.0
    for i in range(jz, -1, -1):
        fw += fq[i]
    y0 = fw if ih == 0 else -fw
    fw = fq[0] - fw
    for i in range(1, jz + 1):
        fw += fq[i]
    y1 = fw if ih == 0 else -fw
    return n & 7, y0, y1
