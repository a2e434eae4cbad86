"""Spike outbox and inbox of a network split over ranks (simcore.ranks, docs/contract.md §6).

A rank steps its own neurons for a window of ``W <= d_min`` steps and defers phase 5 (emit): after each step
:func:`outbox_put` appends the rank's spikes of each exchanged population to its part of the exchange buffer
``rx``. After the exchange, ``rx`` holds every rank's part, rank ``r`` from ``r * stride``; a part is a header of
``W * B * P`` counts (``[(w * B + b) * P + p]``: spikes of population ``p`` in step ``w`` of the window, sample
``b``) followed by ``(neuron, code, value)`` triples in ``(w, b, p)`` order. :func:`inbox_take` rebuilds the
population's spike list of one step from every rank's part, in rank order; rank blocks are contiguous and
ascending, so the list is in ascending neuron order, exactly the unsplit list.

Everything is stored as float64: neuron indices below 2**53, codes (+-1) and values (float32 or float64) are
exact in it.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def outbox_put(w, b, p, n_pops, n_batch, spike_idx, spike_code, spike_val, spike_cnt, rx, part, ob_n):
    """Append the spike list of sample ``b`` (step ``w`` of the window) of population ``p`` to the part at ``part``.

    ``ob_n[0]``: the next free position in ``rx`` (the triples of this part so far).
    """
    e = ob_n[0]
    n = spike_cnt[b]
    for k in range(n):
        rx[e] = spike_idx[b, k]
        rx[e + 1] = spike_code[b, k]
        rx[e + 2] = spike_val[b, k]
        e += 3
    rx[part + (w * n_batch + b) * n_pops + p] = n
    ob_n[0] = e


@njit(cache=True)
def inbox_take(w, b, p, n_pops, n_batch, rx, stride, cursor, spike_idx, spike_code, spike_val, spike_cnt):
    """The spike list of population ``p``, sample ``b``, step ``w`` of the window: every rank's entries, in rank order.

    ``cursor[r]``: the next unread triple of rank ``r``'s part (read in ``(w, b, p)`` order).
    """
    n = 0
    for r in range(cursor.shape[0]):
        count = int(rx[r * stride + (w * n_batch + b) * n_pops + p])
        e = cursor[r]
        for _ in range(count):
            spike_idx[b, n] = int(rx[e])
            spike_code[b, n] = int(rx[e + 1])
            spike_val[b, n] = rx[e + 2]
            e += 3
            n += 1
        cursor[r] = e
    spike_cnt[b] = n


@njit(cache=True)
def rank_block_csr(indptr, indices, lo, hi):
    """The synapses of a CSR over sources whose target is in ``[lo, hi)``: new ``indptr`` and the kept positions.

    Order within each row is kept, so every target sums its inputs in the unsplit order (docs/contract.md §2).
    """
    n_rows = indptr.shape[0] - 1
    new_ptr = indptr.copy()
    n = 0
    for i in range(n_rows):
        new_ptr[i] = n
        for k in range(indptr[i], indptr[i + 1]):
            if lo <= indices[k] < hi:
                n += 1
    new_ptr[n_rows] = n
    keep = np.empty(n, dtype=np.int64)
    n = 0
    for i in range(n_rows):
        for k in range(indptr[i], indptr[i + 1]):
            if lo <= indices[k] < hi:
                keep[n] = k
                n += 1
    return new_ptr, keep
