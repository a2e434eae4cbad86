"""The reference simulators: one module per simulator, each run in a child process.

* :mod:`benchmarks.references.brian2`: CUBA and Brunel in Brian2
  (cpp_standalone, runtime/numpy, runtime/cython);
* :mod:`benchmarks.references.nest`: Brunel in NEST;
* :mod:`benchmarks.references.params`: their parameters, read from
  :mod:`simcore.builtin`;
* :mod:`benchmarks.references.common`: errors, checks, timing, command line.

The suite names a reference run by :data:`REFERENCES` key
(``"brian2_cpp_standalone"``, ``"brian2_runtime"``, ``"brian2_cython"``,
``"nest"``) and a case (``"cuba"``, ``"brunel"``); :func:`run_reference`
starts ``python -m benchmarks.references.<simulator> --case <case> --kwargs
JSON --json FILE`` with its address space capped and a time limit, so a
reference that grows without bound fails alone, and Brian2's device or
NEST's kernel state never leak into the suite. The simulator modules are
not imported here (they are run with ``-m``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from benchmarks.child import run_module
from benchmarks.references.common import ReferenceUnavailable

__all__ = [
    "REFERENCES",
    "REFERENCE_TIMEOUT_S",
    "Reference",
    "ReferenceUnavailable",
    "clear_cache",
    "memory_cap_bytes",
    "run_reference",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reference:
    """A reference run: the simulator module, its fixed keyword arguments, its label in tables."""

    simulator: str
    label: str
    fixed: dict = field(default_factory=dict)


#: every reference the cases may ask for
REFERENCES = {
    "brian2_cpp_standalone": Reference("brian2", "brian2 cpp_standalone", {"target": "cpp_standalone"}),
    "brian2_runtime": Reference("brian2", "brian2 runtime", {"target": "runtime"}),
    "brian2_cython": Reference("brian2", "brian2 cython", {"target": "cython"}),
    "nest": Reference("nest", "nest"),
}

#: seconds one reference run may take before it is stopped and reported as an error
REFERENCE_TIMEOUT_S = 1200.0

#: the child's address space: at most this, and at most half the machine's memory
REFERENCE_MEMORY_MAX_BYTES = 12 * 2**30

_CACHE: dict = {}


def memory_cap_bytes() -> int:
    """min(:data:`REFERENCE_MEMORY_MAX_BYTES`, half the machine's memory)."""
    from benchmarks.machine import memory_bytes

    total = memory_bytes() or 16 * 2**30
    return int(min(REFERENCE_MEMORY_MAX_BYTES, total // 2))


def run_reference(name: str, case: str, **kwargs) -> dict:
    """Run reference ``name`` (a :data:`REFERENCES` key) on ``case`` in a capped child process.

    Returns the simulator's result dict with ``status`` ``"ok"``, or
    ``{"status": "skipped" | "error", "reason": ...}`` (simulator not
    installed: skipped; failed, killed, timed out: error), plus ``name``,
    ``label``, ``case``, ``arguments``, ``process_wall_s`` and
    ``memory_cap_bytes``. Never raises for a failing reference (a ``name``
    not in :data:`REFERENCES` is a ValueError). Results are cached for the
    session, so cases asking for the same run share it.
    """
    if name not in REFERENCES:
        raise ValueError(f"unknown reference {name!r}; choose from {tuple(REFERENCES)}")
    ref = REFERENCES[name]
    arguments = dict(kwargs, **ref.fixed)
    key = (ref.simulator, case, json.dumps(arguments, sort_keys=True))
    if key not in _CACHE:
        cap = memory_cap_bytes()
        log.info("reference %s on %s: %s", name, case, arguments)
        result = run_module(
            f"benchmarks.references.{ref.simulator}",
            ["--case", case, "--kwargs", json.dumps(arguments)],
            timeout_s=REFERENCE_TIMEOUT_S,
            memory_cap_bytes=cap,
            env={"PYNEST_QUIET": "1"},
        )
        _CACHE[key] = dict(result, case=case, arguments=arguments, memory_cap_bytes=cap)
    return dict(_CACHE[key], name=name, label=ref.label)


def clear_cache() -> None:
    """Forget the reference results of this session."""
    _CACHE.clear()
