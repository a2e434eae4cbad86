"""Training loop of the dense-gradient mode.

``train_step`` does forward, loss (+ regularisers), backward, optional
global-norm clipping, the optimiser step and the clamping of time
constants; ``fit`` loops over epochs and batches with a progress bar
(tqdm when installed, else a plain log line per epoch through ``logging``).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from .losses import cross_entropy, mse, firing_rate_l2, branching_factor, sequence_cross_entropy
from .optim import clip_grad_norm, global_norm

__all__ = ["Regularizer", "train_step", "fit"]

log = logging.getLogger(__name__)

REG_KINDS = ("branching_factor", "firing_rate")


class Regularizer:
    """A regulariser on the spike events of layer ``layer``.

    Parameters
    ----------
    kind : {'branching_factor', 'firing_rate'}
    weight : float
    layer : int
    r_target : float, optional
        Target rate (spikes per step) of ``'firing_rate'``.
    """

    def __init__(self, kind, weight, layer=0, r_target=None):
        if kind not in REG_KINDS:
            raise ValueError(f"kind must be one of {REG_KINDS}; got {kind!r}")
        if kind == "firing_rate" and r_target is None:
            raise ValueError("firing_rate needs r_target (spikes per step)")
        self.kind, self.weight, self.layer, self.r_target = kind, float(weight), int(layer), r_target

    def __call__(self, tape):
        n = tape.spikes(self.layer)
        if self.kind == "branching_factor":
            v, g = branching_factor(n)
        else:
            v, g = firing_rate_l2(n, self.r_target)
        return self.weight * v, g * g.dtype.type(self.weight)


def _loss(tape, target, loss, mask):
    if callable(loss):
        return loss(tape.y, target)
    if loss == "cross_entropy":
        return cross_entropy(tape.y, target, mask)
    if loss == "mse":
        return mse(tape.y, target, mask)
    if loss == "sequence_cross_entropy":
        return sequence_cross_entropy(tape.y, target, mask)
    raise ValueError(f"loss must be 'cross_entropy', 'mse', 'sequence_cross_entropy' or a callable; got {loss!r}")


def train_step(model, optimizer, x, target, *, loss="cross_entropy", mask=None, regularizers=(), clip_norm=None):
    """One optimisation step on a batch.

    Parameters
    ----------
    model : SNN
    optimizer : SGD, Adam or MADGRAD over ``model.parameters()``
    x : (T, B, n_in) input; target : labels (B,) or a target (T, B, C)
    loss : 'cross_entropy', 'mse', 'sequence_cross_entropy' (labels (T, B)) or
        callable ``(y, target) -> (value, dL/dy)``
    mask : (T,) bool window of the loss, or float weights per step
    regularizers : iterable of ``Regularizer``
    clip_norm : float, optional; global-norm clipping

    Returns
    -------
    dict with ``loss`` (total), ``task_loss``, ``grad_norm`` (before
    clipping) and ``tape``.
    """
    tape = model.forward(x)
    task, gy = _loss(tape, target, loss, mask)
    total = task
    g_ev = {}
    for r in regularizers:
        v, g = r(tape)
        total += v
        g_ev[r.layer] = g if r.layer not in g_ev else g_ev[r.layer] + g
    grads = model.backward(tape, gy, g_ev)
    if clip_norm is not None:
        norm = clip_grad_norm(grads, clip_norm)
    else:
        norm = global_norm(grads)
    if not math.isfinite(total) or not math.isfinite(norm):
        raise FloatingPointError(f"loss {total} or gradient norm {norm} is not finite")
    optimizer.step(grads)
    model.clamp_time_constants()
    return {"loss": total, "task_loss": task, "grad_norm": norm, "tape": tape}


class _PlainBar:
    """Progress without tqdm: a log line (``logging``, INFO) about every tenth
    of the batches."""

    def __init__(self, iterable, total, desc):
        self.iterable, self.total, self.desc = iterable, total, desc
        self.postfix = ""

    def set_postfix(self, **kw):
        self.postfix = ", ".join(f"{k}={v}" for k, v in kw.items())

    def __iter__(self):
        every = max(1, (self.total or 10) // 10)
        for i, item in enumerate(self.iterable):
            yield item
            if (i + 1) % every == 0 or (self.total is not None and i + 1 == self.total):
                log.info(
                    "%s: %d/%s batches %s", self.desc, i + 1, "?" if self.total is None else self.total, self.postfix
                )


def _progress(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainBar(iterable, total, desc)
    return tqdm(iterable, total=total, desc=desc, leave=False)


def fit(
    model,
    optimizer,
    batches,
    *,
    epochs=1,
    loss="cross_entropy",
    mask=None,
    regularizers=(),
    clip_norm=None,
    progress=True,
    callback=None,
    step=None,
):
    """Train for ``epochs`` passes over ``batches``.

    ``batches`` is a sequence of ``(x, target)`` pairs or a callable
    ``epoch -> iterable of (x, target)`` (fresh data each epoch).
    ``callback(epoch, history)`` runs after every epoch.  ``step(x, target,
    **options)`` replaces ``train_step(model, optimizer, x, target,
    **options)`` (``simcore.mpi.DataParallel.train_step`` passes it).  Returns the history:
    a list of dicts ``{epoch, loss, task_loss, grad_norm, seconds}`` (means over
    the epoch's batches).
    """
    epochs = int(epochs)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1; got {epochs}")
    history = []
    for ep in range(epochs):
        data = batches(ep) if callable(batches) else batches
        try:
            total = len(data)
        except TypeError:
            total = None
        t0 = time.perf_counter()
        rows = []
        bar = _progress(data, total, f"epoch {ep}", progress)
        for x, target in bar:
            options = dict(loss=loss, mask=mask, regularizers=regularizers, clip_norm=clip_norm)
            r = train_step(model, optimizer, x, target, **options) if step is None else step(x, target, **options)
            rows.append((r["loss"], r["task_loss"], r["grad_norm"]))
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{r['loss']:.4f}")
        if not rows:
            raise ValueError("batches yielded no batch")
        m = np.mean(np.asarray(rows), axis=0)
        rec = {
            "epoch": ep,
            "loss": float(m[0]),
            "task_loss": float(m[1]),
            "grad_norm": float(m[2]),
            "seconds": time.perf_counter() - t0,
        }
        history.append(rec)
        log.info(
            "epoch %d: loss %.5f (task %.5f), |grad| %.4g, %.1f s",
            ep,
            rec["loss"],
            rec["task_loss"],
            rec["grad_norm"],
            rec["seconds"],
        )
        if callback is not None:
            callback(ep, history)
    return history
