"""Numba's set-up without the imports a simulation never uses: start-up time.

Three imports that Numba makes at start-up cost a third of a warm start (spawn to the first step, 0.6 s on
this project's machine), and none of them is used by spikesim's kernels:

* SciPy's linear algebra, for the BLAS probe (:func:`defer_blas_probe`);
* the ``coverage`` package, when it is installed, to report the lines of jitted functions to a coverage run
  (:func:`skip_idle_coverage_support`);
* ``numpy.ma``, to reject masked arrays when Numba types an array argument
  (:func:`type_plain_arrays_without_numpy_ma`).

The BLAS probe: when Numba first loads or compiles a function it imports its NumPy
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
import os
import pathlib
import sys

import numpy as np

#: environment variables with which ``coverage`` starts measuring in a new process (its ``.pth`` hook)
COVERAGE_START_VARIABLES = ("COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG")


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


def skip_idle_coverage_support() -> bool:
    """Import Numba without the ``coverage`` package when no coverage run has started; True when done so.

    Numba's ``numba.misc.coverage_support`` imports ``coverage`` (0.035 s) so that a coverage run sees the
    lines of the functions it compiles. A run that measures coverage has imported ``coverage`` before
    spikesim (``coverage run``, pytest-cov) or is about to (its environment variables): then nothing changes.
    Otherwise Numba is imported with ``coverage`` hidden, and finds it missing: a coverage run started later
    in the same process reports the Python lines, not the lines of jitted functions. ``coverage`` itself
    imports normally afterwards.
    """
    if "numba" in sys.modules or "coverage" in sys.modules:
        return False
    if any(os.environ.get(name) for name in COVERAGE_START_VARIABLES):
        return False
    if importlib.util.find_spec("coverage") is None:
        return False
    sys.modules["coverage"] = None  # an import of it now raises ImportError
    try:
        import numba  # noqa: F401 - imports numba.misc.coverage_support now
    finally:
        if sys.modules.get("coverage", 0) is None:
            del sys.modules["coverage"]
    return True


def type_plain_arrays_without_numpy_ma() -> bool:
    """Register Numba's type of an ndarray argument without importing ``numpy.ma``; True when done so.

    Numba types an array argument by first checking that it is not a ``numpy.ma.MaskedArray``: the first
    call of a jitted function imports ``numpy.ma`` (0.05 s). An object whose type is exactly ``np.ndarray``
    is never a masked array, so its type is made here from its dtype, layout, dimensions and write flag, as
    Numba makes it; every subclass still goes through Numba's own function (and a masked array is still
    refused). Nothing changes when ``numpy.ma`` is loaded already or this Numba lacks the names it relies on.
    """
    if "numpy.ma" in sys.modules:
        return False
    try:
        from numba.core import errors, types
        from numba.core.typing import typeof as numba_typeof
        from numba.np import numpy_support
    except ImportError:
        return False
    registry = getattr(numba_typeof, "typeof_impl", None)
    if registry is None or not hasattr(registry, "register") or not hasattr(numpy_support, "map_layout"):
        return False
    numba_typeof_ndarray = registry.dispatch(np.ndarray)

    def typeof_ndarray(val, c):
        if type(val) is not np.ndarray:
            return numba_typeof_ndarray(val, c)
        try:
            dtype = numpy_support.from_dtype(val.dtype)
        except errors.NumbaNotImplementedError:
            raise errors.NumbaValueError(f"Unsupported array dtype: {val.dtype}") from None
        return types.Array(dtype, val.ndim, numpy_support.map_layout(val), readonly=not val.flags.writeable)

    typeof_ndarray.numba_typeof_ndarray = numba_typeof_ndarray  # Numba's own, for subclasses (and tests)
    registry.register(np.ndarray)(typeof_ndarray)
    return True
