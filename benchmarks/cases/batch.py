"""Case ``batch``: CUBA at several batch sizes; run time per sample, against batch-1 runs and Brian2."""

from __future__ import annotations

from benchmarks.cases import cuba as cuba_case
from benchmarks.cases.common import check_references
from benchmarks.machine import PeakRSS
from benchmarks.records import compare, record, target
from benchmarks.references import run_reference
from benchmarks.timing import time_network

NAME = "batch"

#: sizes of the full mode; the Brian2 run is the cuba case's (same arguments: shared, run once)
FULL = {
    "batches": (1, 4, 16, 64, 256),
    "n": 4000,
    "duration_ms": 1000.0,
    "repeats": 3,
    "n_single": 64,
    "references": ("brian2_cpp_standalone",),
    "reference_repeats": cuba_case.FULL["repeats"],
}

#: sizes of the quick mode
QUICK = {
    "batches": (1, 4, 16, 64),
    "n": 4000,
    "duration_ms": 250.0,
    "repeats": 2,
    "n_single": 64,
    "references": ("brian2_cpp_standalone",),
    "reference_repeats": cuba_case.QUICK["repeats"],
}


#: issue 16: a batch of 64 on every thread (two here) in at most 0.55x the time of 64 one-thread single runs
SINGLE_RUNS_TARGET = 0.55


def _single_runs(base, n, duration_ms, n_single, target_batch, dtype, seed) -> dict:
    """``n_single`` consecutive one-thread batch-1 runs (``reset()`` between them), scaled to ``target_batch``."""
    from simcore.builtin import cuba

    tn1 = (
        base[1]
        if base is not None
        else time_network(cuba(n, record=False), duration_ms, repeats=1, dtype=dtype, seed=seed, threads=1)[1]
    )
    singles = [tn1.run_once(duration_ms)["seconds"] for _ in range(int(n_single))]
    return {
        "single_runs": int(n_single),
        "single_runs_total_s": float(sum(singles)),
        "single_runs_equivalent_s": float(sum(singles)) * target_batch / n_single,
    }


def _vs_brian2(summary, B, duration_ms, target_batch, references, reference_repeats, seed):
    """Comparisons with ``target_batch`` Brian2 runs of 1 s (scaled to ``duration_ms``) and the target."""
    comparisons, value = [], None
    for name in references:
        ref = run_reference(name, "cuba", duration_ms=1000.0, seed=seed, repeats=reference_repeats)
        comparisons.append(
            compare(
                dict(summary, run_s=summary["run_s"] / B),
                ref,
                f"{ref['label']} (one run)",
                scale_time=float(duration_ms) / 1000.0,
            )
        )
    by_name = {c["name"]: c for c in comparisons}
    cpp = by_name.get("brian2_cpp_standalone")
    if cpp is not None and cpp.get("status") == "ok":
        value = summary["run_s"] / (target_batch * cpp["run_s"])
    return comparisons, value


def run(
    batches=(1, 4, 16, 64, 256),
    n: int = 4000,
    duration_ms: float = 1000.0,
    repeats: int = 3,
    n_single: int = 64,
    target_batch: int = 64,
    references=("brian2_cpp_standalone",),
    reference_repeats: int = 5,
    dtype: str = "float64",
    seed: int = 1,
) -> list[dict]:
    """CUBA at batch sizes ``batches``: one record per batch size, with ``run_s_per_sample``.

    Samples of a batch share the connectivity and differ in initial state and
    noise; Numba's threads split the batch. The record of ``target_batch``
    also holds ``n_single`` consecutive batch-1 runs of the same network
    (their total, scaled to ``target_batch`` runs) and, for each reference
    (at ``n = 4000``), ``target_batch`` times one 1 s run of it (scaled by
    ``duration_ms / 1000`` when the durations differ).
    """
    from simcore.builtin import cuba

    references = check_references(references)
    records, base = [], None
    for B in (int(b) for b in batches):
        with PeakRSS() as mem:
            # a single run on one thread, as a user without batches runs it; a batch on every thread
            summary, tn = time_network(
                cuba(n, record=False),
                duration_ms,
                repeats=repeats,
                batch_size=B,
                dtype=dtype,
                seed=seed,
                threads=1 if B == 1 else None,
            )
            mem.read()
        base = (summary, tn) if B == 1 else base
        params = {
            "n": n,
            "batch": B,
            "duration_ms": float(duration_ms),
            "dt_ms": 0.1,
            "dtype": dtype,
            "seed": seed,
            "repeats": repeats,
        }
        fields = dict(
            summary, run_s_per_sample=summary["run_s"] / B, peak_rss_bytes=mem.bytes, peak_rss_scope=mem.scope
        )
        notes, comparisons, targets = [f"{summary['run_s'] / B:.3g} s/sample"], [], []
        if B == target_batch:
            fields.update(_single_runs(base, n, duration_ms, n_single, target_batch, dtype, seed))
            fields["batch_vs_single_runs"] = summary["run_s"] / fields["single_runs_equivalent_s"]
            notes.append(
                f"{n_single} batch-1 runs {fields['single_runs_total_s']:.3g} s "
                f"(ratio {fields['batch_vs_single_runs']:.3g})"
            )
            targets.append(
                target(
                    f"batch {B}: run time / {target_batch} one-thread batch-1 runs",
                    fields["batch_vs_single_runs"],
                    SINGLE_RUNS_TARGET,
                    "<=",
                    "x",
                )
            )
            if n == 4000:
                comparisons, value = _vs_brian2(
                    summary, B, duration_ms, target_batch, references, reference_repeats, seed
                )
                fields["vs_brian2_cpp_runs"] = value
                targets.append(
                    target(f"batch {B}: run time / {target_batch} Brian2 cpp_standalone runs", value, 0.4, "<=", "x")
                )
        records.append(
            record(
                NAME,
                f"B={B} T={float(duration_ms):g}ms",
                params,
                **fields,
                notes=notes,
                comparisons=comparisons,
                targets=targets,
            )
        )
    return records
