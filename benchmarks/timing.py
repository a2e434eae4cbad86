"""Timing spikesim networks: the protocol every simulator's loop follows.

1. build (``build_s``: ``net.build``: connectivity, initial state, buffers);
2. warm up (``compile_s``: ``net.warmup()`` generates the network's kernel and
   compiles it or loads it from Numba's cache, without stepping);
3. ``repeats`` timed runs of the same duration, each from the same state
   (``net.reset()`` between them redraws the initial state from the seed and
   empties the delay queues, keeping the connectivity, so every repeat is the
   same simulation); ``run_s`` is the median of the stepping loop's time
   (``net.last_run["seconds"]``), with the minimum and all runs beside it.

The reference simulators follow the same three steps (their modules say
how); ``threads`` says how many threads the loop used: at batch ``B`` Numba
splits the samples over ``min(B, numba.get_num_threads())`` threads.

Spikes are counted by one :class:`simcore.PopulationRateMonitor` per
population (an int per step and sample); ``run_cpu_s`` is the median CPU
time of this process during a run (at one thread, well below ``run_s``
means other processes took the core).
"""

from __future__ import annotations

import statistics
import time

import numpy as np


def check_repeats(repeats) -> int:
    """``repeats`` as an int >= 1, else ValueError."""
    if not isinstance(repeats, (int, np.integer)) or isinstance(repeats, bool) or repeats < 1:
        raise ValueError(f"repeats must be an int >= 1; got {repeats!r}")
    return int(repeats)


class TimedNetwork:
    """A built, warmed-up network whose runs are timed (module docstring).

    ``net`` is not yet built; ``batch_size``, ``dt``, ``seed``, ``dtype`` go
    to :meth:`simcore.Network.build` (``dt`` in ms). With ``count_spikes`` a
    PopulationRateMonitor is added to every spiking population that has none.
    ``threads`` goes to the warm-up and every :meth:`simcore.Network.run` (``None``:
    the network's default, every core; a batch-1 network then splits into shards).
    """

    def __init__(
        self,
        net,
        *,
        batch_size: int = 1,
        dt: float = 0.1,
        seed: int = 1,
        dtype="float64",
        count_spikes: bool = True,
        threads: int | None = None,
    ):
        import simcore as sc

        self.net = net
        if count_spikes:
            watched = {id(m.population) for m in net.monitors if isinstance(m, sc.PopulationRateMonitor)}
            for pop in list(net.populations):
                if pop.spiking and id(pop) not in watched:
                    net.add(sc.PopulationRateMonitor(pop, name=f"bench_rate_{pop.name}"))
        self.rate_monitors = [m for m in net.monitors if isinstance(m, sc.PopulationRateMonitor)]
        t0 = time.perf_counter()
        net.build(batch_size=batch_size, dt=dt, seed=seed, dtype=dtype)
        self.build_s = time.perf_counter() - t0
        self.compile_s = net.warmup(threads=threads)
        self.batch_size, self.dt, self.run_threads = batch_size, dt, threads
        self.runs: list[dict] = []

    @property
    def n_neurons(self) -> int:
        """Neurons of every population."""
        return sum(p.n for p in self.net.populations)

    def threads(self) -> int:
        """Threads the stepping loop uses: ``threads`` when given, else ``min(batch, numba.get_num_threads())``.

        (Without ``threads``, ``run`` splits a batch smaller than the cores
        into shards, :mod:`simcore.base.shards`, so a batch-1 run may use
        more threads than this says; the cases that compare one thread with
        one thread pass ``threads=1``.)
        """
        import numba

        if self.run_threads is not None:
            return int(self.run_threads)
        return int(min(self.batch_size, numba.get_num_threads()))

    def run_once(self, duration_ms: float, out=None) -> dict:
        """Reset (after the first run), run ``duration_ms`` once; returns that run's figures.

        ``seconds`` is the stepping loop (``last_run``), ``wall_s`` the whole
        ``run`` call (with ``out``: opening, writing and closing the file).
        """
        from simcore.builtin import synaptic_events

        net = self.net
        if net.t > 0:
            net.reset()
        for m in net.monitors:
            if hasattr(m, "reset"):
                m.reset()
        events0 = synaptic_events(net)
        c0, t0 = time.process_time(), time.perf_counter()
        if out is None:
            net.run(duration_ms, threads=self.run_threads)
        else:
            net.run(duration_ms, out=out, overwrite=True, threads=self.run_threads)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        spikes = sum(int(m.counts.sum()) for m in self.rate_monitors) if self.rate_monitors else None
        run = {
            "seconds": float(net.last_run["seconds"]),
            "wall_s": wall,
            "cpu_s": cpu,
            "steps": int(net.last_run["steps"]),
            "spikes": spikes,
            "events": synaptic_events(net) - events0,
        }
        self.runs.append(run)
        return run

    def summary(self, duration_ms: float, *, key: str = "seconds") -> dict:
        """Median run time (of ``key``) over the runs so far and the figures of the standard record."""
        if not self.runs:
            raise RuntimeError("no run yet; call run_once first")
        times = [r[key] for r in self.runs]
        run_s = float(statistics.median(times))
        last = self.runs[-1]
        spikes, n, B = last["spikes"], self.n_neurons, self.batch_size
        return {
            "build_s": self.build_s,
            "build_internal_s": float(self.net.build_seconds),
            "compile_s": float(self.compile_s),
            "run_s": run_s,
            "run_s_min": float(min(times)),
            "run_s_all": times,
            "repeats": len(times),
            "threads": self.threads(),
            "run_cpu_s": float(statistics.median(r["cpu_s"] for r in self.runs)),
            "steps": last["steps"],
            "spikes": spikes,
            "mean_rate_hz": None if spikes is None else spikes / (n * B * duration_ms / 1000.0),
            "synaptic_events": last["events"],
            "events_per_s": last["events"] / run_s if run_s > 0 else None,
            "n_neurons": n,
            "n_synapses": int(self.net.n_synapses),
            "spikes_identical_across_repeats": len({r["spikes"] for r in self.runs}) == 1,
        }


def time_network(
    net,
    duration_ms: float,
    *,
    repeats: int = 3,
    batch_size: int = 1,
    dt: float = 0.1,
    seed: int = 1,
    dtype="float64",
    threads: int | None = None,
) -> tuple[dict, TimedNetwork]:
    """Build, warm up and run ``net`` ``repeats`` times (``threads`` as in ``Network.run``); returns
    (summary, TimedNetwork)."""
    tn = TimedNetwork(net, batch_size=batch_size, dt=dt, seed=seed, dtype=dtype, threads=threads)
    for _ in range(check_repeats(repeats)):
        tn.run_once(duration_ms)
    return tn.summary(duration_ms), tn
