"""Dense-mode ALIF kernels (docs/contract.md §3.3 and §4); see ``simcore.grad.layers``.

``A[t] = threshold + b_adapt*a[t-1]``, ``x = u[t] - A[t]``; reset codes
0 subtract (``u -= A*s``), 1 zero, 2 none; ``a[t] = rho*a[t-1] + s[t]``.
"""

import numpy as np
from numba import njit, prange

from .common import spike_value, spike_grad, add_recurrent, recurrent_grad_step, reset_post


@njit(cache=True, parallel=True)
def alif_forward(I, rec, beta, rho, threshold, b_adapt, reset, spec, u0, a0, u_pre, s, a_out):
    """Forward pass; stores ``u_pre``, ``s`` and the post-step ``a``."""
    T, B, N = I.shape
    for b in prange(B):
        cur = np.empty(N, I.dtype)
        u = u0[b].copy()
        a = a0[b].copy()
        for t in range(T):
            for i in range(N):
                cur[i] = I[t, b, i]
            if rec.active:
                add_recurrent(cur, s, t, b, rec)
            for i in range(N):
                ui = beta[i] * u[i]
                ui = ui + cur[i]
                A = threshold[i] + b_adapt[i] * a[i]
                u_pre[t, b, i] = ui
                s[t, b, i] = spike_value(ui - A, spec)
                sv = s[t, b, i]
                u[i] = reset_post(ui, sv, A, reset)
                a[i] = rho[i] * a[i] + sv
                a_out[t, b, i] = a[i]


@njit(cache=True)
def alif_backward(
    gs_ext,
    gn_ext,
    has_gn,
    u_pre,
    s,
    a_st,
    u0,
    a0,
    rec,
    beta,
    rho,
    threshold,
    b_adapt,
    reset,
    detach,
    spec,
    gI,
    gbeta,
    grho,
    gth,
    gb,
    gsrec,
    tmp,
    block,
    kmax,
    gstate0,
):
    """Exact adjoint of ``alif_forward``.  Accumulates per-sample (B, N)
    gradients of ``beta``, ``rho``, ``threshold``, ``b_adapt``.  ``gn_ext``
    is a second external gradient on ``s``, read when ``has_gn``.  Writes
    the gradient of the initial state ``(u0, a0)`` into ``gstate0`` (2, B, N)."""
    T, B, N = u_pre.shape
    Gu = np.zeros((B, N), u_pre.dtype)
    Ga = np.zeros((B, N), u_pre.dtype)
    for t in range(T - 1, -1, -1):
        if rec.active:
            recurrent_grad_step(gI, t, rec, gsrec, tmp, block, kmax)
        for b in range(B):
            for j in range(N):
                if t > 0:
                    aprev = a_st[t - 1, b, j]
                else:
                    aprev = a0[b, j]
                A = threshold[j] + b_adapt[j] * aprev
                up = u_pre[t, b, j]
                sv = s[t, b, j]
                dsg = spike_grad(up - A, spec)
                G = Gu[b, j]
                GA = Ga[b, j]
                gs = gs_ext[t, b, j] + GA
                if has_gn:
                    gs += gn_ext[t, b, j]
                if rec.active:
                    gs += gsrec[b, j]
                gA = 0.0
                if reset == 0:
                    if not detach:
                        gs -= A * G
                    gA -= sv * G
                    gu = G
                elif reset == 1:
                    if not detach:
                        gs -= up * G
                    gu = G - G * sv
                else:
                    gu = G
                gu += gs * dsg
                gA -= gs * dsg
                gI[t, b, j] = gu
                gth[b, j] += gA
                gb[b, j] += gA * aprev
                grho[b, j] += GA * aprev
                if t > 0:
                    if t > 1:
                        a2 = a_st[t - 2, b, j]
                    else:
                        a2 = a0[b, j]
                    Aprev = threshold[j] + b_adapt[j] * a2
                    uprev = reset_post(u_pre[t - 1, b, j], s[t - 1, b, j], Aprev, reset)
                else:
                    uprev = u0[b, j]
                gbeta[b, j] += gu * uprev
                Ga[b, j] = rho[j] * GA + b_adapt[j] * gA
                Gu[b, j] = beta[j] * gu
    gstate0[0] = Gu
    gstate0[1] = Ga
