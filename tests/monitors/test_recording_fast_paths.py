"""The recording's fast paths give what the general ones gave: merged spike order, recycled blocks, overwrite."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitors.base import BlockPool
from monitors.kernels import spike_gather
from monitors.reader import load_report, load_spikes
from monitors.spike import SpikeMonitor
from netkit import driven_lif
import simcore as sc


def _network(batch_keep: bool):
    net = sc.Network()
    pop = driven_lif(net, 60, rate=60.0)
    net.connect(pop, pop, sc.Bernoulli(0.1), weight=0.5, delay_steps=2)
    spikes = net.add(sc.SpikeMonitor(pop, keep_in_memory=batch_keep))
    trace = net.add(sc.StateMonitor(pop, "v", neurons=[1, 4, 9], keep_in_memory=batch_keep))
    return net, spikes, trace


def _lexsorted(steps, neurons, samples):
    return np.lexsort((neurons, samples, steps))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 5),
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 30), st.integers(0, 9)), max_size=80),
    st.booleans(),
)
def test_gather_matches_a_full_sort(batch, events, in_order):
    """Any buffer content: when the kernel says 'in order', its output equals the lexsorted events."""
    cap = 100
    buf_t = np.zeros((batch, cap), np.int64)
    buf_i = np.zeros((batch, cap), np.int32)
    buf_c = np.zeros((batch, cap), np.int8)
    count = np.zeros(batch, np.int64)
    events = [(b % batch, t, i) for b, t, i in events]
    if in_order:  # what the engine produces: steps, then neurons, ascending per sample (no duplicates)
        events = sorted(set(events), key=lambda e: (e[1], e[2]))
    for b, t, i in events:
        buf_t[b, count[b]], buf_i[b, count[b]], buf_c[b, count[b]] = t, i, 1 if i % 2 else -1
        count[b] += 1
    samples = np.arange(batch, dtype=np.int64)
    n = int(count.sum())
    out = [np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int8)]
    ok, last = spike_gather(buf_t, buf_i, buf_c, count, samples, *out)
    ref_t = np.concatenate([buf_t[b, : count[b]] for b in range(batch)])
    ref_i = np.concatenate([buf_i[b, : count[b]] for b in range(batch)]).astype(np.int64)
    ref_s = np.concatenate([np.full(count[b], b) for b in range(batch)])
    assert last == (ref_t.max() if n else -1)
    if in_order:
        assert ok
    if ok:
        order = _lexsorted(ref_t, ref_i, ref_s)
        np.testing.assert_array_equal(out[0], ref_t[order])
        np.testing.assert_array_equal(out[1], ref_i[order])
        np.testing.assert_array_equal(out[2], ref_s[order])
    else:  # the same events, in some order: the monitor sorts them
        got = sorted(zip(out[0].tolist(), out[2].tolist(), out[1].tolist()))
        assert got == sorted(zip(ref_t.tolist(), ref_s.tolist(), ref_i.tolist()))


@pytest.mark.parametrize("batch", [1, 3])
def test_spikes_in_step_sample_neuron_order_at_any_batch(batch):
    net, spikes, _ = _network(True)
    net.run(60.0, batch_size=batch, dt=0.1, seed=3, chunk_steps=97)
    order = _lexsorted(spikes.steps, spikes.neurons, spikes.samples)
    assert len(spikes.steps) > 100
    np.testing.assert_array_equal(order, np.arange(order.size))


def test_small_buffer_drains_give_the_same_spikes():
    """A buffer too small for a chunk drains several times per chunk (the sorted path): same spikes."""
    ref, ref_spikes, _ = _network(True)
    ref.run(40.0, batch_size=2, dt=0.1, seed=5)
    net, _, _ = _network(True)
    small = net.add(SpikeMonitor(net.population("pop"), buffer_events=300, name="small"))
    net.run(40.0, batch_size=2, dt=0.1, seed=5)
    for f in ("steps", "neurons", "samples", "polarity"):
        np.testing.assert_array_equal(getattr(small, f), getattr(ref_spikes, f))


def test_recycled_blocks_never_overwrite_a_held_block(tmp_path):
    """Blocks recorded to a file without keeping them in memory: every chunk's values intact in the file."""
    ref, _, ref_trace = _network(True)
    ref.run(50.0, batch_size=2, dt=0.1, seed=7, chunk_steps=40)
    net, _, trace = _network(False)
    held = []
    trace.sinks.append(type("Hold", (), {"write_states": lambda self, mon, steps, block: held.append(block["v"])})())
    path = tmp_path / "r.h5"
    net.run(50.0, batch_size=2, dt=0.1, seed=7, chunk_steps=40, out=str(path))
    net.close()
    np.testing.assert_array_equal(np.concatenate(held), ref_trace["v"])  # held blocks were not reused
    rep = load_report(str(path), "pop", "v")
    np.testing.assert_array_equal(rep.data.reshape(ref_trace["v"].shape), ref_trace["v"])  # data_float64: exact


def test_pool_reuses_only_free_arrays():
    pool = BlockPool(size=2)
    a = pool.take((4, 3), np.float64)
    view = a[:2]
    del a
    b = pool.take((4, 3), np.float64)
    assert not np.shares_memory(b, view)  # a view keeps its array busy
    del view
    c = pool.take((4, 3), np.float64)
    assert not np.shares_memory(b, c)
    del b, c
    d = pool.take((4, 3), np.float64)
    assert d.shape == (4, 3)
    assert any(d is arr for arr in pool._arrays)
    assert pool.take((5, 3), np.float64).shape == (5, 3)  # another shape: a new array


def test_overwrite_replaces_the_file_and_keeps_a_symlink(tmp_path):
    net, spikes, _ = _network(False)
    target = tmp_path / "target.h5"
    link = tmp_path / "link.h5"
    path = tmp_path / "run.h5"
    for p in (path, path):  # the second run replaces the first file
        net.reset()
        net.run(20.0, dt=0.1, seed=1, out=str(p), overwrite=True)
        net.close()
    assert load_spikes(str(path), "pop").node_ids.size > 0
    target.write_bytes(b"old")
    os.symlink(target, link)
    net.reset()
    net.run(20.0, dt=0.1, seed=1, out=str(link), overwrite=True)
    net.close()
    assert link.is_symlink()
    assert load_spikes(str(target), "pop").node_ids.size > 0
