"""Batches and randomness (docs/contract.md §5): sample b is the same in any batch; seeds reproduce;
run(a); run(b) equals run(a + b)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simcore as sc


def noisy_network(n=60):
    """Recurrent bio LIF with per-sample random initial state and Poisson drive."""
    net = sc.Network()
    pop = net.add(
        sc.LIFBio(
            n,
            E_L=-60.0,
            V_th=-50.0,
            V_reset=-60.0,
            tau_m=10.0,
            t_ref=2.0,
            tau_syn={"exc": 3.0, "inh": 6.0},
            init={"v": sc.Uniform(-60.0, -50.0)},
            name="pop",
        )
    )
    src = net.add(sc.PoissonGroup(20, rate=sc.Uniform(20.0, 80.0), name="src"))
    net.connect(src, pop, sc.Bernoulli(0.3), weight=sc.Uniform(1.0, 3.0), receptor="exc", delay_steps=2)
    net.connect(pop, pop, sc.FixedInDegree(6), weight=-1.0, receptor="inh", delay=sc.Uniform(0.1, 1.0))
    net.add(sc.PoissonInput(pop, n_inputs=400, rate=50.0, weight=0.3, receptor="exc"))
    spikes = net.add(sc.SpikeMonitor(pop))
    src_spikes = net.add(sc.SpikeMonitor(src))
    return net, spikes, src_spikes


def sample_spikes(mon, b):
    sel = mon.samples == b
    return list(zip(mon.steps[sel].tolist(), mon.neurons[sel].tolist()))


def run_batch(batch, steps=300, seed=7, dtype="float64"):
    net, spikes, src = noisy_network()
    net.run(steps=steps, batch_size=batch, dt=0.1, seed=seed, dtype=dtype)
    return net, spikes, src


def test_sample_identical_in_batches_of_1_7_64():
    _, one, one_src = run_batch(1)
    assert len(one.steps) > 20, "the test network must be active"
    for batch in (7, 64):
        _, many, many_src = run_batch(batch)
        assert sample_spikes(many, 0) == sample_spikes(one, 0)
        assert sample_spikes(many_src, 0) == sample_spikes(one_src, 0)
    _, seven, _ = run_batch(7)
    _, big, _ = run_batch(64)
    for b in range(7):
        assert sample_spikes(big, b) == sample_spikes(seven, b)


def test_samples_differ_from_each_other():
    _, mon, _ = run_batch(4)
    assert sample_spikes(mon, 0) != sample_spikes(mon, 1)


def test_same_seed_same_spikes_and_connectivity():
    a, ma, _ = run_batch(3, seed=11)
    b, mb, _ = run_batch(3, seed=11)
    np.testing.assert_array_equal(ma.steps, mb.steps)
    np.testing.assert_array_equal(ma.neurons, mb.neurons)
    for pa, pb in zip(a.projections, b.projections):
        np.testing.assert_array_equal(pa.indices, pb.indices)
        np.testing.assert_array_equal(pa.weights, pb.weights)
    c, mc, _ = run_batch(3, seed=12)
    assert not np.array_equal(a.projections[0].indices, c.projections[0].indices) or not np.array_equal(
        ma.steps, mc.steps
    )


@pytest.mark.parametrize("split", [1, 137, 299])
def test_run_a_then_b_equals_run_a_plus_b(split):
    _, whole, _ = run_batch(3)
    net, parts, _ = noisy_network()
    net.run(steps=split, batch_size=3, dt=0.1, seed=7)
    net.run(steps=300 - split)
    np.testing.assert_array_equal(parts.steps, whole.steps)
    np.testing.assert_array_equal(parts.neurons, whole.neurons)
    np.testing.assert_array_equal(parts.samples, whole.samples)


def test_chunk_size_does_not_change_results():
    _, whole, _ = run_batch(2)
    net, mon, _ = noisy_network()
    net.build(batch_size=2, dt=0.1, seed=7, chunk_steps=7)
    net.run(steps=300)
    np.testing.assert_array_equal(mon.steps, whole.steps)
    np.testing.assert_array_equal(mon.neurons, whole.neurons)


def test_tiny_spike_buffer_drains_without_loss():
    _, whole, _ = run_batch(2)
    net, _, _ = noisy_network()
    small = net.add(sc.SpikeMonitor(net.population("pop"), buffer_events=200))
    net.run(steps=300, batch_size=2, dt=0.1, seed=7)
    np.testing.assert_array_equal(small.steps, whole.steps)
    np.testing.assert_array_equal(small.neurons, whole.neurons)


def test_reset_replays_the_same_run():
    net, mon, _ = run_batch(2)
    first = (mon.steps.copy(), mon.neurons.copy())
    net.reset()
    mon.reset()
    net.run(steps=300)
    np.testing.assert_array_equal(mon.steps, first[0])
    np.testing.assert_array_equal(mon.neurons, first[1])


def test_settings_are_fixed_by_the_first_run():
    net, _, _ = run_batch(2, steps=5)
    with pytest.raises(ValueError, match="batch_size=3 differs"):
        net.run(steps=5, batch_size=3)
    net.run(steps=5, batch_size=2, dt=0.1)  # repeating them is fine


# ---- property: any per-sample input, a sample alone equals that sample inside a batch
_PROPERTY_NET = {}


def _lif_net(batch):
    net = sc.Network()
    pop = net.add(sc.LIF(8, beta=0.9, threshold=1.0, name="lif"))
    net.connect(pop, pop, sc.FixedOutDegree(3, allow_self=False), weight=0.3, delay_steps=np.arange(8) % 3 + 1)
    return net, pop


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**31 - 1), st.integers(2, 5), st.sampled_from(["float32", "float64"]))
def test_property_sample_alone_equals_sample_in_batch(seed, batch, dtype):
    rng = np.random.default_rng(seed)
    I = rng.uniform(-0.2, 0.8, (25, batch, 8))
    net, pop = _lif_net(batch)
    net.add(sc.CurrentInput(pop, I))
    mon = net.add(sc.StateMonitor(pop, "u"))
    net.run(steps=25, batch_size=batch, dt=1.0, seed=seed % 1000, dtype=dtype)
    b = int(rng.integers(batch))
    alone, pop1 = _lif_net(1)
    alone.add(sc.CurrentInput(pop1, I[:, b : b + 1]))
    mon1 = alone.add(sc.StateMonitor(pop1, "u"))
    alone.run(steps=25, batch_size=1, dt=1.0, seed=seed % 1000, dtype=dtype)
    np.testing.assert_array_equal(mon["u"][:, b], mon1["u"][:, 0])
    assert mon["u"].dtype == np.dtype(dtype)
