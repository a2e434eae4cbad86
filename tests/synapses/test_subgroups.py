"""Subgroups (issue 11): ``pop[a:b]`` and index arrays as views in connect, monitors and stimuli, so one
population with excitatory and inhibitory parts needs no index arithmetic."""

import numpy as np
import pytest

import simcore as sc


def test_connect_between_subgroups_uses_their_own_indices():
    net = sc.Network()
    pop = net.add(sc.LIF(10, beta=1.0, threshold=1e9, name="pop"))
    exc, inh = pop[:6], pop[6:]
    proj = net.connect(exc, inh, sc.FromArrays([0, 5], [0, 3]), weight=[1.0, 2.0])
    net.build(seed=0)
    dense = proj.to_scipy().toarray()
    assert dense.shape == (10, 10)
    assert dense[0, 6] == 1.0 and dense[5, 9] == 2.0
    assert np.count_nonzero(dense) == 2


def test_subgroup_network_equals_two_populations():
    """CUBA written as one population with pop[:3200] / pop[3200:] gives the spikes of two populations
    of the same neurons wired the same way (given the same synapses through FromArrays)."""
    rng = np.random.default_rng(0)
    n_e, n_i = 40, 10
    src, tgt = rng.integers(0, 50, 400), rng.integers(0, 50, 400)
    v0 = rng.uniform(-60, -50, 50)
    kw = dict(E_L=-49.0, V_th=-50.0, V_reset=-60.0, tau_m=20.0, t_ref=5.0, tau_syn={"exc": 5.0, "inh": 10.0})

    one = sc.Network()
    pop = one.add(sc.LIFBio(50, init={"v": v0}, name="pop", **kw))
    for lo, hi, w, rec in ((0, n_e, 1.62, "exc"), (n_e, 50, -9.0, "inh")):
        keep = (src >= lo) & (src < hi)
        one.connect(pop[lo:hi], pop, sc.FromArrays(src[keep] - lo, tgt[keep]), weight=w, receptor=rec)
    m1 = one.add(sc.SpikeMonitor(pop[:n_e]))
    one.run(100.0, seed=1)

    two = sc.Network()
    pe = two.add(sc.LIFBio(n_e, init={"v": v0[:n_e]}, name="e", **kw))
    pi = two.add(sc.LIFBio(n_i, init={"v": v0[n_e:]}, name="i", **kw))
    for pre, lo, hi, w, rec in ((pe, 0, n_e, 1.62, "exc"), (pi, n_e, 50, -9.0, "inh")):
        for post, plo, phi in ((pe, 0, n_e), (pi, n_e, 50)):
            keep = (src >= lo) & (src < hi) & (tgt >= plo) & (tgt < phi)
            two.connect(pre, post, sc.FromArrays(src[keep] - lo, tgt[keep] - plo), weight=w, receptor=rec)
    m2 = two.add(sc.SpikeMonitor(pe))
    two.run(100.0, seed=1)
    assert m1.steps.size > 0
    np.testing.assert_array_equal(m1.steps, m2.steps)
    np.testing.assert_array_equal(m1.neurons, m2.neurons)


def test_stimulus_and_rate_monitor_on_a_subgroup():
    net = sc.Network()
    pop = net.add(sc.LIF(8, beta=0.0, threshold=1.0, name="pop"))
    net.add(sc.StepCurrent(pop[2:5], 2.0))
    rate = net.add(sc.PopulationRateMonitor(pop[2:5]))
    state = net.add(sc.StateMonitor(pop[[1, 3]], "u"))
    net.run(steps=4, seed=0)
    assert np.all(rate.counts == 3)
    np.testing.assert_allclose(rate.rate, 3 / (3 * 0.1 / 1000.0))
    np.testing.assert_array_equal(state.neuron_ids, [1, 3])
    assert state["u"].shape == (4, 1, 2)


def test_bad_selections_are_refused():
    pop = sc.LIF(5, name="p")
    with pytest.raises(ValueError, match="at least one neuron"):
        pop[3:3]
    with pytest.raises(ValueError, match=r"must lie in \[0, 5\)"):
        pop[[0, 7]]
    with pytest.raises(TypeError, match="indices"):
        pop[[0.5]]
    # a slice beyond the population is refused, not cut short (Brian2 refuses it too; NumPy would cut it)
    with pytest.raises(ValueError, match=r"slice \[:6\] reaches beyond the 5 there are"):
        pop[:6]
    with pytest.raises(ValueError, match=r"slice \[-6:\] reaches beyond"):
        pop[-6:]
    with pytest.raises(TypeError, match=r"slice \[0.5:3\] must have int ends"):
        pop[0.5:3]


def test_slices_within_the_population_follow_python():
    pop = sc.LIF(5, name="p")
    np.testing.assert_array_equal(pop[-2:].indices, [3, 4])
    np.testing.assert_array_equal(pop[:5].indices, np.arange(5))
    np.testing.assert_array_equal(pop[np.int64(1) : 5 : 2].indices, [1, 3])
    np.testing.assert_array_equal(pop[::-1].indices, np.arange(5))  # a subgroup is a set: sorted
