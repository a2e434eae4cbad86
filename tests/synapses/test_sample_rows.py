"""``sample_rows``: Floyd's sampling with rows sorted by our own sort (not ``np.sort``) gives, draw for draw,
the columns of the plain algorithm: the same random draws, then each row sorted."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from synapses.kernels.build import _randint, sample_rows, sort_run


def reference_rows(counts, n_choices, exclude_self, allow_multiple, state):
    """The algorithm written out in Python: Floyd (or draws with repetition), the self shift, ``sorted``."""
    rows = []
    for r, k in enumerate(counts):
        pool = n_choices - 1 if exclude_self else n_choices
        if allow_multiple:
            row = [int(_randint(state, pool)) for _ in range(k)]
        else:
            chosen, row = set(), []
            for j in range(pool - k, pool):
                c = int(_randint(state, j + 1))
                if c in chosen:
                    c = j
                chosen.add(c)
                row.append(c)
        if exclude_self:
            row = [c + 1 if c >= r else c for c in row]
        rows.append(sorted(row))
    return rows


def seed_state(seed):
    return np.array([[0x9E3779B97F4A7C15 ^ seed, 0xD1B54A32D192ED03 + seed]], dtype=np.uint64)


@settings(max_examples=60, deadline=None)
@given(
    n_rows=st.integers(1, 12),
    n_choices=st.integers(2, 300),
    fraction=st.floats(0.0, 1.0),
    exclude_self=st.booleans(),
    allow_multiple=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_rows_equal_the_plain_algorithm(n_rows, n_choices, fraction, exclude_self, allow_multiple, seed):
    pool = n_choices - 1 if exclude_self else n_choices
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, int(fraction * pool) + 1, size=n_rows).astype(np.int64)
    ptr, idx = sample_rows(counts, n_choices, exclude_self, allow_multiple, seed_state(seed))
    expected = reference_rows(counts, n_choices, exclude_self, allow_multiple, seed_state(seed))
    assert ptr.dtype == np.int64 and idx.dtype == np.int32
    assert np.array_equal(np.diff(ptr), counts)
    for r, row in enumerate(expected):
        assert idx[ptr[r] : ptr[r + 1]].tolist() == row


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=3000), st.integers(0, 5))
def test_sort_run_sorts_a_slice_and_leaves_the_rest(values, margin):
    a = np.array([7] * margin + values + [-7] * margin, dtype=np.int64)
    before = a.copy()
    sort_run(a, margin, margin + len(values))
    assert a[margin : margin + len(values)].tolist() == sorted(values)
    assert np.array_equal(a[:margin], before[:margin]) and np.array_equal(
        a[margin + len(values) :], before[margin + len(values) :]
    )


def test_sort_run_at_every_gap_regime():
    rng = np.random.default_rng(5)
    for n in (0, 1, 2, 24, 25, 700, 1578, 5000, 20000):
        a = rng.integers(-1000, 1000, size=n).astype(np.int32)
        expected = np.sort(a)
        sort_run(a, 0, n)
        assert np.array_equal(a, expected), n
