"""``simcore.base.kernels.vexp``: the vectorisable exp is the C library's, bit for bit, and vectorises."""

import math
import platform

import numpy as np
import pytest
from numba import njit

from simcore.base.codegen import _function_fingerprint
from simcore.base.kernels.vexp import ORDINARY_LIMIT, _SCALE_BITS, _TAIL_BITS, exp_table, fdiv, vexp, vexp_ordinary

#: glibc >= 2.28 on x86-64 runs the algorithm vexp copies (its FMA build on CPUs with FMA)
GLIBC = platform.libc_ver()[0] == "glibc" and tuple(int(p) for p in platform.libc_ver()[1].split(".")[:2]) >= (2, 28)


def _has_fma() -> bool:
    try:
        with open("/proc/cpuinfo") as fh:
            return " fma " in fh.read()
    except OSError:
        return False


SAME_AS_LIBM = GLIBC and platform.machine() == "x86_64" and _has_fma()


@njit
def _vexp_all(x, out):
    for i in range(x.shape[0]):
        out[i] = vexp(x[i])


@njit
def _libm_all(x, out):
    for i in range(x.shape[0]):
        out[i] = math.exp(x[i])


@njit
def _ordinary_all(x, out):
    for i in range(x.shape[0]):
        out[i] = vexp_ordinary(x[i])


def _both(x):
    a, b = np.empty_like(x), np.empty_like(x)
    _vexp_all(x, a)
    _libm_all(x, b)
    return a, b


def _inputs(rng) -> np.ndarray:
    """Every region of the algorithm: the main path, the scaled special cases, subnormal results, the limits."""
    ranges = [(-1.0, 0.0), (-20.0, 20.0), (-512.0, 512.0), (-745.2, -700.0), (-1100.0, -500.0), (500.0, 1100.0)]
    parts = [rng.uniform(lo, hi, 100_000) for lo, hi in ranges]
    parts.append(rng.uniform(-1, 1, 100_000) * 2.0 ** rng.integers(-60, 10, 100_000))  # every exponent
    k = rng.integers(-90_000, 90_000, 20_000) + 0.5  # x N/ln2 next to a half-integer: the rounding of k
    x0 = k * (math.log(2) / 128)
    parts += [np.nextafter(x0, np.inf), x0, np.nextafter(x0, -np.inf)]
    specials = [0.0, -0.0, 5e-324, -5e-324, 2.0**-54, -(2.0**-54), 512.0, -512.0, np.nextafter(512.0, 0.0), 1024.0]
    specials += [-1024.0, 709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -708.4]
    specials += [1e308, -1e308, np.inf, -np.inf, np.nan]
    return np.concatenate(parts + [np.array(specials)])


def test_tables_are_the_exact_powers_of_two_rounded():
    tails, scales = exp_table()
    assert tails == _TAIL_BITS.tolist() and scales == _SCALE_BITS.tolist()


@pytest.mark.skipif(not SAME_AS_LIBM, reason="the C library's exp is another implementation here")
def test_vexp_is_the_c_library_exp_bit_for_bit(rng):
    a, b = _both(_inputs(rng))
    same = (a.view(np.uint64) == b.view(np.uint64)) | (np.isnan(a) & np.isnan(b))
    assert same.all(), f"{(~same).sum()} differ, first at x = {_inputs(rng)[~same][:3]}"


def test_vexp_within_one_ulp_of_exp_and_the_limits(rng):
    x = _inputs(rng)
    a, b = _both(x)
    finite = np.isfinite(b) & (b > 1e-300)
    assert np.all(np.abs(a[finite] - b[finite]) <= np.spacing(b[finite]))
    limits = _both(np.array([0.0, 1.0, 710.0, -746.0, 2000.0, -2000.0, np.inf, -np.inf, np.nan]))[0]
    assert limits[0] == 1.0 and abs(limits[1] - math.e) <= np.spacing(math.e)
    assert limits[2] == np.inf and limits[3] == 0.0 and limits[4] == np.inf and limits[5] == 0.0
    assert limits[6] == np.inf and limits[7] == 0.0 and np.isnan(limits[8])


def test_vexp_ordinary_is_vexp_bit_for_bit_in_the_ordinary_range(rng):
    # |x| < 512: none of glibc's special cases, the same operations; the last doubles below the limit included
    x = _inputs(rng)
    edge = np.nextafter(ORDINARY_LIMIT, 0.0)
    edges = [edge, -edge, np.nextafter(edge, 0.0), -np.nextafter(edge, 0.0)]
    x = np.concatenate([x[np.abs(x) < ORDINARY_LIMIT], edges])
    a, b = np.empty_like(x), np.empty_like(x)
    _ordinary_all(x, a)
    _vexp_all(x, b)
    assert x.size > 400_000 and np.array_equal(a.view(np.uint64), b.view(np.uint64))


def test_vexp_ordinary_needs_the_range_check_outside_it():
    # outside the range the special cases matter: where exp overflows, is subnormal or zero, the fast formula
    # alone is wrong (its scale leaves the exponent range), so callers must check the range first
    x = np.array([710.0, -709.0, -740.0, 1e4, -1e4, np.inf, -np.inf])
    a, b = np.empty_like(x), np.empty_like(x)
    _ordinary_all(x, a)
    _vexp_all(x, b)
    assert not np.any(a.view(np.uint64) == b.view(np.uint64))


def test_fdiv_divides_as_ieee_without_raising():
    @njit
    def div(a, b):
        return fdiv(a, b)

    assert div(1.0, 3.0) == 1.0 / 3.0
    assert div(1.0, 0.0) == np.inf and div(-1.0, 0.0) == -np.inf and np.isnan(div(0.0, 0.0))


def test_kernel_fingerprint_follows_the_helpers_a_phase_function_calls():
    # Numba's cache checks only a function's own file: the generated kernel's name must change with vexp
    import simcore as sc

    text = _function_fingerprint(sc.LIFCondExp(2).phase_functions()["integrate"])
    assert "def _membrane(" in text and "def vexp(" in text
    # a function handed to a helper as an argument (the fast path's exp) is followed as well
    for model in (sc.LIFCondExp, sc.LIFCondAlpha, sc.AdExCondExp):
        text = _function_fingerprint(model(2).phase_functions()["integrate_fast"])
        assert "def vexp_ordinary(" in text and "def _reduce(" in text
        assert "def membrane_ordinary(" in _function_fingerprint(model(2).phase_functions()["fast_when"])
