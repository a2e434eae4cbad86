"""Poisson sources and inputs: rates, exact count distributions, per-sample streams; step currents."""

import numpy as np
import pytest
from scipy import stats

import simcore as sc


def test_poisson_group_rate():
    net = sc.Network()
    src = net.add(sc.PoissonGroup(1000, rate=50.0))
    mon = net.add(sc.SpikeMonitor(src))
    net.run(steps=2000, dt=0.1, seed=3)
    expected = 1000 * 50.0 * 0.2  # neurons * Hz * s
    assert abs(mon.steps.size - expected) < 5 * np.sqrt(expected)


@pytest.mark.parametrize("lam", [0.3, 2.0, 11.5, 30.0, 250.0])
def test_poisson_input_counts_follow_poisson(lam):
    # u = 0*u + I: the state holds this step's input, weight * k with k ~ Poisson(lam)
    n, T = 500, 200
    net = sc.Network()
    pop = net.add(sc.LIF(n, beta=0.0, threshold=1e9))
    net.add(sc.PoissonInput(pop, n_inputs=100, rate=lam / 100 / 0.1 * 1000.0, weight=1.0))
    tr = net.add(sc.StateMonitor(pop, "u"))
    net.run(steps=T, dt=0.1, seed=5)
    k = tr["u"].ravel()
    assert np.all(k == np.round(k))
    m = k.size
    assert abs(k.mean() - lam) < 5 * np.sqrt(lam / m)
    assert abs(k.var() - lam) < 8 * lam * np.sqrt(2.0 / m) + 5 * np.sqrt(lam / m)
    # the whole distribution: chi-square over the bulk of the pmf
    lo, hi = int(stats.poisson.ppf(0.001, lam)), int(stats.poisson.ppf(0.999, lam))
    observed = np.array([np.sum(k == v) for v in range(lo, hi + 1)])
    expected = stats.poisson.pmf(np.arange(lo, hi + 1), lam) * m
    keep = expected > 20
    chi2 = np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep])
    assert chi2 < stats.chi2.ppf(0.9999, keep.sum() - 1)


def test_step_current_window():
    net = sc.Network()
    pop = net.add(sc.LIF(2, beta=0.0, threshold=1e9))
    net.add(sc.StepCurrent(pop, np.array([1.0, 2.0]), start=0.3, stop=0.6))
    tr = net.add(sc.StateMonitor(pop, "u"))
    net.run(steps=8, dt=0.1, seed=0)
    np.testing.assert_array_equal(tr["u"][:, 0, 1], [0, 0, 0, 2, 2, 2, 0, 0])


def test_current_input_start_step_and_end():
    net = sc.Network()
    pop = net.add(sc.LIF(1, beta=0.0, threshold=1e9))
    net.add(sc.CurrentInput(pop, np.array([[1.0], [2.0]]), start_step=3))
    tr = net.add(sc.StateMonitor(pop, "u"))
    net.run(steps=7, dt=1.0, seed=0)
    assert tr["u"][:, 0, 0].tolist() == [0, 0, 0, 1, 2, 0, 0]


def test_state_monitor_every_and_subset():
    net = sc.Network()
    pop = net.add(sc.LIF(5, beta=1.0, threshold=1e9))
    net.add(sc.StepCurrent(pop, np.arange(5.0)))
    tr = net.add(sc.StateMonitor(pop, "u", neurons=[1, 3], every=3))
    net.build(dt=1.0, seed=0, chunk_steps=4)  # rows of one record period span chunks
    net.run(steps=10)
    assert tr.steps.tolist() == [0, 3, 6, 9]
    np.testing.assert_array_equal(tr["u"][:, 0, :], np.outer([1, 4, 7, 10], [1.0, 3.0]))
