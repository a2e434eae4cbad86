"""The memory bound of the plastic kernel's walk over the synapses into spiking targets (``on_post``).

The ``plastic`` case at scale 1 has 10 M excitatory-to-excitatory synapses
with float64 weights (80 MB) and about 33 excitatory spikes per step, each
target with about 1000 incoming synapses whose weights lie one per source row:
about 33 000 weights per step at scattered positions. This loop does only
that: per step, 33 targets, for each the clipped update
``w = min(max(w + x[i], 0), 0.2)`` of 1000 weights at random positions of one
row per source, in ascending source order (as the transposed index gives
them), with and without the kernel's prefetch (:mod:`synapses.kernels.prefetch`),
on a weight array of ``--synapses`` entries and on one small enough for the
L3 cache. Printed: CPU time per step and per synapse, and ``os.getloadavg()``.

Run: ``python -m benchmarks.plastic_walk [--synapses 10000000] [--small 500000] [--steps 200]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from numba import njit

from synapses.kernels.prefetch import prefetch_2d

#: spiking targets per step and synapses into each (the plastic case at scale 1: 33 Hz, 1000 inputs)
TARGETS_PER_STEP, IN_DEGREE, SOURCES = 33, 1000, 10000


@njit(cache=True)
def walk(w, x, cols, srcs, steps, ahead):
    """``steps`` steps of :data:`TARGETS_PER_STEP` column walks over ``cols`` (rows: targets), prefetching ``ahead``."""
    n_cols, k_in = cols.shape
    for t in range(steps):
        first = t * TARGETS_PER_STEP
        for c in range(first, first + TARGETS_PER_STEP):
            col = c % n_cols
            for m in range(min(ahead, k_in)):
                prefetch_2d(w, 0, cols[col, m])
            for m in range(k_in):
                if m + ahead < k_in:
                    prefetch_2d(w, 0, cols[col, m + ahead])
                k = cols[col, m]
                w[0, k] = min(max(w[0, k] + x[srcs[col, m]], 0.0), 0.2)


def measure(n_syn: int, steps: int, ahead: int, repeats: int = 3, seed: int = 0) -> float:
    """Least CPU seconds per step of :func:`walk` on ``n_syn`` weights (400 distinct target columns)."""
    rng = np.random.default_rng(seed)
    row = n_syn // SOURCES
    w, x = np.full((1, n_syn), 0.1), rng.random(SOURCES) * 1e-6
    srcs = np.sort(rng.integers(0, SOURCES, (400, IN_DEGREE)), axis=1)
    cols = (srcs * row + rng.integers(0, row, srcs.shape)).astype(np.uint32)
    walk(w, x, cols, srcs, 2, ahead)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        walk(w, x, cols, srcs, steps, ahead)
        best = min(best, time.process_time() - t0)
    return best / steps


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synapses", type=int, default=10_000_000)
    parser.add_argument("--small", type=int, default=500_000)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args(argv)
    per_step = TARGETS_PER_STEP * IN_DEGREE
    for n_syn in (args.synapses, args.small):
        for ahead in (0, 24):
            s = measure(n_syn, args.steps, ahead)
            print(
                f"{n_syn} weights ({n_syn * 8 / 2**20:.0f} MiB), prefetch {ahead:2d}: "
                f"{s * 1e6:.0f} us per step, {s / per_step * 1e9:.2f} ns per synapse"
            )
    print("loadavg", os.getloadavg())


if __name__ == "__main__":
    main()
