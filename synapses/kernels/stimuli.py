"""Stimulus kernels: external input added in phase 2 of the step it is given for (d = 0)."""

import math

import numpy as np
from numba import njit

from simcore.base.kernels.rng import apply_jump, normal, poisson


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
def step_currents(b, t, steps, amplitudes, buf):
    """``buf[b] += amplitudes[k]`` where ``steps[k] <= t < steps[k+1]`` (nothing before ``steps[0]``)."""
    k = np.searchsorted(steps, t, side="right") - 1
    if k < 0:
        return
    for i in range(buf.shape[1]):
        buf[b, i] += amplitudes[k, i]


@njit(cache=True)
def noisy_current(b, t, start, stop, mean, decay, spread, x, state, buf):
    """Ornstein-Uhlenbeck current, exact step: ``x <- mean + (x - mean)*decay + spread*N(0, 1)``; ``buf += x``.

    ``decay = exp(-dt/tau)``, ``spread = sigma*sqrt(1 - decay**2)``; active for
    ``start <= t < stop`` (``stop < 0``: no end); one normal draw per neuron and
    active step from the sample's stream ``state``.
    """
    if t < start or (stop >= 0 and t >= stop):
        return
    for i in range(buf.shape[1]):
        xi = mean[i] + (x[b, i] - mean[i]) * decay[i] + spread[i] * normal(state, b)
        x[b, i] = xi
        buf[b, i] += xi


@njit(cache=True)
def sine_current(b, t, dt, start, stop, offset, amplitude, omega, phase, buf):
    """``buf[b] += offset + amplitude*sin(omega*t*dt + phase)`` for ``start <= t < stop`` (``omega`` in rad/ms)."""
    if t < start or (stop >= 0 and t >= stop):
        return
    time = t * dt
    for i in range(buf.shape[1]):
        buf[b, i] += offset[i] + amplitude[i] * math.sin(omega[i] * time + phase[i])


@njit(cache=True)
def poisson_input_timed(b, t, start, lam, exp_neg_lam, weight, state, buf):
    """``buf[b, i] += weight * Poisson(lam[t - start, i or 0])`` while the table lasts (an inhomogeneous rate)."""
    k = t - start
    if k < 0 or k >= lam.shape[0]:
        return
    shared = lam.shape[1] == 1
    for i in range(buf.shape[1]):
        j = 0 if shared else i
        n = poisson(state, b, lam[k, j], exp_neg_lam[k, j])
        if n > 0:
            buf[b, i] += weight[i] * n


# ----- one shard of the targets (simcore.base.shards)
@njit(cache=True)
def current_array_range(b, t, values, start, buf, lo, hi):
    """:func:`current_array` for the neurons ``lo <= i < hi``."""
    k = t - start
    if k < 0 or k >= values.shape[0]:
        return
    bb = b if values.shape[1] > 1 else 0
    for i in range(lo, hi):
        buf[b, i] += values[k, bb, i]


@njit(cache=True)
def step_current_range(b, t, amplitude, start, stop, buf, lo, hi):
    """:func:`step_current` for the neurons ``lo <= i < hi``."""
    if t < start or (stop >= 0 and t >= stop):
        return
    for i in range(lo, hi):
        buf[b, i] += amplitude[i]


# ----- Poisson drive over lanes: blocks of neurons with their own position in the sample's one stream
# The stream of a sample is walked by one table-inversion draw per neuron, neuron by neuron; lane ``j`` covers the
# neurons ``starts[j] <= i < starts[j + 1]`` and holds the state that stream has at its first neuron, so every
# neuron draws exactly the number it draws unsplit. After a step a lane jumps (``rng.apply_jump``) over the draws
# of the other lanes to its position in the next step. Four lanes per shard are stepped together: four
# independent generators keep the core busy where one is a chain of dependent instructions.
LANES = 4


@njit(cache=True, inline="always")
def _next(s0, s1):
    """One xoroshiro128+ draw: the new state and the 64-bit output."""
    result = s0 + s1
    s1 ^= s0
    s0 = ((s0 << np.uint64(24)) | (s0 >> np.uint64(40))) ^ s1 ^ (s1 << np.uint64(16))
    s1 = (s1 << np.uint64(37)) | (s1 >> np.uint64(27))
    return s0, s1, result


@njit(cache=True, inline="always")
def _invert(result, cdf, guide, last):
    """Poisson count of the draw ``result``: the first ``k`` with ``u <= cdf[k]`` (or ``last``), exactly.

    ``guide[g]`` (``g`` the top 10 bits of the draw, ``u >= g/1024``) is the
    first ``k`` with ``cdf[k] >= g/1024``: every earlier ``k`` has ``u > cdf[k]``,
    so starting the sequential search there gives the same ``k``.
    """
    u = (result >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    k = guide[result >> np.uint64(54)]
    while k < last and u > cdf[k]:
        k += 1
    return k


@njit(cache=True, inline="always")
def _add(buf, b, i, weight, k):
    if k > 0:
        buf[b, i] += weight * k


@njit(cache=True)
def poisson_lanes(b, sh, cdf, guide, weight, lanes, starts, jumps, jump_n, buf):
    """``buf[b, i] += weight * k``, ``k ~ Poisson(lam)`` (one ``lam``): the four lanes of shard ``sh`` together."""
    last = cdf.shape[0] - 1
    j = sh * LANES
    n0, n1, n2, n3, n4 = starts[j], starts[j + 1], starts[j + 2], starts[j + 3], starts[j + 4]
    p0, p1 = lanes[j, b, 0], lanes[j, b, 1]
    q0, q1 = lanes[j + 1, b, 0], lanes[j + 1, b, 1]
    r0, r1 = lanes[j + 2, b, 0], lanes[j + 2, b, 1]
    s0, s1 = lanes[j + 3, b, 0], lanes[j + 3, b, 1]
    m = min(n1 - n0, n2 - n1, n3 - n2, n4 - n3)
    for e in range(m):
        p0, p1, x = _next(p0, p1)
        q0, q1, y = _next(q0, q1)
        r0, r1, z = _next(r0, r1)
        s0, s1, v = _next(s0, s1)
        _add(buf, b, n0 + e, weight, _invert(x, cdf, guide, last))
        _add(buf, b, n1 + e, weight, _invert(y, cdf, guide, last))
        _add(buf, b, n2 + e, weight, _invert(z, cdf, guide, last))
        _add(buf, b, n3 + e, weight, _invert(v, cdf, guide, last))
    for i in range(n0 + m, n1):
        p0, p1, x = _next(p0, p1)
        _add(buf, b, i, weight, _invert(x, cdf, guide, last))
    for i in range(n1 + m, n2):
        q0, q1, y = _next(q0, q1)
        _add(buf, b, i, weight, _invert(y, cdf, guide, last))
    for i in range(n2 + m, n3):
        r0, r1, z = _next(r0, r1)
        _add(buf, b, i, weight, _invert(z, cdf, guide, last))
    for i in range(n3 + m, n4):
        s0, s1, v = _next(s0, s1)
        _add(buf, b, i, weight, _invert(v, cdf, guide, last))
    _store(lanes, jumps, jump_n, j, b, p0, p1)
    _store(lanes, jumps, jump_n, j + 1, b, q0, q1)
    _store(lanes, jumps, jump_n, j + 2, b, r0, r1)
    _store(lanes, jumps, jump_n, j + 3, b, s0, s1)


@njit(cache=True, inline="always")
def _store(lanes, jumps, jump_n, j, b, s0, s1):
    """Lane ``j`` of sample ``b`` jumps over the other lanes' draws of this step (none to jump: kept)."""
    if jump_n[j] > 0:
        s0, s1 = apply_jump(jumps[j], s0, s1)
    lanes[j, b, 0] = s0
    lanes[j, b, 1] = s1


@njit(cache=True)
def poisson_input_lane(b, sh, lam, exp_neg_lam, weight, lanes, starts, jumps, jump_n, buf):
    """:func:`poisson_input` for the neurons of lane ``sh`` (one lane per shard; every ``lam < 12``)."""
    state = lanes[sh]
    for i in range(starts[sh], starts[sh + 1]):
        k = poisson(state, b, lam[i], exp_neg_lam[i])
        if k > 0:
            buf[b, i] += weight[i] * k
    if jump_n[sh] > 0:
        state[b, 0], state[b, 1] = apply_jump(jumps[sh], state[b, 0], state[b, 1])
