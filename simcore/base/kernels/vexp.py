"""``vexp(x)``: ``exp`` that LLVM can vectorise, bit for bit the C library's (glibc 2.28+, FMA build).

``math.exp`` inside a Numba loop is a call into the C library, so a loop that
calls it runs one element at a time. ``vexp`` is the same algorithm written
in Numba (Szabolcs Nagy's, in glibc since 2.28 and in ARM's optimized-routines),
with the fused multiply-adds glibc's FMA build (``__exp_fma``, chosen on every
x86-64 CPU with FMA) executes, so it returns the very same double for every
input while the loop around it can run 8 (AVX-512) or 4 (AVX2) elements at
once. The algorithm, with ``N = 128``::

    k  = round(x N / ln 2)                     (fma(x, N/ln2, 1.5 * 2^52) - 1.5 * 2^52)
    r  = x - k ln2/N                           (two fmas, ln2/N split in hi + lo)
    2^(k/N) = 2^floor(k/N) * H[k mod N] (1 + T[k mod N])      (a 128-entry table)
    exp(x) ~= s + s (T + r + r^2 (C2 + r C3) + r^4 (C4 + r C5)),   s = 2^floor(k/N) H

``H[j]`` is ``2^(j/N)`` rounded to a double and ``T[j]`` the relative rest,
``(2^(j/N) - H[j]) / H[j]``, rounded; :func:`exp_table` recomputes both from
exact decimal arithmetic (tests/simcore/test_vexp.py checks them). For
``|x| >= 512`` the scale would leave the exponent range, and the special-case
path of glibc is followed: the scale is moved by ``2^+-1009`` / ``2^-1022``,
and a result in the subnormal range is rounded once. ``x >= 1024`` gives
``inf``, ``x <= -1024`` gives ``0``, ``nan`` gives ``nan``. Every branch is a
select of arithmetic on both sides, so LLVM if-converts it.

``vexp`` is compiled on its own, without fast-math flags, and marked
``forceinline`` (LLVM's ``alwaysinline``), so LLVM puts its instructions, with
their own flags, into the loop that calls it: a fast-math caller
(``run(fastmath=True)``) cannot reassociate ``(x N/ln2 + 1.5 * 2^52) - 1.5 *
2^52``, the rounding to an integer the algorithm rests on. (Numba's
``inline="always"`` would copy the source into the caller and give it the
caller's flags.)

The table is a module constant: Numba embeds it into the compiled code as a
read-only global (a table passed as an argument could alias the arrays the
loop stores to, and LLVM then refuses to vectorise the indexed load).

Accuracy: the C library's, < 0.51 ulp. Platforms whose ``exp`` is another
implementation (macOS, Windows, glibc's non-FMA build) round a few last bits
differently from ``vexp``; results of a model using ``vexp`` are then the
same on every platform.
"""

import math
from fractions import Fraction

import numpy as np
from numba import config, njit, types
from numba.extending import intrinsic

#: N/ln 2; -ln 2/N split in a high part (its last 12 bits zero) and a low part; 1.5 * 2^52 (rounds to integer)
INV_LN2_N = float.fromhex("0x1.71547652b82fep7")
NEG_LN2_HI_N = float.fromhex("-0x1.62e42fefa0000p-8")
NEG_LN2_LO_N = float.fromhex("-0x1.cf79abc9e3b3ap-47")
SHIFT = float.fromhex("0x1.8p52")
#: exp(r) - 1 - r ~= C2 r^2 + C3 r^3 + C4 r^4 + C5 r^5 on |r| <= ln 2/256
C2 = float.fromhex("0x1.ffffffffffdbdp-2")
C3 = float.fromhex("0x1.555555555543cp-3")
C4 = float.fromhex("0x1.55555cf172b91p-5")
C5 = float.fromhex("0x1.1111167a4d017p-7")
#: table size N = 2^7
TABLE_BITS = 7
#: below this ``|x|`` vexp takes none of glibc's special cases: :func:`vexp_ordinary` is exact there
ORDINARY_LIMIT = 512.0
#: the special cases (|x| >= 512): the scale's exponent moved by -1009 or +1022, and moved back
_UP_SHIFT = -(1009 << 52)
_DOWN_SHIFT = 1022 << 52
_TWO_1009 = float.fromhex("0x1p1009")
_TWO_M1022 = float.fromhex("0x1p-1022")

# fmt: off
#: bits of T[j], j = 0 .. 127 (exp_table recomputes them)
_TAIL_BITS = np.array(
    [
        0x0000000000000000, 0x3C9B3B4F1A88BF6E, 0xBC7160139CD8DC5D, 0xBC905E7A108766D1,
        0x3C8CD2523567F613, 0xBC8BCE8023F98EFA, 0x3C60F74E61E6C861, 0x3C90A3E45B33D399,
        0x3C979AA65D837B6D, 0x3C8EB51A92FDEFFC, 0x3C3EBE3D702F9CD1, 0xBC6A033489906E0B,
        0xBC9556522A2FBD0E, 0xBC5080EF8C4EEA55, 0xBC91C923B9D5F416, 0x3C80D3E3E95C55AF,
        0xBC801B15EAA59348, 0xBC8F1FF055DE323D, 0x3C8B898C3F1353BF, 0xBC96D99C7611EB26,
        0x3C9AECF73E3A2F60, 0xBC8FE782CB86389D, 0x3C8A6F4144A6C38D, 0x3C807A05B0E4047D,
        0x3C968EFDE3A8A894, 0x3C875E18F274487D, 0x3C80472B981FE7F2, 0xBC96B87B3F71085E,
        0x3C82F7E16D09AB31, 0xBC3D219B1A6FBFFA, 0x3C8B3782720C0AB4, 0x3C6E149289CECB8F,
        0x3C834D754DB0ABB6, 0x3C864201E2AC744C, 0x3C8FDD395DD3F84A, 0xBC86A3803B8E5B04,
        0xBC924AEDCC4B5068, 0xBC9907F81B512D8E, 0xBC71D1E83E9436D2, 0xBC991919B3CE1B15,
        0x3C859F48A72A4C6D, 0xBC9312607A28698A, 0xBC58A78F4817895B, 0xBC7C2C9B67499A1B,
        0x3C4363ED60C2AC11, 0x3C9666093B0664EF, 0x3C6ECCE1DAA10379, 0x3C93FF8E3F0F1230,
        0x3C7690CEBB7AAFB0, 0x3C931DBDEB54E077, 0xBC8F94340071A38E, 0xBC87DECCDC93A349,
        0xBC78DEC6BD0F385F, 0xBC861246EC7B5CF6, 0x3C93350518FDD78E, 0x3C7B98B72F8A9B05,
        0x3C9063E1E21C5409, 0x3C34C7855019C6EA, 0x3C9432E62B64C035, 0xBC8CE44A6199769F,
        0xBC8C33C53BEF4DA8, 0xBC845378892BE9AE, 0xBC93CEDD78565858, 0x3C5710AA807E1964,
        0xBC93B3EFBF5E2228, 0xBC6A12AD8734B982, 0xBC6367EFB86DA9EE, 0xBC80DC3D54E08851,
        0xBC781F647E5A3ECF, 0xBC86EE4AC08B7DB0, 0xBC8619321E55E68A, 0x3C909CCB5E09D4D3,
        0xBC7B32DCB94DA51D, 0x3C94ECFD5467C06B, 0x3C65EBE1ABD66C55, 0xBC88A1C52FB3CF42,
        0xBC9369B6F13B3734, 0xBC805E843A19FF1E, 0xBC94D450D872576E, 0x3C90AD675B0E8A00,
        0x3C8DB72FC1F0EAB4, 0xBC65B6609CC5E7FF, 0x3C7BF68359F35F44, 0xBC93091FA71E3D83,
        0xBC5DA9B88B6C1E29, 0xBC6C23F97C90B959, 0xBC92434322F4F9AA, 0xBC85CA6CD7668E4B,
        0x3C71AFFC2B91CE27, 0x3C6DD235E10A73BB, 0xBC87C50422622263, 0x3C8B1C86E3E231D5,
        0xBC91BBD1D3BCBB15, 0x3C90CC319CEE31D2, 0x3C8469846E735AB3, 0xBC82DFCD978E9DB4,
        0x3C8C1A7792CB3387, 0xBC907B8F4AD1D9FA, 0xBC55C3D956DCAEBA, 0xBC90A40E3DA6F640,
        0xBC68D6F438AD9334, 0xBC91EEE26B588A35, 0x3C74FFD70A5FDDCD, 0xBC91BDFBFA9298AC,
        0x3C736EAE30AF0CB3, 0x3C8EE3325C9FFD94, 0x3C84E08FD10959AC, 0x3C63CDAF384E1A67,
        0x3C676B2C6C921968, 0xBC808A1883CCB5D2, 0xBC8FAD5D3FFFFA6F, 0xBC900DAE3875A949,
        0x3C74A385A63D07A7, 0xBC82919E2040220F, 0x3C8E5A50D5C192AC, 0x3C843A59AC016B4B,
        0xBC82D52107B43E1F, 0xBC892AB93B470DC9, 0x3C74B604603A88D3, 0x3C83C5EC519D7271,
        0xBC8FF7128FD391F0, 0xBC8DAE98E223747D, 0x3C8EC3BC41AA2008, 0x3C842B94C3A9EB32,
        0x3C8A64A931D185EE, 0xBC8E37BAE43BE3ED, 0x3C77893B4D91CD9D, 0x3C5305C14160CC89,
    ],
    dtype=np.uint64,
)
#: bits of H[j] minus j << 45 (the exponent k/N adds back), j = 0 .. 127
_SCALE_BITS = np.array(
    [
        0x3FF0000000000000, 0x3FEFF63DA9FB3335, 0x3FEFEC9A3E778061, 0x3FEFE315E86E7F85,
        0x3FEFD9B0D3158574, 0x3FEFD06B29DDF6DE, 0x3FEFC74518759BC8, 0x3FEFBE3ECAC6F383,
        0x3FEFB5586CF9890F, 0x3FEFAC922B7247F7, 0x3FEFA3EC32D3D1A2, 0x3FEF9B66AFFED31B,
        0x3FEF9301D0125B51, 0x3FEF8ABDC06C31CC, 0x3FEF829AAEA92DE0, 0x3FEF7A98C8A58E51,
        0x3FEF72B83C7D517B, 0x3FEF6AF9388C8DEA, 0x3FEF635BEB6FCB75, 0x3FEF5BE084045CD4,
        0x3FEF54873168B9AA, 0x3FEF4D5022FCD91D, 0x3FEF463B88628CD6, 0x3FEF3F49917DDC96,
        0x3FEF387A6E756238, 0x3FEF31CE4FB2A63F, 0x3FEF2B4565E27CDD, 0x3FEF24DFE1F56381,
        0x3FEF1E9DF51FDEE1, 0x3FEF187FD0DAD990, 0x3FEF1285A6E4030B, 0x3FEF0CAFA93E2F56,
        0x3FEF06FE0A31B715, 0x3FEF0170FC4CD831, 0x3FEEFC08B26416FF, 0x3FEEF6C55F929FF1,
        0x3FEEF1A7373AA9CB, 0x3FEEECAE6D05D866, 0x3FEEE7DB34E59FF7, 0x3FEEE32DC313A8E5,
        0x3FEEDEA64C123422, 0x3FEEDA4504AC801C, 0x3FEED60A21F72E2A, 0x3FEED1F5D950A897,
        0x3FEECE086061892D, 0x3FEECA41ED1D0057, 0x3FEEC6A2B5C13CD0, 0x3FEEC32AF0D7D3DE,
        0x3FEEBFDAD5362A27, 0x3FEEBCB299FDDD0D, 0x3FEEB9B2769D2CA7, 0x3FEEB6DAA2CF6642,
        0x3FEEB42B569D4F82, 0x3FEEB1A4CA5D920F, 0x3FEEAF4736B527DA, 0x3FEEAD12D497C7FD,
        0x3FEEAB07DD485429, 0x3FEEA9268A5946B7, 0x3FEEA76F15AD2148, 0x3FEEA5E1B976DC09,
        0x3FEEA47EB03A5585, 0x3FEEA34634CCC320, 0x3FEEA23882552225, 0x3FEEA155D44CA973,
        0x3FEEA09E667F3BCD, 0x3FEEA012750BDABF, 0x3FEE9FB23C651A2F, 0x3FEE9F7DF9519484,
        0x3FEE9F75E8EC5F74, 0x3FEE9F9A48A58174, 0x3FEE9FEB564267C9, 0x3FEEA0694FDE5D3F,
        0x3FEEA11473EB0187, 0x3FEEA1ED0130C132, 0x3FEEA2F336CF4E62, 0x3FEEA427543E1A12,
        0x3FEEA589994CCE13, 0x3FEEA71A4623C7AD, 0x3FEEA8D99B4492ED, 0x3FEEAAC7D98A6699,
        0x3FEEACE5422AA0DB, 0x3FEEAF3216B5448C, 0x3FEEB1AE99157736, 0x3FEEB45B0B91FFC6,
        0x3FEEB737B0CDC5E5, 0x3FEEBA44CBC8520F, 0x3FEEBD829FDE4E50, 0x3FEEC0F170CA07BA,
        0x3FEEC49182A3F090, 0x3FEEC86319E32323, 0x3FEECC667B5DE565, 0x3FEED09BEC4A2D33,
        0x3FEED503B23E255D, 0x3FEED99E1330B358, 0x3FEEDE6B5579FDBF, 0x3FEEE36BBFD3F37A,
        0x3FEEE89F995AD3AD, 0x3FEEEE07298DB666, 0x3FEEF3A2B84F15FB, 0x3FEEF9728DE5593A,
        0x3FEEFF76F2FB5E47, 0x3FEF05B030A1064A, 0x3FEF0C1E904BC1D2, 0x3FEF12C25BD71E09,
        0x3FEF199BDD85529C, 0x3FEF20AB5FFFD07A, 0x3FEF27F12E57D14B, 0x3FEF2F6D9406E7B5,
        0x3FEF3720DCEF9069, 0x3FEF3F0B555DC3FA, 0x3FEF472D4A07897C, 0x3FEF4F87080D89F2,
        0x3FEF5818DCFBA487, 0x3FEF60E316C98398, 0x3FEF69E603DB3285, 0x3FEF7321F301B460,
        0x3FEF7C97337B9B5F, 0x3FEF864614F5A129, 0x3FEF902EE78B3FF6, 0x3FEF9A51FBC74C83,
        0x3FEFA4AFA2A490DA, 0x3FEFAF482D8E67F1, 0x3FEFBA1BEE615A27, 0x3FEFC52B376BBA97,
        0x3FEFD0765B6E4540, 0x3FEFDBFDAD9CBE14, 0x3FEFE7C1819E90D8, 0x3FEFF3C22B8F71F1,
    ],
    dtype=np.uint64,
)
# fmt: on

_TAIL = _TAIL_BITS.view(np.float64)
_SCALE = _SCALE_BITS.view(np.int64)


def exp_table(bits: int = TABLE_BITS) -> tuple:
    """``(T, H)`` bits as Python ints: ``H[j] = 2^(j/N)`` rounded, ``T[j] = (2^(j/N) - H[j]) / H[j]`` rounded.

    Exact decimal arithmetic (60 digits), then one rounding to double each;
    the second list holds the bits of ``H[j]`` minus ``j << (52 - bits)``, as
    the kernel adds the exponent ``k`` back. Used by the tests to check the
    literal tables above.
    """
    import struct
    from decimal import Decimal, localcontext

    def as_bits(value: float) -> int:
        return struct.unpack("<Q", struct.pack("<d", value))[0]

    n, tails, scales = 1 << bits, [], []
    with localcontext() as ctx:
        ctx.prec = 60
        for j in range(n):
            exact = Decimal(2) ** (Decimal(j) / n)
            h = float(exact)
            tails.append(as_bits(float((exact - Decimal(h)) / Decimal(h))))
            scales.append((as_bits(h) - (j << (52 - bits))) % (1 << 64))
    return tails, scales


@intrinsic
def fma(typingctx, a, b, c):
    """``a * b + c`` rounded once (LLVM's ``llvm.fma.f64``; one instruction where the CPU has FMA)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


@intrinsic
def fdiv(typingctx, a, b):
    """``a / b`` as IEEE 754 divides: ``inf`` or ``nan`` for ``b = 0`` instead of a ZeroDivisionError.

    Numba's ``/`` on floats tests the divisor and raises, a branch out of the
    loop that stops LLVM from vectorising it; this is the bare instruction.
    """
    sig = types.float64(types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fdiv(*args)

    return sig, codegen


@intrinsic
def float_bits(typingctx, x):
    """The 64 bits of the double ``x`` as an int64 (a bit cast, no conversion)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


@intrinsic
def bits_float(typingctx, u):
    """The double whose 64 bits are the int64 ``u`` (a bit cast, no conversion)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


if config.DISABLE_JIT:  # NUMBA_DISABLE_JIT=1: the kernels run as Python, where an intrinsic cannot be called

    def fma(a, b, c):
        """``a * b + c`` rounded once: exact rational arithmetic, then one correct rounding."""
        if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
            return a * b + c
        exact = Fraction(a) * Fraction(b) + Fraction(c)
        if exact == 0:  # the sign of an exact zero: that of a*b + c in IEEE arithmetic
            return a * b + c
        return float(exact)

    def fdiv(a, b):
        """``a / b`` with IEEE 754 semantics (``inf`` or ``nan`` for ``b = 0``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.float64(a) / np.float64(b))

    def float_bits(x):
        """The 64 bits of the double ``x`` as an int."""
        return int(np.array(x, np.float64).view(np.int64))

    def bits_float(u):
        """The double whose 64 bits are ``u`` taken modulo 2^64 (Numba's int64 arithmetic wraps; Python's grows)."""
        return float(np.array(int(u) & 0xFFFFFFFFFFFFFFFF, np.uint64).view(np.float64))

    _SCALE = tuple(int(v) for v in _SCALE_BITS.view(np.int64))  # Python ints: the sums may leave int64 range


@njit(cache=True, forceinline=True)
def vexp(x):
    """``exp(x)`` for a float64 ``x``, bit for bit glibc's (module docstring); no call, branches LLVM if-converts.

    For ``|x| >= 512`` glibc's special case: the scale's exponent is moved by
    ``-1009`` (``x > 0``, the result multiplied back by ``2^1009``, overflowing
    to ``inf``) or by ``+1022`` (``x < 0``: ``s + s*tmp`` rounded twice, a
    subnormal result rounded once more through ``1 + y``, then ``2^-1022``).
    """
    ax = abs(x)
    xr = x if ax < 1024.0 else 0.0  # also nan; keeps k in range, the result is replaced below
    ki, tmp, table = _reduce(xr)
    up, down = x >= 512.0, x <= -512.0
    shift = _UP_SHIFT if up else (_DOWN_SHIFT if down else 0)
    scale = bits_float(table + (ki << (52 - TABLE_BITS)) + shift)
    if not down:
        y = fma(scale, tmp, scale) * (_TWO_1009 if up else 1.0)
    else:
        y = _exp_down(scale, tmp)
    if ax < 1024.0:
        return y
    if x != x:
        return 1.0 + x
    return np.inf if x > 0.0 else 0.0


@njit(cache=True, forceinline=True)
def vexp_ordinary(x):
    """``exp(x)`` for ``|x| < ORDINARY_LIMIT`` (512): :func:`vexp` bit for bit there, without its special cases.

    About a third cheaper in a vectorised loop (the ~25 instructions per
    vector that compute glibc's special cases for every lane are gone). For
    ``|x| >= 512``, ``inf`` or ``nan`` the result is meaningless, so a caller
    checks the range first (``abs(x) < ORDINARY_LIMIT``, false for ``nan``)
    and takes :func:`vexp` when it fails: ``neurons`` models do so through
    ``fast_when`` and ``integrate_fast`` (``neurons/base.py``)::

        exp(x) = s + s tmp,   s = 2^floor(k/N) H[k mod N]   (one fma; no rescaling)
    """
    ki, tmp, table = _reduce(x)
    scale = bits_float(table + (ki << (52 - TABLE_BITS)))
    return fma(scale, tmp, scale)


@njit(cache=True, forceinline=True)
def _reduce(x):
    """``(k, tmp, bits of H[k mod N] minus (k mod N) << 45)`` of ``x`` (module docstring): the common part.

    ``k = round(x N/ln 2)`` as the integer in the low bits of ``ki``,
    ``tmp = T[j] + r + r^2 (C2 + r C3) + r^4 (C4 + r C5)`` with ``j = k mod N``.
    """
    kd = fma(INV_LN2_N, x, SHIFT)
    ki = float_bits(kd)
    kd = kd - SHIFT
    r = fma(kd, NEG_LN2_LO_N, fma(kd, NEG_LN2_HI_N, x))
    j = ki & ((1 << TABLE_BITS) - 1)
    r2 = r * r
    tmp = fma(r2 * r2, fma(r, C5, C4), fma(r2, fma(r, C3, C2), _TAIL[j] + r))
    return ki, tmp, _SCALE[j]


@njit(cache=True, inline="always")
def _exp_down(scale, tmp):
    """glibc's ``specialcase`` for ``k < 0``: ``scale * tmp`` rounded once and used twice, subnormals rounded once."""
    scale_tmp = scale * tmp
    y = scale + scale_tmp
    if y < 1.0:
        lo = scale - y + scale_tmp
        hi = 1.0 + y
        lo = 1.0 - hi + y + lo
        y = (hi + lo) - 1.0
        y = 0.0 if y == 0.0 else y  # no -0.0
    return _TWO_M1022 * y
