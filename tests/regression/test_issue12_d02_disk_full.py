"""Issue 2: a full disk (ENOSPC) or I/O error stops the run and keeps every earlier commit.

Before the fix a failed write left the HDF5 file half-flushed and unreadable
(and h5py crashed the process at exit trying to flush it again).
"""

import errno
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

from monitors.reader import file_info, load_report, load_spikes
from monitors.sonata import RecordingFile, RecordingWriteError

REPO = Path(__file__).resolve().parents[2]


class FullDisk(io.RawIOBase):
    """A real file that raises ENOSPC for any write past ``limit`` bytes."""

    def __init__(self, path, limit):
        super().__init__()
        self.f = open(path, "w+b", buffering=0)
        self.limit = limit

    def readable(self):
        return True

    def writable(self):
        return True

    def seekable(self):
        return True

    def seek(self, pos, whence=0):
        return self.f.seek(pos, whence)

    def tell(self):
        return self.f.tell()

    def readinto(self, buf):
        return self.f.readinto(buf)

    def write(self, data):
        if self.f.tell() + len(data) > self.limit:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.f.write(data)

    def truncate(self, size=None):
        return self.f.truncate(size)

    def close(self):
        self.f.close()
        super().close()


def test_enospc_keeps_earlier_commits(tmp_path):
    path = tmp_path / "full.h5"
    rf = RecordingFile(path, metadata={"dt": 1.0, "batch_size": 2}, opener=lambda p: FullDisk(p, 1_500_000))
    sw = rf.spike_writer("p", 8, batch_size=2)
    rw = rf.report_writer("p", "v", [0, 3], 1.0, batch_size=2)
    rf.start_swmr()
    committed = 0
    with pytest.raises(RecordingWriteError) as err:
        for k in range(10_000):
            sw.append(np.full(2000, float(k)), np.arange(2000) % 8, np.arange(2000) % 2)
            rw.append(np.full((5, 2, 2), float(k), dtype=np.float32))
            committed = k + 1
    assert err.value.errno == errno.ENOSPC and str(path) in str(err.value)
    assert committed > 5
    rf.close(completed=False, stop_reason="RecordingWriteError")
    with h5py.File(path, "r") as f:  # any reader opens it, not only a SWMR one
        assert bool(f.attrs["completed"]) is False
    sd = load_spikes(path)
    assert len(sd) in (2000 * committed, 2000 * (committed + 1))  # the failing block may have committed spikes
    np.testing.assert_array_equal(np.unique(sd.timestamps)[:committed], np.arange(committed, dtype=float))
    tr = load_report(path, "p", "v")
    assert tr.data.shape[0] >= 5 * committed
    np.testing.assert_array_equal(tr.data[: 5 * committed, 0, 0], np.repeat(np.arange(committed), 5))
    assert file_info(path)["spikes"]["p"]["n_spikes"] == len(sd)


_RUN = textwrap.dedent("""
    import resource, signal, sys
    sys.path.insert(0, {repo!r})
    sys.path.insert(0, {here!r})
    from _child_net import small_network
    import monitors.recording
    from monitors.sonata import RecordingWriteError
    monitors.recording.WRITE_EVENTS = 20_000  # many small writes: several commit before the failure
    net = small_network()
    net.build(batch_size=2, dt=0.1, seed=3, chunk_steps=100)
    net.warmup()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4_000_000, 4_000_000))  # writes past 4 MB fail (EFBIG)
    try:
        net.run(steps=10_000_000, out={path!r})
    except RecordingWriteError as exc:
        print("stopped", net.t, exc.errno, flush=True)
""")


def test_network_run_stops_cleanly_on_a_write_failure(tmp_path):
    path = tmp_path / "run.h5"
    code = _RUN.format(repo=str(REPO), here=str(Path(__file__).parent), path=str(path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr  # no crash at exit
    words = proc.stdout.split()
    assert words[0] == "stopped" and int(words[2]) == errno.EFBIG, proc.stdout + proc.stderr
    info = file_info(path)
    assert info["completed"] is False
    rows = info["rates"]["pop"]["rows"]
    assert 0 < rows <= int(words[1])
    with h5py.File(path, "r") as f:
        counts = f["rates/pop/counts"][:rows]
    sd = load_spikes(path)
    assert len(sd) > 0
    # the monitors commit separately (one may hold one write more): where both
    # have committed, the spikes agree exactly with the per-step counts
    steps = sd.steps()
    m = min(rows, int(steps.max()))
    per_step = np.bincount(steps, minlength=m)[:m]
    np.testing.assert_array_equal(per_step, counts.sum(axis=1)[:m])
