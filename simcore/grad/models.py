r"""Model builders of the long-memory workbench (dense-gradient mode).

Each builder returns an ``SNN`` of ``simcore.grad`` layers:

``lif_stack(n_in, n_out, width, depth)``
    ``depth`` recurrent LIF layers (docs/contract.md §3.1) of ``width``
    neurons, per-neuron learnable ``tau_mem`` and ``threshold``, and a
    leaky readout.
``alif_stack(n_in, n_out, width, depth)``
    The same with ALIF neurons (docs/contract.md §3.3); ``tau_adapt``
    and ``b_adapt`` are learnable per neuron too.
``lib_residual_stack(n_in, n_out, width, depth, hidden)``
    A recurrent LIB layer (docs/contract.md §3.4) of ``width`` neurons
    that encodes the input into a residual stream of width ``width``, then
    ``depth`` residual blocks ``out = x + v @ W_lin + b_lin`` whose LIB layer
    (``hidden`` neurons, recurrent) reads the stream, then a readout.  Every
    LIB parameter (both halves of every decay, both thresholds and scales,
    both recurrent-trace weights, the bias) is learnable per neuron; their
    initial values are drawn from the distributions of ``LIB_INIT``.
``delaynet(n_in, n_out, n_rec)``
    DelayNet as ``benchmarks/delaynet.py`` builds it (Balafrej et al. 2022):
    one recurrent LIF layer, zero self-connections, neuron-level recurrent
    delays in three groups (default 1, 81, 101 steps for 17.6 %, 42.4 % and
    40 % of the neurons, drawn at random: the lattice rule needs a cube and
    gives about these fractions), ``W_in = |U(-b, b)|``, ``b = sqrt(6/n_in)``,
    frozen; shared learnable ``tau_mem``, ``threshold``, ``tau_out``;
    clamp_ramp surrogate; readout with delay 0.

``build(kind, n_in, n_out, n_params=..., ...)`` picks the width whose
learnable parameter count (``count_parameters``) is closest to ``n_params``
(the matched-size comparison of ``benchmarks/memory.py``).  ``constrain``
keeps a model valid after an optimiser step (time constants into their
range, thresholds positive, the DelayNet diagonal at zero).

All layers are float32 unless ``dtype`` says otherwise; ``seed`` makes the
initialisation reproducible.
"""

from __future__ import annotations

import math

import numpy as np

from .layers import ALIFLayer, LIBLayer, LIFLayer, ReadoutLayer, ResidualBlock, SNN, kaiming_uniform

__all__ = [
    "lif_stack",
    "alif_stack",
    "lib_residual_stack",
    "delaynet",
    "build",
    "count_parameters",
    "constrain",
    "BUILDERS",
    "LIB_INIT",
]

#: LIB initial values: name -> ("uniform", lo, hi) or ("loguniform", lo, hi), drawn per neuron
LIB_INIT = {
    "tau_syn_pos": ("loguniform", 1.0, 10.0),
    "tau_syn_neg": ("loguniform", 1.0, 10.0),
    "tau_mem_pos": ("loguniform", 5.0, 100.0),
    "tau_mem_neg": ("loguniform", 5.0, 100.0),
    "tau_rec_pos": ("loguniform", 5.0, 100.0),
    "tau_rec_neg": ("loguniform", 5.0, 100.0),
    "theta_pos": ("uniform", 0.5, 1.5),
    "theta_neg": ("uniform", 0.5, 1.5),
    "scale_pos": ("uniform", 0.8, 1.2),
    "scale_neg": ("uniform", 0.8, 1.2),
    "rec_weight_pos": ("uniform", -0.3, 0.3),
    "rec_weight_neg": ("uniform", -0.3, 0.3),
    "bias": ("uniform", -0.05, 0.05),
}
_LIB_NAMES = tuple(LIB_INIT)

#: time-constant range (ms) of the workbench models
TAU_RANGE = (0.5, 1000.0)
#: smallest threshold kept by ``constrain``
MIN_THRESHOLD = 0.05


def _draw(rng, spec, n):
    kind, lo, hi = spec
    if kind == "uniform":
        return rng.uniform(lo, hi, n)
    if kind == "loguniform":
        return np.exp(rng.uniform(math.log(lo), math.log(hi), n))
    raise ValueError(f"an initial-value distribution must be 'uniform' or 'loguniform'; got {kind!r}")


def _check_dims(**kw):
    for k, v in kw.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{k} must be an int; got {type(v).__name__}")
        if v < 1:
            raise ValueError(f"{k} must be >= 1; got {v}")


def _w_in(rng, n_in, n, gain):
    return kaiming_uniform(rng, (n_in, n), n_in, a=0.0) * gain


def _readout(rng, width, n_out, tau_out, delay_in=None):
    return ReadoutLayer(
        width,
        n_out,
        W_out=kaiming_uniform(rng, (width, n_out), width),
        tau_out=np.full(n_out, float(tau_out)),
        per_neuron=("tau_out",),
        tau_range=TAU_RANGE,
        delay_in=delay_in,
    )


def _model(layers, rng, width, n_out, tau_out, dtype, surrogate, surrogate_param):
    """``layers`` and a leaky readout of their ``width`` outputs as one ``SNN`` (dt = 1 ms)."""
    readout = _readout(rng, width, n_out, tau_out)
    return SNN(layers, readout, dt=1.0, dtype=dtype, surrogate=surrogate, surrogate_param=surrogate_param)


def _recurrent_layers(make_layer, rng, n_in, width, depth, in_gain):
    """``depth`` layers of ``width`` neurons, each fed by the one before (the first by the ``n_in`` inputs);
    ``make_layer(src, W_in, W_rec)`` builds one from its Kaiming-uniform weights, drawn in that order."""
    layers, src = [], n_in
    for _ in range(depth):
        W_in = _w_in(rng, src, width, in_gain)
        W_rec = kaiming_uniform(rng, (width, width), width)
        layers.append(make_layer(src, W_in, W_rec))
        src = width
    return layers


def lif_stack(
    n_in,
    n_out,
    width,
    depth=1,
    *,
    tau_mem=(5.0, 50.0),
    threshold=1.0,
    tau_out=5.0,
    in_gain=1.0,
    seed=0,
    dtype=np.float32,
    surrogate="arctan",
    surrogate_param=None,
):
    """``depth`` recurrent LIF layers of ``width`` neurons and a readout.
    ``tau_mem`` is drawn log-uniformly per neuron from the pair ``(lo, hi)`` (ms)."""
    _check_dims(n_in=n_in, n_out=n_out, width=width, depth=depth)
    rng = np.random.default_rng(seed)

    def layer(src, W_in, W_rec):
        return LIFLayer(
            src,
            width,
            W_in=W_in,
            W_rec=W_rec,
            tau_mem=_draw(rng, ("loguniform",) + tuple(tau_mem), width),
            threshold=np.full(width, float(threshold)),
            tau_range=TAU_RANGE,
        )

    layers = _recurrent_layers(layer, rng, n_in, width, depth, in_gain)
    return _model(layers, rng, width, n_out, tau_out, dtype, surrogate, surrogate_param)


def alif_stack(
    n_in,
    n_out,
    width,
    depth=1,
    *,
    tau_mem=(5.0, 50.0),
    tau_adapt=(20.0, 500.0),
    b_adapt=(0.0, 0.5),
    threshold=1.0,
    tau_out=5.0,
    in_gain=1.0,
    seed=0,
    dtype=np.float32,
    surrogate="arctan",
    surrogate_param=None,
):
    """``depth`` recurrent ALIF layers of ``width`` neurons and a readout;
    ``tau_mem`` and ``tau_adapt`` log-uniform, ``b_adapt`` uniform per neuron."""
    _check_dims(n_in=n_in, n_out=n_out, width=width, depth=depth)
    rng = np.random.default_rng(seed)

    def layer(src, W_in, W_rec):
        return ALIFLayer(
            src,
            width,
            W_in=W_in,
            W_rec=W_rec,
            tau_mem=_draw(rng, ("loguniform",) + tuple(tau_mem), width),
            tau_adapt=_draw(rng, ("loguniform",) + tuple(tau_adapt), width),
            b_adapt=_draw(rng, ("uniform",) + tuple(b_adapt), width),
            threshold=np.full(width, float(threshold)),
            tau_range=TAU_RANGE,
        )

    layers = _recurrent_layers(layer, rng, n_in, width, depth, in_gain)
    return _model(layers, rng, width, n_out, tau_out, dtype, surrogate, surrogate_param)


def _lib(rng, n_in, n, init, in_gain):
    vals = {k: _draw(rng, init[k], n) for k in _LIB_NAMES}
    return LIBLayer(
        n_in,
        n,
        W_in=_w_in(rng, n_in, n, in_gain),
        W_rec=kaiming_uniform(rng, (n, n), n),
        per_neuron=_LIB_NAMES,
        tau_range=TAU_RANGE,
        **vals,
    )


def lib_residual_stack(
    n_in,
    n_out,
    width,
    depth=2,
    hidden=None,
    *,
    init=None,
    tau_out=5.0,
    in_gain=1.0,
    seed=0,
    dtype=np.float32,
    surrogate="arctan",
    surrogate_param=None,
):
    """LIB encoder (``n_in -> width``) and ``depth`` residual LIB blocks of
    ``hidden`` neurons (default ``width``) on a stream of width ``width``.
    ``init`` overrides entries of ``LIB_INIT``."""
    hidden = width if hidden is None else hidden
    _check_dims(n_in=n_in, n_out=n_out, width=width, depth=depth, hidden=hidden)
    spec = dict(LIB_INIT)
    for k, v in (init or {}).items():
        if k not in spec:
            raise ValueError(f"init names must be among {_LIB_NAMES}; got {k!r}")
        spec[k] = tuple(v)
    rng = np.random.default_rng(seed)
    layers = [_lib(rng, n_in, width, spec, in_gain)]
    for _ in range(depth):
        blk = _lib(rng, width, hidden, spec, in_gain)
        layers.append(ResidualBlock(blk, W_lin=kaiming_uniform(rng, (hidden, width), hidden) * 0.5))
    return _model(layers, rng, width, n_out, tau_out, dtype, surrogate, surrogate_param)


def delaynet(
    n_in,
    n_out,
    n_rec,
    *,
    delay_groups=(1, 81, 101),
    fractions=(0.176, 0.424, 0.4),
    tau_mem=45.0,
    tau_out=45.0,
    threshold=2.0,
    seed=0,
    dtype=np.float32,
    freeze_input=True,
):
    """DelayNet (see the module docstring).  ``delay_groups`` (steps, >= 1) and
    ``fractions`` give the neuron-level recurrent delays."""
    _check_dims(n_in=n_in, n_out=n_out, n_rec=n_rec)
    groups = np.asarray(delay_groups, dtype=np.int64)
    frac = np.asarray(fractions, dtype=np.float64)
    if groups.ndim != 1 or groups.size < 1 or np.any(groups < 1):
        raise ValueError(f"delay_groups must be a sequence of ints >= 1; got {delay_groups!r}")
    if frac.shape != groups.shape or np.any(frac < 0) or not math.isclose(frac.sum(), 1.0, abs_tol=1e-6):
        raise ValueError(f"fractions must be one weight >= 0 per delay group, summing to 1; got {fractions!r}")
    rng = np.random.default_rng(seed)
    d = rng.choice(groups, size=n_rec, p=frac / frac.sum())
    W_in = np.abs(rng.uniform(-1, 1, (n_in, n_rec))) * math.sqrt(6.0 / n_in)
    W_rec = rng.uniform(-1, 1, (n_rec, n_rec)) * math.sqrt(6.0 / n_rec)
    np.fill_diagonal(W_rec, 0.0)
    W_out = rng.uniform(-1, 1, (n_rec, n_out)) * math.sqrt(6.0 / n_rec)
    layer = LIFLayer(
        n_in,
        n_rec,
        delays=d,
        W_in=W_in,
        W_rec=W_rec,
        self_connections=False,
        reset="subtract",
        tau_mem=tau_mem,
        threshold=threshold,
        freeze=("W_in",) if freeze_input else (),
        tau_range=(0.1, 50.0),
    )
    readout = ReadoutLayer(n_rec, n_out, W_out=W_out, delay_in=0, tau_out=tau_out, tau_range=(0.1, 50.0))
    return SNN([layer], readout, dt=1.0, dtype=dtype, surrogate="clamp_ramp")


def count_parameters(model):
    """Number of learnable scalars of ``model`` (``SNN.parameters()``)."""
    if not isinstance(model, SNN):
        raise TypeError(f"model must be an SNN; got {type(model).__name__}")
    return int(sum(p.size for p in model.parameters().values()))


def constrain(model, max_threshold=None):
    """After an optimiser step: time constants into range, thresholds (LIF,
    ALIF ``threshold``; LIB ``theta_pos/neg``) to at least ``MIN_THRESHOLD``
    (and at most ``max_threshold`` if given), ``b_adapt >= 0``, masked
    recurrent weights back to zero."""
    model.clamp_time_constants()
    for L in model.layers:
        core = L.layer if isinstance(L, ResidualBlock) else L
        for name in ("threshold", "theta_pos", "theta_neg"):
            if name in core.params:
                np.clip(core.params[name], MIN_THRESHOLD, max_threshold, out=core.params[name])
        if "b_adapt" in core.params:
            np.maximum(core.params["b_adapt"], 0, out=core.params["b_adapt"])
        if core.recurrent:
            core.params["W_rec"] *= core.rec_mask


#: kind -> builder(n_in, n_out, size, **kw); ``size`` is the width (neurons per layer)
BUILDERS = {"lif": lif_stack, "alif": alif_stack, "lib_res": lib_residual_stack, "delaynet": delaynet}


def build(kind, n_in, n_out, *, n_params=None, width=None, max_width=1024, **kwargs):
    """Build a model of ``kind`` (``'lif'``, ``'alif'``, ``'lib_res'``,
    ``'delaynet'``) with ``width`` neurons per layer, or with the width whose
    learnable parameter count is closest to ``n_params``.  Returns
    ``(model, width)``."""
    if kind not in BUILDERS:
        raise ValueError(f"kind must be one of {tuple(BUILDERS)}; got {kind!r}")
    if (n_params is None) == (width is None):
        raise ValueError("give exactly one of n_params and width")
    f = BUILDERS[kind]
    if width is not None:
        return f(n_in, n_out, width, **kwargs), width
    if isinstance(n_params, bool) or not isinstance(n_params, (int, np.integer)) or n_params < 1:
        raise ValueError(f"n_params must be an int >= 1; got {n_params!r}")

    def count(w):
        # counting does not need the initial values: build once per candidate (cheap for small widths)
        return count_parameters(f(n_in, n_out, w, **kwargs))

    lo, hi = 1, 1
    while hi < max_width and count(hi) < n_params:
        lo, hi = hi, min(2 * hi, max_width)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if count(mid) < n_params:
            lo = mid
        else:
            hi = mid
    best = min((lo, hi), key=lambda w: abs(count(w) - n_params))
    return f(n_in, n_out, best, **kwargs), best
