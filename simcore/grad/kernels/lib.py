"""Dense-mode LIB (dual-trace bipolar) kernels (docs/contract.md §3.4 and §4); see
``simcore.grad.layers``.

Parameters come as a ``(13, N)`` array ``P`` whose rows are, in order,
``alpha_pos, alpha_neg, beta_pos, beta_neg, gamma_pos, gamma_neg, theta_pos,
theta_neg, scale_pos, scale_neg, rec_weight_pos, rec_weight_neg, bias``.
State arrays ``X`` are ``(6, T, B, N)``: ``syn_p, syn_n, mem_p, mem_n, rec_p,
rec_n`` after step ``t`` (after reset).  Reset codes: 0 subtract, 2 none.
"""

import numpy as np
from numba import njit, prange

from .common import spike_value, spike_grad, add_recurrent, recurrent_grad_step


@njit(cache=True, inline="always")
def _pos(x, zero):
    return x if x > zero else zero


@njit(cache=True, inline="always")
def _neg(x, zero):
    return x if x < zero else zero


@njit(cache=True, parallel=True)
def lib_forward(I, rec, P, reset, spec, X0, Itot, X, s_pos, s_neg, out):
    """Forward pass.  ``I``: (T, B, N) external/feed-forward current;
    ``X0``: (6, B, N) initial state.  Writes the total input ``Itot``, the
    states ``X``, the events ``s_pos``, ``s_neg`` and the emitted value
    ``out = scale_pos*s_pos - scale_neg*s_neg`` (all (T, B, N))."""
    T, B, N = I.shape
    for b in prange(B):
        zero = np.zeros(1, I.dtype)[0]
        cur = np.empty(N, I.dtype)
        st = np.empty((6, N), I.dtype)
        for k in range(6):
            for i in range(N):
                st[k, i] = X0[k, b, i]
        for t in range(T):
            for i in range(N):
                cur[i] = I[t, b, i]
            if rec.active:
                add_recurrent(cur, out, t, b, rec)
            for i in range(N):
                Ii = cur[i]
                Itot[t, b, i] = Ii
                syn_p = P[0, i] * st[0, i] + _pos(Ii, zero)
                syn_n = P[1, i] * st[1, i] + _neg(Ii, zero)
                drive = syn_p + syn_n + P[10, i] * st[4, i] + P[11, i] * st[5, i] + P[12, i]
                mem_p = P[2, i] * st[2, i] + _pos(drive, zero)
                mem_n = P[3, i] * st[3, i] + _neg(drive, zero)
                m = mem_p + mem_n
                s_pos[t, b, i] = spike_value(m - P[6, i], spec)
                s_neg[t, b, i] = spike_value(-m - P[7, i], spec)
                sp = s_pos[t, b, i]
                sn = s_neg[t, b, i]
                o = P[8, i] * sp - P[9, i] * sn
                out[t, b, i] = o
                if reset == 0:
                    mem_p = mem_p - P[6, i] * sp
                    mem_n = mem_n + P[7, i] * sn
                rec_p = P[4, i] * st[4, i] + _pos(o, zero)
                rec_n = P[5, i] * st[5, i] + _neg(o, zero)
                st[0, i] = syn_p
                st[1, i] = syn_n
                st[2, i] = mem_p
                st[3, i] = mem_n
                st[4, i] = rec_p
                st[5, i] = rec_n
                for k in range(6):
                    X[k, t, b, i] = st[k, i]


@njit(cache=True)
def lib_backward(
    gout_ext,
    gn_ext,
    Itot,
    X,
    X0,
    s_pos,
    s_neg,
    out,
    rec,
    P,
    reset,
    detach,
    spec,
    gI,
    gP,
    gsrec,
    tmp,
    block,
    kmax,
    gstate0,
):
    """Exact adjoint of ``lib_forward``.  ``gout_ext``: dL/dout and
    ``gn_ext``: dL/dn with ``n = s_pos + s_neg`` (both (T, B, N)).  Writes
    ``gI`` and accumulates per-sample parameter gradients ``gP`` (13, B, N);
    writes the gradient of the initial state ``X0`` into ``gstate0`` (6, B, N)."""
    T, B, N = Itot.shape
    zero = np.zeros(1, Itot.dtype)[0]
    G = np.zeros((6, B, N), Itot.dtype)
    p0 = np.empty(6, Itot.dtype)
    for t in range(T - 1, -1, -1):
        if rec.active:
            recurrent_grad_step(gI, t, rec, gsrec, tmp, block, kmax)
        for b in range(B):
            for j in range(N):
                if t > 0:
                    for k in range(6):
                        p0[k] = X[k, t - 1, b, j]
                else:
                    for k in range(6):
                        p0[k] = X0[k, b, j]
                syn_p = X[0, t, b, j]
                syn_n = X[1, t, b, j]
                drive = syn_p + syn_n + P[10, j] * p0[4] + P[11, j] * p0[5] + P[12, j]
                mp_pre = P[2, j] * p0[2] + _pos(drive, zero)
                mn_pre = P[3, j] * p0[3] + _neg(drive, zero)
                m = mp_pre + mn_pre
                sp = s_pos[t, b, j]
                sn = s_neg[t, b, j]
                o = out[t, b, j]
                Ii = Itot[t, b, j]
                G_sp = G[0, b, j]
                G_sn = G[1, b, j]
                G_mp = G[2, b, j]
                G_mn = G[3, b, j]
                G_rp = G[4, b, j]
                G_rn = G[5, b, j]
                # rec_p = gamma_pos*rec_p0 + [out]+ ; rec_n likewise
                g_out = gout_ext[t, b, j]
                if rec.active:
                    g_out += gsrec[b, j]
                if o > zero:
                    g_out += G_rp
                elif o < zero:
                    g_out += G_rn
                gP[4, b, j] += G_rp * p0[4]
                gP[5, b, j] += G_rn * p0[5]
                nG_rp = P[4, j] * G_rp
                nG_rn = P[5, j] * G_rn
                # out = scale_pos*s_pos - scale_neg*s_neg ; n = s_pos + s_neg
                gn = gn_ext[t, b, j]
                g_sp = gn + P[8, j] * g_out
                g_sn = gn - P[9, j] * g_out
                gP[8, b, j] += sp * g_out
                gP[9, b, j] -= sn * g_out
                # reset: mem_p = mp_pre - theta_pos*s_pos ; mem_n = mn_pre + theta_neg*s_neg
                g_mp = G_mp
                g_mn = G_mn
                if reset == 0:
                    gP[6, b, j] -= sp * G_mp
                    gP[7, b, j] += sn * G_mn
                    if not detach:
                        g_sp -= P[6, j] * G_mp
                        g_sn += P[7, j] * G_mn
                # s_pos = f(m - theta_pos) ; s_neg = f(-m - theta_neg)
                dp = spike_grad(m - P[6, j], spec)
                dn = spike_grad(-m - P[7, j], spec)
                g_m = g_sp * dp - g_sn * dn
                gP[6, b, j] -= g_sp * dp
                gP[7, b, j] -= g_sn * dn
                g_mp += g_m
                g_mn += g_m
                # mem_p = beta_pos*mem_p0 + [drive]+ ; mem_n likewise
                gP[2, b, j] += g_mp * p0[2]
                gP[3, b, j] += g_mn * p0[3]
                nG_mp = P[2, j] * g_mp
                nG_mn = P[3, j] * g_mn
                g_drive = 0.0
                if drive > zero:
                    g_drive = g_mp
                elif drive < zero:
                    g_drive = g_mn
                # drive = syn_p + syn_n + rw_pos*rec_p0 + rw_neg*rec_n0 + bias
                g_synp = G_sp + g_drive
                g_synn = G_sn + g_drive
                gP[10, b, j] += g_drive * p0[4]
                gP[11, b, j] += g_drive * p0[5]
                gP[12, b, j] += g_drive
                nG_rp += P[10, j] * g_drive
                nG_rn += P[11, j] * g_drive
                # syn_p = alpha_pos*syn_p0 + [I]+ ; syn_n likewise
                gP[0, b, j] += g_synp * p0[0]
                gP[1, b, j] += g_synn * p0[1]
                if Ii > zero:
                    gI[t, b, j] = g_synp
                elif Ii < zero:
                    gI[t, b, j] = g_synn
                else:
                    gI[t, b, j] = 0
                G[0, b, j] = P[0, j] * g_synp
                G[1, b, j] = P[1, j] * g_synn
                G[2, b, j] = nG_mp
                G[3, b, j] = nG_mn
                G[4, b, j] = nG_rp
                G[5, b, j] = nG_rn
    gstate0[...] = G
