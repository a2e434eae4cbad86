"""Where a windowed sharded step goes: time in the parallel region against the serial join (docs/scaling.md).

::

    python -m benchmarks.threads_breakdown [scale] [duration_ms] [threads] [repeats] [shards]

Brunel at ``scale``, batch 1, cut into ``shards`` shards (default: ``threads``) run on ``threads`` threads
(the windowed layout of :mod:`simcore.base.codegen`; 2 shards on 1 thread give the work of the split
kernel without any waiting). The kernel is generated as ``Network.run`` generates it, with a clock read
(``clock_gettime(CLOCK_MONOTONIC)`` through ctypes, callable from Numba) before the parallel region, after it
and after the join of each window; it prints per window and per step: wall time in the region, wall time in
the join, the process's CPU time, and the load average. Linux and macOS only (``clock_gettime``).
"""

from __future__ import annotations

import ctypes
import os
import statistics
import sys
import time
import warnings

import numba
import numpy as np
from numba import njit
from numba.core.errors import NumbaWarning

from simcore.base.codegen import KernelBuilder

_libc = ctypes.CDLL(None)
_clock_gettime = _libc.clock_gettime
_clock_gettime.argtypes = [ctypes.c_int, ctypes.c_void_p]
_clock_gettime.restype = ctypes.c_int
CLOCK_MONOTONIC = 1


@njit(cache=False)
def clock_ns(ts):
    """Monotonic clock in ns, read into ``ts`` (an ``(2,)`` int64 scratch array) from jitted code."""
    _clock_gettime(CLOCK_MONOTONIC, ts.ctypes.data)
    return ts[0] * 1_000_000_000 + ts[1]


class TimedBuilder(KernelBuilder):
    """A builder whose windowed kernel adds the region's and the join's wall time to ``prof`` (ns, windows)."""

    def __init__(self, dt: float, shards: int, window: int):
        super().__init__(dt, shards=shards, window=window)
        self.prof = np.zeros(3, dtype=np.int64)  # region ns, join ns, windows
        self.ts = np.zeros(2, dtype=np.int64)
        # named before any code is written: the kernel's parameters are listed before its body is generated
        self._timing = (self.func(clock_ns, "clock_ns"), self.arg(self.ts, "prof_ts"), self.arg(self.prof, "prof"))

    def _window_body(self) -> str:
        body = super()._window_body()
        clock, ts, prof = self._timing
        marks = (
            ("        for job in prange(", f"        t_a = {clock}({ts})\n"),
            ("        for t in range(tw, tw_end):\n            for sample", f"        t_b = {clock}({ts})\n"),
            (
                "        tw = tw_end\n",
                f"        t_c = {clock}({ts})\n        {prof}[0] += t_b - t_a\n        {prof}[1] += t_c - t_b\n"
                f"        {prof}[2] += 1\n",
            ),
        )
        for mark, line in marks:
            if body.count(mark) != 1:
                raise RuntimeError(f"the windowed kernel's text changed: {mark!r} not found once")
            body = body.replace(mark, line + mark)
        return body


def timed_kernel(net, shards: int):
    """The windowed kernel of the built ``net`` on ``shards`` shards, timed: ``(kernel, args, builder)``."""
    from simcore.base.shards import window_steps

    window = window_steps(net.projections, shards)
    if window < 2:
        raise ValueError(f"this network gets no windowed layout on {shards} shards (window {window})")
    kb = TimedBuilder(net.ctx.dt, shards, window)
    for comp in net._in_emit_order():
        comp.emit(kb)
    return kb.compile(parallel=True), kb.arg_values, kb


def measure(net, kernel, args, kb, duration_ms: float, threads: int) -> dict:
    """One run of ``duration_ms`` from step 0 with the timed kernel: wall, CPU, region and join seconds."""
    net.reset()
    for mon in net.monitors:
        mon.reset()
    kb.prof[:] = 0
    steps = int(round(duration_ms / net.ctx.dt))
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    pos = np.zeros(net.ctx.batch_size, dtype=np.int64)
    cpu, wall, base = time.process_time(), time.perf_counter(), 0
    try:
        while base < steps:
            end = min(base + net.chunk_steps, steps)
            kernel(pos, base, end, *args)
            base = end
    finally:
        numba.set_num_threads(previous)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "region_s": kb.prof[0] * 1e-9,
        "join_s": kb.prof[1] * 1e-9,
        "windows": int(kb.prof[2]),
        "steps": steps,
    }


def main(scale: float = 1.0, duration_ms: float = 1000.0, threads: int = 2, repeats: int = 3, shards=None) -> list:
    import simcore as sc
    from simcore.builtin import brunel

    net = brunel(scale, record=False)
    for pop in list(net.populations):
        net.add(sc.PopulationRateMonitor(pop, name=f"bench_rate_{pop.name}"))
    net.build(seed=1)
    with warnings.catch_warnings():  # the clock is a ctypes pointer: this kernel cannot be cached, it is compiled
        warnings.simplefilter("ignore", NumbaWarning)
        kernel, args, kb = timed_kernel(net, threads if shards is None else shards)
        measure(net, kernel, args, kb, net.ctx.dt * 10, threads)  # compile
    runs = [measure(net, kernel, args, kb, duration_ms, threads) for _ in range(repeats)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(
        f"brunel scale {scale:g}, {duration_ms:g} ms, {kb.shards} shards on {threads} threads, "
        f"window {kb.window} steps "
        f"({med['windows']:.0f} windows): wall {med['wall_s']:.3f} s, CPU {med['cpu_s']:.3f} s; "
        f"parallel region {med['region_s']:.3f} s ({med['region_s'] / med['windows'] * 1e6:.1f} us per window, "
        f"{med['region_s'] / med['steps'] * 1e6:.1f} us per step), join {med['join_s']:.3f} s "
        f"({med['join_s'] / med['steps'] * 1e6:.2f} us per step); load average {os.getloadavg()}"
    )
    return runs


if __name__ == "__main__":
    args = sys.argv[1:]
    kinds = (float, float, int, int, int)
    main(*(kind(a) for kind, a in zip(kinds, args)))
