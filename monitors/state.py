"""StateMonitor: chosen state variables of chosen neurons, every ``every``-th step.

A variable is recorded at the end of each step ``t`` with ``t % every == 0``
(after phase 5). Results: ``steps``, ``times`` (ms) and ``mon[var]`` of shape
``(rows, B, n_recorded)``.
"""

from __future__ import annotations

import numpy as np

from simcore.base.shards import bounds

from .base import BlockPool, Monitor, RecordedRows, check_every, rows_between
from .kernels import rate_record, rate_record_masked, state_record, state_record_range


class StateMonitor(RecordedRows, Monitor):
    """Record ``variables`` of ``neurons`` of ``population``."""

    def __init__(
        self, population, variables, neurons=None, *, every: int = 1, samples=None, name=None, keep_in_memory=True
    ):
        super().__init__(population, samples=samples, name=name, keep_in_memory=keep_in_memory)
        if isinstance(variables, str):
            variables = (variables,)
        variables = tuple(variables)
        known = tuple(population.state_defaults())
        for var in variables:
            if var not in known:
                raise ValueError(f"unknown state variable {var!r} of {population.model}; choose from {known}")
        if not variables:
            raise ValueError("variables must name at least one state variable")
        self.variables = variables
        self.neuron_ids = self._neurons(neurons)
        self.every = check_every(every)
        self.reset()

    def bytes_per_step(self, ctx) -> int:
        item = np.dtype(ctx.dtype).itemsize
        return len(self.variables) * ctx.batch_size * self.neuron_ids.size * item // self.every

    def build(self, ctx) -> None:
        self.ctx = ctx
        self.sample_ids = self._samples(ctx.batch_size)
        rows = ctx.chunk_steps // self.every + 2
        self._pool = BlockPool()
        self.buffers = {
            v: np.zeros((rows, ctx.batch_size, self.neuron_ids.size), dtype=ctx.dtype) for v in self.variables
        }

    def emit(self, kb) -> None:
        p = kb.unique(f"mon_{self.name}")
        every = kb.arg(self.every, f"{p}_every")
        ids = kb.arg(self.neuron_ids, f"{p}_ids")
        if kb.window > 1:  # the windowed layout: each shard records its neurons after each step of the window
            fn = kb.func(state_record_range, "state_record_range")
            limits = kb.arg(bounds(self.population.n, kb.shards), f"{p}_bounds")
            for v in self.variables:
                var, out = kb.arg(self.population.arrays[v], f"{p}_{v}_src"), kb.arg(self.buffers[v], f"{p}_{v}_out")
                kb.add(
                    "record_shard",
                    f"{fn}(b, t, base, {every}, {var}, {ids}, {limits}[sh], {limits}[sh + 1], {out})",
                    sharded=True,
                )
            return
        fn = kb.func(state_record, "state_record")
        for v in self.variables:
            var = kb.arg(self.population.arrays[v], f"{p}_{v}_src")
            kb.add("record", f"{fn}(b, t, base, {every}, {var}, {ids}, {kb.arg(self.buffers[v], f'{p}_{v}_out')})")

    def flush(self, base: int, upto: int) -> None:
        """Publish the rows of steps ``base <= t < upto``."""
        steps, rows = rows_between(base, upto, self.every)
        if rows == 0:
            return
        block = {v: self._copy_rows(self.buffers[v], rows) for v in self.variables}
        if self.keep_in_memory:
            self.keep_rows(steps, block)
        for sink in self.sinks:
            sink.write_states(self, steps, block)

    def _copy_rows(self, buffer: np.ndarray, rows: int) -> np.ndarray:
        """The first ``rows`` rows of the recorded samples, copied once (into a recycled array when nothing is kept)."""
        src = buffer[:rows]
        shape = (rows, self.sample_ids.size, buffer.shape[2])
        if self.keep_in_memory:
            out = np.empty(shape, dtype=buffer.dtype)
        else:
            full = self._pool.take((buffer.shape[0],) + shape[1:], buffer.dtype)
            out = full[:rows]
        if self.sample_ids.size == buffer.shape[1]:
            np.copyto(out, src)
        else:
            np.take(src, self.sample_ids, axis=1, out=out)
        return out

    def row_shape(self) -> tuple:
        return (len(self.sample_ids) if self.ctx else 0, self.neuron_ids.size)

    def describe(self):
        return {
            **super().describe(),
            "variables": list(self.variables),
            "every": self.every,
            "n_neurons": int(self.neuron_ids.size),
        }

    #: how monitors.recording stores this monitor (one SONATA report per variable)
    record_kind = "states"


class PopulationRateMonitor(Monitor):
    """Spike count of the whole population at every step; ``rate`` in Hz."""

    def __init__(self, population, *, samples=None, name=None, keep_in_memory=True):
        super().__init__(population, samples=samples, name=name, keep_in_memory=keep_in_memory)
        if not population.spiking:
            raise ValueError(f"{population.model} {population.name!r} does not spike")
        self._counts: list = []
        self._steps: list = []

    def bytes_per_step(self, ctx) -> int:
        return ctx.batch_size * 8

    def build(self, ctx) -> None:
        self.ctx = ctx
        self.sample_ids = self._samples(ctx.batch_size)
        self.buffer = np.zeros((ctx.chunk_steps, ctx.batch_size), dtype=np.int64)

    def emit(self, kb) -> None:
        p, spikes = kb.unique(f"mon_{self.name}"), self.population.runtime
        cnt, out = kb.arg(spikes.spike_cnt, p + "_cnt"), kb.arg(self.buffer, p + "_out")
        if self.view is None:
            kb.add("record", f"{kb.func(rate_record, 'rate_record')}(b, t, base, {cnt}, {out})")
            return
        mask = np.zeros(self.population.n, dtype=np.bool_)
        mask[self.view] = True
        self._mask = mask
        kb.add(
            "record",
            f"{kb.func(rate_record_masked, 'rate_record_masked')}(b, t, base, "
            f"{kb.arg(spikes.spike_idx, p + '_idx')}, {cnt}, {kb.arg(mask, p + '_mask')}, {out})",
        )

    @property
    def n_neurons(self) -> int:
        """Neurons counted: the population's, or the subgroup's."""
        return self.population.n if self.view is None else int(self.view.size)

    def flush(self, base: int, upto: int) -> None:
        if upto <= base:
            return
        counts = np.take(self.buffer[: upto - base], self.sample_ids, axis=1)  # one copy
        steps = np.arange(base, upto, dtype=np.int64)
        if self.keep_in_memory:
            self._counts.append(counts)
            self._steps.append(steps)
        for sink in self.sinks:
            sink.write_rates(self, steps, counts)

    @property
    def counts(self) -> np.ndarray:
        """Spikes per step, ``(T, B_recorded)``."""
        return np.concatenate(self._counts) if self._counts else np.zeros((0, 0), np.int64)

    @property
    def steps(self) -> np.ndarray:
        return np.concatenate(self._steps) if self._steps else np.zeros(0, np.int64)

    @property
    def rate(self) -> np.ndarray:
        """Population rate in Hz, ``(T, B_recorded)``: count / (N * dt), ``N`` the neurons counted."""
        return self.counts / (self.n_neurons * self.ctx.dt / 1000.0)

    def reset(self) -> None:
        self._counts, self._steps = [], []

    def export_results(self) -> dict:
        return {"steps": self.steps, "counts": self.counts}

    def import_results(self, results: dict) -> None:
        if results:
            self._steps, self._counts = [np.asarray(results["steps"])], [np.asarray(results["counts"])]

    #: how monitors.recording stores this monitor (a /rates group)
    record_kind = "rates"
