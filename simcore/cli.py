"""The ``spikesim`` command: ``run`` a built-in network, ``info`` and ``plot`` a recording.

Every error is one line on stderr and exit code 2 (``--debug`` shows the
traceback instead). Before a run the command prints an estimate of its steps,
memory and output size, and refuses what cannot fit in memory or would take
absurdly many steps. Nothing kept in memory grows with the run's length: the
monitors stream to the file and the spike count comes from what they stream.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

from monitors.cli import report_error

#: the networks of simcore.builtin.NETWORKS, named here so that ``spikesim info`` starts without the engine
NETWORK_NAMES = ("cuba", "brunel", "coba", "cobahh")

#: refuse runs of more steps than this (int32 step counters, and about a day of wall time)
MAX_STEPS = 2**31 - 1
#: refuse runs whose memory estimate exceeds this fraction of the available memory
MEMORY_FRACTION = 0.8
#: events buffered per sample by a SpikeMonitor (monitors.spike.DEFAULT_BUFFER_EVENTS), 13 bytes each
_SPIKE_BUFFER_EVENTS = 1 << 22
#: guessed mean rates (Hz) of the built-in networks, for the output size estimate
_RATE_GUESS = {"cuba": 20.0, "brunel": 40.0}


def _add_run(sub) -> None:
    p = sub.add_parser("run", help=f"run a built-in network ({', '.join(NETWORK_NAMES)}) and record it to HDF5")
    p.add_argument("network", choices=NETWORK_NAMES)
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
    p.add_argument(
        "--ranks",
        choices=("mpi",),
        default=None,
        help="split the network over the ranks of 'mpiexec -n R' (simcore.ranks; needs mpi4py); rank 0 prints "
        "and writes the one output file",
    )
    p.set_defaults(func=cmd_run)


def _finite(value: float, flag: str, minimum: float, strict: bool) -> float:
    ok = math.isfinite(value) and (value > minimum if strict else value >= minimum)
    if not ok:
        raise ValueError(f"{flag} must be a finite number {'>' if strict else '>='} {minimum:g}; got {value!r}")
    return value


def _check_args(args) -> None:
    """Validate the numeric flags (ValueError naming the flag) before any work."""
    _finite(args.duration, "--duration", 0.0, strict=False)
    _finite(args.dt, "--dt", 0.0, strict=True)
    _finite(args.scale, "--scale", 0.0, strict=True)
    if args.batch < 1:
        raise ValueError(f"--batch must be an int >= 1; got {args.batch}")
    if args.network == "brunel" and round(2500 * args.scale) < 1:
        raise ValueError(f"--scale {args.scale!r} gives no neuron; use --scale >= {1 / 2500:g}")


def _sizes(args) -> tuple[int, int, int]:
    """Neurons, synapses and the longest delay in steps of the network ``args`` asks for."""
    if args.network == "cuba":
        n = 4000
        return n, int(n * n * 0.02), max(1, round(0.1 / args.dt))
    order = int(round(2500 * args.scale))
    n = 5 * order
    return n, int(n * (0.4 * order + 0.1 * order)), max(1, round(1.5 / args.dt))


def estimate(args) -> dict:
    """Steps, memory (bytes) and output size (bytes) of the run ``args`` asks for."""
    steps = int(round(args.duration / args.dt))
    n, syn, delay = _sizes(args)
    item = 4 if args.dtype == "float32" else 8
    B = args.batch
    memory = syn * 16 + n * B * item * 12 + 2 * (delay + 1) * n * B * item
    if not args.no_record:
        memory += 2 * max(2 * n * B, _SPIKE_BUFFER_EVENTS) * 13  # two SpikeMonitors' buffers
    rate = _RATE_GUESS[args.network]
    spikes = n * B * rate * args.duration / 1000.0
    output = 0 if args.no_record else int(spikes * (16 + (4 if B > 1 else 0)) + steps * 2 * (8 * B + 8))
    return {
        "steps": steps,
        "neurons": n,
        "synapses": syn,
        "memory_bytes": int(memory),
        "output_bytes": output,
        "rate_guess_hz": rate,
    }


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} TB"


def _refuse(est: dict, args) -> None:
    """Raise ValueError when the run would take absurdly many steps or cannot fit in memory."""
    if est["steps"] > MAX_STEPS:
        raise ValueError(
            f"--duration {args.duration:g} ms at --dt {args.dt:g} ms is {est['steps']:.3g} steps, "
            f"more than the {MAX_STEPS} a run may take; use a larger --dt or a shorter --duration"
        )
    avail = _available_memory()
    if avail is not None and est["memory_bytes"] > MEMORY_FRACTION * avail:
        raise MemoryError(
            f"the run needs about {_size(est['memory_bytes'])} of memory but only "
            f"{_size(avail)} is available; use a smaller --batch or --scale, or a larger --dt"
        )


class _SpikeCounter:
    """A monitor sink that counts the spikes streamed by the monitors (nothing kept)."""

    def __init__(self):
        self.spikes = 0

    def write_spikes(self, mon, block) -> None:
        self.spikes += len(block)

    def write_states(self, mon, steps, block) -> None:
        """States are not counted."""

    def write_rates(self, mon, steps, counts) -> None:
        """Rates are not counted (the SpikeMonitors give every spike)."""

    def write_block(self, mon, item, values) -> None:
        """Blocks of other monitors are not counted."""


def _warn_progress(args) -> None:
    if not args.progress:
        return
    try:
        import tqdm  # noqa: F401
    except ImportError:
        print(
            "spikesim: warning: --progress needs tqdm (pip install tqdm); running without a progress bar",
            file=sys.stderr,
        )


def cmd_run(args) -> int:
    """``spikesim run NETWORK``: build, run and record a built-in network; print a summary."""
    from monitors.sonata import check_writable

    from .builtin import NETWORKS, synaptic_events

    _check_args(args)
    out = None if args.no_record else (args.out or f"{args.network}.h5")
    if out is not None:
        check_writable(out, args.overwrite)
    est = estimate(args)
    _refuse(est, args)
    if not args.json:
        print(
            f"estimate: {est['steps']} steps, memory ~{_size(est['memory_bytes'])}"
            + ("" if out is None else f", output ~{_size(est['output_bytes'])} (at ~{est['rate_guess_hz']:g} Hz)"),
            flush=True,
        )
    _warn_progress(args)
    kwargs = {"scale": args.scale} if args.network == "brunel" else {}
    net = NETWORKS[args.network](record=not args.no_record, keep_in_memory=False, **kwargs)
    counter = _SpikeCounter()
    for mon in net.monitors:  # stream only: nothing grows with the run's length
        mon.keep_in_memory = False
        mon.sinks.append(counter)
    t0 = time.perf_counter()
    net.build(batch_size=args.batch, dt=args.dt, seed=args.seed, dtype=args.dtype)
    build_s = time.perf_counter() - t0
    if args.ranks == "mpi":
        return _run_ranks(args, net, counter, out, build_s)
    compile_s = net.warmup()
    net.run(args.duration, out=out, overwrite=args.overwrite, progress=args.progress)
    _summary(args, net, counter, out, build_s, compile_s, synaptic_events(net))
    return 0


def _run_ranks(args, net, counter, out, build_s) -> int:
    """``--ranks mpi``: the run split over the MPI ranks (simcore.ranks); counts summed over ranks, rank 0 prints."""
    from mpi4py import MPI

    from . import ranks
    from .builtin import synaptic_events

    comm = MPI.COMM_WORLD
    ranks.run(net, args.duration, out=out, overwrite=args.overwrite, comm=comm)
    state = getattr(net, "_rank_run", None)
    compile_s = state.compile_seconds if state is not None else 0.0
    counter.spikes = comm.allreduce(counter.spikes)
    events, synapses = comm.allreduce(synaptic_events(net)), comm.allreduce(net.n_synapses)
    net.last_run["seconds"] = comm.allreduce(net.last_run["seconds"], op=MPI.MAX)
    if comm.Get_rank() == 0:
        _summary(args, net, counter, out, build_s, compile_s, events, synapses=synapses)
    return 0


def _summary(args, net, counter, out, build_s, compile_s, events, synapses=None) -> None:
    run_s = net.last_run["seconds"]
    spikes = None if args.no_record else counter.spikes
    n = sum(p.n for p in net.populations)
    seconds = net.last_run["steps"] * args.dt / 1000.0
    rate = None if spikes is None or seconds <= 0 else spikes / (n * args.batch * seconds)
    summary = {
        "network": args.network,
        "neurons": n,
        "synapses": net.n_synapses if synapses is None else synapses,
        "batch": args.batch,
        "duration_ms": args.duration,
        "dt_ms": args.dt,
        "dtype": args.dtype,
        "seed": args.seed,
        "spikes": spikes,
        "mean_rate_hz": rate,
        "build_s": round(build_s, 3),
        "compile_s": round(compile_s, 3),
        "run_s": round(run_s, 4),
        "synaptic_events": events,
        "events_per_s": events / run_s if run_s > 0 else None,
        "out": out,
    }
    if args.json:
        print(json.dumps(summary))
        return
    print(
        f"{args.network}: {n} neurons, {summary['synapses']} synapses, batch {args.batch}, "
        f"{args.duration:g} ms at dt = {args.dt:g} ms ({args.dtype}, seed {args.seed})"
    )
    if spikes is not None:
        print(f"  spikes {spikes}, mean rate " + ("- (no time ran)" if rate is None else f"{rate:.2f} Hz"))
    print(f"  build {build_s:.2f} s, compile/load {compile_s:.2f} s, run {run_s:.3f} s (wall)")
    eps = summary["events_per_s"]
    print(f"  synaptic events {events:.3e}, " + ("-" if eps is None else f"{eps:.3e}") + " events/s")
    if out:
        print(f"  recorded to {out}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spikesim", description="spikesim: batched spiking network simulator")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error (anywhere on the command line)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    from monitors.cli import register

    register(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line ``argv``; every error is one line on stderr and exit code 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (Exception, MemoryError, KeyboardInterrupt) as exc:  # noqa: BLE001 - the CLI's last word
        return report_error("spikesim", exc, debug)


if __name__ == "__main__":
    sys.exit(main())
