"""Event delivery of the engine against the bare CSR loop on the same arrays.

The engine path is the real one: each step, ``queue_deliver`` (phase 2) walks
the CSR rows of the spikes due, then ``queue_emit`` (phase 5) enters the
step's spikes into the delay queue. The bound is ``bare_csr.deliver_csr``,
a loop with no queue at all. Both get the same CSR arrays (uint32 targets,
as the engine stores them) and the same spike schedule (delay 1 for the
engine, so it delivers one step later: the last step's spikes are not
counted, and events are compared per second).

Run: ``python -m benchmarks.delivery [--n 12500] [--k 1250] [--rate 0.0037] [--steps 2000]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from numba import njit

from benchmarks.bare_csr import deliver_csr, random_csr, spike_schedule
from synapses.kernels.queue import queue_deliver, queue_emit


@njit(cache=True)
def engine_delivery(
    indptr,
    indices,
    weights,
    step_ptr,
    sources,
    spike_idx,
    spike_val,
    spike_cnt,
    delay,
    q_src,
    q_val,
    q_cnt,
    buf,
    delivered,
):
    """Steps of phase 2 (deliver) and phase 5 (emit) of one projection, sample 0."""
    for t in range(step_ptr.shape[0] - 1):
        queue_deliver(0, t, q_src, q_val, q_cnt, indptr, indices, weights, buf, delivered)
        n = 0
        for q in range(step_ptr[t], step_ptr[t + 1]):
            spike_idx[0, n] = sources[q]
            n += 1
        spike_cnt[0] = n
        queue_emit(0, t, spike_idx, spike_val, spike_cnt, delay, q_src, q_val, q_cnt)


def delivery_vs_bare(
    n: int = 12500,
    k: int = 1250,
    rate_per_step: float = 0.0037,
    steps: int = 2000,
    dtype=np.float32,
    repeats: int = 5,
    seed: int = 0,
) -> dict:
    """Events per second of the engine's queue path and of the bare loop; their ratio."""
    indptr, indices, weights = random_csr(n, n, k, dtype=dtype, seed=seed)
    indices = indices.astype(np.uint32)
    step_ptr, sources = spike_schedule(n, rate_per_step, steps, seed=seed + 1)
    per_step = int(np.diff(step_ptr).max(initial=0))
    if per_step > n:
        raise ValueError(f"more spikes in a step ({per_step}) than sources ({n})")
    spike_idx = np.zeros((1, n), np.int32)
    spike_val = np.ones((1, n), dtype)
    spike_cnt = np.zeros(1, np.int64)
    delay = np.ones(n, np.int64)
    q_src = np.zeros((2, 1, n), np.int32)
    q_val = np.zeros((2, 1, n), dtype)
    q_cnt = np.zeros((2, 1), np.int64)
    buf_e = np.zeros((1, n), dtype)
    buf_b = np.zeros(n, dtype)
    delivered = np.zeros(1, np.int64)

    def engine():
        q_cnt[...] = 0
        delivered[...] = 0
        engine_delivery(
            indptr,
            indices,
            weights,
            step_ptr,
            sources,
            spike_idx,
            spike_val,
            spike_cnt,
            delay,
            q_src,
            q_val,
            q_cnt,
            buf_e,
            delivered,
        )
        return int(delivered[0])

    def bare():
        return int(deliver_csr(indptr, indices, weights, step_ptr, sources, buf_b))

    engine(), bare()  # compile / load
    times = {"engine": [], "bare": []}
    events = {}
    for _ in range(repeats):
        for name, fn in (("engine", engine), ("bare", bare)):
            t0 = time.perf_counter()
            events[name] = fn()
            times[name].append(time.perf_counter() - t0)
    rate = {name: events[name] / float(np.median(times[name])) for name in times}
    return {
        "benchmark": "delivery",
        "n": n,
        "k_out": k,
        "rate_per_step": rate_per_step,
        "steps": steps,
        "dtype": np.dtype(dtype).name,
        "engine_events_per_s": rate["engine"],
        "bare_events_per_s": rate["bare"],
        "ratio": rate["engine"] / rate["bare"],
        "engine_events": events["engine"],
        "bare_events": events["bare"],
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.delivery", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=12500)
    p.add_argument("--k", type=int, default=1250)
    p.add_argument("--rate", type=float, default=0.0037, help="spike probability per source per step")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    args = p.parse_args(argv)
    r = delivery_vs_bare(args.n, args.k, args.rate, args.steps, np.dtype(args.dtype))
    print(json.dumps(r))
    print(
        f"engine {r['engine_events_per_s']:.3e} events/s, bare loop {r['bare_events_per_s']:.3e}: "
        f"ratio {r['ratio']:.2f} (target >= 0.5)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
