"""Contract checks of the dense mode against hand-computed values (docs/contract.md
3.1, 3.5, 4) and invariants (thread count, initial state), plus a smoke run
of the BPTT benchmark at a tiny size."""

import numba
import numpy as np
import pytest

from simcore.grad import LIFLayer, ALIFLayer, ReadoutLayer, SNN, cross_entropy, branching_factor, firing_rate_l2


def test_lif_hand_computed_with_delay_and_readout():
    # one LIF neuron driven by a constant 0.6, beta 0.5, threshold 1, self-delay 2 with w = 0.25
    L = LIFLayer(1, 1, beta=0.5, threshold=1.0, delays=2, W_in=[[1.0]], W_rec=[[0.25]])
    m = SNN([L], ReadoutLayer(1, 1, kappa=0.5, W_out=[[2.0]]), dtype=np.float64)
    x = np.full((6, 1, 1), 0.6)
    tape = m.forward(x)
    u = tape.caches[0]["u_pre"][:, 0, 0]
    s = tape.spikes(0)[:, 0, 0]
    # u0 = .6, u1 = .9, u2 = 1.05 -> spike, reset -> .05; u3 = .025+.6 = .625 (spike of t=2 arrives at t=4)
    # u4 = .3125+.6+.25 = 1.1625 -> spike -> .1625; u5 = .08125+.6 = .68125
    np.testing.assert_allclose(u, [0.6, 0.9, 1.05, 0.625, 1.1625, 0.68125])
    np.testing.assert_array_equal(s, [0, 0, 1, 0, 1, 0])
    # readout: I[t] = 2*s[t-1]; y = .5*y + I
    np.testing.assert_allclose(tape.y[:, 0, 0], [0, 0, 0, 2.0, 1.0, 2.5])


def test_cross_entropy_and_regularisers_by_hand():
    y = np.zeros((3, 1, 2))
    y[1:, 0, 0] = [1.0, 3.0]  # window mean over t=1,2: (2, 0)
    loss, g = cross_entropy(y, [1], np.array([False, True, True]))
    assert loss == pytest.approx(np.log1p(np.exp(2.0)))
    p = 1 / (1 + np.exp(-2.0))
    np.testing.assert_allclose(g[1, 0], [p / 2, -p / 2])
    assert not g[0].any()
    n = np.zeros((3, 2, 2))
    n[1, 0, :] = 1  # sample 0: S = 0, 2, 0 -> 4 + 4; sample 1: 0
    v, gn = branching_factor(n)
    assert v == pytest.approx(8 / 2)
    np.testing.assert_allclose(gn[:, 0, 0], [-2.0, 4.0, -2.0])
    v, gr = firing_rate_l2(n, 0.5)  # each neuron: 1 spike in 3 steps x 2 samples
    assert v == pytest.approx(2 * (1 / 6 - 0.5) ** 2)


def test_initial_state_is_used():
    L = ALIFLayer(1, 1, beta=0.5, rho=0.5, threshold=1.0, b_adapt=1.0, recurrent=False, W_in=[[1.0]])
    m = SNN([L], dtype=np.float64)
    tape = m.forward(np.zeros((2, 1, 1)), initial_state={0: np.array([[[1.8]], [[0.4]]])})
    c = tape.caches[0]
    # u0 = .9, A0 = 1 + .4 = 1.4 -> no spike; a0 = .2
    assert c["u_pre"][0, 0, 0] == pytest.approx(0.9)
    assert c["a"][0, 0, 0] == pytest.approx(0.2)
    with pytest.raises(ValueError, match="initial_state"):
        m.forward(np.zeros((2, 1, 1)), initial_state={0: np.zeros((1, 1, 1))})


def test_gradients_do_not_depend_on_thread_count():
    rng = np.random.default_rng(0)
    L = LIFLayer(3, 8, delays=rng.integers(1, 4, 8), seed=1, per_neuron=("tau_mem",))
    m = SNN([L], ReadoutLayer(8, 2, seed=2), dtype=np.float32)
    x = rng.random((40, 6, 3)) * 2
    out = []
    n0 = numba.get_num_threads()
    try:
        for nt in sorted({1, n0}):
            numba.set_num_threads(nt)
            tape = m.forward(x)
            _, gy = cross_entropy(tape.y, np.arange(6) % 2)
            out.append((tape.spikes(0).copy(), m.backward(tape, gy)))
    finally:
        numba.set_num_threads(n0)
    for s, g in out[1:]:
        np.testing.assert_array_equal(s, out[0][0])
        for k in g:
            np.testing.assert_array_equal(g[k], out[0][1][k])


def test_benchmark_smoke(monkeypatch):
    bench = pytest.importorskip("benchmarks.bench_bptt")
    n0 = numba.get_num_threads()
    try:
        r = bench.run_ours(30, 2, 1, 1)
    finally:
        numba.set_num_threads(n0)
    assert r["step_s"] > 0 and np.isfinite(r["loss"])
