"""``sample_rows``: Floyd's sampling with rows sorted by our own sort (not ``np.sort``) gives, draw for draw,
the columns of the plain algorithm: the same random draws, then each row sorted."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from synapses.kernels.build import _randint, sample_rows


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


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 3000), st.integers(1, 40), st.integers(0, 2**32))
def test_rows_with_repeats_are_sorted_like_the_plain_algorithm(k, n_choices, seed):
    """Rows drawn with repetition (many equal columns) come out as the sorted draws, next to other rows."""
    counts = np.array([3, k, 5], dtype=np.int64)
    ptr, idx = sample_rows(counts, n_choices, False, True, seed_state(seed))
    expected = reference_rows(counts, n_choices, False, True, seed_state(seed))
    assert [idx[ptr[r] : ptr[r + 1]].tolist() for r in range(3)] == expected


def test_rows_are_sorted_at_every_gap_regime_of_the_shell_sort():
    """Row lengths on both sides of the insertion-sort limit (24), the largest Ciura gap (701) and its growth."""
    for k in (0, 1, 2, 24, 25, 700, 1578, 5000, 20000):
        counts = np.array([k], dtype=np.int64)
        for exclude_self, allow_multiple, n_choices in ((False, True, 1000), (True, False, 10 * k + 2)):
            ptr, idx = sample_rows(counts, n_choices, exclude_self, allow_multiple, seed_state(k))
            expected = reference_rows(counts, n_choices, exclude_self, allow_multiple, seed_state(k))
            assert idx.tolist() == expected[0], (k, allow_multiple)
