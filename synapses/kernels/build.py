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


@njit(cache=True)
def draw_rows(r0, r1, counts, n_choices, exclude_self, allow_multiple, state, marked, out):
    """Rows ``r0 .. r1-1`` of :func:`sample_rows`, one after another into ``out``: row ``r``'s ``counts[r]``
    columns in ``[0, n_choices)``, sorted.

    Without repetition (Floyd's algorithm, O(k), ``marked`` all False before and after) unless
    ``allow_multiple``; with ``exclude_self`` column ``r`` is never chosen. Every row takes exactly ``k``
    draws from ``state``, whatever it keeps. A row without repetition whose pool has at most
    ``DENSE_ROW_RATIO`` columns per chosen one is read back from ``marked`` in ascending order; other rows are
    sorted in place (insertion sort up to ``INSERTION_MAX`` items, else Shell sort with :data:`CIURA_GAPS`,
    O(n^1.3) in practice; not ``np.sort``: an empty cache then compiles no quicksort, and a sorted set of
    integers is the same whichever sort made it). One function, not a row function called in a loop: each
    jitted callee is compiled, and its code optimised again in its caller, on an empty cache.
    """
    pool = n_choices - 1 if exclude_self else n_choices
    lo = 0
    for r in range(r0, r1):
        k = counts[r]
        row = out[lo : lo + k]
        lo += k
        needs_sort = allow_multiple
        if allow_multiple:
            for e in range(k):
                row[e] = _randint(state, pool)
        else:
            e = 0
            for j in range(pool - k, pool):
                c = _randint(state, j + 1)
                if marked[c]:
                    c = j
                marked[c] = True
                row[e] = c
                e += 1
            if pool <= DENSE_ROW_RATIO * k:
                e = 0
                for c in range(pool):
                    if marked[c]:
                        marked[c] = False
                        row[e] = c
                        e += 1
            else:
                for e in range(k):
                    marked[row[e]] = False
                needs_sort = True
        if needs_sort:
            if k <= INSERTION_MAX:
                _insertion_pass(row, 0, k, 1)
            else:
                gap = 701
                while gap * 9 < k * 4:
                    gap = (gap * 9) // 4
                while gap > 701:
                    _insertion_pass(row, 0, k, gap)
                    gap = (gap * 4) // 9
                for g in CIURA_GAPS:
                    if g < k:
                        _insertion_pass(row, 0, k, g)
        if exclude_self:  # a monotone shift: the row stays sorted
            for e in range(k):
                if row[e] >= r:
                    row[e] += 1


def sample_rows(counts, n_choices, exclude_self, allow_multiple, state):
    """For each row ``r``, choose ``counts[r]`` column indices in ``[0, n_choices)`` (:func:`draw_rows`).

    Columns come out sorted within each row. Returns ``(indptr int64, indices int32)``. The arrays are
    allocated here, in NumPy, and filled by :func:`draw_rows`, so that an empty cache compiles none of
    Numba's array constructors for it.
    """
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    marked = np.zeros(n_choices, dtype=np.bool_)
    draw_rows(0, counts.shape[0], counts, n_choices, exclude_self, allow_multiple, state, marked, indices)
    return indptr, indices


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
def sample_rows_part(counts, n_choices, exclude_self, allow_multiple, state, keep, fill, indptr, indices, positions):
    """:func:`sample_rows` keeping only the columns ``c`` with ``keep[c]``, never holding more than one row.

    Counting pass (``fill`` False): ``indptr[r + 1] - indptr[r]`` the kept columns of row ``r``; returns each
    column's full count ``(n_choices,)`` int64. Filling pass (``fill`` True, ``indptr`` from the counting
    pass, the same starting ``state``): the kept columns into ``indices`` (their order in the row kept) and,
    when ``positions`` has room, each one's position in the unrestricted CSR.
    """
    n_rows = counts.shape[0]
    k_max = 0
    for r in range(n_rows):
        k_max = max(k_max, counts[r])
    row = np.empty(k_max, dtype=np.int32)
    marked = np.zeros(n_choices, dtype=np.bool_)
    full_in = np.zeros(n_choices if not fill else 0, dtype=np.int64)
    with_pos = positions.shape[0] > 0
    start = 0
    for r in range(n_rows):
        k = counts[r]
        draw_rows(r, r + 1, counts, n_choices, exclude_self, allow_multiple, state, marked, row)
        p = indptr[r]
        for e in range(k):
            c = row[e]
            if not fill:
                full_in[c] += 1
            if keep[c]:
                if fill:
                    indices[p] = c
                    if with_pos:
                        positions[p] = start + e
                p += 1
        if not fill:
            indptr[r + 1] = p
        start += k
    return full_in


@njit(cache=True)
def in_rows_part(n_rows, k, n_choices, exclude_self, allow_multiple, state, keep, with_pos):
    """Fixed in-degree rows (one per target) drawn as :func:`sample_rows` does, keeping the rows ``keep`` marks.

    Returns ``(in_idx int32 (kept rows * k,), kept int64 (kept rows,), full_out int64 (n_choices,), within
    int64)``: the kept rows' sources in row order, the kept rows, every source's full out-degree, and
    (``with_pos``) each kept synapse's rank among its source's synapses in row order.
    """
    n_kept = 0
    for r in range(n_rows):
        if keep[r]:
            n_kept += 1
    in_idx = np.empty(n_kept * k, dtype=np.int32)
    kept = np.empty(n_kept, dtype=np.int64)
    within = np.empty(n_kept * k if with_pos else 0, dtype=np.int64)
    full_out = np.zeros(n_choices, dtype=np.int64)
    row = np.empty(k, dtype=np.int32)
    counts = np.full(n_rows, k, dtype=np.int64)
    marked = np.zeros(n_choices, dtype=np.bool_)
    q = 0
    for r in range(n_rows):
        draw_rows(r, r + 1, counts, n_choices, exclude_self, allow_multiple, state, marked, row)
        if keep[r]:
            kept[q // k if k > 0 else 0] = r
            for e in range(k):
                s = row[e]
                in_idx[q] = s
                if with_pos:
                    within[q] = full_out[s]
                full_out[s] += 1
                q += 1
        else:
            for e in range(k):
                full_out[row[e]] += 1
    return in_idx, kept, full_out, within


@njit(cache=True)
def transpose_part(in_idx, k, kept, full_out, within):
    """The kept fixed in-degree rows of :func:`in_rows_part` as CSR over sources, in :func:`transpose_indices`'s
    order: ``(indptr int64, indices int32, positions int64)`` (``positions`` empty unless ``within`` is not)."""
    n_cols = full_out.shape[0]
    nnz = in_idx.shape[0]
    indptr = np.zeros(n_cols + 1, dtype=np.int64)
    for q in range(nnz):
        indptr[in_idx[q] + 1] += 1
    for c in range(n_cols):
        indptr[c + 1] += indptr[c]
    fill = indptr[:-1].copy()
    indices = np.empty(nnz, dtype=np.int32)
    with_pos = within.shape[0] > 0
    positions = np.empty(nnz if with_pos else 0, dtype=np.int64)
    start = np.zeros(n_cols, dtype=np.int64)
    for c in range(1, n_cols):
        start[c] = start[c - 1] + full_out[c - 1]
    for q in range(nnz):
        s = in_idx[q]
        indices[fill[s]] = kept[q // k]
        if with_pos:
            positions[fill[s]] = start[s] + within[q]
        fill[s] += 1
    return indptr, indices, positions


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
