"""Batch penalty before and after the staggered placement, in one process (issue 16).

``python -m benchmarks.batch_placement --case cuba --batch 64 --duration 1000 --repeats 3``

Four networks, one thread each: batch 1 and batch ``--batch``, each with its
arrays placed as before (``np.zeros``: every large array at the same offset
in its page) and as now (:func:`simcore.base.layout.staggered`). Per repeat,
every network runs ``--batch`` samples' worth (``--batch`` single runs, or one
batch run), alternating; printed are the medians of the process CPU time
per sample and the ratios. The placement changes no result.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _plain(shape, dtype, slot):
    """The placement before: ``np.zeros`` (``slot`` ignored)."""
    import numpy as np

    return np.zeros(shape, dtype)


def _networks(case: str, batch: int) -> dict:
    import neurons.population as population
    import synapses.delays as delays
    from simcore.base.layout import staggered
    from simcore.builtin import brunel, cuba

    nets = {}
    try:
        for name, B in (("B=1 before", 1), ("B=1 now", 1), (f"B={batch} before", batch), (f"B={batch} now", batch)):
            population.staggered = delays.staggered = _plain if name.endswith("before") else staggered
            net = cuba(record=False) if case == "cuba" else brunel(0.2, record=False)
            net.build(batch_size=B, seed=1)
            net.run(steps=1, threads=1)
            nets[name] = net
    finally:
        population.staggered = delays.staggered = staggered
    return nets


def measure(case: str, batch: int, duration: float, repeats: int) -> dict:
    """Medians of CPU seconds per sample of the four networks (module docstring)."""
    nets = _networks(case, batch)
    cpu = {k: [] for k in nets}
    for _ in range(repeats):
        for name, net in nets.items():
            total = 0.0
            for _ in range(batch if net.ctx.batch_size == 1 else 1):
                net.reset()
                c0 = time.process_time()
                net.run(duration, threads=1)
                total += time.process_time() - c0
            cpu[name].append(total / batch)
    return {k: statistics.median(v) for k, v in cpu.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch_placement", description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=("cuba", "brunel"), default="cuba", help="cuba, or brunel at scale 0.2")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--duration", type=float, default=1000.0, help="ms per run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if args.batch < 2 or args.repeats < 1 or args.duration <= 0:
        parser.error("--batch must be >= 2, --repeats >= 1 and --duration > 0")
    med = measure(args.case, args.batch, args.duration, args.repeats)
    b = args.batch
    print(f"{args.case}  {args.duration:g} ms  {args.repeats} repeats  one thread  load average {os.getloadavg()}")
    for name, s in med.items():
        print(f"  {name:14s} CPU per sample {s:.5f} s")
    before = med[f"B={b} before"] / med["B=1 before"]
    now = med[f"B={b} now"] / med["B=1 now"]
    print(f"  B={b} / B=1 per sample: before {before:.3f}x, now {now:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
