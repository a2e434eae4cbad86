"""Stimulus kernels: external input added in phase 2 of the step it is given for (d = 0)."""
import math

import numpy as np
from numba import njit

from simcore.base.kernels.rng import normal, poisson


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
