"""The Recorder writes on a background thread: off the run's critical path, nothing lost, failures still raised."""

import errno
import os
import signal
import threading
import time

import h5py
import numpy as np
import pytest

import monitors.recording as recording
from monitors.reader import load_report, load_spikes
from monitors.sonata import RecordingWriteError
from netkit import driven_lif
import simcore as sc
from simcore.network import RunStopped


def small_network():
    """40 LIF neurons with Poisson drive; every spike and two traces kept in memory as well as recorded."""
    net = sc.Network()
    pop = driven_lif(net)
    net.connect(pop, pop, sc.Bernoulli(0.1), weight=0.5, delay_steps=3)
    spikes = net.add(sc.SpikeMonitor(pop))
    trace = net.add(sc.StateMonitor(pop, ("v", "g_exc"), neurons=[0, 5, 7], every=2))
    return net, spikes, trace


def _same_as_memory(path, spikes, trace):
    data = load_spikes(path, "pop")
    np.testing.assert_array_equal(data.node_ids, spikes.neurons)
    np.testing.assert_array_equal(data.sample_ids, spikes.samples)
    np.testing.assert_allclose(data.timestamps, spikes.times)
    rep = load_report(path, "pop", "v")
    np.testing.assert_array_equal(rep.data.reshape(trace["v"].shape), trace["v"])


def _wrap_spike_sink(monkeypatch, before=None):
    """Calls of ``_SpikeSink.append`` (thread name each), after ``before()`` when given."""
    calls = []
    append = recording._SpikeSink.append

    def wrapped(self, blocks):
        if before is not None:
            before()
        append(self, blocks)
        calls.append(threading.current_thread().name)

    monkeypatch.setattr(recording._SpikeSink, "append", wrapped)
    return calls


def test_writes_run_on_a_background_thread_and_match_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(recording, "WRITE_EVENTS", 1)  # a write every chunk
    calls = _wrap_spike_sink(monkeypatch)
    net, spikes, trace = small_network()
    path = tmp_path / "bg.h5"
    net.run(steps=600, batch_size=2, dt=0.1, seed=4, chunk_steps=100, out=path)
    assert len(calls) >= 6 and all(name.startswith("spikesim-recorder") for name in calls)
    assert threading.current_thread().name not in calls
    _same_as_memory(path, spikes, trace)
    assert not net.recorder._writer.is_alive()  # the writer thread lives only while a run does
    net.close()
    with h5py.File(path, "r") as f:
        assert bool(f.attrs["completed"]) and int(f.attrs["end_step"]) == 600


def test_the_run_does_not_wait_for_a_slow_write(tmp_path, monkeypatch):
    # chunks slower than WRITE_SECONDS wait for their write (a first chunk that compiles the kernel is):
    # here no chunk counts as slow, so only the queue could make the run wait
    monkeypatch.setattr(recording, "WRITE_SECONDS", 1e6)
    monkeypatch.setattr(recording, "WRITE_EVENTS", 1)
    monkeypatch.setattr(recording, "QUEUE_WRITES", 100)
    release = threading.Event()
    calls = _wrap_spike_sink(monkeypatch, before=lambda: release.wait(60))
    net, spikes, trace = small_network()
    seen = []

    def chunk_done(network):
        seen.append((network.t, len(calls)))
        if network.t == 500:
            release.set()  # the writes (all still queued) may go on now

    path = tmp_path / "slow.h5"
    net.run(steps=500, batch_size=1, dt=0.1, seed=2, chunk_steps=100, out=path, callback=chunk_done)
    assert [t for t, _ in seen] == [100, 200, 300, 400, 500]
    assert all(n == 0 for _, n in seen)  # five chunks ran while the first write was still blocked
    assert len(calls) >= 5  # end_run waited for every queued write
    _same_as_memory(path, spikes, trace)


def test_the_queue_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(recording, "WRITE_EVENTS", 1)
    monkeypatch.setattr(recording, "QUEUE_WRITES", 1)
    depth = []
    put = recording.queue.Queue.put

    def watched(self, item, *args, **kwargs):
        put(self, item, *args, **kwargs)
        depth.append(self.qsize())

    monkeypatch.setattr(recording.queue.Queue, "put", watched)
    _wrap_spike_sink(monkeypatch, before=lambda: time.sleep(0.02))
    net, spikes, trace = small_network()
    path = tmp_path / "bounded.h5"
    net.run(steps=800, batch_size=1, dt=0.1, seed=2, chunk_steps=100, out=path)
    assert depth and max(depth) <= 1
    _same_as_memory(path, spikes, trace)


def test_a_failed_write_on_the_thread_stops_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(recording, "WRITE_EVENTS", 1)
    calls = []
    append = recording._SpikeSink.append

    def failing(self, blocks):
        calls.append(threading.current_thread().name)
        if len(calls) == 2:  # the second write: the disk is full (sealed and raised as sonata does)
            with self.writer._rf._writing():
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        append(self, blocks)

    monkeypatch.setattr(recording._SpikeSink, "append", failing)
    net, spikes, _ = small_network()
    net.build(batch_size=1, dt=0.1, seed=2, chunk_steps=100)
    path = tmp_path / "fail.h5"
    with pytest.raises(RecordingWriteError) as err:
        net.run(steps=100_000, out=path)
    assert err.value.errno == errno.ENOSPC and str(path) in str(err.value)
    assert calls[1].startswith("spikesim-recorder")  # it failed on the thread ...
    assert 200 <= net.t < 100_000  # ... and stopped the run at a later chunk boundary, not at its end
    assert net.recorder is None and len(calls) == 2  # nothing written after the failure
    with h5py.File(path, "r") as f:
        assert not bool(f.attrs["completed"])  # sealed at the failure, as a failed synchronous write leaves it
    first = load_spikes(path, "pop")  # the write before the failure is kept
    np.testing.assert_array_equal(first.node_ids, spikes.neurons[spikes.steps < 100])


def test_sigint_drains_the_queue(tmp_path, monkeypatch):
    monkeypatch.setattr(recording, "WRITE_EVENTS", 1)
    monkeypatch.setattr(recording, "QUEUE_WRITES", 100)
    _wrap_spike_sink(monkeypatch, before=lambda: time.sleep(0.05))  # writes lag behind the chunks
    net, spikes, trace = small_network()
    net.build(batch_size=2, dt=0.1, seed=4, chunk_steps=100)

    def interrupt(network):
        if network.t == 400:
            os.kill(os.getpid(), signal.SIGINT)

    path = tmp_path / "sigint.h5"
    with pytest.raises(RunStopped):
        net.run(steps=2000, out=path, callback=interrupt)
    assert net.t == 400
    _same_as_memory(path, spikes, trace)  # every chunk before the signal reached the file
    with h5py.File(path, "r") as f:
        assert not bool(f.attrs["completed"]) and f.attrs["stop_reason"] == "SIGINT"
        assert int(f.attrs["end_step"]) == 400


def test_close_drains_the_queue(tmp_path, monkeypatch):
    monkeypatch.setattr(recording, "QUEUE_WRITES", 100)
    net, spikes, trace = small_network()
    net.build(batch_size=1, dt=0.1, seed=4, chunk_steps=100)
    path = tmp_path / "close.h5"
    net.run(steps=300, out=path)
    rec = net.recorder
    _wrap_spike_sink(monkeypatch, before=lambda: time.sleep(0.05))
    rec.write_spikes(net.monitors[0], spikes._all().take(spikes.steps < 0))  # an empty block, queued
    rec.write_pending()
    net.close()
    assert rec._writer.jobs.unfinished_tasks == 0 and not rec._writer.is_alive()
    _same_as_memory(path, spikes, trace)
