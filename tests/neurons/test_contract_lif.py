"""Contract tests: ML-form LIF against values computed by hand from docs/contract.md §3.1."""

import numpy as np
import pytest

import simcore as sc


def run_lif(I, *, beta=0.5, threshold=1.0, reset="subtract", dtype="float64", batch=None):
    net = sc.Network()
    pop = net.add(sc.LIF(I.shape[-1], beta=beta, threshold=threshold, reset=reset))
    net.add(sc.CurrentInput(pop, I))
    spikes = net.add(sc.SpikeMonitor(pop))
    trace = net.add(sc.StateMonitor(pop, "u"))
    net.run(steps=I.shape[0], dt=1.0, seed=0, dtype=dtype, batch_size=batch or 1)
    return spikes, trace


def test_subtract_reset_hand_computed():
    # docs/contract.md §3.1: u[t] = 0.5 u[t-1] + 0.6; spike when u >= 1, then u -= 1
    I = np.full((6, 1), 0.6)
    spikes, trace = run_lif(I)
    expected = [0.6, 0.9, 0.05, 0.625, 0.9125, 0.05625]  # 1.05 -> 0.05, 1.05625 -> 0.05625
    np.testing.assert_allclose(trace["u"][:, 0, 0], expected, rtol=0, atol=1e-15)
    assert spikes.steps.tolist() == [2, 5]


@pytest.mark.parametrize("reset, after", [("zero", 0.0), ("none", 1.05)])
def test_zero_and_none_resets(reset, after):
    I = np.full((3, 1), 0.6)
    spikes, trace = run_lif(I, reset=reset)
    assert spikes.steps.tolist() == [2]
    assert trace["u"][2, 0, 0] == pytest.approx(after, abs=1e-15)


def test_threshold_is_inclusive():
    # H(x) = 1 if x >= 0: u exactly at threshold spikes
    I = np.array([[1.0], [0.0]])
    spikes, _ = run_lif(I)
    assert spikes.steps.tolist() == [0]


def test_tau_mem_gives_beta_exp():
    net = sc.Network()
    pop = net.add(sc.LIF(1, tau_mem=20.0, threshold=10.0))
    net.add(sc.CurrentInput(pop, np.array([[1.0], [0.0], [0.0]])))
    tr = net.add(sc.StateMonitor(pop, "u"))
    net.run(steps=3, dt=0.5, seed=0)
    beta = np.exp(-0.5 / 20.0)
    np.testing.assert_allclose(tr["u"][:, 0, 0], [1.0, beta, beta * beta], rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept_and_arithmetic_matches_numpy(dtype, rng):
    T, N = 40, 5
    I = rng.uniform(0, 0.7, (T, N)).astype(dtype)
    spikes, trace = run_lif(I, beta=0.8, dtype=dtype)
    assert trace["u"].dtype == np.dtype(dtype)
    # naive reference in the same dtype: u = beta*u + I, one multiply and one add
    beta, thr = np.dtype(dtype).type(0.8), np.dtype(dtype).type(1.0)
    u = np.zeros(N, dtype)
    for t in range(T):
        u = beta * u + I[t]
        s = u >= thr
        u = np.where(s, u - thr, u)
        np.testing.assert_array_equal(trace["u"][t, 0], u)
