"""Case ``rank_build``: the build peak of rank 0 of a Brunel network split over R ranks (docs/scaling.md).

Not in :data:`benchmarks.cases.CASES`; run it alone::

    python -m benchmarks.cases.rank_build [scale] [ranks ...]

For each rank count, two fresh processes build rank 0's part in float32 (after a small warm-up build that loads
every build kernel): ``part``, inside :func:`simcore.base.parts.building_part` (what ``simcore.ranks`` does), and
``whole``, the whole network then :func:`simcore.ranks.keep_rank_synapses` (what it did before). Each prints the
peak RSS above its baseline (Linux's resettable peak), tracemalloc's peak, the kept synapse arrays and the
build time. Memory figures do not depend on the machine's load; the build times do.
"""

from __future__ import annotations

import os
import subprocess
import sys

NAME = "rank_build"


def worker(mode: str, rank: int, n_ranks: int, scale: float) -> dict:
    """One build in this process: ``{"peak_rss_mb", "traced_peak_mb", "synapse_mb", "nnz", "build_s"}``."""
    import gc
    import time
    import tracemalloc

    from benchmarks.machine import peak_rss_bytes, reset_peak_rss
    from simcore import ranks
    from simcore.base.parts import building_part
    from simcore.builtin import brunel

    def rss() -> int:
        with open("/proc/self/status", encoding="ascii") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS"))

    brunel(0.01, record=False).build(seed=1, dtype="float32")
    with building_part(0, 2):
        brunel(0.01, record=False).build(seed=1, dtype="float32")
    gc.collect()
    base, resettable = rss(), reset_peak_rss()
    tracemalloc.start()
    t0 = time.perf_counter()
    if mode == "part":
        with building_part(rank, n_ranks):
            net = brunel(scale, record=False).build(seed=1, dtype="float32")
    else:
        net = brunel(scale, record=False).build(seed=1, dtype="float32")
        if n_ranks > 1:
            ranks.keep_rank_synapses(net, rank, n_ranks)
    seconds = time.perf_counter() - t0
    traced = tracemalloc.get_traced_memory()[1]
    synapses = sum(p.indices.nbytes + p.weights.nbytes for p in net.projections)
    mb = 2.0**20
    return {
        "mode": mode,
        "ranks": n_ranks,
        "peak_rss_mb": round((peak_rss_bytes() - base) / mb, 1) if resettable else None,
        "traced_peak_mb": round(traced / mb, 1),
        "synapse_mb": round(synapses / mb, 1),
        "nnz": int(net.n_synapses),
        "build_s": round(seconds, 2),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list) -> None:
    scale = float(argv[0]) if argv else 1.0
    counts = [int(a) for a in argv[1:]] or [1, 2, 3]
    for n_ranks in counts:
        for mode in ("part", "whole"):
            call = f"c.worker({mode!r}, 0, {n_ranks}, {scale})"
            code = f"import json, benchmarks.cases.rank_build as c; print(json.dumps({call}))"
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
