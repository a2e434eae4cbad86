"""Stream a network's monitors into one HDF5 file during ``Network.run(out=...)``.

Flushed blocks are gathered and written to the file (see :mod:`monitors.sonata`
for the layout) once they hold ``WRITE_EVENTS`` values or ``WRITE_SECONDS`` of
wall time has passed, and always when the run ends, completes or fails: each
write costs a fixed number of HDF5 calls, so writing every chunk would cost
more than the simulation of a small network. A run that raises or is
interrupted (Python exception, KeyboardInterrupt) leaves every completed
chunk in the file, with ``completed = False``; a process killed outright
(SIGKILL) keeps what was written up to ``WRITE_SECONDS`` before.

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

import time

import numpy as np

from .sonata import RecordingFile, package_version

UNITS = {"v": "mV", "V_m": "mV", "g": "mV", "ref": "steps"}
#: write gathered blocks once they hold this many values ...
WRITE_EVENTS = 1 << 20
#: ... or this much wall time has passed since the last write
WRITE_SECONDS = 1.0


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
        self._pending: dict = {}       # key -> (kind, monitor, [blocks])
        self._pending_values = 0
        self._last_write = time.perf_counter()
        spike_groups = {}
        for mon in network.monitors:
            mon.sinks.append(self)
            if type(mon).__name__ == "SpikeMonitor":
                pop = mon.population
                group = pop.name if pop.name not in spike_groups else mon.name
                spike_groups[group] = mon
                self._spikes[id(mon)] = self.file.spike_writer(
                    group, pop.n, batch_size=ctx.batch_size, bipolar=bool(getattr(pop, "bipolar", False)))

    # ----- sinks called by the monitors: gather
    def _gather(self, key, kind, mon, block, values: int) -> None:
        self._pending.setdefault(key, (kind, mon, []))[2].append(block)
        self._pending_values += values
        if self._pending_values >= WRITE_EVENTS or time.perf_counter() - self._last_write >= WRITE_SECONDS:
            self.write_pending()

    def write_spikes(self, mon, block) -> None:
        self._gather(("spikes", id(mon)), "spikes", mon, block, len(block))

    def write_states(self, mon, steps, block: dict) -> None:
        self._gather(("states", id(mon)), "states", mon, (steps, block), sum(v.size for v in block.values()))

    def write_rates(self, mon, steps, counts) -> None:
        self._gather(("rates", id(mon)), "rates", mon, (steps, counts), counts.size)

    def write_pending(self) -> None:
        """Write every gathered block, one append per dataset, then flush the file."""
        from .spike import SpikeBlock

        for kind, mon, blocks in self._pending.values():
            if kind == "spikes":
                self._append_spikes(mon, SpikeBlock.concatenate(blocks))
            elif kind == "states":
                steps = np.concatenate([b[0] for b in blocks])
                self._append_states(mon, steps, {v: np.concatenate([b[1][v] for b in blocks]) for v in blocks[0][1]})
            else:
                self._append_rates(mon, np.concatenate([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks]))
        self._pending = {}
        self._pending_values = 0
        self._last_write = time.perf_counter()
        self.file.flush()

    # ----- writing
    def _append_spikes(self, mon, block) -> None:
        writer = self._spikes[id(mon)]
        writer.append(block.steps * self.dt, block.neurons, block.samples,
                      block.polarity if writer.bipolar else None)

    def _append_states(self, mon, steps, block: dict) -> None:
        for var, data in block.items():
            key = (id(mon), var)
            if key not in self._reports:
                dtype = np.float32 if data.dtype == np.float32 else np.float64
                unit = UNITS.get(var, "mV" if var.startswith(("g_", "V_")) else "")
                self._reports[key] = self.file.report_writer(
                    mon.population.name, var, mon.neuron_ids, self.dt, start_step=int(steps[0]),
                    every=mon.every, batch_size=data.shape[1], unit=unit, dtype=dtype)
            self._reports[key].append(data)

    def _append_rates(self, mon, steps, counts) -> None:
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

    def close(self, completed: bool, stop_reason: str | None = None) -> None:
        """Detach from the monitors and close the file with its ``completed`` flag."""
        for mon in self.network.monitors:
            if self in mon.sinks:
                mon.sinks.remove(self)
        if not self.file.closed:
            try:
                self.write_pending()
            finally:
                self.file.update_metadata(end_step=self.network.t)
            self.file.close(completed=completed, stop_reason=stop_reason)
