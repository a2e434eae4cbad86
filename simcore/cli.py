"""The ``spikesim`` command: ``run`` a built-in network, ``info`` and ``plot`` a recording."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run a built-in network (cuba, brunel) and record it to HDF5")
    p.add_argument("network", choices=("cuba", "brunel"))
    p.add_argument("--duration", type=float, default=1000.0, metavar="MS", help="model time in ms (1000)")
    p.add_argument("--batch", type=int, default=1, metavar="B", help="samples stepped together (1)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (1)")
    p.add_argument("--dt", type=float, default=0.1, metavar="MS", help="time step in ms (0.1)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float64")
    p.add_argument("--scale", type=float, default=1.0, help="brunel: network scale (1.0 = 12 500 neurons)")
    p.add_argument("--out", default=None, metavar="FILE", help="HDF5 output (default: <network>.h5)")
    p.add_argument("--no-record", action="store_true", help="record nothing (timing only)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--progress", action="store_true", help="progress bar (needs tqdm)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_run)


def cmd_run(args) -> int:
    from .builtin import NETWORKS, synaptic_events

    out = None if args.no_record else (args.out or f"{args.network}.h5")
    if out is not None and not args.overwrite and os.path.exists(out):
        raise FileExistsError(f"recording file {out!r} already exists; pass --overwrite to replace it")
    kwargs = {"scale": args.scale} if args.network == "brunel" else {}
    net = NETWORKS[args.network](record=not args.no_record, keep_in_memory=False, **kwargs)
    t0 = time.perf_counter()
    net.build(batch_size=args.batch, dt=args.dt, seed=args.seed, dtype=args.dtype)
    build_s = time.perf_counter() - t0
    compile_s = net.warmup()
    net.run(args.duration, out=out, overwrite=args.overwrite, progress=args.progress)
    run_s = net.last_run["seconds"]
    spikes = sum(int(np.sum(m.counts)) for m in net.monitors if type(m).__name__ == "PopulationRateMonitor") \
        if not args.no_record else None
    n = sum(p.n for p in net.populations)
    events = synaptic_events(net)
    summary = {
        "network": args.network, "neurons": n, "synapses": net.n_synapses, "batch": args.batch,
        "duration_ms": args.duration, "dt_ms": args.dt, "dtype": args.dtype, "seed": args.seed,
        "spikes": spikes,
        "mean_rate_hz": None if spikes is None else spikes / (n * args.batch * args.duration / 1000.0),
        "build_s": round(build_s, 3), "compile_s": round(compile_s, 3), "run_s": round(run_s, 4),
        "synaptic_events": events, "events_per_s": events / run_s if run_s > 0 else float("nan"),
        "out": out,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{args.network}: {n} neurons, {summary['synapses']} synapses, batch {args.batch}, "
              f"{args.duration:g} ms at dt = {args.dt:g} ms ({args.dtype}, seed {args.seed})")
        if spikes is not None:
            print(f"  spikes {spikes}, mean rate {summary['mean_rate_hz']:.2f} Hz")
        print(f"  build {build_s:.2f} s, compile/load {compile_s:.2f} s, run {run_s:.3f} s (wall)")
        print(f"  synaptic events {events:.3e}, {summary['events_per_s']:.3e} events/s")
        if out:
            print(f"  recorded to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spikesim", description="spikesim: batched spiking network simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    from monitors.cli import register

    register(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileExistsError, FileNotFoundError) as exc:
        print(f"spikesim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
