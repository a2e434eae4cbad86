"""Write the golden recording of the current format: ``python tests/data/make_golden.py [OUT]``.

The committed files are the reference; this script is what wrote them, kept
so that the next format can write its own golden file the same way:

* ``sonata_v2_golden.h5``: format 2, written by this script on the format-2
  writer (commit 076fad8, before format 3): the second variable ``a`` sits
  at ``/report/lif/variables/a`` and the float64 values in ``data`` itself.
* ``sonata_v3_golden.h5`` (+ ``sonata_v3_golden.a.h5``, the report file of
  the second variable): format 3, the default ``OUT`` of this script.

``sonata_v1_golden.h5`` (format 1) was written by ``make_golden`` in
``tests/io/test_sonata_cli.py``.  The values below are exact in float64 but
not in float32 (``1/3``, ``1e-9`` steps), so a reader that returned the
float32 copy would be caught.  ``tests/io/test_golden_files.py`` checks them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

NETWORK = {"populations": [{"name": "lif", "model": "LIF", "n": 3, "params": {"beta": 0.9}}]}


def u_values() -> np.ndarray:
    """``lif.u``: (6 rows, batch 2, 2 neurons) float64, not representable in float32."""
    return (np.arange(24, dtype=np.float64).reshape(6, 2, 2) / 3.0) + 1e-9


def a_values() -> np.ndarray:
    """``lif.a``: (2 rows, batch 2, 1 neuron) float64."""
    return np.array([[[0.1], [0.2]], [[0.3], [1.0 / 7.0]]], dtype=np.float64)


def make_golden(path, compression="gzip") -> None:
    """Write the golden recording to ``path`` (gzip keeps the committed files small)."""
    from monitors.sonata import RecordingFile

    with RecordingFile(
        path,
        overwrite=True,
        compression=compression,
        metadata={
            "dt": 0.5,
            "seed": 7,
            "batch_size": 2,
            "duration": 3.0,
            "network": NETWORK,
            "spikesim_version": "0.1.0",
        },
    ) as rf:
        sw = rf.spike_writer("lif", 3)
        u = rf.report_writer("lif", "u", [0, 2], 0.5, unit="mV", dtype=np.float64)
        a = rf.report_writer("lif", "a", [1], 0.5, every=3, dtype=np.float64)
        rf.start_swmr()
        sw.append([0.5, 1.0, 2.5], [2, 0, 1], [1, 0, 0])
        u.append(u_values()[:4])
        u.append(u_values()[4:])
        a.append(a_values())


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "sonata_v3_golden.h5"
    make_golden(out)
    print(f"wrote {out}")
