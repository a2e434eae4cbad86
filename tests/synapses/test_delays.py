"""Delay queues (docs/contract.md §2): a spike of i at step t arrives in phase 2 of step t + d_i."""

import numpy as np
import pytest

import simcore as sc


def source_target(spike_steps, delay_steps=None, delay=None, n_src=3, T=30, dt=1.0, weight=1.0):
    """Sources fire at given steps; targets are integrators (beta=1, never spike) recording input."""
    net = sc.Network()
    raster = np.zeros((T, n_src))
    for i, t in spike_steps:
        raster[t, i] = 1.0
    src = net.add(sc.SpikeArraySource(n_src, raster, name="src"))
    dst = net.add(sc.LIF(n_src, beta=1.0, threshold=1e9, name="dst"))
    kw = {"delay_steps": delay_steps} if delay is None else {"delay": delay}
    # one to one: as many synapses as sources, so an array must say it is per source
    proj = net.connect(src, dst, sc.OneToOne(), weight=weight, delay_per="source", **kw)
    tr = net.add(sc.StateMonitor(dst, "u"))
    return net, proj, tr


def arrival_steps(tr, i):
    u = tr["u"][:, 0, i]
    return np.flatnonzero(np.diff(np.concatenate([[0.0], u])) != 0).tolist()


def test_spike_at_t_arrives_at_t_plus_d_per_neuron():
    d = np.array([1, 4, 11])
    net, proj, tr = source_target([(0, 2), (1, 2), (2, 2), (1, 7)], delay_steps=d)
    net.run(steps=30, dt=1.0, seed=0)
    assert arrival_steps(tr, 0) == [3]
    assert arrival_steps(tr, 1) == [6, 11]
    assert arrival_steps(tr, 2) == [13]
    assert proj.queue.length == 12  # ring of max(d) + 1 slots


def test_delay_in_ms_rounds_to_nearest_step():
    # 0.3 ms at dt = 0.1 ms is 3 steps; 1.5 ms is 15
    net, proj, tr = source_target([(0, 0), (1, 0)], delay=np.array([0.3, 1.5, 0.1]), dt=0.1)
    net.run(steps=30, dt=0.1, seed=0)
    assert proj.delays.tolist() == [3, 15, 1]
    assert arrival_steps(tr, 0) == [3]
    assert arrival_steps(tr, 1) == [15]


def test_spike_values_are_carried_and_weighted():
    net = sc.Network()
    raster = np.zeros((5, 1))
    raster[0, 0] = -2.5
    src = net.add(sc.SpikeArraySource(1, raster))
    dst = net.add(sc.LIF(1, beta=1.0, threshold=1e9))
    net.connect(src, dst, sc.AllToAll(), weight=0.5, delay_steps=2)
    tr = net.add(sc.StateMonitor(dst, "u"))
    net.run(steps=5, dt=1.0, seed=0)
    assert tr["u"][:, 0, 0].tolist() == [0.0, 0.0, -1.25, -1.25, -1.25]


def test_queue_survives_between_runs():
    net, proj, tr = source_target([(0, 3)], delay_steps=np.array([5, 1, 1]))
    net.run(steps=5, dt=1.0, seed=0)  # spike at 3 is in flight at the end of the first run
    assert proj.queue.in_flight() == 1
    net.run(steps=10)
    assert arrival_steps(tr, 0) == [8]


def test_queue_memory_does_not_grow_with_run_length():
    net, proj, tr = source_target([(0, t) for t in range(0, 30, 2)], delay_steps=7)
    net.build(dt=1.0, seed=0)
    nbytes = proj.queue.nbytes
    net.run(steps=30)
    assert proj.queue.nbytes == nbytes
    assert proj.queue.q_src.shape == (8, 1, 3)


def test_only_due_spikes_are_delivered_and_counted():
    net, proj, tr = source_target([(0, 0), (0, 1), (2, 1)], delay_steps=1)
    net.run(steps=30, dt=1.0, seed=0)
    assert proj.events_delivered == 3  # one synapse per source (one-to-one)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"delay_steps": [0, 1]}, "delay_steps must be >= 1"),  # a scalar 0 is a zero-delay projection
        ({"delay_steps": -2}, "delay_steps must be >= 1"),
        ({"delay_steps": 1.5}, "whole numbers"),
        ({"delay": -1.0}, "delay must be >= 0"),
        ({"delay": float("nan")}, "delay must be finite"),
    ],
)
def test_bad_delays_raise_before_the_run(kw, match):
    net = sc.Network()
    a = net.add(sc.LIF(2, beta=0.9))
    with pytest.raises(ValueError, match=match):
        net.connect(a, a, sc.AllToAll(), **kw)


def test_delay_below_one_step_is_an_error_not_a_clamp():
    net = sc.Network()
    a = net.add(sc.LIF(2, beta=0.9))
    net.connect(a, a, sc.AllToAll(), delay=0.04)
    with pytest.raises(ValueError, match=r"delay 0.04 ms rounds to 0 steps at dt = 0.1 ms"):
        net.run(steps=1, dt=0.1, seed=0)


def test_per_neuron_delay_array_shape_is_checked():
    net = sc.Network()
    a = net.add(sc.LIF(3, beta=0.9))
    net.connect(a, a, sc.AllToAll(), delay_steps=np.array([1, 2]))
    with pytest.raises(
        ValueError,
        match=r"one value per source neuron \(3\), per synapse \(9\) or per target neuron "
        r"\(3\); got 2",
    ):
        net.build()


def test_delay_distribution_is_per_source_and_seeded():
    def delays(seed):
        net = sc.Network()
        a = net.add(sc.LIF(50, beta=0.9))
        p = net.connect(a, a, sc.AllToAll(), delay=sc.Uniform(1.0, 5.0))
        net.build(dt=0.5, seed=seed)
        return p.delays.copy()

    d = delays(3)
    assert d.shape == (50,) and d.min() >= 2 and d.max() <= 10
    np.testing.assert_array_equal(d, delays(3))
    assert not np.array_equal(d, delays(4))
