"""Stimulus kernels: external input added in phase 2 of the step it is given for (d = 0)."""
import numpy as np
from numba import njit

from simcore.base.kernels.rng import poisson


@njit(cache=True)
def current_array(b, t, values, start, buf):
    """``buf[b] += values[t - start, b or 0]`` while the array lasts (values ``(T, B or 1, N)``)."""
    k = t - start
    if k < 0 or k >= values.shape[0]:
        return
    bb = b if values.shape[1] > 1 else 0
    for i in range(buf.shape[1]):
        buf[b, i] += values[k, bb, i]


@njit(cache=True)
def step_current(b, t, amplitude, start, stop, buf):
    """``buf[b] += amplitude`` for ``start <= t < stop`` (``stop < 0``: no end)."""
    if t < start or (stop >= 0 and t >= stop):
        return
    for i in range(buf.shape[1]):
        buf[b, i] += amplitude[i]


@njit(cache=True)
def poisson_input(b, t, lam, exp_neg_lam, weight, state, buf):
    """``buf[b, i] += weight * Poisson(lam[i])``: many independent Poisson inputs in one draw."""
    for i in range(buf.shape[1]):
        k = poisson(state, b, lam[i], exp_neg_lam[i])
        if k > 0:
            buf[b, i] += weight[i] * k


@njit(cache=True)
def poisson_input_shared(b, t, cdf, weight, state, buf):
    """``buf[b, i] += weight * k``, ``k ~ Poisson(lam)`` with one ``lam`` for all neurons.

    Inversion over the precomputed ``cdf[k] = P(K <= k)`` (expected ``lam + 1``
    comparisons, no transcendental per draw); the generator state lives in
    registers for the whole population. Same stream as :func:`rng.uniform`.
    """
    s0 = state[b, 0]
    s1 = state[b, 1]
    last = cdf.shape[0] - 1
    for i in range(buf.shape[1]):
        result = s0 + s1
        s1 ^= s0
        s0 = ((s0 << np.uint64(24)) | (s0 >> np.uint64(40))) ^ s1 ^ (s1 << np.uint64(16))
        s1 = (s1 << np.uint64(37)) | (s1 >> np.uint64(27))
        u = (result >> np.uint64(11)) * (1.0 / 9007199254740992.0)
        k = 0
        while k < last and u > cdf[k]:
            k += 1
        if k > 0:
            buf[b, i] += weight * k
    state[b, 0] = s0
    state[b, 1] = s1
