"""Stream a network's monitors into one HDF5 file during ``Network.run(out=...)``.

Each flushed block goes straight to the file (see :mod:`monitors.sonata` for
the layout) and the file is flushed after it, so a run that raises or is
interrupted leaves every completed chunk readable, with ``completed = False``.

=========================== ==================================================
monitor                     in the file
=========================== ==================================================
SpikeMonitor                ``/spikes/<population>`` (SONATA), ``sample_ids``
                            when B > 1, ``polarity`` for bipolar models
StateMonitor                ``/report/<population>`` one report per variable
PopulationRateMonitor       ``/rates/<population>/counts`` ``(steps, B)``
                            spikes per step, with ``steps`` and attributes
=========================== ==================================================
"""
from __future__ import annotations

import numpy as np

from .sonata import RecordingFile, package_version

UNITS = {"v": "mV", "V_m": "mV", "g": "mV", "ref": "steps"}


class Recorder:
    """Attach every monitor of ``network`` to a new :class:`RecordingFile` at ``path``."""

    def __init__(self, network, path, *, overwrite=False, compression=None, duration_steps: int = 0):
        ctx = network.ctx
        metadata = {"dt": ctx.dt, "seed": ctx.seed, "batch_size": ctx.batch_size,
                    "duration": duration_steps * ctx.dt, "start_step": network.t,
                    "dtype": np.dtype(ctx.dtype).name, "network": network.describe(),
                    "spikesim_version": package_version()}
        self.file = RecordingFile(path, overwrite=overwrite, compression=compression, metadata=metadata)
        self.network = network
        self.dt = ctx.dt
        self._spikes, self._reports, self._rates = {}, {}, {}
        spike_groups = {}
        for mon in network.monitors:
            mon.sinks.append(self)
            if type(mon).__name__ == "SpikeMonitor":
                pop = mon.population
                group = pop.name if pop.name not in spike_groups else mon.name
                spike_groups[group] = mon
                self._spikes[id(mon)] = self.file.spike_writer(
                    group, pop.n, batch_size=ctx.batch_size, bipolar=bool(getattr(pop, "bipolar", False)))

    # ----- sinks called by the monitors
    def write_spikes(self, mon, block) -> None:
        writer = self._spikes[id(mon)]
        writer.append(block.steps * self.dt, block.neurons, block.samples,
                      block.polarity if writer.bipolar else None)

    def write_states(self, mon, steps, block: dict) -> None:
        for var, data in block.items():
            key = (id(mon), var)
            if key not in self._reports:
                dtype = np.float32 if data.dtype == np.float32 else np.float64
                unit = UNITS.get(var, "mV" if var.startswith(("g_", "V_")) else "")
                self._reports[key] = self.file.report_writer(
                    mon.population.name, var, mon.neuron_ids, self.dt, start_step=int(steps[0]),
                    every=mon.every, batch_size=data.shape[1], unit=unit, dtype=dtype)
            self._reports[key].append(data)

    def write_rates(self, mon, steps, counts) -> None:
        key = id(mon)
        h5 = self.file.h5
        if key not in self._rates:
            rates = h5.require_group("rates")
            grp = rates.create_group(mon.population.name if mon.population.name not in rates else mon.name)
            grp.attrs["n_neurons"] = mon.population.n
            grp.attrs["dt"] = self.dt
            grp.attrs["units"] = "spikes per step"
            grp.create_dataset("counts", shape=(0, counts.shape[1]), maxshape=(None, counts.shape[1]),
                               dtype=np.int64, chunks=(4096, counts.shape[1]))
            grp.create_dataset("steps", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(4096,))
            self._rates[key] = grp
        grp = self._rates[key]
        n = grp["steps"].shape[0]
        grp["counts"].resize(n + counts.shape[0], axis=0)
        grp["counts"][n:] = counts
        grp["steps"].resize(n + steps.shape[0], axis=0)
        grp["steps"][n:] = steps
        self.file.flush()

    def close(self, completed: bool, stop_reason: str | None = None) -> None:
        """Detach from the monitors and close the file with its ``completed`` flag."""
        for mon in self.network.monitors:
            if self in mon.sinks:
                mon.sinks.remove(self)
        if not self.file.closed:
            self.file.update_metadata(end_step=self.network.t)
            self.file.close(completed=completed, stop_reason=stop_reason)
