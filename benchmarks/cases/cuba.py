"""Case ``cuba``: Vogels & Abbott (2005) as in Brian2's example, batch 1, against Brian2."""

from __future__ import annotations

from benchmarks.cases.common import THREADS, bare_bound, reference_comparisons
from benchmarks.machine import PeakRSS
from benchmarks.records import ratio_of, record, target
from benchmarks.timing import time_network

NAME = "cuba"

BRIAN2_ALL = ("brian2_cpp_standalone", "brian2_runtime", "brian2_cython")

#: sizes of the full mode (the issue's)
FULL = {"durations_ms": (1000.0, 10000.0), "n": 4000, "repeats": 5, "references": BRIAN2_ALL}

#: sizes of the quick mode
QUICK = {"durations_ms": (1000.0,), "n": 4000, "repeats": 5, "references": BRIAN2_ALL}


def _targets(comparisons: list[dict]) -> list[dict]:
    """The 1 s targets: vs cpp_standalone, and vs the faster runtime target that ran (cython, else numpy)."""
    runtime = "brian2_cython" if ratio_of(comparisons, "brian2_cython") is not None else "brian2_runtime"
    return [
        target(
            "cuba 1 s: speed-up vs Brian2 cpp_standalone",
            ratio_of(comparisons, "brian2_cpp_standalone"),
            1.0,
            ">=",
            "x",
        ),
        target(
            f"cuba 1 s: speed-up vs Brian2 runtime ({runtime.split('_')[-1]})",
            ratio_of(comparisons, runtime),
            3.0,
            ">=",
            "x",
        ),
    ]


def run(
    durations_ms=(1000.0, 10000.0),
    n: int = 4000,
    repeats: int = 5,
    references=BRIAN2_ALL,
    reference_duration_ms: float = 1000.0,
    bare: bool = True,
    dtype: str = "float64",
    seed: int = 1,
) -> list[dict]:
    """CUBA (:func:`simcore.builtin.cuba`) at batch 1, one record per duration.

    The references run only for ``reference_duration_ms`` and only at
    ``n = 4000`` (their size), with the same ``repeats``; ``bare`` adds the
    bare-loop delivery bound for the first duration.
    """
    from simcore.builtin import cuba

    records = []
    for i, duration in enumerate(float(d) for d in durations_ms):
        with PeakRSS() as mem:
            summary, _ = time_network(
                cuba(n, record=False), duration, repeats=repeats, dtype=dtype, seed=seed, threads=THREADS
            )
            mem.read()
        params = {
            "n": n,
            "duration_ms": duration,
            "batch": 1,
            "dt_ms": 0.1,
            "dtype": dtype,
            "seed": seed,
            "repeats": repeats,
        }
        comparisons, targets = [], []
        if n == 4000 and duration == float(reference_duration_ms):
            comparisons = reference_comparisons(
                summary, references, "cuba", duration_ms=duration, seed=seed, repeats=repeats
            )
            if duration == 1000.0:
                targets = _targets(comparisons)
        if bare and i == 0:
            comparisons.append(bare_bound(summary, 0.1, dtype))
            targets.append(target("cuba: delivery vs bare CSR bound", comparisons[-1].get("ratio"), 0.5, ">=", "x"))
        records.append(
            record(
                NAME,
                f"n={n} T={duration:g}ms",
                params,
                **summary,
                peak_rss_bytes=mem.bytes,
                peak_rss_scope=mem.scope,
                comparisons=comparisons,
                targets=targets,
            )
        )
    return records
