"""Streaming keeps memory flat: 10x more blocks, same peak.

Evidence kind: io (resource use).  A writer must not keep what it has written
(monitors/sonata.py: chunked, resizable datasets, one slab per append).
"""

import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from monitors.sonata import RecordingFile

REPO = Path(__file__).resolve().parents[3]
STEPS_PER_BLOCK = 1000


def _record(path, n_steps, compression=None):
    """Synthetic run: N=64, B=2, ~3 spikes per step, one state variable of 8 neurons."""
    rng = np.random.default_rng(0)
    with RecordingFile(path, compression=compression, metadata={"dt": 1.0, "batch_size": 2}) as rf:
        sw = rf.spike_writer("p", 64)
        rw = rf.report_writer("p", "u", np.arange(8), 1.0)
        for t0 in range(0, n_steps, STEPS_PER_BLOCK):
            k = 3 * STEPS_PER_BLOCK
            t = np.sort(rng.integers(t0, t0 + STEPS_PER_BLOCK, k)).astype(np.float64)
            sw.append(t, rng.integers(0, 64, k), rng.integers(0, 2, k))
            rw.append(rng.standard_normal((STEPS_PER_BLOCK, 2, 8)))
        return sw.n_spikes


def _peak_traced(path, n_steps, compression):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        n = _record(path, n_steps, compression)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak, n


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_peak_python_memory_does_not_grow_with_blocks(tmp_path, compression):
    small, n_small = _peak_traced(tmp_path / "s.h5", 10_000, compression)
    large, n_large = _peak_traced(tmp_path / "l.h5", 100_000, compression)
    assert n_large == 10 * n_small
    written = n_large * (8 + 8 + 4) + 100_000 * 2 * 8 * 4  # bytes the large run wrote
    # same peak within 25 % (+64 KiB of bookkeeping), and far below what was written
    assert large <= 1.25 * small + 65536, (small, large)
    assert large < written / 10, (large, written)


_CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    sys.path.insert(0, {here!r})
    try:
        import simcore  # noqa: F401  (imported first: avoids a monitors<->simcore import cycle)
    except Exception:
        pass
    from test_sonata_memory import _record
    _record({path!r}, {n_steps})
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print(int(line.split()[1]))
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux) for peak RSS")
def test_peak_rss_does_not_grow_with_run_length(tmp_path):
    """Whole-process peak (HDF5's C buffers included): 10^4 vs 10^6 steps."""
    peaks = {}
    for n_steps in (10_000, 1_000_000):
        code = _CHILD.format(
            repo=str(REPO), here=str(Path(__file__).parent), path=str(tmp_path / f"{n_steps}.h5"), n_steps=n_steps
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        peaks[n_steps] = int(out.stdout.split()[-1]) * 1024
    written = (tmp_path / "1000000.h5").stat().st_size
    assert written > 100e6
    # the 10^6-step run wrote > 100 MB; its peak RSS is within 4 MiB of the 10^4-step run's
    assert peaks[1_000_000] - peaks[10_000] < 4 * 2**20, peaks
