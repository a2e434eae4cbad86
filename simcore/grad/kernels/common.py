"""Spike functions, surrogate derivatives and the projection kernels shared by
all dense-mode layers (docs/contract.md §4).

Spike-function codes (``SpikeSpec.mode``): 0 Heaviside ``H(x) = x >= 0``;
1 smooth sigmoid ``sigmoid(k*x)`` in the forward pass with its exact
derivative in the backward pass (used by the finite-difference checks).

Surrogate codes (``SpikeSpec.surrogate``), with parameter ``p``:
0 ``fast_sigmoid``: ``1 / (1 + p|x|)^2``; 1 ``triangle``: ``p*max(0, 1-|x|)``;
2 ``arctan``: ``(p/2) / (1 + (pi*p*x/2)^2)``; 3 ``clamp_ramp``:
``min(max(x + 1, 0), 1)``.
"""

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange


class SpikeSpec(NamedTuple):
    """Spike function and surrogate, as plain numbers for the kernels."""

    mode: int  # 0 heaviside, 1 sigmoid
    k: float  # sigmoid steepness (mode 1)
    surrogate: int  # 0 fast_sigmoid, 1 triangle, 2 arctan, 3 clamp_ramp
    p: float  # surrogate parameter (k, g or a)


class RecPlan(NamedTuple):
    """Recurrent connectivity of one layer with per-source delays.

    ``W`` is ``(N, N)`` (source, target).  ``order`` lists the sources by
    delay descending, then index ascending (the event engine's summation
    order: earliest spike step first).  For the backward pass the sources are
    grouped by delay: group ``g`` has delay ``gdelay[g]``, sources
    ``gcols[gstart[g]:gstart[g+1]]`` and the transposed block
    ``W[cols, :].T`` stored contiguously in ``wt_flat[woff[g]:...]``.
    """

    active: bool
    W: np.ndarray
    delays: np.ndarray
    order: np.ndarray
    gdelay: np.ndarray
    gstart: np.ndarray
    gcols: np.ndarray
    woff: np.ndarray
    wt_flat: np.ndarray


@njit(cache=True, inline="always")
def spike_value(x, spec):
    """Forward spike function ``H(x)`` or ``sigmoid(k*x)`` (float64)."""
    if spec.mode == 0:
        return 1.0 if x >= 0 else 0.0
    z = spec.k * x
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True, inline="always")
def spike_grad(x, spec):
    """Derivative used in the backward pass: the surrogate, or the exact
    sigmoid derivative ``k*sig*(1-sig)`` in mode 1."""
    if spec.mode == 1:
        z = spec.k * x
        if z >= 0:
            sg = 1.0 / (1.0 + math.exp(-z))
        else:
            e = math.exp(z)
            sg = e / (1.0 + e)
        return spec.k * sg * (1.0 - sg)
    s = spec.surrogate
    p = spec.p
    if s == 0:
        d = 1.0 + p * abs(x)
        return 1.0 / (d * d)
    if s == 1:
        return p * max(0.0, 1.0 - abs(x))
    if s == 2:
        z = math.pi * p * x / 2.0
        return (p / 2.0) / (1.0 + z * z)
    return min(max(x + 1.0, 0.0), 1.0)


@njit(cache=True, inline="always")
def add_recurrent(cur, vals, t, b, rec):
    """``cur[i] += W[j, i] * vals[t - d_j, b, j]`` over nonzero sources in the
    event engine's order (spike step ascending, then source index)."""
    W = rec.W
    N = W.shape[1]
    order = rec.order
    delays = rec.delays
    for jj in range(order.shape[0]):
        j = order[jj]
        tt = t - delays[j]
        if tt >= 0:
            v = vals[tt, b, j]
            if v != 0:
                for i in range(N):
                    cur[i] += W[j, i] * v


@njit(cache=True, inline="always")
def _small_gemm(a, wt, out):
    """``out = a @ wt`` in axpy order (rows of ``wt`` scaled and added, the
    inner loop contiguous, so LLVM vectorises it without reassociating a
    reduction); for the per-step products too small for threaded BLAS."""
    M, K = a.shape
    n = wt.shape[1]
    for r in range(M):
        for c in range(n):
            out[r, c] = 0
        for k in range(K):
            v = a[r, k]
            if v != 0:
                for c in range(n):
                    out[r, c] += v * wt[k, c]


@njit(cache=True)
def recurrent_grad_step(gI, t, rec, gsrec, tmp_flat, block_flat, kmax):
    """``gsrec[b, j] = sum_i W[j, i] * gI[t + d_j, b, i]`` (zero when
    ``t + d_j >= T``), by BLAS products per delay group.

    A group with delay ``d > 1`` is computed for ``K = min(d, kmax)`` steps
    at once (one product of ``K*B`` rows, possible because those ``gI`` rows
    all lie ``>= K`` steps ahead), kept in ``block_flat`` (size
    ``kmax*B*N``); a delay-1 group needs one ``(B, N) x (N, n_g)`` product
    per step.  The reverse loop visits ``t = T-1, T-2, ...``; blocks are
    aligned on ``T-1``.
    """
    T = gI.shape[0]
    B = gI.shape[1]
    N = gI.shape[2]
    G = rec.gdelay.shape[0]
    for g in range(G):
        c0 = rec.gstart[g]
        c1 = rec.gstart[g + 1]
        ng = c1 - c0
        d = rec.gdelay[g]
        wt = rec.wt_flat[rec.woff[g] : rec.woff[g] + N * ng].reshape(N, ng)
        K = min(d, kmax)
        if K == 1:
            tt = t + d
            if tt < T:
                out = tmp_flat[: B * ng].reshape(B, ng)
                _small_gemm(gI[tt], wt, out)
                for b in range(B):
                    for c in range(ng):
                        gsrec[b, rec.gcols[c0 + c]] = out[b, c]
            else:
                for b in range(B):
                    for c in range(ng):
                        gsrec[b, rec.gcols[c0 + c]] = 0
            continue
        top = T - 1 - ((T - 1 - t) // K) * K
        lo = max(top - K + 1, 0)
        hi = min(top, T - 1 - d)
        off = kmax * B * c0
        if t == top and hi >= lo:
            rows = (hi - lo + 1) * B
            a = gI[lo + d : hi + d + 1].reshape(rows, N)
            out = block_flat[off : off + rows * ng].reshape(rows, ng)
            np.dot(a, wt, out)
        if t + d < T:
            base = off + (t - lo) * B * ng
            for b in range(B):
                for c in range(ng):
                    gsrec[b, rec.gcols[c0 + c]] = block_flat[base + b * ng + c]
        else:
            for b in range(B):
                for c in range(ng):
                    gsrec[b, rec.gcols[c0 + c]] = 0


@njit(cache=True, parallel=True)
def sparse_project(vals, W, delay, I):
    """``I[t, b, i] = sum_j vals[t - delay, b, j] * W[j, i]``, summed from zero
    over nonzero sources in ascending index (the event engine's order for
    one projection with a single delay)."""
    T, B, n_in = vals.shape
    N = W.shape[1]
    for b in prange(B):
        for t in range(T):
            for i in range(N):
                I[t, b, i] = 0
            tt = t - delay
            if tt >= 0:
                for j in range(n_in):
                    v = vals[tt, b, j]
                    if v != 0:
                        for i in range(N):
                            I[t, b, i] += W[j, i] * v


@njit(cache=True, parallel=True)
def delayed_outer_grad(vals, gI, delays, dW, n_chunks):
    """``dW[j, i] += sum_{t, b} vals[t, b, j] * gI[t + d_j, b, i]``, skipping
    zero sources.  The steps are cut into ``n_chunks`` fixed chunks (summed
    in parallel into partial matrices, then added in chunk order), so the
    result does not depend on the number of threads."""
    T, B, n_in = vals.shape
    N = gI.shape[2]
    part = np.zeros((n_chunks, n_in, N), dW.dtype)
    for c in prange(n_chunks):
        t0 = c * T // n_chunks
        t1 = (c + 1) * T // n_chunks
        for t in range(t0, t1):
            for b in range(B):
                for j in range(n_in):
                    v = vals[t, b, j]
                    if v != 0:
                        tt = t + delays[j]
                        if tt < T:
                            for i in range(N):
                                part[c, j, i] += v * gI[tt, b, i]
    for c in range(n_chunks):
        for j in range(n_in):
            for i in range(N):
                dW[j, i] += part[c, j, i]


@njit(cache=True, inline="always")
def reset_post(u_pre, sv, amount, reset):
    """Membrane after the reset (docs/contract.md §3.1, 3.3): ``reset`` 0 subtract ``amount*s``
    (the threshold, or ALIF's effective threshold ``A``), 1 zero, 2 none."""
    if reset == 0:
        return u_pre - amount * sv
    if reset == 1:
        return u_pre - u_pre * sv
    return u_pre
