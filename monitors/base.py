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

import numpy as np

from simcore.base.component import Component
from simcore.base.errors import check_int, check_name


def select_indices(selection, n: int, name: str) -> np.ndarray:
    """``None`` (all), a slice, an int count-free list or a boolean mask, as sorted int64 indices."""
    if selection is None:
        return np.arange(n, dtype=np.int64)
    if isinstance(selection, slice):
        return np.arange(n, dtype=np.int64)[selection]
    arr = np.asarray(selection)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"{name} mask must have shape ({n},); got {arr.shape}")
        return np.flatnonzero(arr).astype(np.int64)
    if arr.ndim == 0:
        arr = arr[None]
    if arr.size == 0:  # an empty list or range() arrives as float64
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be indices (ints), a boolean mask or a slice; got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ValueError(f"{name} must lie in [0, {n}); got values in [{arr.min()}, {arr.max()}]")
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} must not repeat an index")
    return np.sort(arr.astype(np.int64))


class Monitor(Component):
    """Base class of monitors; subclasses implement build/emit/collect/flush."""

    role = "monitor"
    emit_order = 3
    addable_after_build = True

    def __init__(self, population, *, samples=None, name=None, keep_in_memory: bool = True):
        self.population = population
        self.name = None if name is None else check_name(name)
        self.samples_arg = samples
        self.keep_in_memory = bool(keep_in_memory)
        self.sinks: list = []
        self.ctx = None

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


def check_every(every) -> int:
    return check_int(every, "every", minimum=1)
