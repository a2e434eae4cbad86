"""Issue 7: a recording is readable while a run writes it, and a SIGKILL loses at most WRITE_SECONDS.

Before the fix the writer held HDF5's file lock without SWMR, so any reader
failed while the run went on, and pending blocks were written only when a
later chunk found WRITE_SECONDS elapsed (a kill could lose more than that).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py

from monitors.reader import file_info, load_report, load_spikes
from monitors.recording import WRITE_SECONDS

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def _start(path, sleep_s, n_chunks):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, str(HERE / "_child_net.py"), str(path), str(sleep_s), str(n_chunks)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _chunks(proc, k):
    """Read ``k`` 'chunk <t> <wall>' lines; return [(t, wall), ...]."""
    out = []
    for _ in range(k):
        line = proc.stdout.readline()
        assert line.startswith("chunk "), proc.stderr.read()
        out.append((int(line.split()[1]), float(line.split()[2])))
    return out


def _stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def test_running_file_is_readable_by_reader_and_info(tmp_path):
    path = tmp_path / "live.h5"
    proc = _start(path, 1.5, 6)
    try:
        t = _chunks(proc, 2)[-1][0]
        info = file_info(path)  # the run is still writing
        assert info["completed"] is False
        assert info["rates"]["pop"]["rows"] >= t
        assert len(load_spikes(path)) > 0
        assert load_report(path, "pop", "g_exc").data.shape[0] >= t // 2
        from simcore.cli import main

        assert main(["info", str(path)]) == 0
    finally:
        _stop(proc)


def test_sigkill_loses_at_most_write_seconds(tmp_path):
    """Everything the run produced more than WRITE_SECONDS before the kill is on disk."""
    path = tmp_path / "killed.h5"
    proc = _start(path, 0.3, 100)
    try:
        chunks = _chunks(proc, 8)
        os.kill(proc.pid, signal.SIGKILL)
        killed_at = time.time()
        proc.wait(timeout=30)
    finally:
        _stop(proc)
    assert proc.returncode == -signal.SIGKILL
    old_enough = [t for t, wall in chunks if wall <= killed_at - WRITE_SECONDS]
    assert old_enough, chunks  # 8 chunks 0.3 s apart: the first ones are over a second old
    must_have = max(old_enough)
    info = file_info(path)
    assert info["completed"] is False
    assert info["rates"]["pop"]["rows"] >= must_have
    assert info["reports"]["pop"]["g_exc"]["rows"] >= must_have // 2
    rows = info["rates"]["pop"]["rows"]
    assert rows <= chunks[-1][0] and rows % 100 == 0  # whole chunks, nothing invented
    sd = load_spikes(path)
    assert len(sd) > 0 and sd.timestamps.max() < chunks[-1][0] * 0.1
    with h5py.File(path, "r", swmr=True) as f:  # a plain SWMR open works too
        assert "pop" in f["spikes"]


def test_finished_file_opens_plainly(tmp_path):
    path = tmp_path / "done.h5"
    proc = _start(path, 0.0, 2)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    with h5py.File(path, "r") as f:
        assert bool(f.attrs["completed"]) is True
        assert int(f.attrs["end_step"]) == 200
