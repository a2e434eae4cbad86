"""WeightMonitor: snapshots of chosen synapses' weights and variables every ``every`` steps.

Results: ``steps``, ``times`` (ms) and ``mon[var]`` of shape ``(rows, B', n)``
where ``B'`` is the batch size for per-sample variables and 1 for weights a
batch shares (``batch='mean'`` or ``'sum'``, docs/contract.md §3.7). A row is
taken at the end of each step ``t`` with ``t % every == 0`` (after the batch
reduction of that step). Streamed to ``/weights/<name>`` (``steps`` and one
dataset per variable) during ``Network.run(out=...)``.
"""

from __future__ import annotations

import numpy as np

from simcore.base.component import Component
from simcore.base.errors import check_int, check_name
from .base import RecordedRows, rows_between, select_indices
from .kernels import synapse_record


class WeightMonitor(RecordedRows, Component):
    """Record ``variables`` (``"w"`` by default) of the synapses ``synapses`` (stored indices) of ``projection``."""

    role = "monitor"
    emit_order = 3
    addable_after_build = True

    def __init__(
        self, projection, variables=("w",), synapses=None, *, every: int = 1, name=None, keep_in_memory: bool = True
    ):
        self.projection = projection
        projection.weights_watched = True  # read every step: no deferred updates (synapses/plastic.py)
        self.variables = (variables,) if isinstance(variables, str) else tuple(variables)
        known = ("w",) + tuple(v for v in projection.synapse.synapse if v != "w")
        for var in self.variables:
            if var not in known:
                raise ValueError(f"unknown synapse variable {var!r} of {projection.synapse.model}; choose from {known}")
        if not self.variables:
            raise ValueError("variables must name at least one synapse variable")
        self.synapses_arg = synapses
        self.every = check_int(every, "every", minimum=1)
        self.name = None if name is None else check_name(name)
        self.keep_in_memory = bool(keep_in_memory)
        self.sinks: list = []
        self.ctx = None
        self.reset()

    def members(self) -> tuple:
        return (self.projection,)

    def _source(self, var: str) -> np.ndarray:
        """The ``(B', n_syn)`` array of ``var`` in the projection."""
        proj = self.projection
        if proj.syn is None:
            return proj._weights_array[None, :]
        return proj.syn.w if var == "w" else proj.syn.variables[var]

    def bytes_per_step(self, ctx) -> int:
        return 0  # bounded by the row count below, not per step

    def build(self, ctx) -> None:
        self.ctx = ctx
        self.synapse_ids = select_indices(self.synapses_arg, self.projection.n_synapses, "synapses")
        rows = ctx.chunk_steps // self.every + 2
        self.buffers = {
            v: np.zeros((rows, self._source(v).shape[0], self.synapse_ids.size), dtype=ctx.dtype)
            for v in self.variables
        }

    def emit(self, kb) -> None:
        p = kb.unique(f"mon_{self.name}")
        every, ids = kb.arg(self.every, f"{p}_every"), kb.arg(self.synapse_ids, f"{p}_ids")
        fn = kb.func(synapse_record, "synapse_record")
        for v in self.variables:
            src, out = kb.arg(self._source(v), f"{p}_{v}_src"), kb.arg(self.buffers[v], f"{p}_{v}_out")
            if self._source(v).shape[0] == 1 and kb.lockstep:  # shared: after the step's reduction
                kb.add("step_end", f"{fn}(0, t, base, {every}, {src}, {ids}, {out})")
            elif self._source(v).shape[0] == 1:
                kb.add("record", f"if b == 0:\n    {fn}(0, t, base, {every}, {src}, {ids}, {out})")
            else:
                kb.add("record", f"{fn}(b, t, base, {every}, {src}, {ids}, {out})")

    def after_chunk(self, base: int, upto: int) -> None:
        steps, rows = rows_between(base, upto, self.every)
        if rows == 0:
            return
        block = {v: self.buffers[v][:rows].copy() for v in self.variables}
        if self.keep_in_memory:
            self.keep_rows(steps, block)
        for sink in self.sinks:
            sink.write_block(self, (steps, block), sum(b.size for b in block.values()))

    # ----- recording to HDF5 (monitors.recording asks the monitor)
    def make_record_sink(self, recording_file, recorder):
        columns = {v: (self.buffers[v].shape[1:], self.buffers[v].dtype) for v in self.variables}
        writer = recording_file.table_writer(
            f"weights/{self.name}",
            columns,
            attrs={
                "projection": self.projection.name,
                "every": self.every,
                "synapse_ids": self.synapse_ids,
                "dt": self.ctx.dt,
            },
        )
        return _TableSink(writer)

    # ----- results (RecordedRows)
    def row_shape(self) -> tuple:
        if self.ctx is None:
            return (0, 0)
        return (self._source(self.variables[0]).shape[0], self.synapse_ids.size)

    def schedule(self) -> dict:
        return {"record": [f"{self.name} (WeightMonitor of {self.projection.name})"]}

    def describe(self) -> dict:
        return {
            "name": self.name,
            "monitor": "WeightMonitor",
            "projection": self.projection.name,
            "variables": list(self.variables),
            "every": self.every,
        }


class _TableSink:
    def __init__(self, writer):
        self.writer = writer

    def append(self, items) -> None:
        steps = np.concatenate([s for s, _ in items])
        self.writer.append(steps, {v: np.concatenate([blk[v] for _, blk in items]) for v in items[0][1]})
