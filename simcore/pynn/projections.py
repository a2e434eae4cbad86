"""Projection of ``simcore.pynn``: PyNN's connectors draw the synapses; spikesim runs them.

PyNN's connectors call :meth:`Projection._convergent_connect` with the
synapses of one target at a time (indices and per-synapse weights, delays and
synapse parameters, in PyNN units). They are kept as arrays, sorted by
(source, target) as spikesim stores them (CSR over sources), and become one
spikesim projection (``FromArrays``) per pair of populations at the first run,
with weights converted to the target model's units (uS -> nS, nA -> pA, ...).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from pyNN import common
from pyNN.space import Space

import simcore as sc
from . import simulator
from .populations import resolve
from .simulator import NotSupported, state
from .standardmodels import STDPMechanism, StaticSynapse

_POSITIONAL = ("presynaptic_index", "postsynaptic_index")


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(
        self,
        presynaptic_population,
        postsynaptic_population,
        connector,
        synapse_type=None,
        source=None,
        receptor_type=None,
        space=Space(),
        label=None,
    ):
        state.require_unbuilt("creating a Projection")
        common.Projection.__init__(
            self,
            presynaptic_population,
            postsynaptic_population,
            connector,
            synapse_type,
            source,
            receptor_type,
            space,
            label,
        )
        if not hasattr(self.synapse_type, "spikesim_model"):
            raise NotSupported(f"the synapse type {type(self.synapse_type).__name__}")
        if source not in (None, "axon"):
            raise NotSupported(f"projection source {source!r}")
        self._parts = defaultdict(list)
        connector.connect(self)
        self._finish()
        self._spikesim = []
        state.projections.append(self)

    def _convergent_connect(
        self, presynaptic_indices, postsynaptic_index, location_selector=None, **connection_parameters
    ):
        if location_selector is not None:
            raise NotSupported("multicompartment synapse locations")
        pre = np.asarray(presynaptic_indices, dtype=np.int64)
        self._parts["presynaptic_index"].append(pre)
        self._parts["postsynaptic_index"].append(np.full(pre.size, int(postsynaptic_index), dtype=np.int64))
        for name, value in connection_parameters.items():
            self._parts[name].append(np.broadcast_to(np.asarray(value, dtype=float), pre.shape).copy())

    def _finish(self):
        names = set(self._parts) | set(_POSITIONAL)
        arrays = {name: np.concatenate(self._parts[name]) if self._parts[name] else np.zeros(0) for name in names}
        order = np.lexsort((arrays["postsynaptic_index"], arrays["presynaptic_index"]))  # spikesim's CSR order
        self._attrs = {name: a[order] for name, a in arrays.items()}
        for name in _POSITIONAL:
            self._attrs[name] = self._attrs[name].astype(np.int64)
        del self._parts

    def __len__(self):
        return int(self._attrs["presynaptic_index"].size)

    # ----- attributes
    def _current(self, name):
        if name == "weight" and self._spikesim and not isinstance(self.synapse_type, StaticSynapse):
            self._read_weights()
        return self._attrs[name]

    def _get_attributes_as_list(self, names):
        columns = [self._current(name) for name in names]
        return [tuple(int(v) if n in _POSITIONAL else float(v) for n, v in zip(names, row)) for row in zip(*columns)]

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        ops = {"sum": np.add.at, "min": np.minimum.at, "max": np.maximum.at}
        i, j = self._attrs["presynaptic_index"], self._attrs["postsynaptic_index"]
        out = []
        for name in names:
            values = self._current(name)
            if multiple_synapses in ops:
                start = {"sum": 0.0, "min": np.inf, "max": -np.inf}[multiple_synapses]
                arr = np.full((self.pre.size, self.post.size), start)
                ops[multiple_synapses](arr, (i, j), values)
            else:
                arr = np.full((self.pre.size, self.post.size), np.nan)
                pick = slice(None) if multiple_synapses == "last" else slice(None, None, -1)
                arr[i[pick], j[pick]] = values[pick]
            empty = np.ones((self.pre.size, self.post.size), dtype=bool)
            empty[i, j] = False
            arr[empty] = np.nan
            out.append(arr)
        return out

    def _set_attributes(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        i, j = self._attrs["presynaptic_index"], self._attrs["postsynaptic_index"]
        for name, value in parameter_space.items():
            if state.net is not None and name != "weight":
                raise NotSupported(f"changing {name!r} of a projection after the first run")
            value = np.asarray(value, dtype=float)
            self._attrs[name] = value[i, j] if value.ndim == 2 else np.broadcast_to(value, i.shape).copy()
        if state.net is not None:
            self._write_weights()

    # ----- spikesim
    def _pieces(self):
        """``(pre population, post population, synapse mask, pre root index, post root index)`` per pair."""
        pre_parts, post_parts = resolve(self.pre), resolve(self.post)
        pre_bounds = np.cumsum([0] + [idx.size for _, idx in pre_parts])
        post_bounds = np.cumsum([0] + [idx.size for _, idx in post_parts])
        i, j = self._attrs["presynaptic_index"], self._attrs["postsynaptic_index"]
        gi, gj = np.searchsorted(pre_bounds, i, side="right") - 1, np.searchsorted(post_bounds, j, side="right") - 1
        for a, (pre, pre_idx) in enumerate(pre_parts):
            for b, (post, post_idx) in enumerate(post_parts):
                mask = (gi == a) & (gj == b)
                yield pre, post, mask, pre_idx[i[mask] - pre_bounds[a]], post_idx[j[mask] - post_bounds[b]]

    def _build(self, net):
        plastic = not isinstance(self.synapse_type, StaticSynapse)
        for pre, post, mask, ri, rj in self._pieces():
            receptor = post.celltype.receptor_map.get(self.receptor_type)
            if receptor is None:
                raise NotSupported(f"receptor type {self.receptor_type!r} of {type(post.celltype).__name__}")
            factor = np.broadcast_to(np.asarray(post._factor("weight"), dtype=float), (post.size,))
            w = self._attrs["weight"][mask] * factor[rj]
            delay, delay_per = self._delays(self._attrs["delay"][mask], ri, pre.size, plastic)
            synapse, batch = None, None
            if plastic:
                if not np.all(factor == factor[0]):
                    raise NotSupported("plastic synapses onto IF_curr_exp neurons whose tau_m/cm differ")
                params = {}
                for name in self.synapse_type.get_native_names():
                    if name in ("weight", "delay", "dendritic_delay_fraction"):
                        continue
                    values = self._attrs[name][mask] if name in self._attrs else np.zeros(0)
                    if values.size and not np.all(values == values[0]):
                        raise NotSupported(f"synapse parameter {name!r} that differs between synapses")
                    params[name] = (
                        float(values[0]) if values.size else float(self.synapse_type.native_parameters[name].base_value)
                    )
                synapse = self.synapse_type.spikesim_model(params, float(factor[0]))
                batch = "per_sample" if isinstance(self.synapse_type, STDPMechanism) else None
            proj = sc.Projection(
                pre._component,
                post._component,
                sc.FromArrays(ri, rj, w),
                delay=delay,
                delay_per=delay_per,
                receptor=receptor,
                synapse=synapse,
                batch=batch,
            )
            self._spikesim.append((net.add(proj), mask, factor[rj]))

    @staticmethod
    def _delays(d, ri, n_pre, plastic):
        """One delay (all equal), one per source, or one per synapse (static only: docs/contract.md §2)."""
        if d.size == 0 or np.all(d == d[0]):
            return (float(d[0]) if d.size else state.dt), None
        per_source = np.full(n_pre, d.min())
        per_source[ri] = d
        if np.array_equal(per_source[ri], d):
            return per_source, "source"
        if plastic:
            raise NotSupported("plastic synapses whose delays differ within the outgoing synapses of one source")
        return d, "synapse"

    def _read_weights(self):
        for proj, mask, factor in self._spikesim:
            w = np.asarray(proj.weights)
            self._attrs["weight"][mask] = (w[0] if w.ndim == 2 else w) / factor  # sample 0 (docs/pynn.md)

    def _write_weights(self):
        for proj, mask, factor in self._spikesim:
            proj.weights = np.broadcast_to(self._attrs["weight"][mask] * factor, np.shape(proj.weights))
