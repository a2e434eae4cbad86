"""Case ``threads``: one Brunel network, batch 1, on 1 and on K threads (shards, docs/scaling.md).

Not in :data:`benchmarks.cases.CASES` (its list is fixed by the runner's tests); run it alone::

    python -m benchmarks.cases.threads [scale] [duration_ms] [repeats] [threads ...]

Each thread count runs ``repeats`` times from step 0 (``reset``) after a
compile run; the record gives the median stepping time per count, the
speed-up of each count over one thread (within one process, one after the
other, so the ratio shares the machine's load) and whether every count gave
the same spikes.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from benchmarks.records import record, target

NAME = "threads"
FULL = {"scale": 1.0, "duration_ms": 1000.0, "repeats": 3, "threads": (1, 2)}
QUICK = {"scale": 0.2, "duration_ms": 200.0, "repeats": 3, "threads": (1, 2)}


def time_threads(net, duration_ms: float, threads: int, repeats: int) -> tuple[list, int, list]:
    """Stepping seconds of ``repeats`` runs on ``threads`` threads, the spike count (the same every run), and the
    process's CPU seconds of each run (every thread's, waiting included where a thread spins)."""
    net.run(0.1, threads=threads)  # compile (or load) the kernel of this shard count
    times, spikes, cpu = [], set(), []
    for _ in range(repeats):
        net.reset()
        for mon in net.monitors:
            mon.reset()
        c0 = time.process_time()
        net.run(duration_ms, threads=threads)
        cpu.append(time.process_time() - c0)
        times.append(net.last_run["seconds"])
        spikes.add(sum(int(m.counts.sum()) for m in net.monitors))
    if len(spikes) != 1:
        raise RuntimeError(f"repeats on {threads} threads gave different spike counts {spikes}")
    return times, spikes.pop(), cpu


def run(
    scale: float = 1.0,
    duration_ms: float = 1000.0,
    repeats: int = 3,
    threads=(1, 2),
    seed: int = 1,
    dtype: str = "float64",
) -> list[dict]:
    """Brunel at ``scale`` for ``duration_ms`` on each thread count; one record."""
    import simcore as sc
    from simcore.builtin import brunel

    net = brunel(scale, record=False)
    for pop in list(net.populations):
        net.add(sc.PopulationRateMonitor(pop, name=f"bench_rate_{pop.name}"))
    net.build(seed=seed, dtype=dtype)
    medians, spikes, cpu, windows = {}, {}, {}, {}
    for k in threads:
        times, spikes[k], cpus = time_threads(net, duration_ms, k, repeats)
        medians[k], cpu[k], windows[k] = statistics.median(times), statistics.median(cpus), net.window
    base = medians[threads[0]]
    speedups = {k: base / medians[k] for k in threads}
    best = threads[-1]
    targets = [
        target(f"brunel scale {scale:g}: {best} threads, {duration_ms:g} ms", medians[best], 1.0, "<=", "s"),
        target(f"brunel scale {scale:g}: {best} threads vs {threads[0]}", speedups[best], 1.7, ">=", "x"),
    ]
    params = {
        "scale": scale,
        "duration_ms": duration_ms,
        "batch": 1,
        "dtype": dtype,
        "seed": seed,
        "repeats": repeats,
        "threads": list(threads),
    }
    notes = [
        f"load average {os.getloadavg()[0]:.2f} at the end",
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, threading layer {_layer()}",
        f"same spikes on every count: {len(set(spikes.values())) == 1}",
    ]
    return [
        record(
            NAME,
            f"scale={scale:g} T={duration_ms:g}ms",
            params,
            run_s=medians[best],
            threads=best,
            run_s_by_threads={str(k): v for k, v in medians.items()},
            cpu_s_by_threads={str(k): v for k, v in cpu.items()},
            window_by_threads={str(k): v for k, v in windows.items()},
            speedup_by_threads={str(k): v for k, v in speedups.items()},
            spikes=spikes[best],
            notes=notes,
            targets=targets,
        )
    ]


def _layer() -> str:
    """Numba's threading layer once a parallel kernel ran (``?`` before)."""
    import numba

    try:
        return numba.threading_layer()
    except ValueError:
        return "?"


if __name__ == "__main__":
    args = sys.argv[1:]
    sizes = dict(FULL)
    for key, value in zip(("scale", "duration_ms", "repeats"), args[:3]):
        sizes[key] = type(FULL[key])(value)
    if len(args) > 3:
        sizes["threads"] = tuple(int(a) for a in args[3:])
    for rec in run(**sizes):
        keys = ("label", "run_s_by_threads", "cpu_s_by_threads", "speedup_by_threads", "window_by_threads", "spikes")
        print({k: rec[k] for k in keys + ("notes",)})
        for tg in rec["targets"]:
            print(f"  {tg['name']}: {tg['value']:.3f} {tg['op']} {tg['threshold']} -> {tg['passed']}")
