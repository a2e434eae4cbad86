"""Connectors: structure exactly as specified, statistics as expected, built without Python loops."""

import numpy as np
import pytest
import scipy.sparse as sp

import simcore as sc


def build(pre_n, post_n, connector, same=False, seed=1, **kw):
    net = sc.Network()
    a = net.add(sc.LIF(pre_n, beta=0.9))
    b = a if same else net.add(sc.LIF(post_n, beta=0.9))
    proj = net.connect(a, b, connector, **kw)
    net.build(seed=seed, dtype="float32")
    return proj


def dense(proj):
    return proj.to_scipy().toarray()


def test_all_to_all_with_and_without_self():
    assert build(4, 4, sc.AllToAll(), same=True).n_synapses == 16
    p = build(4, 4, sc.AllToAll(allow_self=False), same=True)
    m = dense(p)
    assert p.n_synapses == 12 and np.all(np.diag(m) == 0) and np.all(m[~np.eye(4, dtype=bool)] == 1)


def test_one_to_one():
    m = dense(build(5, 5, sc.OneToOne(), weight=2.0))
    np.testing.assert_array_equal(m, 2 * np.eye(5))


def test_bernoulli_count_matches_p_and_has_no_self_when_asked():
    p = build(400, 400, sc.Bernoulli(0.1, allow_self=False), same=True)
    n = p.n_synapses
    expected = 0.1 * 400 * 399
    assert abs(n - expected) < 5 * np.sqrt(expected * 0.9)
    assert np.all(np.diag(dense(p)) == 0)


def test_bernoulli_p_zero_and_one():
    assert build(30, 20, sc.Bernoulli(0.0)).n_synapses == 0
    assert build(30, 20, sc.Bernoulli(1.0)).n_synapses == 600


def test_fixed_in_degree_is_exact_and_distinct():
    p = build(50, 30, sc.FixedInDegree(7))
    np.testing.assert_array_equal(p.sources_per_target(), np.full(30, 7))
    m = p.to_scipy().tocoo()
    pairs = set(zip(m.row.tolist(), m.col.tolist()))
    assert len(pairs) == p.n_synapses  # no multapses


def test_fixed_in_degree_without_self():
    p = build(10, 10, sc.FixedInDegree(9, allow_self=False), same=True)
    m = dense(p)
    assert np.all(np.diag(m) == 0) and np.all(m.sum(axis=0) == 9)


def test_fixed_in_degree_with_multapses_may_exceed_population():
    p = build(5, 3, sc.FixedInDegree(8, allow_multiple=True))
    np.testing.assert_array_equal(p.sources_per_target(), [8, 8, 8])


def test_fixed_out_degree_is_exact():
    p = build(20, 40, sc.FixedOutDegree(6))
    np.testing.assert_array_equal(np.diff(p.indptr), np.full(20, 6))
    for i in range(20):
        assert np.unique(p.targets_of(i)).size == 6


def test_from_arrays_keeps_pairs_and_weights():
    i = np.array([2, 0, 2, 1])
    j = np.array([1, 3, 0, 1])
    w = np.array([0.5, -1.0, 2.0, 3.0])
    m = dense(build(3, 4, sc.FromArrays(i, j, w)))
    expected = np.zeros((3, 4))
    expected[i, j] = w
    np.testing.assert_array_equal(m, expected.astype(np.float32))


def test_from_matrix_scipy_and_dense():
    M = sp.random(6, 5, density=0.4, random_state=3, format="coo")
    np.testing.assert_allclose(dense(build(6, 5, sc.FromMatrix(M))), M.toarray(), rtol=1e-6)
    D = np.array([[0.0, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(dense(build(2, 2, sc.FromMatrix(D))), D)


def test_weights_scalar_distribution_matrix_and_per_synapse():
    p = build(30, 30, sc.Bernoulli(0.5), weight=sc.Normal(1.0, 0.1))
    assert abs(p.weights.mean() - 1.0) < 0.05 and p.weights.dtype == np.float32
    W = np.arange(12, dtype=float).reshape(3, 4)
    np.testing.assert_array_equal(dense(build(3, 4, sc.AllToAll(), weight=W)), W)
    per = build(3, 4, sc.AllToAll(), weight=np.arange(12.0))
    np.testing.assert_array_equal(per.weights, np.arange(12.0, dtype=np.float32))


def test_compact_storage_types():
    p = build(100, 100, sc.Bernoulli(0.1))
    assert p.indices.dtype == np.uint32 and p.indptr.dtype == np.int64 and p.weights.dtype == np.float32


def test_same_seed_same_synapses_different_seed_different():
    a, b, c = (build(200, 200, sc.Bernoulli(0.05), seed=s) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices) or not np.array_equal(a.indptr, c.indptr)


def test_million_synapses_build_quickly():
    import time

    t0 = time.perf_counter()
    p = build(2000, 2000, sc.FixedInDegree(500))
    assert p.n_synapses == 10**6
    assert time.perf_counter() - t0 < 30  # generous: seconds, not minutes (benchmarks measure it)


@pytest.mark.parametrize(
    "make, err, match",
    [
        (lambda: sc.Bernoulli(1.5), ValueError, r"p must lie in \[0, 1\]; got 1.5"),
        (lambda: sc.Bernoulli(-0.1), ValueError, r"p must lie in \[0, 1\]"),
        (lambda: sc.Bernoulli(float("nan")), ValueError, "p must be finite"),
        (lambda: sc.Bernoulli("0.1"), TypeError, "p must be a probability"),
        (lambda: sc.FixedInDegree(-1), ValueError, "in-degree k must be >= 0"),
        (lambda: sc.FixedInDegree(2.5), TypeError, "in-degree k must be an int"),
        (lambda: sc.FromArrays([0, 1], [0]), ValueError, "one shape"),
    ],
)
def test_bad_connector_arguments(make, err, match):
    with pytest.raises(err, match=match):
        make()


def test_in_degree_larger_than_source_population():
    with pytest.raises(ValueError, match="in-degree k 12 is larger than the source population"):
        build(10, 5, sc.FixedInDegree(12))


def test_from_arrays_index_out_of_range():
    with pytest.raises(ValueError, match=r"j must lie in \[0, 4\)"):
        build(3, 4, sc.FromArrays([0], [4]))


def test_from_matrix_shape_mismatch():
    with pytest.raises(ValueError, match=r"matrix has shape \(2, 2\); expected \(N_pre, N_post\) = \(3, 4\)"):
        build(3, 4, sc.FromMatrix(np.ones((2, 2))))
