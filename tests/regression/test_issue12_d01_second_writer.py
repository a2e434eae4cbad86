"""Issue 1: a second writer (even with overwrite) must fail at once and never truncate the file.

Before the fix ``RecordingFile(path, overwrite=True)`` opened the file with
h5py's mode "w", which truncates before HDF5 checks its lock: the running
recording lost everything and the second writer died with BlockingIOError.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from monitors.reader import load_spikes
from monitors.sonata import RecordingFile, RecordingLockedError, WriterLock

REPO = Path(__file__).resolve().parents[2]

_WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    import simcore  # noqa: F401
    from monitors.sonata import RecordingFile
    rf = RecordingFile({path!r}, metadata={{"dt": 1.0}})
    sw = rf.spike_writer("p", 4)
    rf.start_swmr()
    sw.append([1.0, 2.0, 3.0], [0, 1, 2])
    print("ready", flush=True)
    time.sleep(60)
""")


@pytest.fixture
def running_writer(tmp_path):
    path = tmp_path / "f.h5"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER.format(repo=str(REPO), path=str(path))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        yield path, proc.pid
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_second_writer_with_overwrite_fails_and_keeps_the_file(running_writer):
    path, pid = running_writer
    size = path.stat().st_size
    with pytest.raises(RecordingLockedError) as err:
        RecordingFile(path, overwrite=True, metadata={"dt": 1.0})
    message = str(err.value)
    assert str(path) in message and str(pid) in message
    assert path.stat().st_size == size > 0  # never truncated
    np.testing.assert_array_equal(load_spikes(path).timestamps, [1.0, 2.0, 3.0])


def test_cli_second_writer_is_one_line_exit_2(running_writer, capsys):
    from simcore.cli import main

    path, pid = running_writer
    size = path.stat().st_size
    assert main(["run", "cuba", "--duration", "1", "--out", str(path), "--overwrite"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(pid) in err and "Traceback" not in err
    assert path.stat().st_size == size


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    path = tmp_path / "g.h5"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / "g.h5.lock").write_text(dead + "\n")  # left behind by a killed writer
    with RecordingFile(path, metadata={"dt": 1.0}) as rf:
        assert (tmp_path / "g.h5.lock").read_text().strip() == str(os.getpid())
        rf.spike_writer("p", 2).append([1.0], [1])
    assert not (tmp_path / "g.h5.lock").exists()  # released on close
    assert WriterLock.holder(path) is None
    assert len(load_spikes(path)) == 1
