"""Saving and loading dense-mode models to HDF5.

Layout (format version 1)::

    /            attrs: format="spikesim.grad.SNN", version=1, dt (ms), dtype,
                        surrogate, surrogate_param, spike_fn, sigmoid_k
    /layers/<k>/ attrs: kind (LIF, ALIF, LIB, Residual), n_in, n, recurrent,
                        delay_in (-1 = default), reset, detach_reset,
                        per_neuron, frozen, tau_range
                 datasets: delays, rec_mask (if recurrent), params/<name>
    /layers/<k>/layer/   the spiking layer of a residual block (same layout)
    /readout/    attrs: n_in, n, delay_in, frozen, tau_range; params/<name>
    .../exact_decay/<tau name>/{tau, decay}   decays given as such (used
                 exactly while the time constant equals ``tau``)

Time constants are stored in ms (``units`` attribute).
"""

from __future__ import annotations

import os

import h5py
import numpy as np

from .layers import LIFLayer, ALIFLayer, LIBLayer, ReadoutLayer, ResidualBlock, SNN

__all__ = ["save", "load", "load_parameters"]

FORMAT = "spikesim.grad.SNN"
VERSION = 1
_KINDS = {"LIF": LIFLayer, "ALIF": ALIFLayer, "LIB": LIBLayer}


def _write_params(g, module):
    pg = g.create_group("params")
    for k, v in module.params.items():
        ds = pg.create_dataset(k, data=v)
        if k.startswith("tau"):
            ds.attrs["units"] = "ms"
    exact = getattr(module, "_exact_decay", {})
    if exact:
        # decays given as such: kept exactly (exp(-dt/tau) may differ in the last bit)
        eg = g.create_group("exact_decay")
        for k, (tau, dec) in exact.items():
            sub = eg.create_group(k)
            sub.create_dataset("tau", data=tau)
            sub.create_dataset("decay", data=dec)


def _write_common(g, m):
    g.attrs["delay_in"] = -1 if m.delay_in is None else m.delay_in
    g.attrs["frozen"] = ",".join(sorted(m.frozen))
    if hasattr(m, "tau_range"):
        g.attrs["tau_range"] = np.asarray(m.tau_range, dtype=np.float64)
        g.attrs["per_neuron"] = ",".join(m.per_neuron)


def _write_layer(g, L):
    g.attrs["kind"] = L.kind
    g.attrs["n_in"] = L.n_in
    g.attrs["n"] = L.n
    g.attrs["recurrent"] = L.recurrent
    g.attrs["reset"] = L.reset
    g.attrs["detach_reset"] = L.detach_reset
    _write_common(g, L)
    g.create_dataset("delays", data=L.delays)
    if L.recurrent:
        g.create_dataset("rec_mask", data=L.rec_mask)
    _write_params(g, L)


def save(model, path, overwrite=False):
    """Write ``model`` (architecture and every parameter) to ``path``.

    Refuses to overwrite an existing file unless ``overwrite=True``."""
    if not isinstance(model, SNN):
        raise TypeError(f"model must be an SNN; got {type(model).__name__}")
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    f = h5py.File(path, "w")
    try:
        f.attrs["format"] = FORMAT
        f.attrs["version"] = VERSION
        f.attrs["dt"] = model.dt
        f.attrs["dt_units"] = "ms"
        f.attrs["dtype"] = np.dtype(model.dtype).name
        o = model.options
        f.attrs["surrogate"] = o["surrogate"]
        f.attrs["surrogate_param"] = np.nan if o["surrogate_param"] is None else float(o["surrogate_param"])
        f.attrs["spike_fn"] = o["spike_fn"]
        f.attrs["sigmoid_k"] = float(o["sigmoid_k"])
        lg = f.create_group("layers")
        for k, L in enumerate(model.layers):
            g = lg.create_group(str(k))
            if isinstance(L, ResidualBlock):
                g.attrs["kind"] = "Residual"
                g.attrs["frozen"] = ",".join(sorted(L.frozen))
                _write_params(g, L)
                _write_layer(g.create_group("layer"), L.layer)
            else:
                _write_layer(g, L)
        if model.readout is not None:
            R = model.readout
            g = f.create_group("readout")
            g.attrs["n_in"] = R.n_in
            g.attrs["n"] = R.n
            _write_common(g, R)
            _write_params(g, R)
    finally:
        f.close()


def _s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def _names(v):
    v = _s(v)
    return tuple(x for x in v.split(",") if x)


def _read_layer(g):
    kind = _s(g.attrs["kind"])
    if kind not in _KINDS:
        raise ValueError(f"unknown layer kind {kind!r} in {g.name}")
    params = {k: np.asarray(v[()]) for k, v in g["params"].items()}
    recurrent = bool(g.attrs["recurrent"])
    d_in = int(g.attrs["delay_in"])
    kw = dict(
        recurrent=recurrent,
        delays=np.asarray(g["delays"][()]),
        W_in=params.pop("W_in"),
        reset=_s(g.attrs["reset"]),
        detach_reset=bool(g.attrs["detach_reset"]),
        delay_in=None if d_in < 0 else d_in,
        per_neuron=_names(g.attrs["per_neuron"]),
        freeze=_names(g.attrs["frozen"]),
        tau_range=tuple(g.attrs["tau_range"]),
    )
    if recurrent:
        kw["W_rec"] = params.pop("W_rec")
        kw["rec_mask"] = np.asarray(g["rec_mask"][()])
    kw.update(params)
    return _KINDS[kind](int(g.attrs["n_in"]), int(g.attrs["n"]), **kw)


def load(path):
    """Rebuild the ``SNN`` saved by ``save``."""
    with h5py.File(os.fspath(path), "r") as f:
        if _s(f.attrs.get("format", "")) != FORMAT:
            raise ValueError(f"{path} is not a {FORMAT} file (format attribute {f.attrs.get('format')!r})")
        if int(f.attrs["version"]) > VERSION:
            raise ValueError(
                f"{path} has format version {int(f.attrs['version'])}; this spikesim reads up to {VERSION}"
            )
        layers = []
        for k in range(len(f["layers"])):
            g = f["layers"][str(k)]
            if _s(g.attrs["kind"]) == "Residual":
                inner = _read_layer(g["layer"])
                blk = ResidualBlock(
                    inner, W_lin=g["params/W_lin"][()], b_lin=g["params/b_lin"][()], freeze=_names(g.attrs["frozen"])
                )
                layers.append(blk)
            else:
                layers.append(_read_layer(g))
        readout = None
        if "readout" in f:
            g = f["readout"]
            d_in = int(g.attrs["delay_in"])
            params = {k: np.asarray(v[()]) for k, v in g["params"].items()}
            readout = ReadoutLayer(
                int(g.attrs["n_in"]),
                int(g.attrs["n"]),
                W_out=params.pop("W_out"),
                delay_in=None if d_in < 0 else d_in,
                per_neuron=_names(g.attrs["per_neuron"]),
                freeze=_names(g.attrs["frozen"]),
                tau_range=tuple(g.attrs["tau_range"]),
                **params,
            )
        sp = float(f.attrs["surrogate_param"])
        model = SNN(
            layers,
            readout,
            dt=float(f.attrs["dt"]),
            dtype=np.dtype(_s(f.attrs["dtype"])).type,
            surrogate=_s(f.attrs["surrogate"]),
            surrogate_param=None if np.isnan(sp) else sp,
            spike_fn=_s(f.attrs["spike_fn"]),
            sigmoid_k=float(f.attrs["sigmoid_k"]),
        )
    # bit-exact parameters (the constructors go through float64)
    with h5py.File(os.fspath(path), "r") as f:
        _fill(model, f)
    return model


def _fill(model, f):
    for prefix, m in model._modules():
        parts = prefix.rstrip(".").split(".")
        grp = f["/".join(parts)] if parts[0] != "readout" else f["readout"]
        for k in m.params:
            src = grp["params"][k][()]
            if src.shape != m.params[k].shape:
                raise ValueError(f"{prefix}{k}: file holds shape {src.shape}; the model has {m.params[k].shape}")
            m.params[k][...] = src
        if hasattr(m, "_exact_decay"):
            m._exact_decay = {}
            if "exact_decay" in grp:
                for k, sub in grp["exact_decay"].items():
                    m._exact_decay[k] = (np.asarray(sub["tau"][()]), np.asarray(sub["decay"][()]))


def load_parameters(model, path):
    """Copy every parameter stored in ``path`` into the matching arrays of an
    existing ``model`` (same architecture), in place."""
    with h5py.File(os.fspath(path), "r") as f:
        if _s(f.attrs.get("format", "")) != FORMAT:
            raise ValueError(f"{path} is not a {FORMAT} file")
        _fill(model, f)
    return model
