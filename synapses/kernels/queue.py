"""Per-neuron delay queues (docs/contract.md §2): emit (phase 5) and deliver (phase 2).

The queue of a projection is a ring of ``D = max(d) + 1`` slots; slot
``t % D`` lists, per sample, the sources whose spikes arrive at step ``t``
(``q_src``: source index, ``q_val``: the value the spike carries,
``q_cnt``: entries used). A source has one delay, so it appears at most
once per slot and a slot never holds more than ``N_pre`` entries: the memory
is ``D * B * N_pre`` and does not grow with the run. Only spiking sources are
touched: emit writes one entry per spike, deliver walks the CSR row of each
due entry and adds ``w * value`` into the target's receptor buffer.

Order of summation (the dense mode reproduces it): sources by the step they
spiked (earliest first), then by ascending index; synapses in CSR order.
"""

import numpy as np
from numba import njit

from .prefetch import prefetch_2d


@njit(cache=True)
def queue_emit(b, t, spike_idx, spike_val, spike_cnt, delay, q_src, q_val, q_cnt):
    """Enter the spikes of step ``t`` of sample ``b`` into slot ``(t + d_i) % D``."""
    D = q_cnt.shape[0]
    for k in range(spike_cnt[b]):
        i = spike_idx[b, k]
        slot = (t + delay[i]) % D
        e = q_cnt[slot, b]
        q_src[slot, b, e] = i
        q_val[slot, b, e] = spike_val[b, k]
        q_cnt[slot, b] = e + 1


@njit(cache=True)
def queue_deliver(b, t, q_src, q_val, q_cnt, indptr, indices, weights, buf, delivered):
    """Add ``w_ij * value_i`` of every spike due at step ``t`` into ``buf[b, j]``; empty the slot.

    ``delivered[b]`` counts synaptic events (one per synapse of each due spike).
    """
    slot = t % q_cnt.shape[0]
    n_events = 0
    for e in range(q_cnt[slot, b]):
        i = q_src[slot, b, e]
        value = q_val[slot, b, e]
        lo = indptr[i]
        hi = indptr[i + 1]
        for k in range(lo, hi):
            buf[b, indices[k]] += weights[k] * value
        n_events += hi - lo
    delivered[b] += n_events
    q_cnt[slot, b] = 0


@njit(cache=True)
def queue_deliver_shared(b, t, q_src, q_val, q_cnt, indptr, indices, weight, buf, delivered):
    """:func:`queue_deliver` for a projection whose synapses share one ``weight``.

    Reads 4 bytes per synapse (the target index) instead of 8 or 12; the sum
    is the same expression, ``w * value`` added target by target.
    """
    slot = t % q_cnt.shape[0]
    n_events = 0
    for e in range(q_cnt[slot, b]):
        i = q_src[slot, b, e]
        x = weight * q_val[slot, b, e]
        lo = indptr[i]
        hi = indptr[i + 1]
        for k in range(lo, hi):
            buf[b, indices[k]] += x
        n_events += hi - lo
    delivered[b] += n_events
    q_cnt[slot, b] = 0


@njit(cache=True)
def ring_emit(b, t, spike_idx, spike_val, spike_cnt, indptr, indices, weights, delays, ring, emitted):
    """Phase 5 with per-synapse delays: ``ring[(t + d_k) % D, b, j_k] += w_k * value`` for every synapse of a spike.

    ``emitted[b]`` counts synaptic events (they arrive ``d_k`` steps later).
    """
    D = ring.shape[0]
    base = t % D  # slot (t + d) % D = base + d, wrapped once (1 <= d < D): no division per synapse
    n_events = 0
    for e in range(spike_cnt[b]):
        i = spike_idx[b, e]
        value = spike_val[b, e]
        lo = indptr[i]
        hi = indptr[i + 1]
        for k in range(lo, hi):
            slot = base + delays[k]
            if slot >= D:
                slot -= D
            ring[slot, b, indices[k]] += weights[k] * value
        n_events += hi - lo
    emitted[b] += n_events


@njit(cache=True)
def ring_emit_shared(b, t, spike_idx, spike_val, spike_cnt, indptr, indices, weight, delays, ring, emitted):
    """:func:`ring_emit` for a projection whose synapses share one ``weight``: the same sums, in the same order.

    Reads the target index and the delay per synapse, not the weight; the
    slot is ``t % D + d_k`` wrapped once (``1 <= d_k < D``), the slot
    ``(t + d_k) % D`` without a division per synapse.
    """
    D = ring.shape[0]
    base = t % D
    n_events = 0
    for e in range(spike_cnt[b]):
        i = spike_idx[b, e]
        x = weight * spike_val[b, e]
        lo = indptr[i]
        hi = indptr[i + 1]
        for k in range(lo, hi):
            slot = base + delays[k]
            if slot >= D:
                slot -= D
            ring[slot, b, indices[k]] += x
        n_events += hi - lo
    emitted[b] += n_events


@njit(cache=True)
def ring_deliver(b, t, ring, buf):
    """Phase 2 with per-synapse delays: add slot ``t % D`` into the receptor buffer and empty it."""
    slot = t % ring.shape[0]
    for j in range(buf.shape[1]):
        buf[b, j] += ring[slot, b, j]
        ring[slot, b, j] = 0


@njit(cache=True, inline="always")
def _ring_list(slot, b, g, size, fill, entries):
    """Enter delay group ``g`` (``size`` synapses) in the list of ``slot``, or mark the slot for a full sweep.

    ``fill[slot, b, 0]`` entries listed (``-1``: too many events, sweep the
    slot), ``fill[slot, b, 1]`` synapses they hold; a slot lists at most
    ``entries.shape[2]`` synapses (each group holds at least one).
    """
    n = fill[slot, b, 0]
    if n >= 0:
        events = fill[slot, b, 1] + size
        if events <= entries.shape[2]:
            entries[slot, b, n] = g
            fill[slot, b, 0] = n + 1
            fill[slot, b, 1] = events
        else:
            fill[slot, b, 0] = -1


@njit(cache=True)
def ring_emit_groups(
    b, t, spike_idx, spike_val, spike_cnt, row, bounds, delay, indices, weights, ring, fill, entries, emitted
):
    """Phase 5 with per-synapse delays: ``ring[(t + d_g) % D, b, j_k] += w_k * value`` for every synapse of a spike.

    The synapses of source ``i`` are the delay groups ``row[i] <= g < row[i + 1]``
    (:class:`synapses.delays.DelayGroups`), group ``g`` of delay ``delay[g]``
    the positions ``bounds[g] <= k < bounds[g + 1]`` of ``indices`` and
    ``weights`` (a row's synapses sorted by delay, stably: the synapses of one
    target and one delay keep their order, so every ring cell sums the same
    terms in the same order as synapse by synapse). The slot is computed once
    per group, and the group is listed for :func:`ring_deliver_listed`.
    ``emitted[b]`` counts synaptic events (they arrive ``d`` steps later).
    """
    D = ring.shape[0]
    base = t % D  # slot (t + d) % D = base + d, wrapped once (1 <= d < D): no division
    n_events = 0
    for e in range(spike_cnt[b]):
        i = spike_idx[b, e]
        value = spike_val[b, e]
        for g in range(row[i], row[i + 1]):
            slot = base + delay[g]
            if slot >= D:
                slot -= D
            lo = bounds[g]
            hi = bounds[g + 1]
            for k in range(lo, hi):
                ring[slot, b, indices[k]] += weights[k] * value
            _ring_list(slot, b, g, hi - lo, fill, entries)
            n_events += hi - lo
    emitted[b] += n_events


@njit(cache=True)
def ring_emit_groups_shared(
    b, t, spike_idx, spike_val, spike_cnt, row, bounds, delay, indices, weight, ring, fill, entries, emitted
):
    """:func:`ring_emit_groups` for a projection whose synapses share one ``weight``: the same sums, in the same order.

    Reads the target index per synapse, not the weight.
    """
    D = ring.shape[0]
    base = t % D
    n_events = 0
    for e in range(spike_cnt[b]):
        i = spike_idx[b, e]
        x = weight * spike_val[b, e]
        for g in range(row[i], row[i + 1]):
            slot = base + delay[g]
            if slot >= D:
                slot -= D
            lo = bounds[g]
            hi = bounds[g + 1]
            for k in range(lo, hi):
                ring[slot, b, indices[k]] += x
            _ring_list(slot, b, g, hi - lo, fill, entries)
            n_events += hi - lo
    emitted[b] += n_events


@njit(cache=True)
def ring_deliver_listed(b, t, ring, buf, fill, entries, bounds, indices):
    """:func:`ring_deliver` after :func:`ring_emit_groups`: add slot ``t % D`` into the receptor buffer, empty it.

    A slot whose emitted groups are listed (``fill[slot, b, 0] >= 0``) is
    emptied through them: each target of a listed synapse takes its cell and
    zeroes it, so a target reached twice adds ``+0.0`` the second time, which
    changes no sum (a buffer starts at ``+0.0`` and only ever has values
    added, so it never holds ``-0.0``). Untouched cells hold ``+0.0`` and
    are skipped. Otherwise (more than ``entries.shape[2]`` synapses) every
    target's cell is added: the same sums either way, at a cost of the
    events instead of ``N_post``.
    """
    slot = t % ring.shape[0]
    n = fill[slot, b, 0]
    if n < 0:
        for j in range(buf.shape[1]):
            buf[b, j] += ring[slot, b, j]
            ring[slot, b, j] = 0
    else:
        for e in range(n):
            g = entries[slot, b, e]
            for k in range(bounds[g], bounds[g + 1]):
                j = indices[k]
                buf[b, j] += ring[slot, b, j]
                ring[slot, b, j] = 0
    fill[slot, b, 0] = 0
    fill[slot, b, 1] = 0


@njit(cache=True)
def segment_emit(b, t, spike_idx, spike_val, spike_cnt, seg_ptr, seg_delay, q_src, q_val, q_cnt):
    """Phase 5 with per-synapse delays of stateful synapses: every delay group ``g`` of a spiking source
    (its synapses with one delay) enters slot ``(t + d_g) % D``; it arrives, and its synapses run, at ``t + d_g``.
    """
    D = q_cnt.shape[0]
    for e in range(spike_cnt[b]):
        i = spike_idx[b, e]
        value = spike_val[b, e]
        for g in range(seg_ptr[i], seg_ptr[i + 1]):
            slot = (t + seg_delay[g]) % D
            n = q_cnt[slot, b]
            q_src[slot, b, n] = g
            q_val[slot, b, n] = value
            q_cnt[slot, b] = n + 1


# ----- one shard of the targets (simcore.base.shards): the same sums, restricted to a block of targets
# ``pairs[i, 2 * sh]`` and ``pairs[i, 2 * sh + 1]``: the synapses of row ``i`` onto shard ``sh`` (one cache line per
# due source). Synapse positions and target indices are read as unsigned (never negative): Numba then drops its
# negative-index test per synapse, which kept LLVM from pipelining the loop (1.4-1.8x faster, measured). The
# limits of the source after next and the first synapses of the next source are prefetched (a hint, no effect on
# the sums): a shard reads a part of each row, so it starts twice as many short reads from memory as the unsplit
# kernel, and each start waited for memory (Brunel: 2 shards on one thread cost 1.16x one shard, with the
# prefetch 0.97x, measured in one process).
@njit(cache=True)
def queue_deliver_shard(b, t, q_src, q_val, q_cnt, pairs, sh, indices, weights, buf):
    """:func:`queue_deliver` for the synapses of each due source onto shard ``sh``; returns the events delivered.

    The slot is not emptied: :func:`queue_clear_shards` does that (and adds every shard's events to the
    projection's count) once every shard delivered.
    """
    slot = t % q_cnt.shape[0]
    row = buf[b]
    flat_i, flat_w = indices.reshape((1, indices.shape[0])), weights.reshape((1, weights.shape[0]))
    n = q_cnt[slot, b]
    n_events = 0
    for e in range(n):
        if e + 2 < n:
            prefetch_2d(pairs, q_src[slot, b, e + 2], 2 * sh)
        if e + 1 < n:
            start = pairs[q_src[slot, b, e + 1], 2 * sh]
            prefetch_2d(flat_i, 0, start)
            prefetch_2d(flat_w, 0, start)
        i = q_src[slot, b, e]
        value = q_val[slot, b, e]
        lo = pairs[i, 2 * sh]
        hi = pairs[i, 2 * sh + 1]
        for k in range(np.uint64(lo), np.uint64(hi)):
            row[np.uint32(indices[k])] += weights[k] * value
        n_events += hi - lo
    return n_events


@njit(cache=True)
def queue_deliver_shared_shard(b, t, q_src, q_val, q_cnt, pairs, sh, indices, weight, buf):
    """:func:`queue_deliver_shared` for one shard's targets (see :func:`queue_deliver_shard`); returns the events."""
    slot = t % q_cnt.shape[0]
    row = buf[b]
    flat = indices.reshape((1, indices.shape[0]))
    n = q_cnt[slot, b]
    n_events = 0
    for e in range(n):
        if e + 2 < n:
            prefetch_2d(pairs, q_src[slot, b, e + 2], 2 * sh)
        if e + 1 < n:
            prefetch_2d(flat, 0, pairs[q_src[slot, b, e + 1], 2 * sh])
        i = q_src[slot, b, e]
        x = weight * q_val[slot, b, e]
        lo = pairs[i, 2 * sh]
        hi = pairs[i, 2 * sh + 1]
        for k in range(np.uint64(lo), np.uint64(hi)):
            row[np.uint32(indices[k])] += x
        n_events += hi - lo
    return n_events


@njit(cache=True)
def queue_clear_shards(b, t, q_cnt, shard_events, delivered):
    """After every shard delivered slot ``t % D``: add their events (``shard_events[b, :]``) to ``delivered[b]``,
    zero them, empty the slot."""
    n_events = 0
    for sh in range(shard_events.shape[1]):
        n_events += shard_events[b, sh]
        shard_events[b, sh] = 0
    delivered[b] += n_events
    q_cnt[t % q_cnt.shape[0], b] = 0


@njit(cache=True)
def ring_emit_shard(b, t, spike_idx, spike_val, spike_cnt, lo, hi, indices, weights, delays, ring):
    """:func:`ring_emit` for the synapses ``lo[i] <= k < hi[i]`` of each spiking source (one shard's targets)."""
    D = ring.shape[0]
    for e in range(spike_cnt[b]):
        i = spike_idx[b, e]
        value = spike_val[b, e]
        for k in range(lo[i], hi[i]):
            ring[(t + delays[k]) % D, b, indices[k]] += weights[k] * value


@njit(cache=True)
def ring_count(b, spike_idx, spike_cnt, indptr, emitted):
    """Count the synaptic events of this step's spikes into ``emitted[b]`` (what :func:`ring_emit` counts)."""
    n_events = 0
    for e in range(spike_cnt[b]):
        i = spike_idx[b, e]
        n_events += indptr[i + 1] - indptr[i]
    emitted[b] += n_events


@njit(cache=True)
def ring_sweep_all(b, fill):
    """Mark every slot of sample ``b`` for a full sweep: the sharded kernel's emission lists no groups, so a
    later unsharded run must not trust the lists (:func:`ring_deliver_listed`)."""
    for slot in range(fill.shape[0]):
        fill[slot, b, 0] = -1
        fill[slot, b, 1] = 0


@njit(cache=True)
def ring_deliver_range(b, t, ring, buf, lo, hi):
    """:func:`ring_deliver` for the targets ``lo <= j < hi``."""
    slot = t % ring.shape[0]
    for j in range(lo, hi):
        buf[b, j] += ring[slot, b, j]
        ring[slot, b, j] = 0


@njit(cache=True)
def direct_deliver(b, spike_idx, spike_val, spike_cnt, indptr, indices, weights, buf, delivered):
    """A zero-delay projection: this step's spikes of the source, weighted, into the target's receptor now.

    Runs in the neurons section after the source's pass and before the target's (docs/contract.md §2).
    """
    n_events = 0
    for e in range(spike_cnt[b]):
        i = spike_idx[b, e]
        value = spike_val[b, e]
        lo = indptr[i]
        hi = indptr[i + 1]
        for k in range(lo, hi):
            buf[b, indices[k]] += weights[k] * value
        n_events += hi - lo
    delivered[b] += n_events
