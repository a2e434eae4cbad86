"""Monitors streamed to HDF5 during a run: round trips, interruption, flat memory."""

import gc
import tracemalloc

import h5py
import numpy as np
import pytest

from netkit import driven_lif
import simcore as sc
from monitors.reader import load_report, load_spikes


def small_network(batch_monitors=True, keep=True):
    net = sc.Network()
    pop = driven_lif(net)
    net.connect(pop, pop, sc.Bernoulli(0.1), weight=0.5, delay_steps=3)
    spikes = net.add(sc.SpikeMonitor(pop, keep_in_memory=keep))
    trace = net.add(sc.StateMonitor(pop, ("v", "g_exc"), neurons=[0, 5, 7], every=2, keep_in_memory=keep))
    return net, spikes, trace


@pytest.mark.parametrize("batch", [1, 3])
def test_round_trip_memory_equals_file(tmp_path, batch):
    net, spikes, trace = small_network()
    path = tmp_path / "run.h5"
    net.run(steps=500, batch_size=batch, dt=0.1, seed=4, out=path)
    assert spikes.steps.size > 50
    data = load_spikes(path, "pop")
    np.testing.assert_allclose(data.timestamps, spikes.times)
    np.testing.assert_array_equal(data.node_ids, spikes.neurons)
    np.testing.assert_array_equal(data.sample_ids, spikes.samples)
    for var in ("v", "g_exc"):
        rep = load_report(path, "pop", var)
        np.testing.assert_array_equal(rep.data.reshape(trace[var].shape), trace[var])
        np.testing.assert_allclose(rep.times, trace.times)
    with h5py.File(path, "r") as f:
        assert bool(f.attrs["completed"]) and int(f.attrs["batch_size"]) == batch
        assert f.attrs["seed"] == 4 and "pop" in f.attrs["network"]


def test_interrupted_run_keeps_everything_recorded(tmp_path):
    net, spikes, trace = small_network()
    net.build(batch_size=2, dt=0.1, seed=4, chunk_steps=100)
    calls = []

    def stop_after_three_chunks(network):
        calls.append(network.t)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as if Ctrl-C landed between two chunks

    path = tmp_path / "cut.h5"
    with pytest.raises(KeyboardInterrupt):
        net.run(steps=1000, out=path, callback=stop_after_three_chunks)
    assert net.t == 300
    data = load_spikes(path, "pop")
    assert data.timestamps.size == spikes.steps.size > 0
    assert data.timestamps.max() < 30.0
    np.testing.assert_array_equal(data.node_ids, spikes.neurons)
    with h5py.File(path, "r") as f:
        assert not bool(f.attrs["completed"])
        assert f.attrs["stop_reason"] == "KeyboardInterrupt"
    assert load_report(path, "pop", "v").data.shape[0] == 150  # every 2nd step of 300


def test_exception_inside_run_leaves_a_readable_file(tmp_path):
    net, spikes, _ = small_network()

    def boom(network):
        raise RuntimeError("model diverged")

    path = tmp_path / "err.h5"
    with pytest.raises(RuntimeError):
        net.run(steps=2500, batch_size=1, dt=0.1, seed=1, out=path, callback=boom)
    assert load_spikes(path, "pop").timestamps.size == spikes.steps.size


def test_refuses_to_overwrite(tmp_path):
    net, _, _ = small_network()
    path = tmp_path / "r.h5"
    net.run(steps=10, dt=0.1, seed=1, out=path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        net.run(steps=10, out=path)
    net.run(steps=10, out=path, overwrite=True)


def _peak_recording(steps, path, chunk_steps=None):
    net, _, _ = small_network(keep=False)
    net.build(batch_size=1, dt=0.1, seed=4, chunk_steps=chunk_steps)
    net.warmup()
    gc.collect()
    tracemalloc.start()
    net.run(steps=steps, out=path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_is_flat_in_run_length(tmp_path, monkeypatch):
    # the recorder gathers at most WRITE_EVENTS values before writing, and at most QUEUE_WRITES writes wait for
    # the background thread: memory is bounded by that pipeline, not by the run length. Small writes and chunks
    # here, so that the short run fills the pipeline too (with one chunk of 10^4 steps it never held more than
    # one write, and a writer thread lagging in the long run left it 0.7 to 1.1 MB above, twice in full suites)
    # and a full pipeline is small beside the slack.
    import monitors.recording as recording

    monkeypatch.setattr(recording, "WRITE_EVENTS", 2_000)
    monkeypatch.setattr(recording, "QUEUE_WRITES", 1)
    short = _peak_recording(10_000, tmp_path / "a.h5", chunk_steps=500)
    long = _peak_recording(100_000, tmp_path / "b.h5", chunk_steps=500)
    assert long < 1.5 * short + 256 * 1024, (short, long)
    assert load_spikes(tmp_path / "b.h5", "pop").timestamps.size > 10 * 10_000 * 0.01
