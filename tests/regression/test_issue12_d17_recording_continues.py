"""Issue 12, defect 17: a recording holds every run of the network after ``run(out=...)``, not only the
first; the file is complete after each run and closed by ``close()``, by dropping the network, or at exit."""

import gc
import subprocess
import sys

import h5py
import numpy as np

from monitors.reader import load_spikes
from simcore.builtin import cuba


def test_later_runs_append_to_the_recording(tmp_path):
    path = tmp_path / "r.h5"
    net = cuba(n=400)
    net.run(30.0, seed=1, out=str(path))
    with h5py.File(path, "r", swmr=True) as f:
        assert f.attrs["completed"] and f.attrs["end_step"] == 300
    net.run(30.0)
    net.close()
    with h5py.File(path, "r") as f:
        assert f.attrs["completed"] and f.attrs["end_step"] == 600
        assert f.attrs["duration"] == 60.0
    t = load_spikes(str(path), "exc").timestamps
    mon = net.monitors[0]
    np.testing.assert_allclose(np.sort(t), np.sort(mon.times))  # both runs, as the monitor kept them
    assert t.max() > 30.0


def test_a_dropped_network_closes_its_file(tmp_path):
    path = tmp_path / "d.h5"
    net = cuba(n=400)
    net.run(10.0, seed=1, out=str(path))
    del net
    gc.collect()
    assert not (tmp_path / "d.h5.lock").exists() or _unlocked(path)
    with h5py.File(path, "r") as f:  # a plain open: the writer has closed it
        assert f.attrs["completed"]


def _unlocked(path) -> bool:
    from monitors.sonata import WriterLock

    return WriterLock.holder(path) is None


def test_interpreter_exit_closes_the_file(tmp_path):
    path = tmp_path / "e.h5"
    code = f"from simcore.builtin import cuba\nnet = cuba(n=400)\nnet.run(10.0, seed=1, out={str(path)!r})\n"
    subprocess.run([sys.executable, "-c", code], check=True)
    with h5py.File(path, "r") as f:
        assert f.attrs["completed"] and f.attrs["end_step"] == 100
