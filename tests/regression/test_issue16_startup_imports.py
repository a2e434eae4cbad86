"""Issue 16, start-up: importing spikesim, building a network and stepping it loads no h5py, scipy.stats,
scipy.sparse, scipy.linalg, numpy.ma or coverage, and no model the network does not use.

They cost about 0.6 s of CPU at start-up (``python -X importtime``); they are imported where they are used:
recording and checkpoints (h5py), the table of PoissonInput (scipy.stats), FromMatrix and to_scipy (scipy.sparse).
scipy.linalg was imported by Numba's BLAS probe (``simcore.base.numba_setup``): 0.2 s of a 0.7 s warm start;
numpy.ma by Numba's typing of array arguments (0.05 s), coverage by Numba's coverage support (0.035 s), and the
package ``__init__`` files imported every model (0.05 s).
"""

import json
import os
import subprocess
import sys

import pytest

LAZY = ("h5py", "scipy.stats", "scipy.sparse", "scipy.linalg", "numpy.ma", "coverage", "neurons.adex", "synapses.stdp")

SCRIPT = """
import json, sys
import simcore
from simcore.builtin import cuba
net = cuba(400, record=True)
net.build(batch_size=2, seed=1)
net.run(steps=3)
print(json.dumps({m: m in sys.modules for m in %r}))
"""


def clean_env():
    """This environment without the variables that start coverage in a child (a run under pytest-cov)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def test_import_build_and_run_load_no_h5py_and_no_scipy_module():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT % (LAZY,)], capture_output=True, text=True, env=clean_env(), check=True
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


COVERED = """
import json, sys
import coverage
import simcore
import numba.misc.coverage_support as support
print(json.dumps(bool(support.coverage_available)))
"""


def test_numba_keeps_its_coverage_support_when_coverage_was_imported_first():
    """A coverage run imports coverage before spikesim: Numba then reports jitted lines to it as before."""
    out = subprocess.run([sys.executable, "-c", COVERED], capture_output=True, text=True, env=clean_env(), check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) is True


TYPING = """
import json
import numba
import numpy as np
import simcore
from numba.core import errors
from numba.core.typing.typeof import Purpose, _TypeofContext, typeof_impl

ours = typeof_impl.dispatch(np.ndarray)
numbas = getattr(ours, "numba_typeof_ndarray", None)
c = _TypeofContext(Purpose.argument)
base = np.arange(24.0).reshape(4, 6)
readonly = np.zeros(3, dtype=np.int8)
readonly.flags.writeable = False
arrays = [
    base, base.T, base[:, ::2], np.asfortranarray(base), np.zeros((2, 0, 3), dtype=np.float32), np.array(3.0),
    readonly, np.zeros(4, dtype=np.bool_), np.zeros(2, dtype=np.complex128),
    np.zeros(2, dtype=[("a", np.int32), ("b", np.float64)]), np.zeros(3, dtype="datetime64[ms]"),
    np.zeros(2, dtype=object), np.zeros(2, dtype="U3"),
]
same = [numbas is not None and ours(a, c) == numbas(a, c) for a in arrays]


def error(f, value):
    try:
        f(value, c)
    except errors.NumbaError as e:
        return type(e).__name__
    return None


bad = [np.zeros(2, dtype=np.longdouble), np.ma.array([1.0, 2.0])]
errors_seen = [[error(ours, v), error(numbas, v)] for v in bad] if numbas is not None else []
print(json.dumps({"registered": numbas is not None, "same": same, "errors": errors_seen}))
"""


def test_plain_arrays_get_numbas_own_types_and_masked_arrays_are_still_refused():
    """Typing an exact ndarray without numpy.ma gives Numba's type for every layout, dtype and write flag;
    unsupported dtypes and masked arrays raise the same Numba errors as before."""
    out = subprocess.run([sys.executable, "-c", TYPING], capture_output=True, text=True, env=clean_env(), check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["registered"]
    assert all(result["same"]) and len(result["same"]) == 13
    assert [ours for ours, _ in result["errors"]] == ["NumbaValueError", "NumbaTypeError"]
    assert all(ours == numbas for ours, numbas in result["errors"])


def test_every_public_name_of_the_lazy_packages_resolves():
    import monitors
    import neurons
    import synapses

    for package in (neurons, synapses, monitors):
        assert set(package.__all__) <= set(dir(package))
        for name in package.__all__:
            assert getattr(package, name).__name__ == name
        with pytest.raises(AttributeError, match="no attribute 'Nope'"):
            package.Nope  # noqa: B018
