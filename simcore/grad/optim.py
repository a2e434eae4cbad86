r"""Optimisers and gradient clipping for the dense-gradient mode.

Optimisers update the parameter arrays of ``SNN.parameters()`` in place from
a gradient dict with the same names (``SNN.backward``).

* ``SGD(lr, momentum=0, weight_decay=0)``: ``v = m*v + g``, ``p -= lr*v``.
* ``Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)``
  (Kingma & Ba 2015, bias-corrected).
* ``MADGRAD(lr=1e-2, momentum=0.9, weight_decay=0, eps=1e-6)``
  (Defazio & Jelassi 2021; the reference implementation's dual averaging:
  ``lamb = (lr + eps)*sqrt(k+1)``, ``nu += lamb*g^2``, ``s += lamb*g``,
  ``z = x0 - s / (nu^(1/3) + eps)``, ``p = (1-c)*p + c*z`` with
  ``c = 1 - momentum``).
* ``clip_grad_norm(grads, max_norm)``: scales all gradients by
  ``min(1, max_norm / (||g||_2 + 1e-6))`` over all arrays together; returns
  the norm before clipping.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SGD", "Adam", "MADGRAD", "clip_grad_norm", "global_norm"]


def _check_pos(name, v, allow_zero=False):
    v = float(v)
    ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        raise ValueError(f"{name} must be a finite number {'>=' if allow_zero else '>'} 0; got {v!r}")
    return v


def global_norm(grads):
    """``sqrt(sum of squares)`` over all gradient arrays (float64)."""
    return math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values()))


def clip_grad_norm(grads, max_norm):
    """Scale ``grads`` in place so that their global L2 norm is at most
    ``max_norm``; returns the norm before clipping."""
    max_norm = _check_pos("max_norm", max_norm)
    norm = global_norm(grads)
    if not math.isfinite(norm):
        raise FloatingPointError(f"gradient norm is {norm}; a gradient holds NaN or inf")
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        for g in grads.values():
            g *= g.dtype.type(scale) if isinstance(g, np.ndarray) else scale
    return norm


class _Optimizer:
    def __init__(self, params):
        if not isinstance(params, dict) or not params:
            raise TypeError("params must be a non-empty dict name -> array (SNN.parameters())")
        for k, p in params.items():
            if not isinstance(p, np.ndarray):
                raise TypeError(f"params[{k!r}] must be a numpy array; got {type(p).__name__}")
        self.params = params
        self.state = {}
        self.t = 0

    def step(self, grads):
        """Apply one update from ``grads`` (dict with the names of ``params``;
        missing names are frozen parameters and are skipped)."""
        unknown = set(grads) - set(self.params)
        if unknown:
            raise ValueError(f"gradients for unknown parameters {sorted(unknown)}")
        for k, g in grads.items():
            p = self.params[k]
            if np.shape(g) != p.shape:
                raise ValueError(f"gradient of {k!r} has shape {np.shape(g)}; the parameter has {p.shape}")
        for k, g in grads.items():
            self._update(k, self.params[k], np.asarray(g, dtype=np.float64))
        self.t += 1

    def state_dict(self):
        return {"t": self.t, "state": {k: {n: np.array(v) for n, v in s.items()} for k, s in self.state.items()}}


class SGD(_Optimizer):
    """Stochastic gradient descent with optional momentum."""

    def __init__(self, params, lr=1e-2, momentum=0.0, weight_decay=0.0):
        super().__init__(params)
        self.lr = _check_pos("lr", lr)
        self.momentum = _check_pos("momentum", momentum, True)
        self.weight_decay = _check_pos("weight_decay", weight_decay, True)

    def _update(self, k, p, g):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            v = self.state.setdefault(k, {"v": np.zeros(p.shape)})["v"]
            v *= self.momentum
            v += g
            g = v
        p -= (self.lr * g).astype(p.dtype)


class Adam(_Optimizer):
    """Adam with bias correction."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        self.lr = _check_pos("lr", lr)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"betas must lie in [0, 1); got {betas!r}")
        self.betas = (float(b1), float(b2))
        self.eps = _check_pos("eps", eps)
        self.weight_decay = _check_pos("weight_decay", weight_decay, True)

    def _update(self, k, p, g):
        if self.weight_decay:
            g = g + self.weight_decay * p
        st = self.state.setdefault(k, {"m": np.zeros(p.shape), "v": np.zeros(p.shape), "t": 0})
        b1, b2 = self.betas
        st["t"] += 1
        st["m"] = b1 * st["m"] + (1 - b1) * g
        st["v"] = b2 * st["v"] + (1 - b2) * g * g
        mhat = st["m"] / (1 - b1 ** st["t"])
        vhat = st["v"] / (1 - b2 ** st["t"])
        p -= (self.lr * mhat / (np.sqrt(vhat) + self.eps)).astype(p.dtype)


class MADGRAD(_Optimizer):
    """MADGRAD (momentumized, adaptive, dual averaged gradient)."""

    def __init__(self, params, lr=1e-2, momentum=0.9, weight_decay=0.0, eps=1e-6):
        super().__init__(params)
        self.lr = _check_pos("lr", lr)
        if not (0 <= momentum < 1):
            raise ValueError(f"momentum must lie in [0, 1); got {momentum!r}")
        self.momentum = float(momentum)
        self.weight_decay = _check_pos("weight_decay", weight_decay, True)
        self.eps = _check_pos("eps", eps)

    def _update(self, k, p, g):
        st = self.state.get(k)
        if st is None:
            st = self.state[k] = {"x0": p.astype(np.float64), "s": np.zeros(p.shape), "nu": np.zeros(p.shape), "k": 0}
        if self.weight_decay:
            g = g + self.weight_decay * p
        lamb = (self.lr + self.eps) * math.sqrt(st["k"] + 1)  # as the reference code
        st["nu"] += lamb * g * g
        st["s"] += lamb * g
        z = st["x0"] - st["s"] / (np.cbrt(st["nu"]) + self.eps)
        if self.momentum == 0:
            new = z
        else:
            c = 1.0 - self.momentum
            new = (1.0 - c) * p + c * z
        p[...] = new.astype(p.dtype)
        st["k"] += 1
