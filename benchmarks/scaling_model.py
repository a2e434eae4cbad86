r"""The scaling model of docs/scaling.md ("A scaling model"): its formulas, the measurements that fit its
constants on this machine, and its predictions.

Model (one bio second of model time, step ``dt``, spikes exchanged every ``d_min``)::

    T(R)      = T_comp(R) + T_comm(R)
    T_comp(R) = c_step * S  +  c_n * (N / R) * S  +  c_s * E / R     S = 1 s / dt steps, E = N * nu * K events
    T_comm(R) = X * [alpha * ceil(log2 R) + beta * b * s_x * (R - 1) / R]
              X = 1 s / d_min exchanges, s_x = N * nu * d_min spikes per exchange, b bytes per spike

``c_step`` is the per-step cost that does not shrink with the network (the Python chunk loop, the phase
calls, a barrier), ``c_n`` the cost of one neuron for one step (its state update and its share of the
Poisson drive), ``c_s`` the cost of one synaptic event (one weight added to one target). ``alpha`` and
``beta`` are the latency and the inverse bandwidth of an allgather (recursive doubling: ``ceil(log2 R)``
rounds; every rank receives the other ranks' spikes).

Measure (each prints one JSON line per measurement and the fit; ``os.getloadavg()`` beside)::

    python -m benchmarks.scaling_model compute [duration_ms] [repeats]   # c_step, c_n, c_s: Brunel scales
    OMP_WAIT_POLICY=passive python -m benchmarks.scaling_model threads [repeats]   # 1 vs 2 threads, c_sync
    mpiexec -n 2 python -m benchmarks.scaling_model comm                # alpha, beta: ping-pong, allgather
    mpiexec -n 3 python -m benchmarks.scaling_model comm                # allgather on 3 ranks
    mpiexec -n R python -m benchmarks.scaling_model batch [scale] [batch] [duration_ms]   # R = 1, 2, 3
    NUMBA_NUM_THREADS=1 mpiexec -n R python -m benchmarks.scaling_model bptt   # data-parallel BPTT step
    python -m benchmarks.scaling_model predict c_step c_n c_s alpha beta # the table of docs/scaling.md
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time

import numpy as np

#: bytes per exchanged spike: int32 neuron index + int32 step offset (docs/scaling.md)
SPIKE_BYTES = 8


def exchange_volume(n_neurons: float, rate_hz: float, d_min_ms: float, ranks: int, spike_bytes: int = SPIKE_BYTES):
    """Spikes per exchange network-wide ``s_x = N nu d_min`` and the bytes each rank receives per exchange,
    ``b s_x (R - 1) / R`` (an allgather: every rank gets every other rank's spikes)."""
    spikes = n_neurons * rate_hz * d_min_ms * 1e-3
    return spikes, spike_bytes * spikes * (ranks - 1) / ranks


def exchanges_per_second(d_min_ms: float) -> float:
    """Exchanges per second of model time: ``1 / d_min``."""
    return 1e3 / d_min_ms


def predict(
    *,
    n_neurons: float,
    in_degree: float,
    rate_hz: float,
    ranks: int,
    c_step: float,
    c_n: float,
    c_s: float,
    alpha: float,
    beta: float,
    dt_ms: float = 0.1,
    d_min_ms: float = 1.5,
) -> dict:
    """Seconds of wall time per second of model time on ``ranks`` ranks (module docstring), by term."""
    steps = 1e3 / dt_ms
    events = n_neurons * rate_hz * in_degree
    spikes, received = exchange_volume(n_neurons, rate_hz, d_min_ms, ranks)
    rounds = math.ceil(math.log2(ranks)) if ranks > 1 else 0
    comm = exchanges_per_second(d_min_ms) * (alpha * rounds + beta * received) if ranks > 1 else 0.0
    parts = {
        "step": c_step * steps,
        "neurons": c_n * n_neurons / ranks * steps,
        "synapses": c_s * events / ranks,
        "comm": comm,
    }
    parts["total"] = sum(parts.values())
    parts["spikes_per_exchange"] = spikes
    parts["bytes_received_per_exchange"] = received
    return parts


def fit_linear(columns: list, y: list, relative: bool = False, nonnegative: bool = False) -> list:
    """Least-squares coefficients of ``y ~ sum_j coef_j * columns[j]``; ``relative`` minimises the relative
    residuals ``(model - y) / y`` instead (message times span three decades: small messages fix ``alpha``);
    ``nonnegative`` keeps every coefficient >= 0 (scipy's NNLS)."""
    A = np.column_stack([np.asarray(c, float) for c in columns])
    y = np.asarray(y, float)
    if relative:
        A, y = A / y[:, None], np.ones_like(y)
    if nonnegative:
        from scipy.optimize import nnls

        return [float(c) for c in nnls(A, y)[0]]
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return [float(c) for c in coef]


def _emit(row: dict) -> None:
    row["loadavg"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(row), flush=True)


# ---------------------------------------------------------------------------------------------- measurements


def measure_compute(duration_ms: float = 500.0, repeats: int = 3, scales=(0.1, 0.25, 0.5, 1.0)) -> list:
    """Brunel on one thread at several scales (the in-degree grows with the scale, so neuron-steps and
    events are not proportional and ``c_n``, ``c_s`` separate); CPU seconds of the process (one thread, so
    the time a loaded machine's scheduler gives to others is not counted), medians of ``repeats``; fit of
    the model with non-negative coefficients."""
    import simcore as sc
    from simcore.builtin import brunel, synaptic_events

    rows = []
    for scale in scales:
        net = brunel(scale, record=False)
        net.add(sc.PopulationRateMonitor(net.population("exc"), name="rate"))
        net.build(seed=1)
        net.run(0.1, threads=1)  # compile or load
        times, events = [], set()
        for _ in range(repeats):
            net.reset()
            for m in net.monitors:
                m.reset()
            before = synaptic_events(net)
            cpu0 = time.process_time()
            net.run(duration_ms, threads=1)
            times.append(time.process_time() - cpu0)  # CPU seconds: what other jobs on the cores do not inflate
            events.add(synaptic_events(net) - before)
        n = sum(p.n for p in net.populations)
        row = {
            "what": "compute",
            "scale": scale,
            "neurons": n,
            "steps": int(round(duration_ms / 0.1)),
            "events": max(events),
            "seconds": statistics.median(times),
            "all_seconds": times,
        }
        _emit(row)
        rows.append(row)
    coef = fit_linear(
        [[r["steps"] for r in rows], [r["neurons"] * r["steps"] for r in rows], [r["events"] for r in rows]],
        [r["seconds"] for r in rows],
        relative=True,
        nonnegative=True,
    )
    _emit({"what": "compute_fit", "c_step": coef[0], "c_n": coef[1], "c_s": coef[2]})
    return rows


def measure_threads(scales=(0.02, 1.0), duration_ms: float = 1000.0, repeats: int = 3, threads=(1, 2)) -> None:
    """Brunel, batch 1, on 1 and 2 threads, runs interleaved (1, 2, 1, 2, ...) so that both counts share the
    machine's load; wall seconds, medians. On a tiny network (scale 0.02: 250 neurons) the per-step work is
    small and ``(t_K - t_1 / K) / steps`` is the synchronisation cost ``c_sync`` of one step on ``K``
    threads (the parallel region's fork and barrier); the model of ``K`` threads is then
    ``t_K = t_1 / K + steps * c_sync``. Set ``OMP_WAIT_POLICY=passive`` before Python starts to measure
    sleeping rather than spinning waiters (docs/scaling.md)."""
    import simcore as sc
    from simcore.builtin import brunel

    for scale in scales:
        net = brunel(scale, record=False)
        net.add(sc.PopulationRateMonitor(net.population("exc"), name="rate"))
        net.build(seed=1)
        for k in threads:
            net.run(0.1, threads=k)  # compile or load each shard count
        times = {k: [] for k in threads}
        for _ in range(repeats):
            for k in threads:
                net.reset()
                for m in net.monitors:
                    m.reset()
                net.run(duration_ms, threads=k)
                times[k].append(net.last_run["seconds"])
        med = {k: statistics.median(v) for k, v in times.items()}
        steps = int(round(duration_ms / 0.1))
        base = threads[0]
        _emit(
            {
                "what": "threads",
                "scale": scale,
                "duration_ms": duration_ms,
                "seconds": med,
                "all_seconds": times,
                "speedup": {k: med[base] / med[k] for k in threads},
                "sync_per_step_s": {k: (med[k] - med[base] / k) / steps for k in threads if k != base},
                "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            }
        )


def measure_comm(sizes=(8, 64, 512, 4096, 32768, 262144, 1048576), repeats: int = 200) -> None:
    """Ping-pong between ranks 0 and 1 (half the round trip) and ``Allgather`` over all ranks, per message
    size in bytes; then ``t = alpha + beta * bytes`` fitted to each (rank 0 prints)."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    pp, ag = [], []
    for nbytes in sizes:
        buf = np.zeros(nbytes, np.uint8)
        out = np.empty(nbytes * size, np.uint8)
        reps = max(10, repeats if nbytes <= 32768 else repeats // 10)
        if size >= 2 and rank < 2:
            peer = 1 - rank
            samples = []
            for _ in range(3):
                t0 = MPI.Wtime()
                for _ in range(reps):
                    if rank == 0:
                        comm.Send(buf, peer)
                        comm.Recv(buf, peer)
                    else:
                        comm.Recv(buf, peer)
                        comm.Send(buf, peer)
                samples.append((MPI.Wtime() - t0) / reps / 2)
            pp.append((nbytes, min(samples)))
        comm.Barrier()
        samples = []
        for _ in range(3):
            comm.Barrier()
            t0 = MPI.Wtime()
            for _ in range(reps):
                comm.Allgather(buf, out)
            samples.append((MPI.Wtime() - t0) / reps)
        ag.append((nbytes, min(samples)))
    if rank == 0:
        for name, rows in (("pingpong", pp), ("allgather", ag)):
            if not rows:
                continue
            for nbytes, t in rows:
                _emit({"what": name, "ranks": size, "bytes": nbytes, "seconds": t})
            alpha, beta = fit_linear([[1.0] * len(rows), [b for b, _ in rows]], [t for _, t in rows], relative=True)
            _emit({"what": f"{name}_fit", "ranks": size, "alpha_s": alpha, "beta_s_per_byte": beta})


def measure_batch(scale: float = 0.2, batch: int = 6, duration_ms: float = 300.0, repeats: int = 3) -> None:
    """``run_batch_parallel`` of Brunel (``batch`` samples over the ranks, one thread each): wall seconds of the
    call on rank 0 after a warm-up run, median of ``repeats``."""
    from mpi4py import MPI

    from simcore.builtin import brunel
    from simcore.mpi import run_batch_parallel

    def build():
        return brunel(scale, record=True)

    comm = MPI.COMM_WORLD
    run_batch_parallel(build, 1.0, batch_size=batch, seed=1, threads=1)  # compile or load
    times = []
    for _ in range(repeats):
        comm.Barrier()
        t0 = time.perf_counter()
        res = run_batch_parallel(build, duration_ms, batch_size=batch, seed=1, threads=1)
        times.append(time.perf_counter() - t0)
    if comm.Get_rank() == 0:
        spikes = sum(len(r["steps"]) for k, r in res.items() if k.startswith("spikes_"))
        _emit(
            {
                "what": "batch_parallel",
                "ranks": comm.Get_size(),
                "scale": scale,
                "batch": batch,
                "duration_ms": duration_ms,
                "seconds": statistics.median(times),
                "all_seconds": times,
                "spikes": spikes,
            }
        )


def measure_bptt(batch: int = 16, T: int = 200, steps: int = 5) -> None:
    """Data-parallel BPTT (``DataParallel.train_step``) of a DelayNet-sized model (40 inputs, 125 recurrent LIF
    neurons with delays, 2 readouts; 2.1e4 parameters), global batch ``batch`` of ``T`` steps: wall seconds
    per step on rank 0 after a warm-up step (median of ``steps``) and of ``allreduce_gradients`` alone."""
    from mpi4py import MPI

    from simcore.grad import Adam, LIFLayer, ReadoutLayer, SNN
    from simcore.mpi import DataParallel, allreduce_gradients

    comm = MPI.COMM_WORLD
    layer = LIFLayer(40, 125, delays=np.repeat([1, 8, 12], [42, 42, 41]), self_connections=False, seed=0)
    model = SNN([layer], ReadoutLayer(125, 2, seed=1), dt=1.0, dtype=np.float32, surrogate="clamp_ramp")
    dp = DataParallel(model, Adam(model.parameters(), lr=1e-3))
    rng = np.random.default_rng(0)
    x = (rng.random((T, batch, 40)) < 0.05).astype(np.float32)
    labels = np.arange(batch) % 2
    dp.train_step(x, labels)  # compile or load
    step_s, reduce_s = [], []
    for _ in range(steps):
        comm.Barrier()
        t0 = time.perf_counter()
        dp.train_step(x, labels)
        step_s.append(time.perf_counter() - t0)
        grads = {k: np.zeros_like(v) for k, v in model.parameters().items()}
        comm.Barrier()
        t0 = time.perf_counter()
        allreduce_gradients(grads, comm)
        reduce_s.append(time.perf_counter() - t0)
    if comm.Get_rank() == 0:
        _emit(
            {
                "what": "bptt_data_parallel",
                "ranks": comm.Get_size(),
                "batch": batch,
                "T": T,
                "parameters": int(sum(v.size for v in model.parameters().values())),
                "step_s": statistics.median(step_s),
                "allreduce_s": statistics.median(reduce_s),
                "all_step_s": step_s,
            }
        )


def print_predictions(c_step: float, c_n: float, c_s: float, alpha: float, beta: float) -> None:
    """The 10^6-neuron, 10^9-synapse predictions (K = 1000, nu = 10 Hz and 37.8 Hz) on 1, 64 and 1024 ranks,
    and weak scaling at 15 625 neurons per rank (the 64-rank load) on 64, 1024 and 82 944 ranks."""
    for rate in (10.0, 37.8):
        for ranks in (1, 64, 1024):
            p = predict(
                n_neurons=1e6,
                in_degree=1e3,
                rate_hz=rate,
                ranks=ranks,
                c_step=c_step,
                c_n=c_n,
                c_s=c_s,
                alpha=alpha,
                beta=beta,
            )
            _emit({"what": "predict", "rate_hz": rate, "ranks": ranks, **{k: float(v) for k, v in p.items()}})
    for ranks in (64, 1024, 82944):  # weak scaling: 15 625 neurons (1.56e7 synapses) per rank, 10 Hz
        p = predict(
            n_neurons=15_625 * ranks,
            in_degree=1e3,
            rate_hz=10.0,
            ranks=ranks,
            c_step=c_step,
            c_n=c_n,
            c_s=c_s,
            alpha=alpha,
            beta=beta,
        )
        _emit({"what": "predict_weak", "rate_hz": 10.0, "ranks": ranks, **{k: float(v) for k, v in p.items()}})


def main(argv: list) -> None:
    what, args = argv[0], argv[1:]
    if what == "compute":
        measure_compute(*(float(a) if i == 0 else int(a) for i, a in enumerate(args)))
    elif what == "threads":
        measure_threads(repeats=int(args[0]) if args else 3)
    elif what == "comm":
        measure_comm()
    elif what == "batch":
        kinds = (float, int, float, int)
        measure_batch(*(k(a) for k, a in zip(kinds, args)))
    elif what == "bptt":
        measure_bptt()
    elif what == "predict":
        print_predictions(*(float(a) for a in args))
    else:
        raise SystemExit(
            f"usage: python -m benchmarks.scaling_model compute|threads|comm|batch|bptt|predict ...; got {what!r}"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["predict", "0", "0", "0", "0", "0"])
