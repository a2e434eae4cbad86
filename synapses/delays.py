"""Delays (docs/contract.md §2): per-source delay queues and per-synapse accumulation rings.

The kernels are in ``synapses.kernels.queue``.

A delay is an integer ``d >= 1`` steps; milliseconds become steps by
``floor(delay/dt + 0.5)``, and a result below one step is an error.
"""

from __future__ import annotations

import numpy as np

from simcore.base.clock import ms_to_steps
from simcore.base.distributions import Distribution, realize
from simcore.base.errors import as_float_array, check_finite
from simcore.base.layout import staggered


#: longest delay in steps (the ring's slot arithmetic and its memory stay in range)
MAX_DELAY_STEPS = 2**31


#: how a projection's delays are laid out: one per source neuron (a queue per projection), per stored
#: synapse, or per target neuron (dendritic; both through an accumulation ring)
DELAY_LAYOUTS = ("source", "synapse", "target")
#: :func:`simcore.base.layout.staggered` slot of the queues and rings (a population's own arrays take the slots below)
QUEUE_SLOT = 12
_WHAT = {"source": "one per source neuron", "synapse": "one per synapse", "target": "one per target neuron"}


def check_delay_arguments(delay_ms, delay_steps) -> None:
    """Validate delay values before any work (their count is checked at build, by :func:`delays_to_steps`)."""
    if delay_ms is not None and delay_steps is not None:
        raise ValueError("give delay (ms) or delay_steps, not both")
    if delay_steps is not None and not isinstance(delay_steps, Distribution):
        arr = _steps_array(delay_steps)
        if arr.ndim > 1:
            raise ValueError(f"delay_steps must be a scalar or a 1-D array; got shape {arr.shape}")
        _check_steps(arr.astype(np.int64))
    if delay_ms is not None and not isinstance(delay_ms, Distribution):
        arr = as_float_array(delay_ms, "delay")
        check_finite(arr, "delay")
        if arr.ndim > 1:
            raise ValueError(f"delay must be a scalar, a 1-D array or a Distribution; got shape {arr.shape}")
        if np.any(arr < 0):
            raise ValueError(f"delay must be >= 0 ms; got {arr[arr < 0].flat[0]}")


def _steps_array(delay_steps) -> np.ndarray:
    if isinstance(delay_steps, (bool, str, bytes, dict)):
        raise TypeError(f"delay_steps must be an int or an array of ints; got {delay_steps!r}")
    arr = np.asarray(delay_steps)
    if arr.dtype.kind == "f":
        check_finite(arr, "delay_steps")
        if np.any(arr != np.round(arr)):
            raise ValueError(f"delay_steps must be whole numbers of steps; got {arr[arr != np.round(arr)].flat[0]}")
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"delay_steps must be an int or an array of ints; got {delay_steps!r}")
    if arr.size and np.any(arr >= MAX_DELAY_STEPS):
        raise ValueError(f"delay_steps must be < {MAX_DELAY_STEPS} steps; got {int(np.max(arr))}")
    return arr


def _check_steps(steps: np.ndarray) -> None:
    if steps.size and steps.min() < 1:
        raise ValueError(f"delay_steps must be >= 1 step; got {int(steps.min())}")


def delay_layout(delay_ms, delay_steps, delay_per, counts: dict) -> str:
    """The layout of a projection's delays: ``delay_per`` when given, else the one count the array fits.

    ``counts`` maps each layout to its number of values (``{"source": N_pre,
    "synapse": n_syn, "target": N_post}``). A scalar or a distribution is per
    source. An array whose length fits the synapse count and another count
    is ambiguous; source and target of one size mean per source.
    """
    if delay_per is not None:
        if delay_per not in DELAY_LAYOUTS:
            raise ValueError(f"delay_per must be one of {DELAY_LAYOUTS}; got {delay_per!r}")
        return delay_per
    value = delay_steps if delay_steps is not None else delay_ms
    if value is None or isinstance(value, Distribution) or np.ndim(value) == 0:
        return "source"
    n = np.shape(value)[0]
    fits = [layout for layout in DELAY_LAYOUTS if counts[layout] == n]
    if "synapse" in fits and len(fits) > 1:
        raise ValueError(
            f"a delay array of length {n} fits {', '.join(_WHAT[f] for f in fits)}: give "
            f"delay_per= one of {tuple(fits)}"
        )
    if not fits:
        raise ValueError(
            f"delays must be a scalar or an array with one value per source neuron ({counts['source']}), "
            f"per synapse ({counts['synapse']}) or per target neuron ({counts['target']}); got {n}"
        )
    return fits[0]


def delays_to_steps(delay_ms, delay_steps, n: int, dt: float, rng, layout: str = "source") -> np.ndarray:
    """Delays in steps, shape ``(n,)`` int64, all ``>= 1``: ``n`` values of ``layout`` (``DELAY_LAYOUTS``)."""
    check_delay_arguments(delay_ms, delay_steps)
    if delay_steps is None and delay_ms is None:
        delay_steps = 1
    if delay_steps is not None:
        arr = _steps_array(delay_steps)
        steps = np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr
        if steps.shape != (n,):
            raise ValueError(
                f"delay_steps must be a scalar or have shape ({n},) ({_WHAT[layout]}); got shape {arr.shape}"
            )
        steps = steps.astype(np.int64)
        _check_steps(steps)
        return np.ascontiguousarray(steps)
    if not isinstance(delay_ms, Distribution) and np.ndim(delay_ms) == 1 and np.shape(delay_ms) != (n,):
        raise ValueError(f"delay must have shape ({n},) ({_WHAT[layout]}); got shape {np.shape(delay_ms)}")
    values = realize(delay_ms, rng, n, "delay")
    steps = ms_to_steps(values, dt, "delay", minimum=1)
    if steps.max() >= MAX_DELAY_STEPS:
        raise ValueError(
            f"delay {values.max()} ms is {int(steps.max())} steps at dt = {dt} ms; delays must be "
            f"< {MAX_DELAY_STEPS} steps"
        )
    return steps


def queue_bytes(max_delay: int, batch_size: int, n_pre: int, dtype) -> int:
    """Bytes of a delay queue: ``D = max_delay + 1`` slots of ``(B, N_pre)`` sources and values, and counts."""
    D = int(max_delay) + 1
    return D * batch_size * (n_pre * (4 + np.dtype(dtype).itemsize) + 8)


class DelayQueue:
    """Ring of ``D = max(d) + 1`` slots of spikes in flight, per sample.

    ``q_src[slot, b, e]`` source index, ``q_val[slot, b, e]`` spike value,
    ``q_cnt[slot, b]`` entries used. Memory ``D * B * N_pre``, fixed.
    """

    def __init__(self, delays: np.ndarray, batch_size: int, dtype):
        self.delays = delays
        self.length = int(delays.max()) + 1
        n_pre = delays.shape[0]
        # staggered past the population arrays (slots below QUEUE_SLOT), read and written beside them
        self.q_src = staggered((self.length, batch_size, n_pre), np.int32, QUEUE_SLOT)
        self.q_val = staggered((self.length, batch_size, n_pre), dtype, QUEUE_SLOT + 1)
        self.q_cnt = np.zeros((self.length, batch_size), dtype=np.int64)
        #: synaptic events delivered so far, per sample
        self.delivered = np.zeros(batch_size, dtype=np.int64)

    def clear(self) -> None:
        """Empty the ring and the event count (back to step 0)."""
        self.q_cnt[...] = 0
        self.delivered[...] = 0

    def ring_args(self, kb, prefix: str) -> list:
        """Kernel argument names of the ring: ``q_src, q_val, q_cnt``."""
        return [
            kb.arg(self.q_src, f"{prefix}_q_src"),
            kb.arg(self.q_val, f"{prefix}_q_val"),
            kb.arg(self.q_cnt, f"{prefix}_q_cnt"),
        ]

    def in_flight(self) -> int:
        """Spikes entered but not yet delivered (all samples)."""
        return int(self.q_cnt.sum())

    @property
    def nbytes(self) -> int:
        return self.q_src.nbytes + self.q_val.nbytes + self.q_cnt.nbytes + self.delays.nbytes


#: a ring slot lists the delay groups emitted into it while they hold at most ``N_post // RING_LIST_FRACTION``
#: synapses; phase 2 then visits their targets instead of sweeping all ``N_post`` cells (measured on CUBA)
RING_LIST_FRACTION = 8
#: emission by delay group (and listed delivery) when a projection's delay groups hold at least this many synapses
#: on average; below it, a loop per group costs more than the sweep it saves (CUBA, delays of 1 to 20 steps)
RING_GROUP_MIN = 16


class AccumulationRing:
    """Weighted input in flight per target: ``ring[slot, b, j]`` (``D = max(d) + 1`` slots, docs/contract.md §2).

    A spike of step ``t`` adds ``w_k * value`` of each of its synapses ``k``
    into slot ``(t + d_k) % D`` of the synapse's target at emission; phase 2
    of step ``t`` adds slot ``t % D`` into the receptor and empties it. Memory
    ``D * B * N_post``, fixed; per-synapse delays cost 4 bytes per synapse.

    Each slot also lists the delay groups (:class:`DelayGroups`) emitted into
    it, ``entries[slot, b, :fill[slot, b, 0]]``, while they hold at most
    ``cap = max(1, N_post // RING_LIST_FRACTION)`` synapses
    (``fill[slot, b, 1]``); past that ``fill[slot, b, 0] = -1`` and phase 2
    sweeps the whole slot (:func:`synapses.kernels.queue.ring_deliver`).
    """

    def __init__(self, delays: np.ndarray, batch_size: int, n_post: int, dtype, longest: int | None = None):
        """``longest``: the longest delay the ring must hold when ``delays`` are a part of the projection's
        (a rank's, :mod:`synapses.part`: its ring is the whole projection's); else ``max(delays)``."""
        self.delays = np.ascontiguousarray(delays, dtype=np.int32)
        self.length = int(delays.max(initial=1) if longest is None else longest) + 1
        self.ring = staggered((self.length, batch_size, n_post), dtype, QUEUE_SLOT)  # added into receptors
        cap = max(1, n_post // RING_LIST_FRACTION)
        self.fill = np.zeros((self.length, batch_size, 2), dtype=np.int64)
        self.entries = np.zeros((self.length, batch_size, cap), dtype=np.int64)
        #: synaptic events emitted so far, per sample
        self.delivered = np.zeros(batch_size, dtype=np.int64)

    def clear(self) -> None:
        self.ring[...] = 0
        self.fill[...] = 0
        self.delivered[...] = 0

    @property
    def nbytes(self) -> int:
        return self.ring.nbytes + self.delays.nbytes + self.delivered.nbytes + self.fill.nbytes + self.entries.nbytes


class DelayGroups:
    """The synapses of each source grouped by delay (stateful synapses, and the accumulation ring's emission).

    A group ``g`` is the synapses of one source with one delay ``delay[g]``, in
    their stored order: positions ``start[g] <= pos < end[g]`` of ``order``
    (stored synapse indices; ``bounds = start + [nnz]``). A spike enters one
    queue entry per group; the group's synapses run ``on_pre`` when it
    arrives, and its pre-synaptic traces are the group's (its arrival times
    are the group's). ``of_synapse[k]`` is the group of synapse ``k``;
    ``ptr[i]:ptr[i + 1]`` the groups of source ``i``. ``identity``: ``order``
    is ``0, 1, ..., nnz - 1`` (every row already sorted by delay).
    """

    def __init__(self, indptr: np.ndarray, steps: np.ndarray):
        nnz, n_pre = steps.shape[0], indptr.shape[0] - 1
        sizes = np.diff(indptr)
        rows = np.repeat(np.arange(n_pre), sizes)
        if nnz and np.all(steps == steps[0]):  # one delay: the groups are the rows (no sort)
            self.order = np.arange(nnz, dtype=np.int64)
            self.start = np.asarray(indptr[:-1][sizes > 0], dtype=np.int64)
            d, r = steps, rows
        else:
            self.order = np.lexsort((np.arange(nnz), steps, rows)).astype(np.int64)
            d, r = steps[self.order], rows[self.order]
            first = np.ones(nnz, dtype=bool)
            first[1:] = (r[1:] != r[:-1]) | (d[1:] != d[:-1])
            self.start = np.flatnonzero(first).astype(np.int64)
        self.bounds = np.append(self.start, nnz).astype(np.int64)
        self.end = self.bounds[1:]
        self.delay = np.asarray(d[self.start], dtype=np.int64)
        self.ptr = np.searchsorted(r[self.start], np.arange(n_pre + 1)).astype(np.int64)
        self.identity = bool(np.array_equal(self.order, np.arange(nnz)))
        self._of_synapse = None

    @property
    def of_synapse(self) -> np.ndarray:
        """The group of each stored synapse, ``(nnz,)`` int64 (computed when first asked for)."""
        if self._of_synapse is None:
            self._of_synapse = np.empty(self.order.shape[0], dtype=np.int64)
            self._of_synapse[self.order] = np.repeat(np.arange(self.start.size), self.end - self.start)
        return self._of_synapse

    @property
    def n(self) -> int:
        return int(self.start.size)
