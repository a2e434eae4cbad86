"""Numba's set-up without SciPy's linear algebra at start-up.

When Numba first loads or compiles a function it imports its NumPy
implementations, and ``numba.np.arraymath`` asks at import whether BLAS is
available by importing ``scipy.linalg.cython_blas``: all of
``scipy.linalg`` (and through it ``numpy.f2py``), 0.2 s of a warm start of
0.7 s on this project's machine, for kernels that call no BLAS routine.

:func:`defer_blas_probe` answers that question from the file system instead
(the ``cython_blas`` extension module is present in SciPy's ``linalg``
folder) while ``numba.np.arraymath`` is imported, then restores Numba's own
``ensure_blas``, which still imports and checks SciPy's BLAS the first time a
kernel that uses it (``np.dot``, ``np.linalg``) is compiled. Nothing changes
when SciPy's module is absent, when ``numba.np.arraymath`` was imported
already, or when this Numba lacks the names it relies on.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys


def _cython_blas_present() -> bool:
    """Whether ``scipy.linalg.cython_blas`` exists, found without importing ``scipy.linalg``."""
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return False
    return any(any(pathlib.Path(folder, "linalg").glob("cython_blas.*")) for folder in spec.submodule_search_locations)


def defer_blas_probe() -> bool:
    """Import ``numba.np.arraymath`` with a BLAS probe that imports nothing; True when it was done so."""
    if "numba.np.arraymath" in sys.modules or not _cython_blas_present():
        return False
    try:
        import numba.np.linalg as linalg
    except ImportError:
        return False
    ensure_blas = getattr(linalg, "ensure_blas", None)
    if ensure_blas is None:
        return False
    linalg.ensure_blas = lambda: None  # the probe: BLAS is there (checked above)
    try:
        import numba.np.arraymath  # noqa: F401 - its module-level probe runs now
    finally:
        linalg.ensure_blas = ensure_blas
    return True
