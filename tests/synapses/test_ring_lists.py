"""The accumulation ring's delivery through its lists of emitted delay groups (synapses.kernels.queue.ring_deliver):
the same sums as sweeping every target (docs/contract.md §2), when a slot is listed, overflows, or was written by a
sharded run; and the delay groups keep each target's terms in stored order."""

import numpy as np
import pytest

import simcore as sc
import synapses.delays as delays
from synapses.delays import DelayGroups
from synapses.kernels.queue import ring_deliver_listed, ring_emit_groups


def _random_projection(rng, n_pre, n_post, D):
    """Rows of random length out of delay order, with multapses (same target, same delay) to keep in order."""
    sizes = rng.integers(0, 7, n_pre)
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    indices = rng.integers(0, n_post, indptr[-1]).astype(np.uint32)
    steps = rng.integers(1, D, indptr[-1])
    weights = rng.normal(0.0, 1.0, indptr[-1])  # sums depend on their order
    return indptr, indices, steps, weights


def _reference(t, spikes, indptr, indices, steps, weights, ring):
    """Synapse by synapse in stored order: ``ring[(t + d_k) % D, 0, j_k] += w_k``."""
    D = ring.shape[0]
    for i in spikes:
        for k in range(indptr[i], indptr[i + 1]):
            ring[(t + steps[k]) % D, 0, indices[k]] += weights[k]


@pytest.mark.parametrize("cap", [1, 3, 1000])
def test_grouped_emission_and_listed_delivery_equal_synapse_by_synapse_and_sweep(cap):
    rng = np.random.default_rng(cap)
    n_pre, n_post, D, steps_run = 12, 9, 6, 60
    indptr, indices, steps, weights = _random_projection(rng, n_pre, n_post, D)
    g = DelayGroups(indptr, steps)
    assert not g.identity  # the rows were regrouped
    ring, ref_ring = np.zeros((D, 1, n_post)), np.zeros((D, 1, n_post))
    fill, entries = np.zeros((D, 1, 2), dtype=np.int64), np.zeros((D, 1, cap), dtype=np.int64)
    buf, ref_buf, emitted = np.zeros((1, n_post)), np.zeros((1, n_post)), np.zeros(1, dtype=np.int64)
    listed = swept = 0
    for t in range(steps_run):
        if fill[t % D, 0, 0] >= 0:
            listed += fill[t % D, 0, 1] > 0
        else:
            swept += 1
        ring_deliver_listed(0, t, ring, buf, fill, entries, g.bounds, indices[g.order])
        slot = t % D
        ref_buf[0] += ref_ring[slot, 0]  # the sweep, every target
        ref_ring[slot] = 0
        np.testing.assert_array_equal(buf, ref_buf)
        np.testing.assert_array_equal(ring, ref_ring)
        buf[...] = ref_buf[...] = 0  # the neuron pass reads and empties the buffer
        spikes = np.flatnonzero(rng.random(n_pre) < 0.4).astype(np.int32)
        idx, cnt = np.zeros((1, n_pre), dtype=np.int32), np.array([spikes.size])
        idx[0, : spikes.size] = spikes
        ring_emit_groups(
            0, t, idx, np.ones((1, n_pre)), cnt, g.ptr, g.bounds, g.delay, indices[g.order], weights[g.order],
            ring, fill, entries, emitted,
        )  # fmt: skip
        _reference(t, spikes, indptr, indices, steps, weights, ref_ring)
        np.testing.assert_array_equal(ring, ref_ring)
    assert emitted[0] > 0
    if cap == 1:
        assert swept > 0
    if cap == 1000:
        assert listed > 0 and swept == 0


def _net(weight_sd: float = 0.3):
    raster = (np.random.default_rng(8).random((300, 30)) < 0.015).astype(np.float64)
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(30, raster, name="src"))
    post = net.add(sc.LIF(40, beta=0.9, threshold=1.0, name="post"))
    net.connect(
        src, post, sc.Bernoulli(0.4), weight=sc.Normal(0.1, weight_sd), delay=sc.Uniform(0.1, 1.2), delay_per="synapse"
    )
    net.connect(post, post, sc.Bernoulli(0.2), weight=-0.05, delay_steps=3, delay_per="synapse")
    net.add(sc.StepCurrent(post, 0.02))
    return net, net.add(sc.SpikeMonitor(post)), net.add(sc.StateMonitor(post, "u"))


def _result(mon, state):
    return np.array(mon.steps), np.array(mon.neurons), np.array(state["u"])


def test_emission_by_group_or_synapse_and_list_capacity_change_no_bit(monkeypatch):
    """Synapse by synapse with sweeps; by group with lists of 1 synapse (nearly every slot swept), N_post/8 and N_post
    (nearly every slot listed): one result."""
    results = []
    for group_min, fraction in ((10**9, 8), (1, 10**9), (1, 8), (1, 1)):
        monkeypatch.setattr(delays, "RING_GROUP_MIN", group_min)
        monkeypatch.setattr(delays, "RING_LIST_FRACTION", fraction)
        net, mon, state = _net()
        net.run(30.0, seed=4, dtype="float64", threads=1)
        results.append(_result(mon, state))
    assert results[0][0].size > 20
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


def test_sharded_then_single_thread_runs_equal_one_run(monkeypatch):
    """A sharded run lists nothing: it marks every slot for a sweep, so the next unsharded run delivers it all."""
    monkeypatch.setattr(delays, "RING_GROUP_MIN", 1)
    net, mon, state = _net()
    net.run(10.0, seed=5, dtype="float64", threads=2)
    assert net.shards == 2
    net.run(10.0, threads=1)
    net.run(10.0, threads=2)
    ref, ref_mon, ref_state = _net()
    ref.run(30.0, seed=5, dtype="float64", threads=1)
    for a, b in zip(_result(mon, state), _result(ref_mon, ref_state)):
        np.testing.assert_array_equal(a, b)


def test_one_delay_per_row_needs_no_regrouping():
    indptr = np.array([0, 3, 3, 5], dtype=np.int64)
    g = DelayGroups(indptr, np.array([2, 2, 2, 2, 2]))
    assert g.identity
    np.testing.assert_array_equal(g.bounds, [0, 3, 5])
    np.testing.assert_array_equal(g.ptr, [0, 1, 1, 2])
    np.testing.assert_array_equal(g.delay, [2, 2])
    np.testing.assert_array_equal(g.of_synapse, [0, 0, 0, 1, 1])
    h = DelayGroups(indptr, np.array([3, 1, 3, 2, 2]))  # row 0 regrouped: delay 1 first, the 3s in stored order
    np.testing.assert_array_equal(h.order, [1, 0, 2, 3, 4])
    np.testing.assert_array_equal(h.bounds, [0, 1, 3, 5])
    np.testing.assert_array_equal(h.delay, [1, 3, 2])
    np.testing.assert_array_equal(h.ptr, [0, 2, 2, 3])


def test_rows_of_one_delay_are_emitted_by_group_and_scattered_delays_synapse_by_synapse():
    net, _, _ = _net()
    net.run(1.0, seed=1, threads=1)
    # 12 synapses per row over up to 12 delays: synapse by synapse; one delay for 8 synapses per row: below the
    # default RING_GROUP_MIN too
    assert "ring_emit_groups" not in net.source and "ring_emit(" in net.source
    from simcore.builtin import cuba

    a = cuba(400, p=0.2)  # 64 synapses per exc row, one delay
    for p in a.projections:
        p.delay_per = "synapse"
    a.run(1.0, seed=1, threads=1)
    assert "ring_emit_groups_shared(" in a.source and "ring_deliver_listed(" in a.source


def test_weights_edited_between_runs_reach_the_grouped_copy(monkeypatch):
    """Rows regrouped by delay emit from a copy of the weights in group order: an edit must reach it."""
    results = []
    for group_min in (1, 10**9):
        monkeypatch.setattr(delays, "RING_GROUP_MIN", group_min)
        net, mon, state = _net()
        net.run(10.0, seed=6, dtype="float64", threads=1)
        proj = net.projections[0]
        assert (getattr(proj, "_emitted_grouped", None) is not None) == (group_min == 1)
        proj.weights = proj.weights * 1.5
        net.run(10.0, threads=1)
        results.append(_result(mon, state))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_a_checkpoint_restored_mid_run_continues_bit_for_bit(monkeypatch, tmp_path):
    """The lists are not saved: a restored ring sweeps each slot once, then lists again (docs/contract.md §7)."""
    monkeypatch.setattr(delays, "RING_GROUP_MIN", 1)
    net, mon, state = _net()
    net.run(10.0, seed=7, dtype="float64", threads=1)
    assert net.projections[0].ring.fill[..., 0].max() > 0  # slots in flight are listed
    net.store(tmp_path / "ring.h5")
    net.run(10.0, threads=1)
    other, other_mon, other_state = _net()
    other.restore(tmp_path / "ring.h5")
    other.run(10.0, threads=1)
    for a, b in zip(_result(other_mon, other_state), _result(mon, state)):  # monitors continue from the checkpoint
        np.testing.assert_array_equal(a, b)
