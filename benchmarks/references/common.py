"""Plumbing shared by the reference-simulator modules (:mod:`.brian2`, :mod:`.nest`).

* :class:`ReferenceUnavailable`: raised when a simulator cannot be imported,
  so that callers report the reference as skipped;
* argument checks made before any simulator is imported;
* :func:`run_times`: the timing protocol every simulator's loop follows
  (``repeats`` timed runs after the simulator's own warm-up, the median);
* :func:`main_for`: the command line of ``python -m benchmarks.references.<simulator>
  --case NAME [--kwargs JSON] --json FILE``, which runs one case and writes its
  result (or why it was skipped or failed) to ``FILE``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import traceback

import numpy as np

log = logging.getLogger(__name__)


class ReferenceUnavailable(ImportError):
    """The reference simulator needed by a benchmark cannot be imported."""


def dist_version(name: str) -> str:
    """The installed version of distribution ``name``, or ``"unknown"``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def base_versions() -> dict:
    """Versions every reference result carries: numpy, Python, machine, CPU count."""
    return {
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def check_positive(name: str, value) -> None:
    """Raise unless ``value`` is a real number > 0."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")


def check_int(name: str, value, minimum: int = 1, below: int | None = None) -> int:
    """Raise unless ``value`` is an int in ``[minimum, below)``; returns it as an int."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= minimum
    if ok and below is not None:
        ok = value < below
    if not ok:
        span = f">= {minimum}" if below is None else f"in [{minimum}, {below})"
        raise ValueError(f"{name} must be an int {span}; got {value!r}")
    return int(value)


def check_steps(name: str, value_ms: float, dt_ms: float) -> int:
    """``floor(value/dt + 0.5)`` steps (docs/contract.md §2); must be >= 1."""
    steps = int(np.floor(value_ms / dt_ms + 0.5))
    if steps < 1:
        raise ValueError(f"{name} {value_ms} ms rounds to {steps} steps at dt = {dt_ms} ms; must be >= 1 step")
    return steps


def synaptic_events(src_spikes, outdeg) -> int:
    """``sum_i spikes_i * outdeg_i`` as a Python int."""
    counts = np.bincount(np.asarray(src_spikes, dtype=np.int64), minlength=outdeg.size)
    return int(np.dot(counts[: outdeg.size].astype(np.int64), outdeg.astype(np.int64)))


def run_times(times) -> dict:
    """The timing fields of a result: ``run_s`` (median), ``run_s_min``, ``run_s_all``, ``repeats``."""
    times = [float(t) for t in times]
    if not times:
        raise ValueError("no timed run")
    return {
        "run_s": float(statistics.median(times)),
        "run_s_min": min(times),
        "run_s_all": times,
        "repeats": len(times),
    }


def _jsonable(x):
    if hasattr(x, "item"):
        return x.item()
    return str(x)


def call_case(fn, kwargs: dict) -> dict:
    """``fn(**kwargs)`` with ``status`` ``"ok"``; ``"skipped"``/``"error"`` with a ``reason`` instead of raising."""
    try:
        return dict(fn(**kwargs), status="ok")
    except ReferenceUnavailable as exc:
        return {"status": "skipped", "reason": str(exc) or type(exc).__name__}
    except MemoryError:
        return {"status": "error", "reason": "MemoryError: the reference exceeded its memory cap"}
    except Exception as exc:
        log.debug("reference case failed", exc_info=True)
        return {"status": "error", "reason": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=5)}


def main_for(simulator: str, cases: dict, argv=None) -> int:
    """Command line of a reference module: run one of ``cases`` and write its result as JSON.

    ``--kwargs`` is a JSON object of keyword arguments for the case's
    function. The result file always gets a dict with ``status`` (a case
    the simulator does not have is ``"skipped"``); the exit status is 0
    unless the arguments are malformed (2, from argparse).
    """
    parser = argparse.ArgumentParser(
        prog=f"python -m benchmarks.references.{simulator}",
        description=f"Run one benchmark case in {simulator} and write its timings.",
    )
    parser.add_argument("--case", required=True, help=f"the model to run: {', '.join(sorted(cases))}")
    parser.add_argument("--kwargs", default="{}", help="JSON object of keyword arguments for the case")
    parser.add_argument("--json", required=True, metavar="FILE", help="write the result here")
    args = parser.parse_args(argv)
    kwargs = json.loads(args.kwargs)
    if not isinstance(kwargs, dict):
        parser.error("--kwargs must be a JSON object")
    if args.case in cases:
        result = call_case(cases[args.case], kwargs)
    else:
        result = {"status": "skipped", "reason": f"{simulator} has no case {args.case!r} (it has {sorted(cases)})"}
    result = dict(result, simulator=simulator, case=args.case)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f, default=_jsonable)
    return 0
