"""Shards: a network split into contiguous blocks of target neurons (docs/contract.md §6).

With ``K`` shards, population ``p`` of ``N`` neurons gives shard ``s`` the neurons
``bounds[s] <= i < bounds[s + 1]``, ``bounds[s] = s * N // K`` (a population
smaller than ``K`` leaves some shards without neurons of it). A shard owns the
state of its neurons and every synapse that ends on them: each projection's
CSR over sources is cut by target block, keeping the synapse order of every
row, so a target sums its inputs in exactly the unsplit order (docs/contract.md
§2) and results are identical, bit for bit, for any ``K``.

The generated kernel (:mod:`simcore.base.codegen`, layout ``sharded``) runs a
step as: every ``(sample, shard)`` pair delivers and updates its neurons in
parallel; then, per sample and in shard order, the spike lists are joined
(ascending neuron order, as unsplit) and entered into the delay queues.

With every delay ``>= 2`` steps (``d_min``, :func:`window_steps`) the kernel is
*windowed*: a pair steps its block ``W = d_min`` steps in one parallel region,
keeping each step's spike list in an outbox (:func:`window_put`); after the
region the lists of each step are put back (:func:`window_take`), joined and
emitted step by step. A spike is due ``d >= W`` steps after its step, so after
its window: one fork and join per ``W`` steps instead of per step, with the
same results (docs/contract.md §6, docs/scaling.md).
"""

from __future__ import annotations

import logging
import os

import numpy as np
from numba import njit

from .errors import check_int

# Numba's OpenMP threads spin between parallel regions by default; with one region per step on a busy
# machine that made two threads 9x slower than one (docs/scaling.md). Passive waiting, unless the user
# chose otherwise, before the OpenMP runtime starts.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

log = logging.getLogger("spikesim")


class NotShardable(Exception):
    """Raised while generating a sharded kernel by a component that cannot be split; the reason is the text."""


def available_cores() -> int:
    """The cores this process may use (its CPU affinity where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


def check_threads(threads, n_neurons: int) -> int | None:
    """``threads`` validated against the network's ``n_neurons``: ``None`` (all cores) or an int in ``[1, n]``."""
    if threads is None:
        return None
    threads = check_int(threads, "threads", minimum=1)
    if threads > n_neurons:
        raise ValueError(f"threads={threads} is more than the network's {n_neurons} neurons; use at most {n_neurons}")
    return threads


#: with ``threads`` omitted, one shard per this many neurons at most: a step's barrier between shards costs
#: 20-50 us here, more than a small network's whole step (CUBA, 4000 neurons: about 6 us per step on one
#: thread; on two shards it ran 3.5x slower); Brunel (12 500 neurons) still gains from two
DEFAULT_NEURONS_PER_SHARD = 5000


def shard_count(threads: int | None, batch_size: int, n_neurons: int) -> int:
    """Shards for ``threads`` and ``batch_size``: ``threads // B``, at least 1.

    ``threads=None``: every core the process may use, but at most one shard per
    :data:`DEFAULT_NEURONS_PER_SHARD` neurons. A batch at least as large as the
    thread count keeps one shard: its samples already fill the threads
    (docs/contract.md §5). Results do not depend on the count (§6).
    """
    if threads is None:
        threads = max(1, min(available_cores(), n_neurons // DEFAULT_NEURONS_PER_SHARD))
    return max(1, threads // batch_size)


def bounds(n: int, k: int) -> np.ndarray:
    """``(k + 1,)`` int64 block limits of ``n`` neurons over ``k`` shards: ``s * n // k``."""
    return (np.arange(k + 1, dtype=np.int64) * n) // k


@njit(cache=True)
def _rows_sorted(indptr, indices):
    for i in range(indptr.shape[0] - 1):
        for k in range(indptr[i] + 1, indptr[i + 1]):
            if indices[k] < indices[k - 1]:
                return False
    return True


@njit(cache=True)
def _cut_sorted_rows(indptr, indices, limits):
    """``cut[s, i]``: first synapse of row ``i`` whose target is ``>= limits[s]`` (rows sorted by target)."""
    k_shards = limits.shape[0] - 1
    n_rows = indptr.shape[0] - 1
    cut = np.empty((k_shards + 1, n_rows), dtype=np.int64)
    for i in range(n_rows):
        k = indptr[i]
        for s in range(k_shards + 1):
            while k < indptr[i + 1] and indices[k] < limits[s]:
                k += 1
            cut[s, i] = k
        cut[k_shards, i] = indptr[i + 1]
    return cut


@njit(cache=True)
def _shard_order(indptr, indices, limits):
    """Synapse positions grouped by shard, then row, keeping the order within a row; and the row starts."""
    k_shards = limits.shape[0] - 1
    n_rows = indptr.shape[0] - 1
    nnz = indices.shape[0]
    shard = np.empty(nnz, dtype=np.int64)
    counts = np.zeros((k_shards, n_rows), dtype=np.int64)
    for i in range(n_rows):
        for k in range(indptr[i], indptr[i + 1]):
            s = np.searchsorted(limits, indices[k], side="right") - 1
            shard[k] = s
            counts[s, i] += 1
    start = np.zeros((k_shards, n_rows + 1), dtype=np.int64)
    total = 0
    for s in range(k_shards):
        for i in range(n_rows):
            start[s, i] = total
            total += counts[s, i]
        start[s, n_rows] = total
    fill = start[:, :n_rows].copy()
    order = np.empty(nnz, dtype=np.int64)
    for i in range(n_rows):
        for k in range(indptr[i], indptr[i + 1]):
            s = shard[k]
            order[fill[s, i]] = k
            fill[s, i] += 1
    return order, start


class ShardedCSR:
    """A projection's CSR cut by target block: shard ``sh`` reads row ``i`` at ``lo[sh, i] <= k < hi[sh, i]``.

    When every row lists its targets in ascending order (the connectors' usual
    output) the cut is a pair of offsets into the original arrays and nothing
    is copied (``order is None``). Otherwise synapses are regrouped by shard
    (``order``: new position -> old), and per-synapse arrays are gathered
    through ``order`` (:meth:`gather`), still keeping the order within a row.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, n_post: int, k: int):
        limits = bounds(n_post, k)
        if _rows_sorted(indptr, indices):
            cut = _cut_sorted_rows(indptr, indices.astype(np.int64), limits)
            self.order = None
            self.lo, self.hi = np.ascontiguousarray(cut[:-1]), np.ascontiguousarray(cut[1:])
        else:
            order, start = _shard_order(indptr, indices.astype(np.int64), limits)
            self.order = order
            self.lo, self.hi = np.ascontiguousarray(start[:, :-1]), np.ascontiguousarray(start[:, 1:])

    @property
    def pairs(self) -> np.ndarray:
        """``(n_rows, 2K)``: ``[i, 2s]`` and ``[i, 2s + 1]`` are ``lo[s, i]`` and ``hi[s, i]``, side by side (a
        shard reads both limits of a row from one cache line)."""
        if getattr(self, "_pairs", None) is None:
            k, n_rows = self.lo.shape
            pairs = np.empty((n_rows, 2 * k), dtype=np.int64)
            pairs[:, 0::2], pairs[:, 1::2] = self.lo.T, self.hi.T
            self._pairs = pairs
        return self._pairs

    def gather(self, values: np.ndarray) -> np.ndarray:
        """A per-synapse array in the sharded order (the array itself when nothing was regrouped)."""
        return values if self.order is None else np.ascontiguousarray(values[..., self.order])


@njit(cache=True)
def join_spikes(b, limits, shard_cnt, spike_idx, spike_code, spike_val, spike_cnt):
    """Join the spike lists shard ``s`` wrote at ``limits[s]`` into one list in shard (= neuron) order.

    Entries only move to lower positions, in order, so the join is done in place.
    """
    n = 0
    for s in range(shard_cnt.shape[1]):
        lo = limits[s]
        for e in range(shard_cnt[b, s]):
            spike_idx[b, n] = spike_idx[b, lo + e]
            spike_code[b, n] = spike_code[b, lo + e]
            spike_val[b, n] = spike_val[b, lo + e]
            n += 1
    spike_cnt[b] = n


# ----- windows: shards step ``W <= d_min`` steps between two joins (docs/contract.md §6)
class NotWindowed(Exception):
    """Raised while generating a windowed kernel by code that needs the per-step layout; the reason is the text.

    The network then generates the per-step sharded layout (same shards, one join per step).
    """


def window_steps(projections, shards: int) -> int:
    """Steps a shard may run without the others: ``d_min`` (the smallest delay in steps, ``>= 2``), else 1.

    1 (the per-step layout) with one shard, a zero-delay projection (``d_min = 0``), ``d_min = 1``, or a
    projection with per-synapse or per-target delays (its ring emission is written per shard every step).
    Projections without synapses are ignored; a network with none gets 1 (nothing to gain).
    """
    if shards <= 1:
        return 1
    smallest = None
    for proj in projections:
        if proj.zero_delay or proj.ring is not None:
            return 1
        if proj.n_synapses == 0:
            continue
        has_row = np.diff(proj.indptr) > 0
        d = int(proj.queue.delays[has_row].min())
        smallest = d if smallest is None else min(smallest, d)
    return 1 if smallest is None or smallest < 2 else smallest


@njit(cache=True)
def window_put(w, b, sh, limits, shard_cnt, spike_idx, spike_code, spike_val, win_idx, win_code, win_val, win_cnt):
    """Keep shard ``sh``'s spike list of step ``w`` of the window (sample ``b``) in the window's outbox.

    The list sits at ``limits[sh]`` in the population's arrays and at the same place in row ``w`` of the
    outbox (``win_* (W, B, N)``, ``win_cnt (W, B, K)``): shards write disjoint parts.
    """
    lo = limits[sh]
    n = shard_cnt[b, sh]
    for e in range(lo, lo + n):
        win_idx[w, b, e] = spike_idx[b, e]
        win_code[w, b, e] = spike_code[b, e]
        win_val[w, b, e] = spike_val[b, e]
    win_cnt[w, b, sh] = n


@njit(cache=True)
def window_take(w, b, limits, shard_cnt, spike_idx, spike_code, spike_val, win_idx, win_code, win_val, win_cnt):
    """Put every shard's spike list of step ``w`` back where the shards wrote it (then ``join_spikes`` joins them).

    After it the population's arrays hold what the per-step layout holds after its parallel region.
    """
    for s in range(win_cnt.shape[2]):
        lo = limits[s]
        n = win_cnt[w, b, s]
        for e in range(lo, lo + n):
            spike_idx[b, e] = win_idx[w, b, e]
            spike_code[b, e] = win_code[w, b, e]
            spike_val[b, e] = win_val[w, b, e]
        shard_cnt[b, s] = n
