"""Connectivity builders in Numba: O(number of synapses), no Python loop per synapse."""

import numpy as np
from numba import njit

from simcore.base.kernels.rng import next_u64


@njit(cache=True, inline="always")
def _randint(state, n):
    """Uniform integer in [0, n) (multiply-shift; bias < n / 2**32, negligible for n < 2**31)."""
    return np.int64(((next_u64(state, 0) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@njit(cache=True)
def sample_rows(counts, n_choices, exclude_self, allow_multiple, state):
    """For each row ``r``, choose ``counts[r]`` column indices in ``[0, n_choices)``.

    Without repetition (Floyd's algorithm, O(k) per row) unless
    ``allow_multiple``; with ``exclude_self`` the column equal to the row
    index is never chosen. Columns come out sorted within each row.
    Returns ``(indptr int64, indices int32)``.
    """
    n_rows = counts.shape[0]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for r in range(n_rows):
        indptr[r + 1] = indptr[r] + counts[r]
    indices = np.empty(indptr[n_rows], dtype=np.int32)
    marked = np.zeros(n_choices, dtype=np.bool_)
    for r in range(n_rows):
        k = counts[r]
        lo = indptr[r]
        pool = n_choices - 1 if exclude_self else n_choices
        if allow_multiple:
            for e in range(k):
                indices[lo + e] = _randint(state, pool)
        else:
            e = 0
            for j in range(pool - k, pool):
                c = _randint(state, j + 1)
                if marked[c]:
                    c = j
                marked[c] = True
                indices[lo + e] = c
                e += 1
            for e in range(k):
                marked[indices[lo + e]] = False
        if exclude_self:
            for e in range(k):
                if indices[lo + e] >= r:
                    indices[lo + e] += 1
        indices[lo : lo + k].sort()
    return indptr, indices


@njit(cache=True)
def transpose_csr(indptr, indices, n_cols):
    """CSR over rows -> CSR over columns (counting sort, stable in the row index).

    Returns ``(indptr_t int64, indices_t int32, order int64)`` where ``order``
    maps each new position to the old one (to carry per-synapse values).
    """
    n_rows = indptr.shape[0] - 1
    nnz = indices.shape[0]
    indptr_t = np.zeros(n_cols + 1, dtype=np.int64)
    for k in range(nnz):
        indptr_t[indices[k] + 1] += 1
    for c in range(n_cols):
        indptr_t[c + 1] += indptr_t[c]
    fill = indptr_t[:-1].copy()
    indices_t = np.empty(nnz, dtype=np.int32)
    order = np.empty(nnz, dtype=np.int64)
    for r in range(n_rows):
        for k in range(indptr[r], indptr[r + 1]):
            c = indices[k]
            pos = fill[c]
            indices_t[pos] = r
            order[pos] = k
            fill[c] = pos + 1
    return indptr_t, indices_t, order


@njit(cache=True)
def transpose_indices(indptr, indices, n_cols):
    """:func:`transpose_csr` without ``order``: ``(indptr_t int64, indices_t int32)``, 8 bytes per synapse less.

    The same counting sort, so the same arrays; for connectivity that carries no per-synapse values yet.
    """
    n_rows = indptr.shape[0] - 1
    nnz = indices.shape[0]
    indptr_t = np.zeros(n_cols + 1, dtype=np.int64)
    for k in range(nnz):
        indptr_t[indices[k] + 1] += 1
    for c in range(n_cols):
        indptr_t[c + 1] += indptr_t[c]
    fill = indptr_t[:-1].copy()
    indices_t = np.empty(nnz, dtype=np.int32)
    for r in range(n_rows):
        for k in range(indptr[r], indptr[r + 1]):
            c = indices[k]
            indices_t[fill[c]] = r
            fill[c] += 1
    return indptr_t, indices_t
