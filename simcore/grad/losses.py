r"""Losses and regularisers of the dense-gradient mode (docs/contract.md §4).

Every function returns ``(value, grad)`` where ``grad`` has the shape of the
array it differentiates (``y`` for the losses, the spike events ``n`` for
the regularisers), ready for ``SNN.backward(tape, g_y, g_events)``.

* ``cross_entropy(y, labels, mask)``: ``ybar_b = mean_{t in mask} y[t, b]``,
  ``L = mean_b [logsumexp(ybar_b) - ybar_b[label_b]]``; with
  ``average="per_step"`` the per-step cross-entropies are averaged instead.
* ``mse(y, target, mask)``: ``mean_b sum_c mean_{t in mask} (y - target)^2 / C``,
  i.e. the mean over masked steps, outputs and samples.
* ``sequence_cross_entropy(y, labels, mask)``: one label per step
  ``(T, B)``; the mean over masked steps (weighted by a float mask) and
  samples of the per-step cross-entropy.
* A float ``mask`` (weights >= 0 per step) gives weighted means normalised by
  the sum of the weights (docs/contract.md §4); a bool mask is a window.
* ``firing_rate_l2(n, r_target)``: ``sum_i (r_i - r_target)^2`` with ``r_i``
  the mean of ``n_i`` over steps and samples (spikes per step).
* ``branching_factor(n)``: ``mean_b sum_{t=1}^{T-1} (S[t] - S[t-1])^2``,
  ``S[t] = sum_i n_i[t]`` (DelayNet).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "cross_entropy",
    "mse",
    "firing_rate_l2",
    "branching_factor",
    "accuracy",
    "sequence_cross_entropy",
    "sequence_accuracy",
]

AVERAGES = ("mean_then_ce", "per_step")


def _check_y(y):
    y = np.asarray(y)
    if y.ndim != 3:
        raise ValueError(f"y must have shape (T, B, C); got {y.shape}")
    return y


def _check_mask(mask, T):
    if mask is None:
        return np.ones(T, dtype=bool)
    m = np.asarray(mask)
    if m.dtype != bool:
        if np.issubdtype(m.dtype, np.floating):
            return _check_weights(m, T)
        raise TypeError(f"mask must be a boolean or float array of shape ({T},); got dtype {m.dtype}")
    if m.shape != (T,):
        raise ValueError(f"mask must have shape ({T},) (one entry per step of y); got {m.shape}")
    if not m.any():
        raise ValueError("mask selects no step; the loss window must hold at least one step")
    return m


def _check_weights(m, T):
    """A float mask (docs/contract.md §4): weights >= 0 per step, not all zero."""
    if m.shape != (T,):
        raise ValueError(f"mask must have shape ({T},) (one entry per step of y); got {m.shape}")
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError("a float mask must hold finite weights >= 0")
    if not np.any(m > 0):
        raise ValueError("mask selects no step; the loss window must hold at least one step")
    return m.astype(np.float64)


def _check_labels(labels, B, C):
    lab = np.asarray(labels)
    if lab.shape != (B,):
        raise ValueError(f"labels must have shape ({B},); got {lab.shape}")
    if not np.issubdtype(lab.dtype, np.integer):
        raise TypeError(f"labels must be integers; got dtype {lab.dtype}")
    if lab.size and (lab.min() < 0 or lab.max() >= C):
        raise ValueError(
            f"labels must lie in [0, {C}) for a readout of {C} units; got values in [{lab.min()}, {lab.max()}]"
        )
    return lab.astype(np.int64)


def _log_softmax(z):
    zmax = z.max(axis=-1, keepdims=True)
    e = np.exp(z - zmax)
    lse = np.log(e.sum(axis=-1, keepdims=True)) + zmax
    return z - lse


def cross_entropy(y, labels, mask=None, average="mean_then_ce"):
    """Cross-entropy of the readout over a window of steps.

    Parameters
    ----------
    y : (T, B, C) array
    labels : (B,) ints in ``[0, C)``
    mask : (T,) bool, optional (all steps)
    average : {'mean_then_ce', 'per_step'}

    Returns
    -------
    loss : float; grad : (T, B, C) array dL/dy (dtype of ``y``).
    """
    y = _check_y(y)
    T, B, C = y.shape
    m = _check_mask(mask, T)
    lab = _check_labels(labels, B, C)
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}; got {average!r}")
    if m.dtype != bool:
        return _weighted_ce(y, lab, m, average)
    nm = int(m.sum())
    yw = y[m].astype(np.float64)  # (nm, B, C)
    onehot = np.zeros((B, C))
    onehot[np.arange(B), lab] = 1.0
    g = np.zeros((T, B, C), dtype=y.dtype)
    if average == "mean_then_ce":
        ybar = yw.mean(axis=0)
        ls = _log_softmax(ybar)
        loss = -np.mean(ls[np.arange(B), lab])
        gbar = (np.exp(ls) - onehot) / B
        g[m] = (gbar / nm)[None]
    else:
        ls = _log_softmax(yw)
        loss = -np.mean(ls[:, np.arange(B), lab])
        g[m] = (np.exp(ls) - onehot[None]) / (B * nm)
    return float(loss), g


def accuracy(y, labels, mask=None):
    """Fraction of samples whose window-mean readout is largest at the label."""
    y = _check_y(y)
    T, B, C = y.shape
    m = _check_mask(mask, T)
    lab = _check_labels(labels, B, C)
    if m.dtype != bool:
        ybar = np.einsum("t,tbc->bc", m, y.astype(np.float64)) / m.sum()
        return float(np.mean(ybar.argmax(axis=-1) == lab))
    return float(np.mean(y[m].mean(axis=0).argmax(axis=-1) == lab))


def mse(y, target, mask=None):
    """Masked mean squared error to ``target`` (same shape as ``y``).

    Returns ``(loss, dL/dy)``; the loss is the mean over masked steps,
    outputs and samples."""
    y = _check_y(y)
    T, B, C = y.shape
    m = _check_mask(mask, T)
    target = np.asarray(target)
    if target.shape != y.shape:
        raise ValueError(f"target must have the shape of y {y.shape}; got {target.shape}")
    if m.dtype != bool:
        diff = y.astype(np.float64) - target
        W = m.sum()
        loss = float(np.einsum("t,tbc->", m, diff * diff)) / (W * B * C)
        g = (2.0 * m[:, None, None] * diff / (W * B * C)).astype(y.dtype)
        return loss, g
    nm = int(m.sum())
    diff = y[m].astype(np.float64) - target[m]
    loss = np.sum(diff * diff) / (nm * B * C)
    g = np.zeros_like(y)
    g[m] = 2.0 * diff / (nm * B * C)
    return float(loss), g


def _check_n(n):
    n = np.asarray(n)
    if n.ndim != 3:
        raise ValueError(f"spike events must have shape (T, B, N); got {n.shape}")
    return n


def firing_rate_l2(n, r_target):
    """``sum_i (r_i - r_target)^2``, ``r_i = mean_{t, b} n[t, b, i]``.

    ``r_target`` is a scalar or ``(N,)`` in spikes per step.  Returns
    ``(value, dL/dn)``."""
    n = _check_n(n)
    T, B, N = n.shape
    rt = np.asarray(r_target, dtype=np.float64)
    if rt.ndim not in (0, 1) or (rt.ndim == 1 and rt.shape != (N,)):
        raise ValueError(f"r_target must be a scalar or have shape ({N},); got {rt.shape}")
    return firing_rate_from_counts(n.sum(axis=(0, 1), dtype=np.float64), T, B, rt, n.shape, n.dtype)


def firing_rate_from_counts(counts, T, B, r_target, shape, dtype):
    """``firing_rate_l2`` from the spike counts ``counts[i] = sum_{t, b} n[t, b, i]`` (float64) of ``T`` steps
    and ``B`` samples: ``(value, dL/dn)`` with ``dL/dn`` filled into ``shape`` (a part of the batch: the
    data-parallel mode of simcore.mpi adds the counts of every rank first)."""
    r = counts / (T * B)
    diff = r - r_target
    g = np.empty(shape, dtype)
    g[...] = (2.0 * diff / (T * B)).astype(dtype)
    return float(np.sum(diff * diff)), g


def branching_factor(n):
    """DelayNet branching-factor loss ``mean_b sum_{t>=1} (S[t] - S[t-1])^2``
    with ``S[t] = sum_i n[t, b, i]``.  Returns ``(value, dL/dn)``."""
    n = _check_n(n)
    T, B, N = n.shape
    S = n.sum(axis=2, dtype=np.float64)  # (T, B)
    D = S[1:] - S[:-1]  # (T-1, B)
    val = np.sum(D * D) / B
    gS = np.zeros((T, B))
    gS[1:] += 2.0 * D / B
    gS[:-1] -= 2.0 * D / B
    g = np.empty(n.shape, n.dtype)
    g[...] = gS[:, :, None].astype(n.dtype)
    return float(val), g


def _weighted_ce(y, lab, w, average):
    """Cross-entropy with a float mask ``w`` (T,): weighted window mean of ``y``
    (``mean_then_ce``) or weighted mean of the per-step cross-entropies."""
    T, B, C = y.shape
    W = w.sum()
    onehot = np.zeros((B, C))
    onehot[np.arange(B), lab] = 1.0
    yd = y.astype(np.float64)
    if average == "mean_then_ce":
        ybar = np.einsum("t,tbc->bc", w, yd) / W
        ls = _log_softmax(ybar)
        loss = -np.mean(ls[np.arange(B), lab])
        gbar = (np.exp(ls) - onehot) / B
        g = (w[:, None, None] / W) * gbar[None]
    else:
        ls = _log_softmax(yd)
        loss = -np.sum(w[:, None] * ls[:, np.arange(B), lab]) / (W * B)
        g = (w[:, None, None] / (W * B)) * (np.exp(ls) - onehot[None])
    return float(loss), g.astype(y.dtype)


def _check_step_labels(labels, T, B, C, m):
    lab = np.asarray(labels)
    if lab.shape != (T, B):
        raise ValueError(f"labels must have shape ({T}, {B}) (one class per step); got {lab.shape}")
    if not np.issubdtype(lab.dtype, np.integer):
        raise TypeError(f"labels must be integers; got dtype {lab.dtype}")
    read = lab[(m > 0) if m.dtype != bool else m]
    if read.size and (read.min() < 0 or read.max() >= C):
        raise ValueError(
            f"labels must lie in [0, {C}) on the masked steps for a readout of {C} units; "
            f"got values in [{read.min()}, {read.max()}]"
        )
    return lab.astype(np.int64)


def sequence_cross_entropy(y, labels, mask=None):
    """Per-step cross-entropy with one label per step.

    Parameters
    ----------
    y : (T, B, C) readout
    labels : (T, B) ints in ``[0, C)`` on the masked steps (any value,
        e.g. -1, elsewhere)
    mask : (T,) bool window or float weights, optional (all steps)

    Returns ``(loss, dL/dy)``: ``loss = sum_t w_t mean_b CE(y[t, b], labels[t, b]) / sum_t w_t``.
    """
    y = _check_y(y)
    T, B, C = y.shape
    m = _check_mask(mask, T)
    lab = _check_step_labels(labels, T, B, C, m)
    w = m.astype(np.float64)
    W = w.sum()
    rows = np.nonzero(w > 0)[0]
    g = np.zeros((T, B, C), dtype=y.dtype)
    ls = _log_softmax(y[rows].astype(np.float64))  # (nr, B, C)
    lr = lab[rows]
    picked = np.take_along_axis(ls, lr[:, :, None], axis=2)[:, :, 0]
    wr = w[rows]
    loss = -np.sum(wr[:, None] * picked) / (W * B)
    p = np.exp(ls)
    np.put_along_axis(p, lr[:, :, None], np.take_along_axis(p, lr[:, :, None], axis=2) - 1.0, axis=2)
    g[rows] = (wr[:, None, None] / (W * B)) * p
    return float(loss), g


def sequence_accuracy(y, labels, mask=None):
    """Fraction of (masked step, sample) pairs whose readout is largest at the label."""
    y = _check_y(y)
    T, B, C = y.shape
    m = _check_mask(mask, T)
    lab = _check_step_labels(labels, T, B, C, m)
    sel = (m > 0) if m.dtype != bool else m
    return float(np.mean(y[sel].argmax(-1) == lab[sel]))
