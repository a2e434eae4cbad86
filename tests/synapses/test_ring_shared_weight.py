"""Per-synapse delays with one weight for every synapse (synapses.kernels.queue.ring_emit_shared):
the same sums as the per-synapse weights of ring_emit, and a weight edited between runs is honoured."""

import numpy as np

import simcore as sc
from synapses.kernels.queue import ring_emit, ring_emit_shared


def test_shared_weight_emission_equals_per_synapse_weights():
    rng = np.random.default_rng(3)
    n_pre, n_post, D, B = 6, 5, 7, 2
    indptr = np.concatenate([[0], np.cumsum(rng.integers(0, 5, n_pre))]).astype(np.int64)
    indices = rng.integers(0, n_post, indptr[-1]).astype(np.uint32)
    delays = rng.integers(1, D, indptr[-1]).astype(np.int32)
    spike_idx = np.array([[0, 2, 5], [1, 3, 4]], dtype=np.int32)
    spike_val = np.array([[1.0, 0.5, 2.0], [1.0, 1.0, 0.25]])
    spike_cnt = np.array([3, 2], dtype=np.int64)
    rings = [np.zeros((D, B, n_post)) for _ in range(2)]
    emitted = [np.zeros(B, dtype=np.int64) for _ in range(2)]
    for t in range(3 * D):  # every base slot, with wrap-around
        for b in range(B):
            ring_emit(
                b,
                t,
                spike_idx,
                spike_val,
                spike_cnt,
                indptr,
                indices,
                np.full(indices.size, 0.3),
                delays,
                rings[0],
                emitted[0],
            )
            ring_emit_shared(b, t, spike_idx, spike_val, spike_cnt, indptr, indices, 0.3, delays, rings[1], emitted[1])
    np.testing.assert_array_equal(rings[0], rings[1])
    np.testing.assert_array_equal(emitted[0], emitted[1])
    assert rings[0].any()


def _network(weight):
    net = sc.Network()
    src = net.add(sc.PoissonGroup(20, rate=200.0, name="src"))
    post = net.add(sc.LIF(4, beta=0.9, threshold=1.0, name="post"))
    rng = np.random.default_rng(0)
    net.connect(
        src, post, sc.AllToAll(), weight=weight, delay_steps=rng.integers(1, 6, 80), delay_per="synapse", name="p"
    )
    return net, net.add(sc.SpikeMonitor(post))


def test_a_uniform_weight_edited_between_runs_is_honoured():
    net, mon = _network(0.05)
    net.run(steps=100, seed=1)
    proj = next(p for p in net.projections if p.name == "p")
    proj.weights = np.full(proj.weights.shape, 0.2)  # still uniform, another value: the kernel must follow
    net.run(steps=100)
    edited = np.array(mon.steps)
    ref, ref_mon = _network(0.05)
    ref.run(steps=100, seed=1)
    next(p for p in ref.projections if p.name == "p").weights = np.full(proj.weights.shape, 0.2)
    ref.run(steps=100)
    np.testing.assert_array_equal(edited, ref_mon.steps)
    later = edited[edited >= 100]
    assert later.size > (edited < 100).sum()  # larger weight, more spikes
