"""Case ``startup``: seconds from a cold interpreter to the first step, with an empty and a warm cache."""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile

from benchmarks.child import run_module
from benchmarks.records import record, target
from benchmarks.timing import check_repeats

NAME = "startup"

#: sizes of the full mode
FULL = {"n": 4000, "repeats": 3}

#: sizes of the quick mode
QUICK = {"n": 4000, "repeats": 2}


def startup_once(n: int, env: dict | None, timeout_s: float) -> dict:
    """One ``python -m benchmarks.startup_child``: its own timings plus ``wall_s``, from the moment the child
    was started to the end of its first step (the interpreter's start included, its exit not: the exit, in
    ``process_wall_s``, adds about 0.25 s of Numba's and Python's clean-up after the step)."""
    result = run_module("benchmarks.startup_child", ["--n", int(n)], timeout_s=timeout_s, env=env)
    if result.get("status") != "ok":
        raise RuntimeError(f"start-up child failed: {result.get('reason')}")
    return dict(result, wall_s=result["first_step_epoch"] - result["spawn_epoch"])


def run(n: int = 4000, repeats: int = 3, timeout: float = 300.0, cold: bool = True) -> list[dict]:
    """Wall time of a child process that imports simcore, builds CUBA, warms up and steps once.

    Empty cache: ``NUMBA_CACHE_DIR`` and ``SPIKESIM_CACHE_DIR`` point to a
    fresh temporary folder, so Numba compiles every kernel, the library's
    included; warm: the same folders again, ``repeats`` times (median). With
    ``cold=False`` only the warm runs are made, in the caches of the current
    environment (the first may compile what is not cached there yet;
    ``cold_s`` is then None). One record with ``cold_s``, ``warm_s`` and ``warm_cpu_s`` (the child's CPU
    seconds: on a shared machine the steadier figure).
    """
    repeats = check_repeats(repeats)
    tmp = tempfile.mkdtemp(prefix="spikesim_startup_")
    try:
        env = (
            {"NUMBA_CACHE_DIR": os.path.join(tmp, "numba"), "SPIKESIM_CACHE_DIR": os.path.join(tmp, "spikesim")}
            if cold
            else None
        )
        first = startup_once(n, env, timeout) if cold else None
        warm = [startup_once(n, env, timeout) for _ in range(repeats)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    warm_s = float(statistics.median(w["wall_s"] for w in warm))
    warm_cpu_s = float(statistics.median(w["total_cpu_s"] for w in warm))
    numba_cpu_s = float(statistics.median(w["numba_init_cpu_s"] for w in warm))
    cold_s = None if first is None else first["wall_s"]
    ref = first or warm[0]
    targets = [
        target("start-up to first step, warm cache", warm_s, 0.5, "<=", "s"),
        target("start-up to first step, empty cache", cold_s, 3.0, "<=", "s"),
    ]
    notes = [
        f"cold {'-' if cold_s is None else format(cold_s, '.3g')} s, warm {warm_s:.3g} s (wall, to first step)",
        f"warm CPU {warm_cpu_s:.3g} s, of which Numba's set-up {numba_cpu_s:.3g} s",
    ]
    return [
        record(
            NAME,
            f"n={n}",
            {"n": n, "repeats": repeats, "cold": cold, "python": sys.executable},
            cold_s=cold_s,
            warm_s=warm_s,
            warm_cpu_s=warm_cpu_s,
            cold=first,
            warm=warm,
            compile_s=ref["compile_s"],
            build_s=ref["build_s"],
            repeats=repeats,
            threads=1,
            warm_s_all=[w["wall_s"] for w in warm],
            peak_rss_scope="child processes, not measured",
            notes=notes,
            targets=targets,
        )
    ]
