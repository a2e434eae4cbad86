"""Recording for ``simcore.pynn``: spikesim monitors behind PyNN's ``Recorder``, results as neo blocks.

With ``setup(batch_size=B)`` every run gives ``B`` independent samples; a
block then holds one segment per sample and run segment, in the order
(segment 0: samples 0..B-1, segment 1: ...), each annotated with ``sample``
(docs/pynn.md, "Batches").
"""

from __future__ import annotations

import neo
import numpy as np
from pyNN import recording
from pyNN.recording import filter_by_variables

import simcore as sc
from . import simulator
from .simulator import NotSupported, state


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self._monitors = {}
        self._sample = 0

    # ----- what to record
    def _record(self, variable, new_ids, sampling_interval=None):
        if variable.name != "spikes" and variable.name not in self.population.celltype.variable_map:
            raise NotSupported(
                f"recording {variable.name!r} of {type(self.population.celltype).__name__} "
                f"(recordable here: spikes, {', '.join(self.population.celltype.variable_map)})"
            )
        if sampling_interval is not None:
            every = sampling_interval / state.dt
            if abs(every - round(every)) > 1e-9 or round(every) < 1:
                raise ValueError(
                    f"sampling_interval={sampling_interval} ms must be a multiple of the timestep {state.dt} ms"
                )
            self.sampling_interval = sampling_interval
        if state.net is not None:  # monitors may join a built network; they record from now on
            self._add_monitor(state.net, variable)

    def _build(self, net):
        for variable in self.recorded:
            self._add_monitor(net, variable)

    def _add_monitor(self, net, variable):
        old = self._monitors.pop(variable.name, None)
        if old is not None:
            net.components.remove(old)
            old.network = None
        ids = np.sort(self.population.id_to_index(np.array(sorted(self.recorded[variable]), dtype=int)))
        comp = self.population._component
        if variable.name == "spikes":
            mon = sc.SpikeMonitor(comp, neurons=ids)
        else:
            native = self.population.celltype.variable_map[variable.name][0]
            mon = sc.StateMonitor(comp, native, neurons=ids, every=int(round(self.sampling_interval / state.dt)))
        self._monitors[variable.name] = net.add(mon)

    # ----- reading back (sample self._sample)
    def _get_spiketimes(self, ids, clear=False):
        mon = self._monitors.get("spikes")
        if mon is None:
            return np.zeros(0, int), np.zeros(0)
        keep = mon.samples == self._sample
        index = mon.neurons[keep]
        times = mon.steps[keep] * state.dt
        id_array = self.population.all_cells[index].astype(int)
        mask = np.isin(id_array, np.asarray(ids, dtype=int))
        return id_array[mask], times[mask]

    def _get_all_signals(self, variable, ids, clear=False):
        mon = self._monitors.get(variable.name)
        if mon is None:
            return np.zeros((0, len(ids))), None
        native, scale = self.population.celltype.variable_map[variable.name]
        columns = np.searchsorted(mon.neuron_ids, self.population.id_to_index(np.asarray(ids, dtype=int)))
        data = mon[native]
        if data.size == 0:
            return np.zeros((0, len(ids))), None
        return data[:, self._sample, columns] * scale, None

    def _local_count(self, variable, filter_ids=None):
        ids = self.filter_recorded(variable, filter_ids)
        id_array, _ = self._get_spiketimes(sorted(ids))
        counts = {int(i): 0 for i in ids}
        for i, n in zip(*np.unique(id_array, return_counts=True)):
            counts[int(i)] = int(n)
        return counts

    def _clear_simulator(self):
        for mon in self._monitors.values():
            mon.reset()

    def _reset(self):
        if self._monitors and state.net is not None:
            raise NotSupported("record(None) after the first run (monitors stay in the built network)")
        self._monitors = {}

    # ----- batches: one segment per sample
    def _segments_now(self, variables="all", filter_ids=None, clear=False):
        segments = []
        for b in range(state.batch_size):
            self._sample = b
            seg = self._get_current_segment(filter_ids=filter_ids, variables=variables)
            if state.batch_size > 1:
                seg.annotate(sample=b)
                seg.name = f"{seg.name}.sample{b:03d}"
            segments.append(seg)
        self._sample = 0
        if clear:
            self._clear_simulator()
        return segments

    def get(self, variables, gather=False, filter_ids=None, clear=False, annotations=None, locations=None):
        data = neo.Block()
        localized = "all" if variables == "all" else self._localize_variables(variables, locations)
        data.segments = [filter_by_variables(segment, localized) for segment in self.cache]
        if state.running:
            data.segments.extend(self._segments_now(localized, filter_ids, clear))
        for segment in data.segments:
            segment.block = data
        data.name = self.population.label
        data.description = self.population.describe()
        data.rec_datetime = data.segments[0].rec_datetime if data.segments else None
        data.annotate(**self.metadata)
        data.annotate(batch_size=state.batch_size)
        if annotations:
            data.annotate(**annotations)
        if clear:
            self.clear()
        return data

    def store_to_cache(self, annotations=None):
        if state.t != 0 and not self.clear_flag:
            for segment in self._segments_now():
                segment.annotate(**(annotations or {}))
                self.cache.store(segment)
        self.clear_flag = False
        self._recording_start_time = 0.0 * recording.pq.ms
