"""Case ``coba``: Brette et al. (2007) benchmark 1 (Vogels-Abbott, conductances), batch 1, against Brian2 and NEST."""

from __future__ import annotations

from benchmarks.cases.common import THREADS, bare_bound, check_references, reference_comparisons
from benchmarks.machine import PeakRSS
from benchmarks.records import ratio_of, record, target
from benchmarks.timing import time_network

NAME = "coba"

#: sizes of the full mode
FULL = {"n": 4000, "duration_ms": 1000.0, "repeats": 3, "references": ("brian2_cpp_standalone", "nest")}

#: sizes of the quick mode (NEST's RK45 takes about 15 s per simulated second of COBA on one thread)
QUICK = {"n": 4000, "duration_ms": 1000.0, "repeats": 2, "references": ("brian2_cpp_standalone", "nest")}

#: target speed-up per reference (the issue's: 2x Brian2 standalone, 5x NEST on one thread)
GOALS = {"brian2_cpp_standalone": ("Brian2 cpp_standalone", 2.0), "nest": ("NEST (1 thread)", 5.0)}


def run(
    n: int = 4000,
    duration_ms: float = 1000.0,
    repeats: int = 3,
    references=("brian2_cpp_standalone", "nest"),
    bare: bool = True,
    dtype: str = "float64",
    seed: int = 1,
) -> list[dict]:
    """:func:`simcore.builtin.coba` at batch 1; one record, the references at ``n = 4000`` only (their size)."""
    from simcore.builtin import coba

    return run_network(
        NAME,
        coba,
        GOALS,
        n=n,
        duration_ms=duration_ms,
        repeats=repeats,
        references=references,
        bare=bare,
        dtype=dtype,
        seed=seed,
    )


def run_network(name, build, goals, *, n, duration_ms, repeats, references, bare, dtype, seed) -> list[dict]:
    """Time ``build(n)`` at batch 1 and compare it with ``references`` running case ``name`` (COBA, COBAHH)."""
    references = check_references(references) if n == 4000 else ()
    with PeakRSS() as mem:
        summary, _ = time_network(
            build(n, record=False), duration_ms, repeats=repeats, dtype=dtype, seed=seed, threads=THREADS
        )
        mem.read()
    params = {
        "n": n,
        "duration_ms": float(duration_ms),
        "batch": 1,
        "dt_ms": 0.1,
        "dtype": dtype,
        "seed": seed,
        "repeats": repeats,
        "threads": THREADS,
    }
    comparisons = reference_comparisons(
        summary, references, name, duration_ms=float(duration_ms), seed=max(1, seed), threads=1, repeats=repeats
    )
    targets = [
        target(
            f"{name} {duration_ms:g} ms: speed-up vs {goals[r][0]}", ratio_of(comparisons, r), goals[r][1], ">=", "x"
        )
        for r in references
        if r in goals
    ]
    if bare:
        comparisons.append(bare_bound(summary, 0.1, dtype))
    return [
        record(
            name,
            f"n={n} T={float(duration_ms):g}ms",
            params,
            **summary,
            peak_rss_bytes=mem.bytes,
            peak_rss_scope=mem.scope,
            comparisons=comparisons,
            targets=targets,
        )
    ]
