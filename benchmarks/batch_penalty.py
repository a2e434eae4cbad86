"""Batch penalty: time per sample in a batch against a batch of one, in one process (issue 16).

``python -m benchmarks.batch_penalty --case cuba --batch 64 --duration 1000 --repeats 5``

Builds the network at batch 1 and at ``--batch``, warms both, then, per
repeat, makes ``--batch`` single runs of the batch-1 network and one run of the
batch (``reset()`` before each run: the same work, interleaved) and reports
medians of the wall time and of the process CPU time per sample, their ratio
to the single runs, and the load average. CPU time counts only this process's threads, so on a shared
machine it is the steadier figure. With ``--threads 2`` it adds the batch on
two threads against ``batch`` runs of one sample on one thread (the issue's
"batch 64 at most 0.55x the time of 64 single runs"), and against single
runs on as many threads (each sample split into shards).

Bounds printed beside the figures: the bytes of the ``(B, N)`` arrays the
population pass walks per neuron and step (read and written once each), the
time per neuron-step, and the synaptic events per second against the bare
CSR loop of :mod:`benchmarks.bare_csr` on the same sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _make(case: str, n: int):
    from simcore.builtin import brunel, cuba

    if case == "cuba":
        return cuba(n, record=False)
    return brunel(0.2, record=False)


def _walked_bytes_per_neuron(net) -> float:
    """Bytes of the per-neuron arrays one population step reads and writes (state, receptors, spike flag)."""
    total, neurons = 0, 0
    for pop in net.populations:
        rt = pop.runtime
        arrays = [*rt.state.values(), *rt.receptors.values(), rt.spike_flag]
        total += 2 * sum(a.itemsize for a in arrays) * pop.n
        neurons += pop.n
    return total / max(neurons, 1)


def _timed(net, duration: float, threads: int, runs: int) -> tuple[float, float, int]:
    """Seconds (wall, CPU) and synaptic events of ``runs`` runs of ``duration`` ms, each after ``reset()``."""
    from simcore.builtin import synaptic_events

    wall = cpu = events = 0
    for _ in range(runs):
        net.reset()
        e0 = synaptic_events(net)
        c0, t0 = time.process_time(), time.perf_counter()
        net.run(duration, threads=threads)
        wall, cpu = wall + time.perf_counter() - t0, cpu + time.process_time() - c0
        events += synaptic_events(net) - e0
    return wall, cpu, events


def measure(case: str, batch: int, duration: float, repeats: int, threads: int, n: int = 4000) -> dict:
    """Interleaved runs of every configuration; medians per sample (module docstring); ``n``: CUBA's size."""
    configs = {"B=1 1 thread": (1, 1), f"B={batch} 1 thread": (batch, 1)}
    if threads > 1:
        configs[f"B=1 {threads} threads"] = (1, threads)  # a single run split into shards (simcore.base.shards)
        configs[f"B={batch} {threads} threads"] = (batch, threads)
    nets = {}
    for name, (B, thr) in configs.items():
        net = _make(case, n)
        net.build(batch_size=B, seed=1)
        net.run(steps=1, threads=thr)
        nets[name] = net
    wall = {k: [] for k in nets}
    cpu = {k: [] for k in nets}
    events = {}
    for _ in range(repeats):
        for name, net in nets.items():
            B, thr = configs[name]
            runs = batch if B == 1 else 1  # as many single runs as the batch has samples: the same work
            w, c, e = _timed(net, duration, thr, runs)
            wall[name].append(w / batch)
            cpu[name].append(c / batch)
            events[name] = e / batch
    one = "B=1 1 thread"
    out = {"case": case, "duration_ms": duration, "repeats": repeats, "load_average": os.getloadavg(), "rows": []}
    net1 = nets[one]
    n = sum(p.n for p in net1.populations)
    steps = int(round(duration / net1.ctx.dt))
    for name in nets:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        out["rows"].append(
            {
                "config": name,
                "wall_per_sample_s": w,
                "cpu_per_sample_s": c,
                "wall_vs_B1": w / statistics.median(wall[one]),
                "cpu_vs_B1": c / statistics.median(cpu[one]),
                "ns_per_neuron_step": 1e9 * w / (n * steps),
                "events_per_s_per_sample": events[name] / w,
            }
        )
    if threads > 1:
        pair = [statistics.median(wall[f"B={b} {threads} threads"]) for b in (batch, 1)]
        out["batch_vs_single_runs_same_threads"] = pair[0] / pair[1]
    out["walked_bytes_per_neuron_step"] = _walked_bytes_per_neuron(net1)
    out["bare_csr_events_per_s"] = _bare(net1, events[one], duration)
    return out


def _bare(net, events: float, duration: float) -> float | None:
    """Events per second of the bare CSR loop on this network's sizes and measured rate."""
    from benchmarks.bare_csr import bare_delivery_rate

    n = sum(p.n for p in net.populations)
    k_out = int(round(net.n_synapses / n))
    steps = int(round(duration / net.ctx.dt))
    rate_per_step = min(1.0, events / max(net.n_synapses, 1) / steps)
    dtype = next(iter(net.populations)).runtime.spike_flag.dtype.type
    return bare_delivery_rate(n, n, k_out, rate_per_step, min(steps, 10000), dtype=dtype, repeats=3)["events_per_s"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch_penalty", description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=("cuba", "brunel"), default="cuba", help="cuba, or brunel at scale 0.2")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--duration", type=float, default=1000.0, help="ms per run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="also run the batch on this many threads")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.repeats < 1 or args.threads < 1 or args.duration <= 0:
        parser.error("--batch, --repeats and --threads must be >= 1 and --duration > 0")
    r = measure(args.case, args.batch, args.duration, args.repeats, args.threads)
    print(f"{r['case']}  {r['duration_ms']:g} ms  {r['repeats']} repeats  load average {r['load_average']}")
    for row in r["rows"]:
        print(
            f"  {row['config']:16s} per sample: wall {row['wall_per_sample_s']:.4f} s ({row['wall_vs_B1']:.3f}x B=1)"
            f"  cpu {row['cpu_per_sample_s']:.4f} s ({row['cpu_vs_B1']:.3f}x)  {row['ns_per_neuron_step']:.1f} ns"
            f"/neuron-step  {row['events_per_s_per_sample']:.3g} events/s"
        )
    if "batch_vs_single_runs_same_threads" in r:
        ratio = r["batch_vs_single_runs_same_threads"]
        print(f"  batch / single runs, both on {args.threads} threads (wall): {ratio:.3f}x")
    print(
        f"  bounds: {r['walked_bytes_per_neuron_step']:.0f} B walked per neuron-step;"
        f" bare CSR loop {r['bare_csr_events_per_s']:.3g} events/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
