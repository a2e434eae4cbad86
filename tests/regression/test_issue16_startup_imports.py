"""Issue 16, start-up: importing spikesim, building a network and stepping it loads no h5py, scipy.stats,
scipy.sparse or scipy.linalg.

They cost about 0.6 s of CPU at start-up (``python -X importtime``); they are imported where they are used:
recording and checkpoints (h5py), the table of PoissonInput (scipy.stats), FromMatrix and to_scipy (scipy.sparse).
scipy.linalg was imported by Numba's BLAS probe (``simcore.base.numba_setup``): 0.2 s of a 0.7 s warm start.
"""

import json
import os
import subprocess
import sys

LAZY = ("h5py", "scipy.stats", "scipy.sparse", "scipy.linalg")

SCRIPT = """
import json, sys
import simcore
from simcore.builtin import cuba
net = cuba(400, record=True)
net.build(batch_size=2, seed=1)
net.run(steps=3)
print(json.dumps({m: m in sys.modules for m in %r}))
"""


def test_import_build_and_run_load_no_h5py_and_no_scipy_module():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT % (LAZY,)], capture_output=True, text=True, env=dict(os.environ), check=True
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == {m: False for m in LAZY}


def test_the_lazy_modules_still_load_where_they_are_used(tmp_path):
    import numpy as np

    from simcore.builtin import cuba
    from synapses import FromMatrix

    net = cuba(200, record=True)
    net.run(1.0, out=tmp_path / "r.h5")
    net.close()
    assert "h5py" in sys.modules
    assert net.projections[0].to_scipy().shape == (160, 160)
    assert FromMatrix(np.eye(3)).__class__.__name__ == "FromMatrix"


BLAS = """
import json, sys
import numba, numpy as np
import simcore
import numba.np.arraymath as arraymath

@numba.njit
def product(a, b):
    return np.dot(a, b)

have = bool(arraymath._HAVE_BLAS)
linalg_before = "scipy.linalg" in sys.modules
value = product(np.arange(6.0).reshape(2, 3), np.ones(3)).tolist()
print(json.dumps([have, linalg_before, value, "scipy.linalg" in sys.modules]))
"""


def test_numba_still_finds_blas_when_a_kernel_uses_it():
    """The deferred probe says BLAS is there; the first kernel that uses it loads SciPy's BLAS as before."""
    out = subprocess.run([sys.executable, "-c", BLAS], capture_output=True, text=True, env=dict(os.environ), check=True)
    have, before, value, after = json.loads(out.stdout.strip().splitlines()[-1])
    assert have and not before and after
    assert value == [3.0, 12.0]
