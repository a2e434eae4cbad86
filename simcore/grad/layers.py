r"""Layers and models of the dense-gradient (BPTT) mode.

The semantics are docs/contract.md §3 (neuron models) and section 4 (dense
mode); every array is time-major ``(T, B, N)``.

Layers
------
``LIFLayer`` (docs/contract.md §3.1)
    ``u[t] = beta*u[t-1] + I[t]``, ``s[t] = H(u[t] - threshold)``, reset
    ``subtract`` / ``zero`` / ``none``.  Parameters ``tau_mem`` (or ``beta``,
    ``beta = exp(-dt/tau_mem)``), ``threshold``.
``ALIFLayer`` (docs/contract.md §3.3)
    Adds ``A[t] = threshold + b_adapt*a[t-1]``, ``s = H(u - A)``,
    ``u -= A*s``, ``a[t] = rho*a[t-1] + s[t]``.  Parameters ``tau_mem``,
    ``tau_adapt`` (or ``rho``), ``threshold``, ``b_adapt``.
``LIBLayer`` (docs/contract.md §3.4)
    Dual-trace bipolar neuron.  Decays ``alpha_pos/neg`` (time constants
    ``tau_syn_pos/neg``), ``beta_pos/neg`` (``tau_mem_pos/neg``),
    ``gamma_pos/neg`` (``tau_rec_pos/neg``); ``theta_pos, theta_neg,
    scale_pos, scale_neg, rec_weight_pos, rec_weight_neg, bias``.
    Emits ``out = scale_pos*s_pos - scale_neg*s_neg``.
``ReadoutLayer`` (docs/contract.md §3.5)
    ``y[t] = kappa*y[t-1] + I[t]``, ``kappa = exp(-dt/tau_out)``.
``ResidualBlock``
    A spiking layer paired with a linear map:
    ``out[t] = x[t] + v[t] @ W_lin + b_lin`` where ``v`` is what the layer
    emits for the input current ``x @ W_in`` (delay 0).  Dense mode only.

Input of a spiking layer at step ``t``:
``I[t] = src[t - delay_in] @ W_in + sum_j W_rec[j, :] * v_j[t - d_j]``,
with ``src`` the model input or the previous layer's output, ``d_j >= 1`` the
per-neuron recurrent delays.  ``delay_in`` defaults to 1 when the source is a
spiking layer (a neuron-to-neuron connection of the event engine always has
``d >= 1``) and to 0 for a float source (the model input, a residual block);
``delay_in=0`` from a spiking layer is allowed, but such a model cannot be
bridged to the event engine.  Weights are stored ``(source, target)``:
``W_in`` is ``(n_in, N)``, ``W_rec`` ``(N, N)``, ``W_out`` ``(n_in, C)``.

Parameters given as scalars are shared by the layer (one learnable value);
``(N,)`` arrays, or names listed in ``per_neuron``, are per neuron.  Decays
are learnt through their time constants (ms), clamped to ``tau_range``
after each optimiser step.  ``freeze`` lists parameter names that get no
gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from neurons.alif import ALIF_SPEC
from neurons.lib import LIB_SPEC
from neurons.lif import LIF_SPEC
from neurons.readout import READOUT_SPEC
from .kernels.common import RecPlan, sparse_project, delayed_outer_grad
from .kernels.lif import lif_forward, lif_backward
from .kernels.alif import alif_forward, alif_backward
from .kernels.lib import lib_forward, lib_backward
from .kernels.readout import readout_forward, readout_backward
from .surrogates import make_spike_spec

__all__ = [
    "LIFLayer",
    "ALIFLayer",
    "LIBLayer",
    "ReadoutLayer",
    "ResidualBlock",
    "SNN",
    "Tape",
    "Gradients",
    "kaiming_uniform",
]

DTYPES = (np.float32, np.float64)


def kaiming_uniform(rng, shape, fan_in, a=math.sqrt(5.0)):
    """Kaiming-uniform weights, ``U(-bound, bound)`` with
    ``bound = sqrt(6 / ((1 + a^2) * fan_in))``; the default ``a = sqrt(5)``
    is PyTorch's ``nn.Linear`` default, ``bound = 1/sqrt(fan_in)``."""
    bound = math.sqrt(6.0 / ((1.0 + a * a) * fan_in))
    return rng.uniform(-bound, bound, size=shape)


def _check_int(name, v, lo):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(v).__name__}")
    if v < lo:
        raise ValueError(f"{name} must be >= {lo}; got {v}")
    return int(v)


def _param_array(name, value, n):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        pass
    elif arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},); got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {value!r}")
    return arr.copy()


def _decay_to_tau(name, decay, dt):
    d = np.asarray(decay, dtype=np.float64)
    if np.any(d < 0) or np.any(d >= 1):
        raise ValueError(f"{name} must lie in [0, 1); got {decay!r}")
    # a decay of 0 maps to a tau whose exp(-dt/tau) underflows to 0
    return np.where(d > 0, -dt / np.log(np.maximum(d, 1e-300)), dt / 800.0)


def _two_grads(g_out, g_n, shape, dtype):
    """(gs, gn, has_gn) for the LIF/ALIF kernels without summing the arrays."""
    if g_out is None and g_n is None:
        return np.zeros(shape, dtype), np.zeros((1, 1, 1), dtype), False
    if g_out is None:
        return g_n, np.zeros((1, 1, 1), dtype), False
    if g_n is None:
        return g_out, np.zeros((1, 1, 1), dtype), False
    return g_out, g_n, True


#: largest number of steps whose recurrent gradient one BLAS product covers
BLOCK_STEPS = 64


def _block(B, N, dtype):
    """Scratch of ``recurrent_grad_step``: (flat buffer, block length)."""
    return np.empty(BLOCK_STEPS * B * N, dtype), BLOCK_STEPS


def _n_chunks(n_in, n):
    """Fixed number of time chunks of ``delayed_outer_grad`` (independent of
    the thread count; bounded memory for the partial sums)."""
    return int(max(1, min(16, (1 << 23) // max(1, n_in * n))))


#: inputs with at most this fraction of nonzero entries are projected by the
#: sparse kernels instead of BLAS
SPARSE_INPUT_DENSITY = 0.25


class _Base:
    """Parameter bookkeeping shared by layers and readout.

    A subclass names the ``spec`` of its model (:mod:`simcore.base.params`),
    shared with the event-driven model: the same names, defaults and ranges.
    """

    spec = None

    @property
    def _decays(self) -> tuple:
        """``((tau name, decay name), ...)`` of the model's spec."""
        return self.spec.decays()

    def _init_params(self, n, kwargs, per_neuron, freeze, tau_range):
        self._pending = {}
        self.params = {}
        defaults = self.spec.defaults()
        given = {k: v for k, v in kwargs.items() if v is not None}
        unknown = sorted(set(given) - set(self.spec.numeric_names()))
        if unknown:
            raise TypeError(f"unexpected keyword arguments {unknown}; the parameters are {list(self.spec.names())}")
        self.spec.check({k: _param_array(k, v, n) for k, v in given.items()}, type(self).__name__)
        for tau_name, dec_name in self._decays:
            t_val = kwargs.pop(tau_name, None)
            d_val = kwargs.pop(dec_name, None)
            if t_val is not None and d_val is not None:
                raise ValueError(f"give {tau_name} or {dec_name}, not both")
            if t_val is None and d_val is None:
                t_val = defaults[tau_name]
            if t_val is not None:
                tau = _param_array(tau_name, t_val, n)
                if np.any(tau <= 0):
                    raise ValueError(f"{tau_name} must be > 0 ms; got {t_val!r}")
                self.params[tau_name] = tau
            else:
                self._pending[tau_name] = (dec_name, _param_array(dec_name, d_val, n))
                self.params[tau_name] = None
        for name in self.spec.plain():
            v = kwargs.pop(name, None)
            self.params[name] = _param_array(name, defaults[name] if v is None else v, n)
        self.per_neuron = tuple(per_neuron)
        for p in self.per_neuron:
            if p not in self.params:
                raise ValueError(f"per_neuron names must be among {tuple(self.params)}; got {p!r}")
        self.frozen = set(freeze)
        self.tau_range = (1e-6, math.inf) if tau_range is None else (float(tau_range[0]), float(tau_range[1]))
        if not (0 < self.tau_range[0] <= self.tau_range[1]):
            raise ValueError(f"tau_range must be (lo, hi) with 0 < lo <= hi; got {tau_range!r}")

    def _bind_params(self, dt, dtype, n):
        # decays given as such are used exactly (not through exp(-dt/tau)) for
        # as long as their time constant is unchanged
        self._exact_decay = {}
        for tau_name, (dec_name, d) in self._pending.items():
            self.params[tau_name] = _decay_to_tau(dec_name, d, dt)
            self._exact_decay[tau_name] = d
        self._pending = {}
        for name in list(self.params):
            v = np.asarray(self.params[name], dtype=np.float64)
            if name in self.per_neuron and v.ndim == 0:
                v = np.full(n, float(v))
            self.params[name] = np.array(v, dtype=dtype)
        for tau_name, d in list(self._exact_decay.items()):
            self._exact_decay[tau_name] = (self.params[tau_name].copy(), np.asarray(d, dtype=np.float64))
        names = set(self.params)
        bad = self.frozen - names
        if bad:
            raise ValueError(f"freeze names must be among {sorted(names)}; got {sorted(bad)}")

    def _vec(self, name, n, dtype):
        return np.ascontiguousarray(np.broadcast_to(self.params[name], (n,)), dtype=dtype)

    def _decay_vec(self, tau_name, n, dt, dtype):
        exact = getattr(self, "_exact_decay", {}).get(tau_name)
        if exact is not None and np.array_equal(exact[0], self.params[tau_name]):
            return np.ascontiguousarray(np.broadcast_to(exact[1], (n,)), dtype=dtype)
        tau = np.broadcast_to(self.params[tau_name].astype(np.float64), (n,))
        return np.exp(-dt / tau).astype(dtype)

    def decay(self, tau_name, dt):
        """The decay per step ``exp(-dt/tau)`` the kernels use, ``(N,)``."""
        return self._decay_vec(tau_name, self.n, dt, self.dtype)

    def _reduce(self, name, g_vec):
        """(N,) gradient to the parameter's own shape."""
        return g_vec.sum() if self.params[name].ndim == 0 else g_vec

    def _tau_grad(self, tau_name, g_decay, n, dt):
        tau = np.broadcast_to(self.params[tau_name].astype(np.float64), (n,))
        dec = self._decay_vec(tau_name, n, dt, np.float64)
        g = g_decay.astype(np.float64) * dec * dt / (tau * tau)
        return self._reduce(tau_name, g).astype(self.dtype)

    def learnable(self):
        """Names of the parameters that receive gradients."""
        return [k for k in self.params if k not in self.frozen]

    def clamp_time_constants(self):
        """Clamp every time constant into ``tau_range`` (in place)."""
        lo, hi = self.tau_range
        for tau_name, _ in self._decays:
            np.clip(self.params[tau_name], lo, hi, out=self.params[tau_name])


class _Spiking(_Base):
    kind = ""
    spiking = True

    def __init__(
        self,
        n_in,
        n,
        *,
        recurrent=True,
        delays=1,
        W_in=None,
        W_rec=None,
        rec_mask=None,
        self_connections=True,
        delay_in=None,
        reset="subtract",
        detach_reset=False,
        per_neuron=(),
        freeze=(),
        tau_range=None,
        seed=None,
        name=None,
        **kwargs,
    ):
        self.n_in = _check_int("n_in", n_in, 1)
        self.n = N = _check_int("n", n, 1)
        resets = self.spec.choices()["reset"].choices
        if reset not in resets:
            raise ValueError(f"reset must be one of {resets}; got {reset!r}")
        self.reset = reset
        self.detach_reset = bool(detach_reset)
        self.recurrent = bool(recurrent)
        self.name = name
        self.delay_in = None if delay_in is None else _check_int("delay_in", delay_in, 0)
        d = np.asarray(delays)
        if d.ndim == 0:
            d = np.full(N, d)
        if d.shape != (N,):
            raise ValueError(f"delays must be an int or have shape ({N},); got shape {d.shape}")
        if not np.issubdtype(d.dtype, np.integer):
            if not np.all(d == np.round(d)):
                raise TypeError(f"delays must be integers (steps); got {delays!r}")
        if np.any(d < 1):
            raise ValueError(
                f"recurrent delays must be >= 1 step (docs/contract.md §2); got min {d.min()}; "
                "a delay of 0 would make the recurrent input depend on the spike of the same step"
            )
        self.delays = d.astype(np.int64)
        rng = np.random.default_rng(seed)
        self._W_in_given = W_in
        if W_in is None:
            W_in = kaiming_uniform(rng, (self.n_in, N), self.n_in)
        W_in = np.asarray(W_in, dtype=np.float64)
        if W_in.shape != (self.n_in, N):
            raise ValueError(f"W_in must have shape ({self.n_in}, {N}) (source, target); got {W_in.shape}")
        self._init_params(N, kwargs, per_neuron, freeze, tau_range)
        self.params["W_in"] = W_in
        if self.recurrent:
            if rec_mask is None:
                rec_mask = np.ones((N, N), dtype=bool)
            rec_mask = np.asarray(rec_mask, dtype=bool)
            if rec_mask.shape != (N, N):
                raise ValueError(f"rec_mask must have shape ({N}, {N}); got {rec_mask.shape}")
            rec_mask = rec_mask.copy()
            if not self_connections:
                np.fill_diagonal(rec_mask, False)
            self.rec_mask = rec_mask
            if W_rec is None:
                W_rec = kaiming_uniform(rng, (N, N), N)
            W_rec = np.asarray(W_rec, dtype=np.float64)
            if W_rec.shape != (N, N):
                raise ValueError(f"W_rec must have shape ({N}, {N}) (source, target); got {W_rec.shape}")
            self.params["W_rec"] = W_rec * rec_mask
        else:
            if W_rec is not None:
                raise ValueError("W_rec given for a layer with recurrent=False")
            self.rec_mask = None

    def _bind(self, dt, dtype):
        self.dtype = dtype
        self._bind_params(dt, dtype, self.n)

    # recurrent plan -------------------------------------------------------
    def _rec_plan(self):
        dt = self.dtype
        if not self.recurrent:
            z2 = np.zeros((0, 0), dt)
            zi = np.zeros(0, np.int64)
            return RecPlan(False, z2, zi, zi, zi, np.zeros(1, np.int64), zi, zi, np.zeros(0, dt))
        W = np.ascontiguousarray(self.params["W_rec"])
        N = self.n
        idx = np.arange(N)
        order = np.lexsort((idx, -self.delays)).astype(np.int64)
        gdel = np.unique(self.delays)
        gstart = [0]
        gcols = []
        woff = []
        blocks = []
        off = 0
        for d in gdel:
            cols = np.nonzero(self.delays == d)[0]
            gcols.append(cols)
            gstart.append(gstart[-1] + len(cols))
            woff.append(off)
            blocks.append(np.ascontiguousarray(W[cols, :].T).ravel())
            off += cols.size * N
        return RecPlan(
            True,
            W,
            self.delays,
            order,
            gdel.astype(np.int64),
            np.asarray(gstart, np.int64),
            np.concatenate(gcols).astype(np.int64),
            np.asarray(woff, np.int64),
            np.concatenate(blocks).astype(dt),
        )

    def state_shape(self, B):
        return (self._n_state, B, self.n)

    @property
    def reset_code(self):
        return {"subtract": 0, "zero": 1, "none": 2}[self.reset]


class LIFLayer(_Spiking):
    """Recurrent LIF layer (docs/contract.md §3.1), dense weights, per-neuron delays.

    Parameters
    ----------
    n_in, n : int
        Inputs and neurons.
    tau_mem : float or (n,) array, ms (default 20) -- or ``beta`` in (0, 1).
    threshold : float or (n,) array (default 1).
    reset : {'subtract', 'zero', 'none'}
    detach_reset : bool
        Stop the gradient through ``s`` inside the reset term only.
    recurrent : bool
        Whether the layer has recurrent weights ``W_rec``.
    delays : int or (n,) ints >= 1
        Recurrent delay of each source neuron, in steps.
    W_in, W_rec : arrays, optional
        ``(n_in, n)`` and ``(n, n)``; Kaiming-uniform from ``seed`` if omitted.
    rec_mask : (n, n) bool, optional; self_connections : bool
        Entries of ``W_rec`` kept at zero (the diagonal when
        ``self_connections=False``).
    delay_in : int, optional
        Delay of the input projection (see the module docstring).
    per_neuron, freeze : tuple of str
    tau_range : (lo, hi) ms
    """

    kind = "LIF"
    spec = LIF_SPEC
    _n_state = 1

    def forward(self, I, spec, dt, state0):
        B = I.shape[1]
        N = self.n
        dtp = self.dtype
        u0 = np.zeros((B, N), dtp) if state0 is None else np.ascontiguousarray(state0[0], dtp)
        T = I.shape[0]
        u_pre = np.empty((T, B, N), dtp)
        s = np.empty((T, B, N), dtp)
        beta = self._decay_vec("tau_mem", N, dt, dtp)
        th = self._vec("threshold", N, dtp)
        rec = self._rec_plan()
        lif_forward(I, rec, beta, th, self.reset_code, spec, u0, u_pre, s)
        return {"u_pre": u_pre, "s": s, "u0": u0, "rec": rec, "beta": beta, "th": th, "out": s, "events": s}

    def backward(self, c, g_out, g_n, spec, dt):
        T, B, N = c["s"].shape
        dtp = self.dtype
        gs, gn, has_gn = _two_grads(g_out, g_n, (T, B, N), dtp)
        gI = np.empty((T, B, N), dtp)
        gbeta = np.zeros((B, N), dtp)
        gth = np.zeros((B, N), dtp)
        lif_backward(
            gs,
            gn,
            has_gn,
            c["u_pre"],
            c["s"],
            c["u0"],
            c["rec"],
            c["beta"],
            c["th"],
            self.reset_code,
            self.detach_reset,
            spec,
            gI,
            gbeta,
            gth,
            np.zeros((B, N), dtp),
            np.zeros(B * N, dtp),
            *_block(B, N, dtp),
        )
        grads = {
            "tau_mem": self._tau_grad("tau_mem", gbeta.sum(0), N, dt),
            "threshold": self._reduce("threshold", gth.sum(0)).astype(dtp),
        }
        # gradients of the initial state and of the decay itself (SNN.backward(full=True))
        c["g_state0"] = (c["beta"] * gI[0])[None]
        c["g_decay"] = {"tau_mem": gbeta.sum(0)}
        return gI, grads


class ALIFLayer(_Spiking):
    """Recurrent ALIF layer (docs/contract.md §3.3); arguments as ``LIFLayer`` plus
    ``tau_adapt`` (ms, default 200; or ``rho``) and ``b_adapt`` (default
    1.8)."""

    kind = "ALIF"
    spec = ALIF_SPEC
    _n_state = 2

    def forward(self, I, spec, dt, state0):
        T, B, _ = I.shape
        N = self.n
        dtp = self.dtype
        if state0 is None:
            u0 = np.zeros((B, N), dtp)
            a0 = np.zeros((B, N), dtp)
        else:
            u0 = np.ascontiguousarray(state0[0], dtp)
            a0 = np.ascontiguousarray(state0[1], dtp)
        u_pre = np.empty((T, B, N), dtp)
        s = np.empty((T, B, N), dtp)
        a = np.empty((T, B, N), dtp)
        beta = self._decay_vec("tau_mem", N, dt, dtp)
        rho = self._decay_vec("tau_adapt", N, dt, dtp)
        th = self._vec("threshold", N, dtp)
        ba = self._vec("b_adapt", N, dtp)
        rec = self._rec_plan()
        alif_forward(I, rec, beta, rho, th, ba, self.reset_code, spec, u0, a0, u_pre, s, a)
        return {
            "u_pre": u_pre,
            "s": s,
            "a": a,
            "u0": u0,
            "a0": a0,
            "rec": rec,
            "beta": beta,
            "rho": rho,
            "th": th,
            "ba": ba,
            "out": s,
            "events": s,
        }

    def backward(self, c, g_out, g_n, spec, dt):
        T, B, N = c["s"].shape
        dtp = self.dtype
        gs, gn, has_gn = _two_grads(g_out, g_n, (T, B, N), dtp)
        gI = np.empty((T, B, N), dtp)
        acc = np.zeros((4, B, N), dtp)
        gstate0 = np.empty((2, B, N), dtp)
        alif_backward(
            gs,
            gn,
            has_gn,
            c["u_pre"],
            c["s"],
            c["a"],
            c["u0"],
            c["a0"],
            c["rec"],
            c["beta"],
            c["rho"],
            c["th"],
            c["ba"],
            self.reset_code,
            self.detach_reset,
            spec,
            gI,
            acc[0],
            acc[1],
            acc[2],
            acc[3],
            np.zeros((B, N), dtp),
            np.zeros(B * N, dtp),
            *_block(B, N, dtp),
            gstate0,
        )
        g = acc.sum(1)
        c["g_state0"] = gstate0
        c["g_decay"] = {"tau_mem": g[0], "tau_adapt": g[1]}
        grads = {
            "tau_mem": self._tau_grad("tau_mem", g[0], N, dt),
            "tau_adapt": self._tau_grad("tau_adapt", g[1], N, dt),
            "threshold": self._reduce("threshold", g[2]).astype(dtp),
            "b_adapt": self._reduce("b_adapt", g[3]).astype(dtp),
        }
        return gI, grads


_LIB_ROWS = (
    "alpha_pos",
    "alpha_neg",
    "beta_pos",
    "beta_neg",
    "gamma_pos",
    "gamma_neg",
    "theta_pos",
    "theta_neg",
    "scale_pos",
    "scale_neg",
    "rec_weight_pos",
    "rec_weight_neg",
    "bias",
)
_LIB_TAUS = {
    "alpha_pos": "tau_syn_pos",
    "alpha_neg": "tau_syn_neg",
    "beta_pos": "tau_mem_pos",
    "beta_neg": "tau_mem_neg",
    "gamma_pos": "tau_rec_pos",
    "gamma_neg": "tau_rec_neg",
}


class LIBLayer(_Spiking):
    """Recurrent LIB dual-trace layer (docs/contract.md §3.4).

    Decays are given as ``alpha_pos`` ... ``gamma_neg`` in (0, 1) or as time
    constants ``tau_syn_pos/neg`` (alpha), ``tau_mem_pos/neg`` (beta),
    ``tau_rec_pos/neg`` (gamma) in ms, and learnt through the time
    constants.  ``theta_pos, theta_neg > 0``; ``scale_pos, scale_neg``,
    ``rec_weight_pos, rec_weight_neg``, ``bias``.  ``reset`` is
    ``'subtract'`` (default) or ``'none'``.  The layer emits
    ``out = scale_pos*s_pos - scale_neg*s_neg`` (recurrent and downstream
    weights multiply ``out``); regularisers see ``n = s_pos + s_neg``.
    """

    kind = "LIB"
    spec = LIB_SPEC
    _n_state = 6

    def _bind(self, dt, dtype):
        super()._bind(dt, dtype)
        for name in ("theta_pos", "theta_neg"):
            if np.any(self.params[name] <= 0):
                raise ValueError(f"{name} must be > 0; got {self.params[name]!r}")

    @property
    def reset_code(self):
        return 0 if self.reset == "subtract" else 2

    def _P(self, dt):
        N = self.n
        P = np.empty((13, N), self.dtype)
        for r, name in enumerate(_LIB_ROWS):
            if name in _LIB_TAUS:
                P[r] = self._decay_vec(_LIB_TAUS[name], N, dt, self.dtype)
            else:
                P[r] = self._vec(name, N, self.dtype)
        return P

    def forward(self, I, spec, dt, state0):
        T, B, _ = I.shape
        N = self.n
        dtp = self.dtype
        X0 = np.zeros((6, B, N), dtp) if state0 is None else np.ascontiguousarray(state0, dtp)
        P = self._P(dt)
        Itot = np.empty((T, B, N), dtp)
        X = np.empty((6, T, B, N), dtp)
        sp = np.empty((T, B, N), dtp)
        sn = np.empty((T, B, N), dtp)
        out = np.empty((T, B, N), dtp)
        rec = self._rec_plan()
        lib_forward(I, rec, P, self.reset_code, spec, X0, Itot, X, sp, sn, out)
        return {
            "Itot": Itot,
            "X": X,
            "X0": X0,
            "s_pos": sp,
            "s_neg": sn,
            "out": out,
            "events": sp + sn,
            "rec": rec,
            "P": P,
        }

    def backward(self, c, g_out, g_n, spec, dt):
        T, B, N = c["out"].shape
        dtp = self.dtype
        zeros = None
        if g_out is None or g_n is None:
            zeros = np.zeros((T, B, N), dtp)
        gI = np.empty((T, B, N), dtp)
        gP = np.zeros((13, B, N), dtp)
        gstate0 = np.empty((6, B, N), dtp)
        lib_backward(
            zeros if g_out is None else g_out,
            zeros if g_n is None else g_n,
            c["Itot"],
            c["X"],
            c["X0"],
            c["s_pos"],
            c["s_neg"],
            c["out"],
            c["rec"],
            c["P"],
            self.reset_code,
            self.detach_reset,
            spec,
            gI,
            gP,
            np.zeros((B, N), dtp),
            np.zeros(B * N, dtp),
            *_block(B, N, dtp),
            gstate0,
        )
        g = gP.sum(1)
        c["g_state0"] = gstate0
        c["g_decay"] = {_LIB_TAUS[r]: g[i] for i, r in enumerate(_LIB_ROWS) if r in _LIB_TAUS}
        grads = {}
        for r, name in enumerate(_LIB_ROWS):
            if name in _LIB_TAUS:
                tn = _LIB_TAUS[name]
                grads[tn] = self._tau_grad(tn, g[r], N, dt)
            else:
                grads[name] = self._reduce(name, g[r]).astype(dtp)
        return gI, grads


class ReadoutLayer(_Base):
    """Leaky-integrator readout (docs/contract.md §3.5): ``y[t] = kappa*y[t-1] + I[t]``
    with ``I[t] = src[t - delay_in] @ W_out``.

    Parameters
    ----------
    n_in, n_out : int
    tau_out : float or (n_out,) array, ms (default 20) -- or ``kappa``.
    W_out : (n_in, n_out) array, optional (Kaiming-uniform from ``seed``).
    delay_in : int, optional
        Default 1 after a spiking layer, 0 after a float output.
    per_neuron, freeze, tau_range : as for the layers.
    """

    spec = READOUT_SPEC
    spiking = False

    def __init__(
        self, n_in, n_out, *, W_out=None, delay_in=None, per_neuron=(), freeze=(), tau_range=None, seed=None, **kwargs
    ):
        self.n_in = _check_int("n_in", n_in, 1)
        self.n = _check_int("n_out", n_out, 1)
        self.delay_in = None if delay_in is None else _check_int("delay_in", delay_in, 0)
        self._init_params(self.n, kwargs, per_neuron, freeze, tau_range)
        if W_out is None:
            W_out = kaiming_uniform(np.random.default_rng(seed), (self.n_in, self.n), self.n_in)
        W_out = np.asarray(W_out, dtype=np.float64)
        if W_out.shape != (self.n_in, self.n):
            raise ValueError(f"W_out must have shape ({self.n_in}, {self.n}); got {W_out.shape}")
        self.params["W_out"] = W_out

    def _bind(self, dt, dtype):
        self.dtype = dtype
        self._bind_params(dt, dtype, self.n)


class ResidualBlock:
    """``out[t] = x[t] + v[t] @ W_lin + b_lin``: a spiking layer (input
    current ``x @ W_in``, delay 0) paired with a linear map back to the
    width of ``x``.  Its input and output are float vectors of width
    ``layer.n_in``.  Parameters ``W_lin`` ``(layer.n, layer.n_in)`` and
    ``b_lin`` ``(layer.n_in,)``; the layer's own parameters are named
    ``layer.<name>``."""

    spiking = False
    spec = None  # its parameters are W_lin, b_lin and those of its layer

    def __init__(self, layer, *, W_lin=None, b_lin=None, freeze=(), seed=None):
        if not isinstance(layer, _Spiking):
            raise TypeError(f"layer must be a LIFLayer, ALIFLayer or LIBLayer; got {type(layer).__name__}")
        if layer.delay_in not in (None, 0):
            raise ValueError(
                f"the layer of a ResidualBlock takes its input with delay 0; got delay_in={layer.delay_in}"
            )
        layer.delay_in = 0
        self.layer = layer
        self.n_in = self.n = layer.n_in
        self.delay_in = 0
        if W_lin is None:
            W_lin = kaiming_uniform(np.random.default_rng(seed), (layer.n, self.n), layer.n)
        W_lin = np.asarray(W_lin, dtype=np.float64)
        if W_lin.shape != (layer.n, self.n):
            raise ValueError(f"W_lin must have shape ({layer.n}, {self.n}); got {W_lin.shape}")
        b_lin = np.zeros(self.n) if b_lin is None else np.asarray(b_lin, dtype=np.float64)
        if b_lin.shape != (self.n,):
            raise ValueError(f"b_lin must have shape ({self.n},); got {b_lin.shape}")
        self.params = {"W_lin": W_lin, "b_lin": b_lin}
        self.frozen = set(freeze)

    def _bind(self, dt, dtype):
        self.dtype = dtype
        self.layer._bind(dt, dtype)
        for k in self.params:
            self.params[k] = np.array(self.params[k], dtype=dtype)

    def clamp_time_constants(self):
        self.layer.clamp_time_constants()


class Gradients(NamedTuple):
    """What ``SNN.backward(..., full=True)`` returns: parameter gradients by
    name, dL/dx, the initial-state gradients by layer and the decay gradients
    by name."""

    params: dict
    x: np.ndarray
    state0: dict
    decays: dict


@dataclass
class Tape:
    """What the forward pass keeps for the backward pass.

    ``y``: readout output ``(T, B, C)`` (``None`` without readout);
    ``outputs[k]``: what layer ``k`` passes on (emitted values, or the float
    output of a residual block); ``events[k]``: spike events of layer ``k``
    (for a residual block, of its spiking layer), the ``n`` that the
    regularisers use.
    """

    x: np.ndarray
    y: np.ndarray | None
    outputs: list = field(default_factory=list)
    events: list = field(default_factory=list)
    caches: list = field(default_factory=list)
    currents: list = field(default_factory=list)

    def spikes(self, k):
        """Spike events ``(T, B, N)`` of layer ``k``."""
        return self.events[k]


class SNN:
    """A stack of spiking layers / residual blocks with an optional readout.

    Parameters
    ----------
    layers : list of LIFLayer, ALIFLayer, LIBLayer, ResidualBlock
    readout : ReadoutLayer, optional
    dt : float, ms
        Step used to turn time constants into decays.
    dtype : numpy.float32 or numpy.float64
    surrogate, surrogate_param, spike_fn, sigmoid_k : see
        ``simcore.grad.surrogates.make_spike_spec``.

    ``parameters()`` gives the learnable arrays by name
    (``'layers.0.W_in'``, ``'layers.1.layer.tau_mem'``, ``'readout.W_out'``);
    ``forward(x)`` returns a ``Tape`` and ``backward(tape, g_y, g_events)``
    the gradients under the same names.
    """

    def __init__(
        self,
        layers,
        readout=None,
        *,
        dt=1.0,
        dtype=np.float32,
        surrogate="fast_sigmoid",
        surrogate_param=None,
        spike_fn="heaviside",
        sigmoid_k=10.0,
    ):
        dtype = np.dtype(dtype).type
        if dtype not in DTYPES:
            raise TypeError(f"dtype must be numpy.float32 or numpy.float64; got {dtype!r}")
        dt = float(dt)
        if not (math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a finite number > 0 ms; got {dt!r}")
        layers = list(layers)
        if not layers:
            raise ValueError("layers must hold at least one layer")
        for k, L in enumerate(layers):
            if not isinstance(L, (_Spiking, ResidualBlock)):
                raise TypeError(
                    f"layers[{k}] must be a LIFLayer, ALIFLayer, LIBLayer or ResidualBlock; got {type(L).__name__}"
                )
            if k > 0 and L.n_in != layers[k - 1].n:
                raise ValueError(f"layers[{k}].n_in = {L.n_in} does not match layers[{k - 1}] width {layers[k - 1].n}")
        if readout is not None:
            if not isinstance(readout, ReadoutLayer):
                raise TypeError(f"readout must be a ReadoutLayer; got {type(readout).__name__}")
            if readout.n_in != layers[-1].n:
                raise ValueError(f"readout.n_in = {readout.n_in} does not match the last layer width {layers[-1].n}")
        self.layers = layers
        self.readout = readout
        self.dt = dt
        self.dtype = dtype
        self.spec = make_spike_spec(surrogate, surrogate_param, spike_fn, sigmoid_k)
        self.options = dict(
            surrogate=surrogate, surrogate_param=surrogate_param, spike_fn=spike_fn, sigmoid_k=sigmoid_k
        )
        for L in layers:
            L._bind(dt, dtype)
        if readout is not None:
            readout._bind(dt, dtype)
        self.n_in = layers[0].n_in

    # ------------------------------------------------------------------
    def _modules(self):
        for k, L in enumerate(self.layers):
            if isinstance(L, ResidualBlock):
                yield f"layers.{k}.", L
                yield f"layers.{k}.layer.", L.layer
            else:
                yield f"layers.{k}.", L
        if self.readout is not None:
            yield "readout.", self.readout

    def parameters(self, learnable_only=True):
        """Dict name -> parameter array (the arrays themselves, updated in
        place by the optimisers)."""
        out = {}
        for prefix, m in self._modules():
            for k, v in m.params.items():
                if not learnable_only or k not in m.frozen:
                    out[prefix + k] = v
        return out

    def clamp_time_constants(self):
        """Clamp every time constant into its module's ``tau_range``."""
        for _, m in self._modules():
            if m.spec is not None:
                m.clamp_time_constants()

    def source_delay(self, k):
        """Delay of the input projection of layer ``k`` (``k = len(layers)``
        is the readout)."""
        mod = self.readout if k == len(self.layers) else self.layers[k]
        if mod.delay_in is not None:
            return mod.delay_in
        return 1 if (k > 0 and self.layers[k - 1].spiking) else 0

    def _is_sparse(self, src, spiking_src):
        if spiking_src:
            return True
        return np.count_nonzero(src) <= SPARSE_INPUT_DENSITY * src.size

    def _project(self, src, W, d, sparse):
        T, B, _ = src.shape
        N = W.shape[1]
        I = np.empty((T, B, N), self.dtype)
        if sparse:
            sparse_project(src, np.ascontiguousarray(W), d, I)
        else:
            I[:d] = 0
            np.dot(src[: T - d].reshape(-1, src.shape[2]), W, out=I[d:].reshape(-1, N))
        return I

    def input_current(self, x):
        """Input current ``(T, B, N)`` of layer 0, exactly as ``forward`` computes
        it (``x[t - delay_in] @ W_in`` by one BLAS product)."""
        x = self._check_x(x)
        L = self.layers[0]
        W = L.params["W_in"] if not isinstance(L, ResidualBlock) else L.layer.params["W_in"]
        return self._project(x, W, self.source_delay(0), self._is_sparse(x, False))

    def _check_x(self, x):
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != self.n_in:
            raise ValueError(f"x must have shape (T, B, {self.n_in}) (time-major); got {x.shape}")
        if x.shape[0] < 1 or x.shape[1] < 1:
            raise ValueError(f"x must have T >= 1 and B >= 1; got shape {x.shape}")
        if not np.issubdtype(x.dtype, np.number):
            raise TypeError(f"x must be a numeric array; got dtype {x.dtype}")
        x = np.ascontiguousarray(x, dtype=self.dtype)
        if not np.all(np.isfinite(x)):
            raise ValueError("x must be finite (no NaN or inf)")
        return x

    def forward(self, x, initial_state=None):
        """Run the model on ``x`` ``(T, B, n_in)``; returns a ``Tape``.

        ``initial_state``: optional dict ``{k: array}`` with the initial state of
        layer ``k``, shaped ``(1, B, N)`` (LIF: ``u``), ``(2, B, N)`` (ALIF:
        ``u, a``) or ``(6, B, N)`` (LIB: ``syn_p, syn_n, mem_p, mem_n, rec_p,
        rec_n``); zero otherwise.
        """
        x = self._check_x(x)
        T, B, _ = x.shape
        initial_state = initial_state or {}
        tape = Tape(x=x, y=None)
        src = x
        src_spiking = False
        for k, L in enumerate(self.layers):
            d = self.source_delay(k)
            if d >= T:
                raise ValueError(f"delay_in of layer {k} ({d}) must be < T ({T})")
            core = L.layer if isinstance(L, ResidualBlock) else L
            st = initial_state.get(k)
            if st is not None:
                st = np.asarray(st)
                if st.shape != core.state_shape(B):
                    raise ValueError(f"initial_state[{k}] must have shape {core.state_shape(B)}; got {st.shape}")
            sparse = self._is_sparse(src, src_spiking)
            I = self._project(src, core.params["W_in"], d, sparse)
            c = core.forward(I, self.spec, self.dt, st)
            if isinstance(L, ResidualBlock):
                v = c["out"]
                out = src + (v.reshape(-1, core.n) @ L.params["W_lin"]).reshape(T, B, L.n) + L.params["b_lin"]
                out = out.astype(self.dtype, copy=False)
                src_spiking = False
            else:
                out = c["out"]
                src_spiking = True
            c["sparse_src"] = sparse
            tape.caches.append(c)
            tape.currents.append(I)
            tape.outputs.append(out)
            tape.events.append(c["events"])
            src = out
        if self.readout is not None:
            R = self.readout
            d = self.source_delay(len(self.layers))
            sparse = self._is_sparse(src, src_spiking)
            I = self._project(src, R.params["W_out"], d, sparse)
            kappa = R._decay_vec("tau_out", R.n, self.dt, self.dtype)
            y = np.empty_like(I)
            readout_forward(I, kappa, np.zeros((B, R.n), self.dtype), y)
            tape.y = y
            tape.caches.append({"kappa": kappa, "sparse_src": sparse})
        return tape

    def backward(self, tape, g_y=None, g_events=None, *, full=False):
        """Gradients of the loss with respect to the learnable parameters.

        Parameters
        ----------
        tape : Tape from ``forward``.
        g_y : (T, B, C) array, optional
            dL/dy of the readout output.
        g_events : dict {k: (T, B, N) array}, optional
            dL/dn of the spike events of layer ``k`` (regularisers).
        full : bool
            Also return the gradients of the input, of the initial states and
            of the decays (see Returns).

        Returns
        -------
        dict name -> gradient, for the names of ``parameters()``; with
        ``full=True`` a ``Gradients`` tuple ``(params, x, state0, decays)``:
        ``x`` is dL/dx ``(T, B, n_in)``, ``state0[k]`` the gradient of layer
        ``k``'s initial state (shaped as ``forward``'s ``initial_state[k]``),
        ``decays`` maps ``'<module prefix><decay name>'`` (``layers.0.beta``,
        ``layers.1.layer.alpha_pos``, ``readout.kappa``) to dL/d(decay), the
        gradient with respect to the decay itself rather than its time
        constant (every decay, learnable or not).
        """
        T, B, _ = tape.x.shape
        g_events = g_events or {}
        grads = {}
        nL = len(self.layers)
        for k in g_events:
            if not (0 <= k < nL):
                raise ValueError(f"g_events keys must be layer indices in [0, {nL}); got {k}")
            exp = tape.events[k].shape
            if np.shape(g_events[k]) != exp:
                raise ValueError(f"g_events[{k}] must have shape {exp}; got {np.shape(g_events[k])}")
        g_src = None
        g_decays = {}
        g_x = None
        if self.readout is not None:
            if g_y is None:
                g_y = np.zeros_like(tape.y)
            g_y = np.ascontiguousarray(g_y, dtype=self.dtype)
            if g_y.shape != tape.y.shape:
                raise ValueError(f"g_y must have shape {tape.y.shape}; got {g_y.shape}")
            R = self.readout
            gI = np.empty_like(g_y)
            gk = np.zeros(R.n, self.dtype)
            readout_backward(g_y, tape.y, np.zeros((B, R.n), self.dtype), tape.caches[-1]["kappa"], gI, gk)
            d = self.source_delay(nL)
            src = tape.outputs[-1]
            grads["readout.tau_out"] = R._tau_grad("tau_out", gk, R.n, self.dt)
            g_decays = {"readout.kappa": R._reduce("tau_out", gk).astype(self.dtype)}
            W = R.params["W_out"]
            grads["readout.W_out"] = self._weight_grad(src, gI, d, W.shape, tape.caches[-1]["sparse_src"])
            g_src = self._back_project(gI, W, d, src.shape)
        elif g_y is not None:
            raise ValueError("g_y given but the model has no readout")
        for k in range(nL - 1, -1, -1):
            L = self.layers[k]
            src = tape.x if k == 0 else tape.outputs[k - 1]
            d = self.source_delay(k)
            c = tape.caches[k]
            gn = g_events.get(k)
            if gn is not None:
                gn = np.ascontiguousarray(gn, dtype=self.dtype)
            if isinstance(L, ResidualBlock):
                core = L.layer
                prefix = f"layers.{k}.layer."
                g_out_blk = np.zeros((T, B, L.n), self.dtype) if g_src is None else g_src
                v = c["out"]
                grads[f"layers.{k}.W_lin"] = (v.reshape(-1, core.n).T @ g_out_blk.reshape(-1, L.n)).astype(self.dtype)
                grads[f"layers.{k}.b_lin"] = g_out_blk.sum(axis=(0, 1)).astype(self.dtype)
                g_v = (g_out_blk.reshape(-1, L.n) @ L.params["W_lin"].T).reshape(T, B, core.n).astype(self.dtype)
                gI, pg = core.backward(c, g_v, gn, self.spec, self.dt)
            else:
                core = L
                prefix = f"layers.{k}."
                gI, pg = core.backward(c, g_src, gn, self.spec, self.dt)
                g_out_blk = None
            for name, g in pg.items():
                grads[prefix + name] = g
            for tau_name, dec_name in core._decays:
                g_decays[prefix + dec_name] = core._reduce(tau_name, c["g_decay"][tau_name]).astype(self.dtype)
            if core.recurrent:
                dW = np.zeros((core.n, core.n), self.dtype)
                delayed_outer_grad(c["out"], gI, core.delays, dW, _n_chunks(core.n, core.n))
                grads[prefix + "W_rec"] = dW * core.rec_mask
            W_in = core.params["W_in"]
            grads[prefix + "W_in"] = self._weight_grad(src, gI, d, W_in.shape, c["sparse_src"])
            if k > 0 or full:
                g_src = self._back_project(gI, W_in, d, src.shape)
                if g_out_blk is not None:
                    g_src += g_out_blk
                if k == 0:
                    g_x = g_src
        learn = self.parameters()
        params = {k: v for k, v in grads.items() if k in learn}
        if not full:
            return params
        state0 = {k: tape.caches[k]["g_state0"] for k in range(nL)}
        return Gradients(params, g_x, state0, g_decays)

    def _weight_grad(self, src, gI, d, shape, sparse):
        T = src.shape[0]
        if sparse:
            dW = np.zeros(shape, self.dtype)
            delayed_outer_grad(src, gI, np.full(shape[0], d, np.int64), dW, _n_chunks(*shape))
            return dW
        if d >= T:
            return np.zeros(shape, self.dtype)
        return (src[: T - d].reshape(-1, shape[0]).T @ gI[d:].reshape(-1, shape[1])).astype(self.dtype)

    def _back_project(self, gI, W, d, shape):
        T = gI.shape[0]
        g = np.empty(shape, self.dtype)
        g[max(T - d, 0) :] = 0
        if d < T:
            np.dot(gI[d:].reshape(-1, W.shape[1]), np.ascontiguousarray(W.T), out=g[: T - d].reshape(-1, shape[2]))
        return g


def _append_spec_tables():
    """Each layer's docstring ends with its model's parameter table (the event model shows the same)."""
    for cls in (LIFLayer, ALIFLayer, LIBLayer, ReadoutLayer):
        table = "\n".join("        " + line for line in cls.spec.table().splitlines())
        cls.__doc__ = f"{cls.__doc__.rstrip()}\n\n    Parameters of the model (docs/contract.md §3)::\n\n{table}\n"


_append_spec_tables()
