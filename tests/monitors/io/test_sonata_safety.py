"""A run that raises, is interrupted or is killed leaves a readable file.

Evidence kind: io (crash safety).  Every append flushes the file; an exception
inside an append rolls the datasets back (monitors/sonata.py, "Crash safety").
"""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

from monitors.reader import file_info, load_report, load_spikes
from monitors.sonata import RecordingFile

REPO = Path(__file__).resolve().parents[3]


def _fake_run(rf, n_blocks, raise_after, exc):
    sw = rf.spike_writer("p", 4, batch_size=2, bipolar=True)
    rw = rf.report_writer("p", "u", [0, 1, 2, 3], 1.0, batch_size=2)
    for k in range(n_blocks):
        if k == raise_after:
            raise exc
        sw.append([10.0 * k, 10.0 * k + 1], [k % 4, 3], [0, 1], [1, -1])
        rw.append(np.full((10, 2, 4), float(k)))


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), RuntimeError("boom")])
def test_exception_leaves_flushed_blocks_and_incomplete_flag(tmp_path, exc):
    path = tmp_path / "crash.h5"
    with pytest.raises(type(exc)):
        with RecordingFile(path, metadata={"dt": 1.0, "batch_size": 2, "duration": 100.0}) as rf:
            _fake_run(rf, 10, raise_after=3, exc=exc)
    info = file_info(path)
    assert info["completed"] is False
    assert info["stop_reason"] == type(exc).__name__
    sd = load_spikes(path)
    np.testing.assert_array_equal(sd.timestamps, [0, 1, 10, 11, 20, 21])
    np.testing.assert_array_equal(sd.polarity, [1, -1] * 3)
    tr = load_report(path)
    assert tr.data.shape == (30, 2, 4)
    np.testing.assert_array_equal(tr.data[:, 0, 0], np.repeat([0.0, 1.0, 2.0], 10))
    np.testing.assert_array_equal(tr.times, np.arange(30.0))


def test_completed_run_says_so(tmp_path):
    path = tmp_path / "ok.h5"
    with RecordingFile(path, metadata={"batch_size": 2}) as rf:
        _fake_run(rf, 2, raise_after=-1, exc=None)
    assert file_info(path)["completed"] is True


class _FailingWrite:
    """Wraps an h5py dataset; writing into it raises KeyboardInterrupt (an interrupt mid-append)."""

    def __init__(self, dset):
        self._d = dset

    def __getattr__(self, name):
        return getattr(self._d, name)

    @property
    def shape(self):
        return self._d.shape

    def __setitem__(self, key, value):
        raise KeyboardInterrupt


def test_interrupt_inside_an_append_rolls_back(tmp_path):
    path = tmp_path / "mid.h5"
    rf = RecordingFile(path, metadata={"batch_size": 2})
    sw = rf.spike_writer("p", 4, bipolar=True)
    rw = rf.report_writer("p", "u", [0, 1], 1.0)
    sw.append([1.0, 2.0], [0, 1], [0, 1], [1, 1])
    rw.append(np.ones((3, 2, 2)))
    sw._samples = _FailingWrite(sw._samples)  # timestamps and node_ids get written, then the interrupt
    with pytest.raises(KeyboardInterrupt):
        sw.append([3.0, 4.0], [2, 3], [0, 1], [-1, 1])
    rw._data = _FailingWrite(rw._data)
    with pytest.raises(KeyboardInterrupt):
        rw.append(np.ones((5, 2, 2)))
    f = rf.h5
    assert [f["spikes/p"][k].shape[0] for k in ("timestamps", "node_ids", "sample_ids", "polarity")] == [2] * 4
    assert f["report/p/data"].shape == (3, 4)
    np.testing.assert_array_equal(f["report/p/mapping/time"][()], [0.0, 3.0, 1.0])
    assert sw.n_spikes == 2 and rw.n_rows == 3
    rf.close(completed=False, stop_reason="KeyboardInterrupt")
    np.testing.assert_array_equal(load_spikes(path).timestamps, [1.0, 2.0])


_CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    sys.path.insert(0, {repo!r})
    try:
        import simcore  # noqa: F401  (imported first: avoids a monitors<->simcore import cycle)
    except Exception:
        pass
    from monitors.sonata import RecordingFile
    rf = RecordingFile({path!r}, compression={compression!r},
                       metadata={{"dt": 1.0, "batch_size": 2, "duration": 1e6}})
    sw = rf.spike_writer("p", 5, bipolar=True)
    rw = rf.report_writer("p", "u", [0, 2, 4], 1.0)
    rf.start_swmr()
    for k in range({n_blocks}):
        sw.append(np.array([k, k + 0.5]), np.array([k % 5, 4]), np.array([0, 1]), np.array([1, -1]))
        rw.append(np.full((4, 2, 3), float(k), dtype=np.float32))
    print("ready", flush=True)
    time.sleep(60)
""")


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_sigkill_after_flushed_appends_leaves_readable_file(tmp_path, compression):
    path = tmp_path / "killed.h5"
    n_blocks = 25
    code = _CHILD.format(repo=str(REPO), path=str(path), n_blocks=n_blocks, compression=compression)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # SWMR file: a killed writer leaves its "open for write" flags set, so it
    # opens in SWMR read mode (what monitors.reader does), cleanly
    with h5py.File(path, "r", swmr=True) as f:
        assert bool(f.attrs["completed"]) is False
    sd = load_spikes(path)
    k = np.arange(n_blocks)
    np.testing.assert_array_equal(sd.timestamps, np.stack([k, k + 0.5], 1).ravel())
    np.testing.assert_array_equal(sd.node_ids, np.stack([k % 5, np.full(n_blocks, 4)], 1).ravel())
    np.testing.assert_array_equal(sd.polarity, np.tile([1, -1], n_blocks))
    tr = load_report(path)
    assert tr.data.shape == (4 * n_blocks, 2, 3)
    np.testing.assert_array_equal(tr.data[::4, 1, 2], k)
    assert tr.times[-1] == 4 * n_blocks - 1


def test_readers_trust_commit_counts_over_extents(tmp_path):
    """What a kill inside an append can leave: extents past the commit counts. Readers ignore the excess."""
    path = tmp_path / "torn.h5"
    with RecordingFile(path, metadata={"dt": 1.0, "batch_size": 2}) as rf:
        rf.spike_writer("p", 4).append([1.0, 2.0], [0, 1], [0, 1])
        rf.report_writer("p", "u", [0, 1], 1.0).append(np.ones((3, 2, 2)))
    with h5py.File(path, "r+") as f:  # a torn next append: timestamps grew, node_ids not yet
        f["spikes/p/timestamps"].resize((5,))
        f["spikes/p/timestamps"][2:] = 99.0
        f["report/p/data"].resize((7, 4))
    sd = load_spikes(path)
    np.testing.assert_array_equal(sd.timestamps, [1.0, 2.0])
    np.testing.assert_array_equal(sd.node_ids, [0, 1])
    assert load_report(path).data.shape == (3, 2, 2)
    assert file_info(path)["spikes"]["p"]["n_spikes"] == 2
    assert file_info(path)["reports"]["p"]["u"]["rows"] == 3
    with h5py.File(path, "r+") as f:  # a commit count beyond the data is an error, not garbage
        f["spikes/p"].attrs["n_spikes"] = np.uint64(9)
    with pytest.raises(ValueError, match="n_spikes = 9 but datasets are shorter"):
        load_spikes(path)
