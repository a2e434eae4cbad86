"""Per-sample random streams: xoroshiro128+ in Numba.

Every stochastic component (a Poisson source, a noisy neuron model) owns a
state array of shape ``(B, 2)`` uint64, one independent stream per sample, so
sample ``b`` draws the same numbers whatever the batch size and whatever the
number of threads (docs/contract.md §5). Streams are seeded from
``numpy.random.SeedSequence`` by :func:`simcore.base.random.stream_states`.
"""

import math

import numpy as np
from numba import njit

_U11 = np.uint64(11)
_U16 = np.uint64(16)
_INV_2_53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, inline="always")
def next_u64(state, b):
    """Advance stream ``b`` of ``state`` (B, 2) and return 64 random bits."""
    s0 = state[b, 0]
    s1 = state[b, 1]
    result = s0 + s1
    s1 ^= s0
    state[b, 0] = _rotl(s0, 24) ^ s1 ^ (s1 << _U16)
    state[b, 1] = _rotl(s1, 37)
    return result


@njit(cache=True, inline="always")
def uniform(state, b):
    """A float64 uniform on [0, 1) with 53 random bits."""
    return (next_u64(state, b) >> _U11) * _INV_2_53


@njit(cache=True)
def normal(state, b):
    """A standard normal draw (Box-Muller, one draw per call)."""
    u1 = uniform(state, b)
    u2 = uniform(state, b)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def poisson_small(state, b, lam, exp_neg_lam):
    """Poisson count by sequential inversion; exact for ``lam < 12``.

    ``exp_neg_lam`` is ``exp(-lam)``, precomputed once per neuron.
    """
    u = uniform(state, b)
    k = 0
    p = exp_neg_lam
    cdf = p
    k_max = int(10.0 * lam) + 60
    while u > cdf and k < k_max:
        k += 1
        p *= lam / k
        cdf += p
    return k


@njit(cache=True)
def poisson_ptrs(state, b, lam):
    """Poisson count by transformed rejection (Hoermann 1993, PTRS), ``lam >= 10``."""
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    bb = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * bb
    invalpha = 1.1239 + 1.1328 / (bb - 3.4)
    vr = 0.9277 - 3.6224 / (bb - 2.0)
    while True:
        u = uniform(state, b) - 0.5
        v = uniform(state, b)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + bb) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        lhs = math.log(v) + math.log(invalpha) - math.log(a / (us * us) + bb)
        if lhs <= -lam + k * loglam - math.lgamma(k + 1.0):
            return int(k)


@njit(cache=True, inline="always")
def poisson(state, b, lam, exp_neg_lam):
    """A Poisson count with mean ``lam`` (0 when ``lam == 0``)."""
    if lam <= 0.0:
        return 0
    if lam < 12.0:
        return poisson_small(state, b, lam, exp_neg_lam)
    return poisson_ptrs(state, b, lam)


# ----- jump-ahead: xoroshiro128+ advances its state by a linear map over GF(2)
# A 128 x 128 bit matrix is stored as its columns, ``(128, 2)`` uint64: column ``c`` is the image of the state
# with only bit ``c`` set (bits 0-63 in ``s0``, 64-127 in ``s1``). Jumping ``n`` draws is one matrix-vector
# product, so a shard or lane of a population can start at its own neuron's position in a shared stream.


@njit(cache=True, inline="always")
def apply_jump(mat, s0, s1):
    """The state ``(s0, s1)`` moved by the jump matrix ``mat`` (branch-free: a mask per bit)."""
    r0 = np.uint64(0)
    r1 = np.uint64(0)
    one = np.uint64(1)
    for c in range(64):
        m = np.uint64(0) - ((s0 >> np.uint64(c)) & one)
        r0 ^= mat[c, 0] & m
        r1 ^= mat[c, 1] & m
    for c in range(64):
        m = np.uint64(0) - ((s1 >> np.uint64(c)) & one)
        r0 ^= mat[64 + c, 0] & m
        r1 ^= mat[64 + c, 1] & m
    return r0, r1


@njit(cache=True)
def _compose(a, b):
    """The matrix of ``a`` after ``b``."""
    out = np.empty((128, 2), dtype=np.uint64)
    for c in range(128):
        out[c, 0], out[c, 1] = apply_jump(a, b[c, 0], b[c, 1])
    return out


@njit(cache=True)
def jump_matrix(n):
    """The matrix that advances a stream by ``n >= 0`` draws (``O(log n)`` matrix products)."""
    base = np.empty((128, 2), dtype=np.uint64)
    result = np.zeros((128, 2), dtype=np.uint64)
    one = np.uint64(1)
    state = np.zeros((1, 2), dtype=np.uint64)
    for c in range(128):
        state[0, 0] = one << np.uint64(c) if c < 64 else np.uint64(0)
        state[0, 1] = one << np.uint64(c - 64) if c >= 64 else np.uint64(0)
        result[c, 0] = state[0, 0]
        result[c, 1] = state[0, 1]
        next_u64(state, 0)
        base[c, 0] = state[0, 0]
        base[c, 1] = state[0, 1]
    while n > 0:
        if n & 1:
            result = _compose(base, result)
        n >>= 1
        if n > 0:
            base = _compose(base, base)
    return result


@njit(cache=True)
def jump_states(state, mat, out):
    """``out[b] = state[b]`` moved by ``mat``, for every sample ``b`` (``(B, 2)`` arrays)."""
    for b in range(state.shape[0]):
        out[b, 0], out[b, 1] = apply_jump(mat, state[b, 0], state[b, 1])
