"""Case ``penalty``: the batch penalty on one thread, CUBA and Brunel at scale 0.2 (issue 16).

Time per sample of one batch of ``batch`` samples against ``batch`` single
runs of the same network, both on one thread, interleaved in one process
(:func:`benchmarks.batch_penalty.measure`). The target: a batch costs at most
what its samples cost alone (``<= 1.0x``). Beside the figure, the bounds the
issue asks for: bytes of the population pass per neuron-step, and the events
per second of a whole step against the bare CSR loop on the same sizes.
"""

from __future__ import annotations

from benchmarks.records import record, target

NAME = "penalty"

#: sizes of the full mode: (case, duration in ms) pairs
FULL = {"runs": (("cuba", 1000.0), ("brunel", 250.0)), "batch": 64, "repeats": 3}

#: sizes of the quick mode
QUICK = {"runs": (("cuba", 250.0), ("brunel", 50.0)), "batch": 16, "repeats": 2}

#: issue 16: time per sample in a batch at most this times a batch of one (one thread)
PENALTY_TARGET = 1.0


def run(runs=FULL["runs"], batch: int = 64, repeats: int = 3) -> list[dict]:
    """One record per network: per-sample wall and CPU time of the batch against single runs, one thread."""
    from benchmarks.batch_penalty import measure

    records = []
    for case, duration_ms in runs:
        r = measure(case, int(batch), float(duration_ms), int(repeats), threads=1)
        rows = {row["config"]: row for row in r["rows"]}
        one, many = rows["B=1 1 thread"], rows[f"B={batch} 1 thread"]
        label = "cuba n=4000" if case == "cuba" else "brunel scale=0.2"
        notes = [
            f"per sample: B=1 {one['wall_per_sample_s']:.4g} s, B={batch} {many['wall_per_sample_s']:.4g} s "
            f"(CPU {many['cpu_vs_B1']:.3f}x)",
            f"bounds: {r['walked_bytes_per_neuron_step']:.0f} B walked per neuron-step, "
            f"{one['ns_per_neuron_step']:.2f} ns per neuron-step at B=1; "
            f"{one['events_per_s_per_sample']:.3g} events/s against "
            f"{r['bare_csr_events_per_s']:.3g} in the bare CSR loop",
        ]
        records.append(
            record(
                NAME,
                f"{label} B={batch} T={duration_ms:g}ms",
                {"case": case, "batch": int(batch), "duration_ms": float(duration_ms), "repeats": int(repeats)},
                run_s=many["wall_per_sample_s"] * batch,
                run_s_per_sample=many["wall_per_sample_s"],
                single_run_s=one["wall_per_sample_s"],
                penalty_wall=many["wall_vs_B1"],
                penalty_cpu=many["cpu_vs_B1"],
                walked_bytes_per_neuron_step=r["walked_bytes_per_neuron_step"],
                ns_per_neuron_step=one["ns_per_neuron_step"],
                events_per_s=one["events_per_s_per_sample"],
                bare_csr_events_per_s=r["bare_csr_events_per_s"],
                threads=1,
                repeats=int(repeats),
                notes=notes,
                targets=[
                    target(
                        f"{label}: time per sample at B={batch} / B=1, one thread",
                        many["wall_vs_B1"],
                        PENALTY_TARGET,
                        "<=",
                        "x",
                    )
                ],
            )
        )
    return records
