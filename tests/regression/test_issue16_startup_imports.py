"""Issue 16, start-up: importing spikesim and building a network loads neither h5py nor scipy.stats/scipy.sparse.

They cost about 0.6 s of CPU at start-up (``python -X importtime``); they are imported where they are used:
recording and checkpoints (h5py), the table of PoissonInput (scipy.stats), FromMatrix and to_scipy (scipy.sparse).
"""

import json
import os
import subprocess
import sys

LAZY = ("h5py", "scipy.stats", "scipy.sparse")

SCRIPT = """
import json, sys
import simcore
from simcore.builtin import cuba
net = cuba(400, record=True)
net.build(batch_size=2, seed=1)
print(json.dumps({m: m in sys.modules for m in %r}))
"""


def test_import_and_build_load_no_h5py_no_scipy_stats_or_sparse():
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
