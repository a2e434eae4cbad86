"""Per-synapse delays (the accumulation ring) against per-source delays (the queue) on CUBA, one process.

Issue 11's target: per-synapse delays cost at most 1.3x per-source delays on
CUBA. Both networks are :func:`simcore.builtin.cuba` at ``n`` neurons with the
same delays (``--delay`` ms, one step by default), built with every
projection's ``delay_per`` set to ``"source"`` and to ``"synapse"``; each runs
``--ms`` of model time on one thread, alternating between the two ``--repeats``
times. Printed: the median CPU time of each and the median of the per-pair
ratios synapse/source, with ``os.getloadavg()`` (the machine is shared).

With ``--spread`` the delays are drawn uniformly in ``[delay, delay + spread]``
ms, per source for the queue and per synapse for the ring (a different
network, the same distribution): the case the ring exists for.

Run: ``python -m benchmarks.delay_layout [--n 4000] [--ms 1000] [--repeats 15] [--delay 0.1] [--spread 0]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

from benchmarks.timing import TimedNetwork

LAYOUTS = ("source", "synapse")


def cuba_with(layout: str, n: int, delay: float, spread: float):
    """CUBA at ``n`` with every projection's delays per ``layout`` (uniform in ``[delay, delay + spread]`` ms)."""
    from simcore.base.distributions import Uniform
    from simcore.builtin import cuba

    net = cuba(n, record=False, delay=delay)
    for proj in net.projections:
        proj.delay_per = layout
        if spread > 0:
            proj.delay = Uniform(delay, delay + spread)
    return net


def compare(n: int = 4000, ms: float = 1000.0, repeats: int = 15, delay: float = 0.1, spread: float = 0.0) -> dict:
    """Interleaved runs of both layouts; medians of CPU times and of the per-pair ratios."""
    nets = {layout: TimedNetwork(cuba_with(layout, n, delay, spread), seed=1, threads=1) for layout in LAYOUTS}
    for _ in range(repeats):
        for layout in LAYOUTS:
            nets[layout].run_once(ms)
    cpu = {layout: [r["cpu_s"] for r in nets[layout].runs] for layout in LAYOUTS}
    ratios = [s / q for q, s in zip(cpu["source"], cpu["synapse"])]
    return {
        "n": n,
        "ms": ms,
        "repeats": repeats,
        "delay_ms": delay,
        "spread_ms": spread,
        "cpu_source_s": statistics.median(cpu["source"]),
        "cpu_synapse_s": statistics.median(cpu["synapse"]),
        "ratio_of_medians": statistics.median(cpu["synapse"]) / statistics.median(cpu["source"]),
        "median_ratio": statistics.median(ratios),
        "ratios": ratios,
        "spikes": {layout: nets[layout].runs[-1]["spikes"] for layout in LAYOUTS},
        "loadavg": os.getloadavg(),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--ms", type=float, default=1000.0)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--spread", type=float, default=0.0)
    args = parser.parse_args(argv)
    print("loadavg before", os.getloadavg())
    out = compare(args.n, args.ms, args.repeats, args.delay, args.spread)
    print(json.dumps(out, default=float))


if __name__ == "__main__":
    main()
