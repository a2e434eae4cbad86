"""Dense-mode LIF kernels (docs/contract.md §3.1 and §4); see ``simcore.grad.layers``.

Reset codes: 0 subtract, 1 zero, 2 none.  Forward stores ``u_pre`` (the
membrane after integrate+deliver, before reset) and ``s``; the backward pass
recomputes the post-reset membrane from them with the same expressions.
"""

import numpy as np
from numba import njit, prange

from .common import spike_value, spike_grad, add_recurrent, recurrent_grad_step, reset_post


@njit(cache=True, parallel=True)
def lif_forward(I, rec, beta, threshold, reset, spec, u0, u_pre, s):
    """Forward pass over ``T`` steps, parallel over the batch.

    ``u[t] = beta*u[t-1] + I[t] + sum_j W[j,i] s_j[t-d_j]``,
    ``s[t] = H(u[t] - threshold)``, then the reset.
    ``I``: (T, B, N) external/feed-forward current; ``u0``: (B, N) initial
    membrane; outputs ``u_pre``, ``s``: (T, B, N).
    """
    T, B, N = I.shape
    fast = spec.mode == 0 and reset == 0
    for b in prange(B):
        cur = np.empty(N, I.dtype)
        u = u0[b].copy()
        zero = np.zeros(1, I.dtype)[0]
        one = np.ones(1, I.dtype)[0]
        for t in range(T):
            for i in range(N):
                cur[i] = I[t, b, i]
            if rec.active:
                add_recurrent(cur, s, t, b, rec)
            if fast:
                # Heaviside + subtract: branch-free so that LLVM vectorises it
                for i in range(N):
                    ui = beta[i] * u[i]
                    ui = ui + cur[i]
                    u_pre[t, b, i] = ui
                    th = threshold[i]
                    sv = one if ui - th >= zero else zero
                    s[t, b, i] = sv
                    u[i] = ui - th * sv
                continue
            for i in range(N):
                ui = beta[i] * u[i]
                ui = ui + cur[i]
                u_pre[t, b, i] = ui
                s[t, b, i] = spike_value(ui - threshold[i], spec)
                u[i] = reset_post(ui, s[t, b, i], threshold[i], reset)


@njit(cache=True)
def lif_backward(
    gs_ext,
    gn_ext,
    has_gn,
    u_pre,
    s,
    u0,
    rec,
    beta,
    threshold,
    reset,
    detach,
    spec,
    gI,
    gbeta,
    gth,
    gsrec,
    tmp,
    block,
    kmax,
):
    """Exact adjoint of ``lif_forward`` with ``dH/dx`` replaced by the
    surrogate.  ``gs_ext``: (T, B, N) dL/ds from outside the layer;
    ``gn_ext``: a second one (regularisers), read when ``has_gn``.  Writes ``gI`` = dL/dI (T, B, N) and
    accumulates per-sample
    ``gbeta``, ``gth`` (B, N).  ``gsrec``: (B, N) and ``tmp``: (B*N,)
    scratch.
    """
    T, B, N = u_pre.shape
    Gu = np.zeros((B, N), u_pre.dtype)
    dsg_row = np.empty(N, u_pre.dtype)
    fast = spec.mode == 0 and reset == 0
    for t in range(T - 1, -1, -1):
        if rec.active:
            recurrent_grad_step(gI, t, rec, gsrec, tmp, block, kmax)
        if fast:
            # Heaviside + subtract: the surrogate row first, then a
            # branch-free loop in the array dtype (LLVM vectorises both)
            for b in range(B):
                for j in range(N):
                    dsg_row[j] = spike_grad(u_pre[t, b, j] - threshold[j], spec)
                for j in range(N):
                    th = threshold[j]
                    G = Gu[b, j]
                    sv = s[t, b, j]
                    gs = gs_ext[t, b, j]
                    if has_gn:
                        gs = gs + gn_ext[t, b, j]
                    if rec.active:
                        gs = gs + gsrec[b, j]
                    if not detach:
                        gs = gs - th * G
                    gsd = gs * dsg_row[j]
                    gu = G + gsd
                    gth[b, j] -= sv * G + gsd
                    gI[t, b, j] = gu
                    if t > 0:
                        uprev = u_pre[t - 1, b, j] - th * s[t - 1, b, j]
                    else:
                        uprev = u0[b, j]
                    gbeta[b, j] += gu * uprev
                    Gu[b, j] = beta[j] * gu
            continue
        for b in range(B):
            for j in range(N):
                th = threshold[j]
                up = u_pre[t, b, j]
                sv = s[t, b, j]
                dsg = spike_grad(up - th, spec)
                gs = gs_ext[t, b, j]
                if has_gn:
                    gs += gn_ext[t, b, j]
                if rec.active:
                    gs += gsrec[b, j]
                G = Gu[b, j]
                if reset == 0:
                    if not detach:
                        gs -= th * G
                    gth[b, j] -= sv * G
                    gu = G
                elif reset == 1:
                    if not detach:
                        gs -= up * G
                    gu = G - G * sv
                else:
                    gu = G
                gu += gs * dsg
                gth[b, j] -= gs * dsg
                gI[t, b, j] = gu
                if t > 0:
                    uprev = reset_post(u_pre[t - 1, b, j], s[t - 1, b, j], th, reset)
                else:
                    uprev = u0[b, j]
                gbeta[b, j] += gu * uprev
                Gu[b, j] = beta[j] * gu
