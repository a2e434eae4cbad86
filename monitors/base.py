"""What every monitor shares: selection of neurons and samples, sinks, the chunk protocol.

A monitor is a :class:`simcore.base.component.Component`: the network calls
``build(ctx)`` once (buffers sized for ``ctx.chunk_steps``), ``emit(kb)`` when
generating the kernel; then per chunk of steps ``after_kernel()`` after every
kernel call, which drains buffers that could fill up (``collect``), and
``after_chunk(base, upto)`` when every sample has finished the steps before
``upto``, which publishes them (``flush``). Flushed blocks go to the
monitor's sinks: its in-memory store and, during a run with ``out=...``, the
HDF5 file.
"""

from __future__ import annotations

import sys

import numpy as np

from simcore.base.component import Component
from simcore.base.errors import check_int, check_name
from simcore.base.subgroup import select, split


def rows_between(base: int, upto: int, every: int):
    """``(steps, count)``: the steps ``t`` with ``t % every == 0`` in ``base <= t < upto`` (rows of a chunk)."""
    first, last = -(-base // every), -(-upto // every)
    return np.arange(first, max(first, last), dtype=np.int64) * every, max(0, last - first)


def select_indices(selection, n: int, name: str) -> np.ndarray:
    """``None`` (all), a slice, indices or a boolean mask, as sorted int64 indices.

    The one implementation is :func:`simcore.base.subgroup.select`.
    """
    return select(selection, n, name)


class Monitor(Component):
    """Base class of monitors; subclasses implement build/emit/collect/flush."""

    role = "monitor"
    emit_order = 3
    addable_after_build = True

    def __init__(self, population, *, samples=None, name=None, keep_in_memory: bool = True):
        #: the population, and the indices of the subgroup watched (None: all of it)
        self.population, self.view = split(population)
        self.name = None if name is None else check_name(name)
        self.samples_arg = samples
        self.keep_in_memory = bool(keep_in_memory)
        self.sinks: list = []
        self.ctx = None

    def _neurons(self, neurons) -> np.ndarray:
        """Population indices of the recorded ``neurons`` (given within the subgroup, when one was given)."""
        if self.view is None:
            return select_indices(neurons, self.population.n, "neurons")
        return self.view[select_indices(neurons, self.view.size, "neurons")]

    def _samples(self, batch_size: int) -> np.ndarray:
        return select_indices(self.samples_arg, batch_size, "samples")

    def members(self) -> tuple:
        return (self.population,)

    def after_kernel(self) -> None:
        self.collect()

    def after_chunk(self, base: int, upto: int) -> None:
        self.flush(base, upto)

    def schedule(self) -> dict:
        return {"record": [f"{self.name} ({type(self).__name__} of {self.population.name})"]}

    def collect(self) -> None:
        """Drain buffers after a kernel call (default: nothing to drain)."""

    def flush(self, base: int, upto: int) -> None:
        """Publish what was recorded in the steps ``base <= t < upto``."""

    def close(self) -> None:
        self.sinks = []

    def describe(self) -> dict:
        return {"name": self.name, "monitor": type(self).__name__, "population": self.population.name}


class RecordedRows:
    """The in-memory rows of a monitor that samples variables every ``every`` steps (StateMonitor, WeightMonitor).

    ``steps`` (int64), ``times`` (ms) and ``mon[var]`` of shape ``(rows,) + row_shape()``; the subclass
    sets ``variables`` and ``ctx`` and says :meth:`row_shape`. Blocks of rows are kept as they come and
    joined once, when first read.
    """

    variables: tuple = ()

    def row_shape(self) -> tuple:
        """The shape of one recorded row of a variable (what an empty result has after its first axis)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what was recorded."""
        self._rows = {v: [] for v in self.variables}
        self._steps = []

    def keep_rows(self, steps: np.ndarray, block: dict) -> None:
        """Keep one published block: ``steps`` and ``{var: (rows, ...) array}``."""
        self._steps.append(steps)
        for v in self.variables:
            self._rows[v].append(block[v])

    @property
    def steps(self) -> np.ndarray:
        return np.concatenate(self._steps) if self._steps else np.zeros(0, np.int64)

    @property
    def times(self) -> np.ndarray:
        """``steps * dt`` in ms (empty before the first run)."""
        return self.steps * self.ctx.dt if self.ctx is not None else np.zeros(0)

    def __getitem__(self, var: str) -> np.ndarray:
        if var not in self._rows:
            raise KeyError(f"{var!r} is not recorded; recorded: {self.variables}")
        rows = self._rows[var]
        if len(rows) > 1:
            self._rows[var] = rows = [np.concatenate(rows)]
        return rows[0] if rows else np.zeros((0,) + self.row_shape())

    def export_results(self) -> dict:
        return {"steps": self.steps, **{f"var.{v}": np.array(self[v], copy=True) for v in self.variables}}

    def import_results(self, results: dict) -> None:
        if results:
            self._steps = [np.asarray(results["steps"])]
            self._rows = {v: [np.asarray(results[f"var.{v}"])] for v in self.variables}


def check_every(every) -> int:
    return check_int(every, "every", minimum=1)


class BlockPool:
    """Arrays recycled for the blocks a monitor publishes while it keeps nothing in memory.

    A block published to a recording is written by the background thread
    (:mod:`monitors.recording`) and then dropped. Allocating each chunk's
    block afresh costs its page faults (3.5 ms for the 8 MB of one
    chunk of ``v`` of 100 neurons here, more than the copy), so a pool
    keeps up to ``size`` arrays and hands one out again once nothing but the
    pool refers to it (CPython's reference count: a block still queued,
    still gathered or held by the user keeps its array, and any view of it
    too). Beyond ``size`` busy arrays it allocates without keeping, so what the pool holds stays at two
    blocks (the one being written and the next chunk's) however far the writer lags.
    """

    def __init__(self, size: int = 2):
        self.size = int(size)
        self._arrays: list = []

    def take(self, shape: tuple, dtype) -> np.ndarray:
        """An array of ``shape`` and ``dtype`` that no one else holds (contents undefined)."""
        dtype = np.dtype(dtype)
        for i in range(len(self._arrays)):
            # references: the list, and getrefcount's argument
            if (
                sys.getrefcount(self._arrays[i]) == 2
                and self._arrays[i].shape == shape
                and self._arrays[i].dtype == dtype
            ):
                return self._arrays[i]
        arr = np.empty(shape, dtype=dtype)
        if len(self._arrays) < self.size:
            self._arrays.append(arr)
        return arr
