"""Case ``cobahh``: Brette et al. (2007) benchmark 3 (Brian2's COBAHH), batch 1, against Brian2 and NEST."""

from __future__ import annotations

from benchmarks.cases.coba import run_network

NAME = "cobahh"

#: sizes of the full mode
FULL = {"n": 4000, "duration_ms": 1000.0, "repeats": 3, "references": ("brian2_cpp_standalone", "nest")}

#: sizes of the quick mode (NEST's RK45 takes about 35 s per simulated second of COBAHH on one thread)
QUICK = {"n": 4000, "duration_ms": 200.0, "repeats": 2, "references": ("brian2_cpp_standalone", "nest")}

#: speed-ups reported as targets (none is set by the issue for COBAHH; COBA's are used as the yardstick)
GOALS = {"brian2_cpp_standalone": ("Brian2 cpp_standalone", 2.0), "nest": ("NEST (1 thread)", 5.0)}


def run(
    n: int = 4000,
    duration_ms: float = 1000.0,
    repeats: int = 3,
    references=("brian2_cpp_standalone", "nest"),
    bare: bool = False,
    dtype: str = "float64",
    seed: int = 1,
) -> list[dict]:
    """:func:`simcore.builtin.cobahh` at batch 1; one record, the references at ``n = 4000`` only."""
    from simcore.builtin import cobahh

    return run_network(
        NAME,
        cobahh,
        GOALS,
        n=n,
        duration_ms=duration_ms,
        repeats=repeats,
        references=references,
        bare=bare,
        dtype=dtype,
        seed=seed,
    )
