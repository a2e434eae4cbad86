"""Recording kernels: called after phase 5, they read the state of the finished step."""

import numpy as np
from numba import njit


@njit(cache=True)
def spike_room(b, count, n_record, capacity):
    """True when one more step of spikes (at most ``n_record``) fits in sample ``b``'s buffer."""
    return count[b] + n_record <= capacity


@njit(cache=True)
def spike_record(b, t, spike_idx, spike_code, spike_cnt, neuron_mask, sample_mask, out_t, out_i, out_c, count):
    """Append the recorded spikes of step ``t`` of sample ``b``: step, neuron, polarity."""
    if not sample_mask[b]:
        return
    n = count[b]
    for k in range(spike_cnt[b]):
        i = spike_idx[b, k]
        if neuron_mask[i]:
            out_t[b, n] = t
            out_i[b, n] = i
            out_c[b, n] = spike_code[b, k]
            n += 1
    count[b] = n


@njit(cache=True)
def state_record(b, t, base, every, var, neuron_ids, out):
    """Row ``t // every - first_row(base)`` of ``out (rows, B, n)`` = ``var[b, neuron_ids]`` when ``t % every == 0``."""
    if t % every != 0:
        return
    row = t // every - (base + every - 1) // every
    for k in range(neuron_ids.shape[0]):
        out[row, b, k] = var[b, neuron_ids[k]]


@njit(cache=True)
def state_record_range(b, t, base, every, var, neuron_ids, lo, hi, out):
    """:func:`state_record` for the recorded neurons ``lo <= neuron_ids[k] < hi`` (one shard's block)."""
    if t % every != 0:
        return
    row = t // every - (base + every - 1) // every
    for k in range(neuron_ids.shape[0]):
        i = neuron_ids[k]
        if lo <= i < hi:
            out[row, b, k] = var[b, i]


@njit(cache=True)
def rate_record(b, t, base, spike_cnt, out):
    """``out[t - base, b]`` = number of spikes of the population at step ``t``."""
    out[t - base, b] = spike_cnt[b]


@njit(cache=True)
def rate_record_masked(b, t, base, spike_idx, spike_cnt, mask, out):
    """``out[t - base, b]`` = number of spikes at step ``t`` of the neurons where ``mask`` is set (a subgroup)."""
    n = 0
    for e in range(spike_cnt[b]):
        if mask[spike_idx[b, e]]:
            n += 1
    out[t - base, b] = n


@njit(cache=True)
def synapse_record(b, t, base, every, src, ids, out):
    """``out[row, b, :] = src[b, ids]`` at the steps ``t % every == 0`` (``row`` counts from the chunk's start)."""
    if t % every != 0:
        return
    row = t // every - (base + every - 1) // every
    for e in range(ids.shape[0]):
        out[row, b, e] = src[b, ids[e]]


@njit(cache=True)
def spike_gather(buf_t, buf_i, buf_c, count, sample_ids, out_t, out_i, out_s, out_c):
    """Merge the samples' buffers into the order step, sample, neuron: ``(in_order, last_step)``.

    Each sample's buffer holds its events in step order (the kernel appends
    them step by step) and, within a step, in the order the population
    emitted them. A counting sort by step, visiting ``sample_ids`` in
    ascending order, places each of the ``sum(count[sample_ids])`` events
    in ``out_*``: the result is ordered by step, then sample, then neuron
    exactly when each sample's steps and its neurons within a step ascend,
    which ``in_order`` reports (the caller sorts otherwise). ``last_step``:
    the largest step (-1 without events).
    """
    first, last = np.iinfo(np.int64).max, np.int64(-1)
    for j in range(sample_ids.shape[0]):
        b = sample_ids[j]
        for k in range(count[b]):
            first = min(first, buf_t[b, k])
            last = max(last, buf_t[b, k])
    if last < 0:
        return True, last
    slot = np.zeros(last - first + 2, dtype=np.int64)
    for j in range(sample_ids.shape[0]):
        b = sample_ids[j]
        for k in range(count[b]):
            slot[buf_t[b, k] - first + 1] += 1
    for s in range(1, slot.shape[0]):
        slot[s] += slot[s - 1]
    ordered = True
    for j in range(sample_ids.shape[0]):
        b = sample_ids[j]
        prev_t, prev_i = -1, -1
        for k in range(count[b]):
            t, i = buf_t[b, k], buf_i[b, k]
            if t < prev_t or (t == prev_t and i <= prev_i):
                ordered = False
            prev_t, prev_i = t, i
            n = slot[t - first]
            slot[t - first] = n + 1
            out_t[n] = t
            out_i[n] = i
            out_s[n] = b
            out_c[n] = buf_c[b, k]
    return ordered, last
