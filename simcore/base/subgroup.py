"""Subgroups: a view of some neurons of a population (Brian2's ``P[:NE]``).

``pop[a:b]``, ``pop[indices]`` or ``pop[mask]`` give a :class:`Subgroup`
that ``connect``, monitors and stimuli take wherever they take a
population: a projection between subgroups connects their neurons only
(connectors see the subgroup sizes; indices are the subgroup's own), a
monitor records those neurons, a stimulus drives them. Nothing is copied:
the population's arrays stay the one state.
"""

from __future__ import annotations

import numpy as np


class Subgroup:
    """Neurons ``indices`` (sorted, unique) of ``population``."""

    def __init__(self, population, selection):
        self.population = population
        self.indices = select(selection, population.n, f"selection of {population!r}")
        if self.indices.size == 0:
            raise ValueError(f"a subgroup of {population.name!r} needs at least one neuron; got an empty selection")
        self.n = int(self.indices.size)

    @property
    def name(self) -> str:
        lo, hi = int(self.indices[0]), int(self.indices[-1]) + 1
        contiguous = hi - lo == self.n
        return f"{self.population.name}[{lo}:{hi}]" if contiguous else f"{self.population.name}[{self.n} neurons]"

    def __getattr__(self, attr):  # model, spiking, receptors, runtime ...: those of the population
        if attr in ("population", "indices", "n"):
            raise AttributeError(attr)
        return getattr(self.population, attr)

    def __len__(self) -> int:
        return self.n

    def __repr__(self):
        return f"Subgroup({self.name}, n={self.n})"


def split(target):
    """``(population, indices or None)`` of a population or a subgroup."""
    if isinstance(target, Subgroup):
        return target.population, target.indices
    return target, None


def select(selection, n: int, name: str) -> np.ndarray:
    """``None`` (all), a slice, indices or a boolean mask, as sorted unique int64 indices in ``[0, n)``."""
    if selection is None:
        return np.arange(n, dtype=np.int64)
    if isinstance(selection, slice):
        return np.sort(np.arange(n, dtype=np.int64)[_check_slice(selection, n, name)])  # a negative step too
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
    if arr.min() < 0 or arr.max() >= n:
        raise ValueError(f"{name} must lie in [0, {n}); got values in [{arr.min()}, {arr.max()}]")
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} must not repeat an index")
    return np.sort(arr.astype(np.int64))


def _check_slice(selection: slice, n: int, name: str) -> slice:
    """A slice whose ends lie in ``[-n, n]`` (Brian2 refuses a subgroup beyond its group; NumPy would cut it
    short silently, so ``pop[:3200]`` of 3000 neurons would give 3000)."""
    ends = (selection.start, selection.stop, selection.step)
    text = ":".join("" if e is None else str(e) for e in (ends if selection.step is not None else ends[:2]))
    for end in ends:
        if end is not None and (isinstance(end, bool) or not isinstance(end, (int, np.integer))):
            raise TypeError(f"{name}: slice [{text}] must have int ends; got {end!r}")
    for end in ends[:2]:
        if end is not None and not -n <= end <= n:
            raise ValueError(
                f"{name}: slice [{text}] reaches beyond the {n} there are (its ends must lie in [{-n}, {n}])"
            )
    return selection


def expand(values: np.ndarray, indices, n: int, axis: int = -1) -> np.ndarray:
    """Per-subgroup ``values`` placed at ``indices`` of an array of ``n`` along ``axis`` (zeros elsewhere)."""
    if indices is None:
        return values
    shape = list(values.shape)
    shape[axis] = n
    out = np.zeros(shape, dtype=values.dtype)
    index = [slice(None)] * values.ndim
    index[axis] = indices
    out[tuple(index)] = values
    return out
