"""Per-synapse and per-target ("dendritic") delays through the accumulation ring (docs/contract.md §2):
against a plain reference simulation, against per-source queues, and the layout rules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simcore as sc


def reference(spikes, i, j, w, d, n_post, beta, threshold, steps):
    """LIF (ML form, subtract reset) driven through synapses i -> j with weights w and delays d (steps)."""
    I = np.zeros((steps + int(d.max()) + 1, n_post))
    u, out = np.zeros(n_post), []
    for t in range(steps):
        u = beta * u + I[t]
        s = u >= threshold
        u = u - threshold * s
        out.append(s.copy())
        for src in np.flatnonzero(spikes[t]):
            for k in np.flatnonzero(i == src):
                I[t + d[k], j[k]] += w[k]
    return np.array(out)


def run_ours(spikes, i, j, w, d, n_post, beta, threshold, steps, **delay):
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(spikes.shape[1], spikes, name="src"))
    post = net.add(sc.LIF(n_post, beta=beta, threshold=threshold, name="post"))
    proj = net.connect(src, post, sc.FromArrays(i, j), weight=w, **delay)
    mon = net.add(sc.SpikeMonitor(post))
    net.run(steps=steps, seed=0)
    return mon.raster(steps)[:, 0].astype(bool), proj


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n_pre=st.integers(1, 6), n_post=st.integers(1, 5), max_d=st.integers(1, 9))
def test_per_synapse_delays_equal_the_reference(seed, n_pre, n_post, max_d):
    rng = np.random.default_rng(seed)
    steps = 40
    pairs = [(a, b) for a in range(n_pre) for b in range(n_post) if rng.random() < 0.6] or [(0, 0)]
    rng.shuffle(pairs)
    i, j = (np.array(x) for x in zip(*pairs))
    w = rng.integers(1, 9, i.size) / 8.0  # multiples of 1/8: every sum is exact
    d = rng.integers(1, max_d + 1, i.size)
    spikes = (rng.random((steps, n_pre)) < 0.3).astype(np.float64)
    ours, proj = run_ours(spikes, i, j, w, d, n_post, 0.5, 1.0, steps, delay_steps=d, delay_per="synapse")
    np.testing.assert_array_equal(ours, reference(spikes, i, j, w, d, n_post, 0.5, 1.0, steps))
    assert proj.delay_layout == "synapse"


def test_dendritic_delays_are_one_per_target():
    rng = np.random.default_rng(1)
    spikes = (rng.random((30, 4)) < 0.3).astype(np.float64)
    i, j = np.repeat(np.arange(4), 3), np.tile(np.arange(3), 4)
    w = np.full(12, 0.5)
    d_target = np.array([1, 4, 7])
    ours, proj = run_ours(spikes, i, j, w, None, 3, 0.5, 1.0, 30, delay_steps=d_target, delay_per="target")
    np.testing.assert_array_equal(ours, reference(spikes, i, j, w, d_target[j], 3, 0.5, 1.0, 30))


def test_per_synapse_delays_that_are_per_source_equal_the_queue():
    from simcore.builtin import cuba

    a = cuba(n=500)
    a.build(seed=2, batch_size=2)
    ring = cuba(n=500)
    for p in ring.projections:
        p.delay_per = "synapse"
    ring.run(50.0, seed=2, batch_size=2)
    a.run(50.0)
    for ma, mr in zip(a.monitors, ring.monitors):
        if hasattr(ma, "polarity"):
            np.testing.assert_array_equal(ma.steps, mr.steps)
            np.testing.assert_array_equal(ma.neurons, mr.neurons)


def test_layout_rules():
    net = sc.Network()
    a = net.add(sc.LIF(3, name="a"))
    b = net.add(sc.LIF(2, name="b"))
    p = net.connect(a, b, sc.FromArrays([0, 1, 2], [0, 1, 1]), delay_steps=[1, 2, 3])  # 3 = n_pre = n_syn
    with pytest.raises(ValueError, match=r"fits one per source neuron, one per synapse: give delay_per="):
        net.build()
    net = sc.Network()
    a = net.add(sc.LIF(3, name="a"))
    b = net.add(sc.LIF(2, name="b"))
    p = net.connect(a, b, sc.AllToAll(), delay_steps=[1, 2])  # fits only the targets
    net.build()
    assert p.delay_layout == "target"
    with pytest.raises(ValueError, match=r"delay_per must be one of \('source', 'synapse', 'target'\)"):
        net2 = sc.Network()
        x = net2.add(sc.LIF(2))
        net2.connect(x, x, sc.AllToAll(), delay_steps=1, delay_per="axonal")
