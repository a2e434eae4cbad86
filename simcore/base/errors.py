"""Validation helpers shared by the API layer, and spikesim's warning class.

Every check raises before any work starts and names the parameter, the value
and what was expected, and gives a hint where one helps.
"""

from __future__ import annotations

import builtins
import keyword
import os

import numpy as np


class SpikesimWarning(UserWarning):
    """Base class of spikesim's warnings."""


def check_finite(arr, name: str) -> None:
    """Raise ``ValueError`` if ``arr`` holds a NaN or an infinity."""
    a = np.asarray(arr)
    if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
        bad = a.flat[int(np.argmax(~np.isfinite(a.ravel())))]
        raise ValueError(f"{name} must be finite; got {bad}")


def check_choice(value, choices: tuple, name: str) -> str:
    """Raise unless ``value`` is one of ``choices``; the message lists them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def check_int(value, name: str, minimum: int | None = None) -> int:
    """An int (not a bool), optionally ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return value


def check_real(value, name: str, minimum: float | None = None) -> float:
    """A finite real number (not a bool), optionally ``>= minimum``, as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return value


def as_float_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array; a ``TypeError`` naming ``name`` for what is not numbers (str, dict, bool)."""
    if isinstance(value, (bool, str, bytes, dict)):
        raise TypeError(f"{name} must be a number or an array of numbers; got {value!r}")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers; got {value!r}") from None


def as_array(value, shape: tuple, name: str) -> np.ndarray:
    """A scalar or an array of exactly ``shape`` as float64 of ``shape``; never broadcasts other shapes."""
    shape = tuple(int(x) for x in shape)
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number or an array; got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of shape {shape}; got {value!r}") from None
    if arr.ndim == 0:
        arr = np.full(shape, float(arr))
    elif arr.shape != shape:
        raise ValueError(f"{name} must be a scalar or have shape {shape}; got shape {arr.shape}")
    check_finite(arr, name)
    return arr


def as_vector(value, n: int, name: str) -> np.ndarray:
    """A scalar or ``(n,)`` array as a float64 ``(n,)`` array."""
    return as_array(value, (n,), name)


#: names that may not name a state variable, parameter or receptor (they would shadow Python)
_RESERVED = frozenset(dir(builtins)) | {"np", "prange", "njit", "math"}


def check_identifier(name, what: str) -> str:
    """A name that reaches generated code: a Python identifier, not a keyword, builtin or private name.

    ``what`` says what the name is for, e.g. ``"receptor of LIFBio"``.
    """
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str; got {name!r} ({type(name).__name__})")
    if not name.isidentifier() or keyword.iskeyword(name) or name in _RESERVED or name.startswith("_"):
        raise ValueError(
            f"{what} {name!r} must be a Python identifier that is not a keyword, a builtin or a name starting with '_'"
        )
    return name


def check_name(name, what: str = "name") -> str:
    """A component's name: a non-empty str without '/' or control characters (it names HDF5 groups)."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str; got {name!r} ({type(name).__name__})")
    if not name or "/" in name or name in (".", "..") or any(not c.isprintable() for c in name):
        raise ValueError(f"{what} {name!r} must be a non-empty string without '/' or control characters")
    return name


def check_memory(nbytes: int, what: str) -> None:
    """Raise a ``ValueError`` naming ``what`` when ``nbytes`` exceed this machine's memory."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return
    if nbytes > total:
        raise ValueError(f"{what} needs {nbytes / 2**30:.1f} GiB; this machine has {total / 2**30:.1f} GiB")
