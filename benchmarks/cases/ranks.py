"""Case ``ranks``: one Brunel network, batch 1, split over 1 and over R MPI ranks (simcore.ranks, docs/scaling.md).

Not in :data:`benchmarks.cases.CASES` (its list is fixed by the runner's tests); run it alone::

    python -m benchmarks.cases.ranks [scale] [duration_ms] [repeats] [ranks ...]

Each repeat launches ``mpiexec -n R`` once per rank count, the counts interleaved (1, R, 1, R, ...) so that
they share the machine's load; a launch builds the network, compiles (or loads) its kernel with a 0.1 ms run,
goes back to step 0 and times one run of ``duration_ms``; its time is the slowest rank's stepping time
(exchanges included). The record gives the median per count, the speed-up over the first count and whether
every launch gave the same spikes.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

NAME = "ranks"
FULL = {"scale": 1.0, "duration_ms": 1000.0, "repeats": 3, "ranks": (1, 2)}


def worker(scale: float, duration_ms: float, seed: int = 1) -> None:
    """One launch (every rank): build, compile, reset, one timed run; rank 0 prints a JSON line."""
    from mpi4py import MPI

    import simcore as sc
    from simcore import ranks
    from simcore.builtin import brunel

    comm = MPI.COMM_WORLD
    net = brunel(scale, record=False)
    for pop in list(net.populations):
        net.add(sc.PopulationRateMonitor(pop, name=f"bench_rate_{pop.name}"))
    ranks.run(net, 0.1, seed=seed)  # build, split, compile (or load from the cache)
    net.reset()
    for mon in net.monitors:
        mon.reset()
    cpu = time.process_time()
    merged = ranks.run(net, duration_ms)
    cpu = time.process_time() - cpu
    state = getattr(net, "_rank_run", None)
    mine = (net.last_run["seconds"], state.exchange_seconds if state else 0.0, state.exchanges if state else 0, cpu)
    every = comm.gather(mine, root=0)  # (stepping s, exchange s, exchanges, CPU s of the run)
    if comm.Get_rank() == 0:
        spikes = int(sum(int(res["counts"].sum()) for res in merged.values()))
        print(
            "RESULT "
            + json.dumps(
                {
                    "ranks": comm.Get_size(),
                    "seconds": max(e[0] for e in every),
                    "exchange_s": [e[1] for e in every],
                    "cpu_s": [e[3] for e in every],
                    "exchanges": every[0][2],
                    "spikes": spikes,
                }
            ),
            flush=True,
        )


def launch(n_ranks: int, scale: float, duration_ms: float) -> dict:
    """One ``mpiexec -n n_ranks`` launch of :func:`worker`; its result."""
    beside = Path(sys.executable).parent / "mpiexec"
    mpiexec = str(beside) if beside.exists() else shutil.which("mpiexec")
    cmd = [mpiexec, "-n", str(n_ranks), sys.executable, "-m", "mpi4py", "-m", "benchmarks.cases.ranks"]
    proc = subprocess.run(cmd + ["--worker", str(scale), str(duration_ms)], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"mpiexec -n {n_ranks} failed:\n{proc.stdout}\n{proc.stderr}")


def run(scale: float = 1.0, duration_ms: float = 1000.0, repeats: int = 3, ranks=(1, 2)) -> dict:
    """Medians per rank count over ``repeats`` interleaved launches, speed-ups over ``ranks[0]``."""
    times = {r: [] for r in ranks}
    spikes, loads, exchange, cpu = set(), [], {}, {r: [] for r in ranks}
    for _ in range(repeats):
        for r in ranks:
            res = launch(r, scale, duration_ms)
            times[r].append(res["seconds"])
            spikes.add(res["spikes"])
            exchange[r] = res["exchange_s"]
            cpu[r].append(max(res["cpu_s"]))
            loads.append(os.getloadavg()[0])
    medians = {r: statistics.median(v) for r, v in times.items()}
    return {
        "label": f"brunel scale={scale:g} T={duration_ms:g}ms",
        "seconds_by_ranks": times,
        "median_s": medians,
        "speedup": {r: medians[ranks[0]] / medians[r] for r in ranks},
        "same_spikes": len(spikes) == 1,
        "spikes": sorted(spikes),
        "last_exchange_s_per_rank": exchange,
        "cpu_s_busiest_rank": cpu,
        "load_average_1min": loads,
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--worker":
        worker(float(args[1]), float(args[2]))
        sys.exit(0)
    sizes = dict(FULL)
    for key, value in zip(("scale", "duration_ms", "repeats"), args[:3]):
        sizes[key] = type(FULL[key])(value)
    if len(args) > 3:
        sizes["ranks"] = tuple(int(a) for a in args[3:])
    print(json.dumps(run(**sizes), indent=1))
