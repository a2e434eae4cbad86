"""Connectivity builders in Numba: O(number of synapses), no Python loop per synapse."""

import numpy as np
from numba import njit

from simcore.base.kernels.rng import next_u64


@njit(cache=True, inline="always")
def _randint(state, n):
    """Uniform integer in [0, n) (multiply-shift; bias < n / 2**32, negligible for n < 2**31)."""
    return np.int64(((next_u64(state, 0) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


#: a row whose pool has at most this many columns per chosen one is read back in order from the marks (one
#: pass over the pool) instead of sorted
DENSE_ROW_RATIO = 32
#: rows of at most this many synapses are sorted by insertion; longer ones by Shell sort
INSERTION_MAX = 24


def sample_rows(counts, n_choices, exclude_self, allow_multiple, state):
    """For each row ``r``, choose ``counts[r]`` column indices in ``[0, n_choices)``.

    Without repetition (Floyd's algorithm, O(k) per row) unless
    ``allow_multiple``; with ``exclude_self`` the column equal to the row
    index is never chosen. Columns come out sorted within each row.
    Returns ``(indptr int64, indices int32)``.

    The arrays are allocated here, in NumPy, and filled by :func:`fill_rows`; its rows are sorted by
    :func:`sort_run`, not by ``np.sort``: the kernel then compiles in a fraction of the time (an empty
    cache pays for Numba's quicksort and array constructors otherwise, about 1.5 s) and the result, a
    sorted set of integers, is the same.
    """
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    marked = np.zeros(n_choices, dtype=np.bool_)
    fill_rows(counts, indptr, indices, marked, n_choices, exclude_self, allow_multiple, state)
    return indptr, indices


@njit(cache=True)
def fill_rows(counts, indptr, indices, marked, n_choices, exclude_self, allow_multiple, state):
    """The loop of :func:`sample_rows`: row ``r``'s sorted columns into ``indices[indptr[r]:indptr[r+1]]``.

    ``marked`` (``n_choices`` booleans, all False) is Floyd's membership table; it is all False again on return.
    A row with ``pool <= DENSE_ROW_RATIO * k`` is read back from the table in ascending order; other rows
    clear their marks and are sorted by :func:`sort_run`.
    """
    for r in range(counts.shape[0]):
        k = counts[r]
        lo = indptr[r]
        pool = n_choices - 1 if exclude_self else n_choices
        if allow_multiple:
            for e in range(k):
                indices[lo + e] = _randint(state, pool)
            sort_run(indices, lo, lo + k)
        else:
            e = 0
            for j in range(pool - k, pool):
                c = _randint(state, j + 1)
                if marked[c]:
                    c = j
                marked[c] = True
                indices[lo + e] = c
                e += 1
            if pool <= DENSE_ROW_RATIO * k:
                e = lo
                for c in range(pool):
                    if marked[c]:
                        marked[c] = False
                        indices[e] = c
                        e += 1
            else:
                for e in range(k):
                    marked[indices[lo + e]] = False
                sort_run(indices, lo, lo + k)
        if exclude_self:  # a monotone shift: the row stays sorted
            for e in range(k):
                if indices[lo + e] >= r:
                    indices[lo + e] += 1


@njit(cache=True, inline="always")
def _insertion_pass(a, lo, hi, gap):
    """One gapped insertion sort of ``a[lo:hi]`` (``gap = 1``: plain insertion sort)."""
    for i in range(lo + gap, hi):
        x = a[i]
        j = i
        while j >= lo + gap and a[j - gap] > x:
            a[j] = a[j - gap]
            j -= gap
        a[j] = x


#: Ciura's Shell sort gaps, largest first; longer runs first use gaps above 701 grown by x2.25
CIURA_GAPS = (701, 301, 132, 57, 23, 10, 4, 1)


@njit(cache=True)
def sort_run(a, lo, hi):
    """Sort ``a[lo:hi]`` in place, ascending: insertion sort up to ``INSERTION_MAX`` items, else Shell sort
    with :data:`CIURA_GAPS` (O(n^1.3) in practice; a row of synapses is rarely above a few thousand)."""
    n = hi - lo
    if n <= INSERTION_MAX:
        _insertion_pass(a, lo, hi, 1)
        return
    gap = 701
    while gap * 9 < n * 4:
        gap = (gap * 9) // 4
    while gap > 701:
        _insertion_pass(a, lo, hi, gap)
        gap = (gap * 4) // 9
    for g in CIURA_GAPS:
        if g < n:
            _insertion_pass(a, lo, hi, g)


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
