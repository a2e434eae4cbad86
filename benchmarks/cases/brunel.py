"""Case ``brunel``: Brunel (2000) model A as NEST's brunel_delta example, batch 1, against NEST and Brian2."""

from __future__ import annotations

from benchmarks.cases.common import THREADS, bare_bound, check_references, reference_comparisons
from benchmarks.machine import PeakRSS
from benchmarks.records import ratio_of, record, target
from benchmarks.timing import time_network

NAME = "brunel"

#: sizes of the full mode (the issue's)
FULL = {"scale": 1.0, "duration_ms": 1000.0, "repeats": 3, "references": ("nest", "brian2_cpp_standalone")}

#: sizes of the quick mode (NEST only: Brian2's C++ compilation alone takes about 20 s)
QUICK = {"scale": 0.2, "duration_ms": 500.0, "repeats": 3, "references": ("nest",)}

#: target speed-up per reference
GOALS = {"brian2_cpp_standalone": ("Brian2 cpp_standalone", 3.0), "nest": ("NEST (1 thread)", 5.0)}


def run(
    scale: float = 1.0,
    duration_ms: float = 1000.0,
    repeats: int = 3,
    references=("nest", "brian2_cpp_standalone"),
    bare: bool = True,
    dtype: str = "float64",
    seed: int = 1,
) -> list[dict]:
    """Brunel's network (:func:`simcore.builtin.brunel`) at ``scale``, batch 1; one record.

    ``references`` are keys of :data:`benchmarks.references.REFERENCES`; they
    run the same ``scale``, ``duration_ms`` and ``repeats``, with the
    parameters :func:`simcore.builtin.brunel` gives its network (its
    ``V_reset`` of 10 mV included: Brunel's value, where NEST's example ships
    0 mV), on one thread.
    """
    from benchmarks.references.params import brunel_params
    from simcore.builtin import brunel

    references = check_references(references)
    with PeakRSS() as mem:
        summary, _ = time_network(
            brunel(scale, record=False), duration_ms, repeats=repeats, dtype=dtype, seed=seed, threads=THREADS
        )
        mem.read()
    params = {
        "scale": scale,
        "duration_ms": float(duration_ms),
        "batch": 1,
        "dt_ms": 0.1,
        "dtype": dtype,
        "seed": seed,
        "V_reset": brunel_params(scale)["V_reset"],
        "repeats": repeats,
    }
    comparisons = reference_comparisons(
        summary,
        references,
        "brunel",
        duration_ms=float(duration_ms),
        scale=float(scale),
        seed=max(1, seed),
        threads=1,
        repeats=repeats,
    )
    size = f"brunel scale {scale:g}"
    targets = [
        target(f"{size}: speed-up vs {GOALS[name][0]}", ratio_of(comparisons, name), GOALS[name][1], ">=", "x")
        for name in references
        if name in GOALS
    ]
    if bare:
        comparisons.append(bare_bound(summary, 0.1, dtype))
        targets.append(target(f"{size}: delivery vs bare CSR bound", comparisons[-1].get("ratio"), 0.5, ">=", "x"))
    return [
        record(
            NAME,
            f"scale={scale:g} T={float(duration_ms):g}ms",
            params,
            **summary,
            peak_rss_bytes=mem.bytes,
            peak_rss_scope=mem.scope,
            comparisons=comparisons,
            targets=targets,
        )
    ]
