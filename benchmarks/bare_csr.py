"""The bare-loop upper bound for spike delivery on this machine.

An engine that stores weights as CSR over sources delivers a spike of
source ``i`` by walking its row::

    for k in range(indptr[i], indptr[i+1]):
        buf[indices[k]] += weights[k]

:func:`deliver_csr` is exactly that loop over a pre-generated list of
spiking sources per step, jitted with Numba and nothing else (no delay ring,
no batch axis, no neuron update, no buffer reset between steps). Its rate in
synaptic events per second, from :func:`bare_delivery_rate`, bounds what any
spikesim kernel built on the same data layout can reach here; a benchmark
reports the engine's events per second as a fraction of it.

Sizes the suite uses:

* CUBA-sized: ``n_pre = n_post = 4000``, ``k_out = 80`` (``p = 0.02``),
  ``rate_per_step ~ 6 Hz * 0.1 ms = 6e-4``, ``steps = 10000`` (1 s).
* Brunel-sized: ``n_pre = n_post = 12500``, ``k_out = 1250``
  (``CE + CI``), ``rate_per_step ~ 30 Hz * 0.1 ms``, ``steps = 10000``.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

__all__ = ["deliver_csr", "random_csr", "spike_schedule", "bare_delivery_rate"]

_DTYPES = (np.float32, np.float64)


@njit(cache=True)
def deliver_csr(indptr, indices, weights, step_ptr, sources, buf):
    """Add ``weights[k]`` into ``buf[indices[k]]`` for every synapse of every spike.

    Parameters
    ----------
    indptr : (n_pre + 1,) int64
        CSR row pointers over sources.
    indices : (n_syn,) int32
        Target of each synapse.
    weights : (n_syn,) float32 or float64
        Weight of each synapse.
    step_ptr : (steps + 1,) int64
        ``sources[step_ptr[t]:step_ptr[t+1]]`` are the sources spiking at step ``t``.
    sources : (n_spikes,) int32
        Spiking sources, step by step.
    buf : (n_post,) same dtype as ``weights``
        Accumulator, updated in place (never reset).

    Returns
    -------
    int
        Synaptic events delivered, ``sum over spikes of out-degree``.
    """
    events = 0
    for t in range(step_ptr.shape[0] - 1):
        for q in range(step_ptr[t], step_ptr[t + 1]):
            i = sources[q]
            start = indptr[i]
            stop = indptr[i + 1]
            for k in range(start, stop):
                buf[indices[k]] += weights[k]
            events += stop - start
    return events


def random_csr(n_pre, n_post, k_out, dtype=np.float32, seed=0):
    """CSR with exactly ``k_out`` synapses per source, targets uniform and sorted per row.

    Returns
    -------
    indptr : (n_pre + 1,) int64
    indices : (n_pre*k_out,) int32
    weights : (n_pre*k_out,) ``dtype``, uniform in [-1, 1)
    """
    rng = np.random.default_rng(seed)
    targets = np.sort(rng.integers(0, n_post, size=(n_pre, k_out), dtype=np.int64), axis=1)
    indptr = np.arange(n_pre + 1, dtype=np.int64) * k_out
    indices = targets.ravel().astype(np.int32)
    weights = (rng.random(n_pre * k_out) * 2.0 - 1.0).astype(dtype)
    return indptr, indices, weights


def spike_schedule(n_pre, rate_per_step, steps, seed=0):
    """Each source spikes independently with probability ``rate_per_step`` each step.

    Returns
    -------
    step_ptr : (steps + 1,) int64
    sources : int32, ascending within a step
    """
    rng = np.random.default_rng(seed)
    step_ptr = np.zeros(steps + 1, dtype=np.int64)
    chunks = []
    for t in range(steps):
        s = np.flatnonzero(rng.random(n_pre) < rate_per_step).astype(np.int32)
        chunks.append(s)
        step_ptr[t + 1] = step_ptr[t] + s.size
    sources = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
    return step_ptr, sources


def _check_int(name, value, minimum):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")


def bare_delivery_rate(n_pre, n_post, k_out, rate_per_step, steps, dtype=np.float32, seed=0, repeats=5):
    """Synaptic events per second of :func:`deliver_csr` on random data.

    Builds a :func:`random_csr` and a :func:`spike_schedule`, calls the
    kernel once on a tiny input to compile (or load from Numba's cache),
    once on the full input as a warm-up (caches, page faults), then times
    ``repeats`` calls on a zeroed buffer and keeps the median.

    Parameters
    ----------
    n_pre, n_post, k_out : int
        Sources, targets, synapses per source.
    rate_per_step : float
        Probability that a source spikes in a step (rate in Hz * dt in s).
    steps : int
        Steps in the schedule.
    dtype : numpy float type
        ``np.float32`` or ``np.float64`` for weights and buffer.
    seed : int
        Seed for the CSR and the schedule.
    repeats : int
        Timed calls; the median is reported.

    Returns
    -------
    dict
        ``events`` (per call), ``seconds`` (median), ``events_per_s``
        (``events / seconds``), ``best_seconds`` and ``best_events_per_s``
        (fastest call: on a shared machine other processes only ever slow a
        call down), ``spikes``, ``all_seconds``, ``compile_s`` and the
        arguments.
    """
    _check_int("n_pre", n_pre, 1)
    _check_int("n_post", n_post, 1)
    _check_int("k_out", k_out, 0)
    _check_int("steps", steps, 1)
    _check_int("repeats", repeats, 1)
    if not 0.0 <= float(rate_per_step) <= 1.0:
        raise ValueError(f"rate_per_step must be a probability in [0, 1]; got {rate_per_step}")
    dtype = np.dtype(dtype)
    if dtype.type not in _DTYPES:
        raise ValueError(f"dtype must be one of ('float32', 'float64'); got {dtype.name!r}")
    if n_post > np.iinfo(np.int32).max:
        raise ValueError(f"n_post = {n_post} does not fit the int32 indices")

    indptr, indices, weights = random_csr(n_pre, n_post, k_out, dtype, seed)
    step_ptr, sources = spike_schedule(n_pre, float(rate_per_step), steps, seed + 1)
    buf = np.zeros(n_post, dtype=dtype)

    t0 = time.perf_counter()
    deliver_csr(
        indptr[:2],
        indices[:k_out],
        weights[:k_out],
        np.array([0, 1], dtype=np.int64),
        np.zeros(1, dtype=np.int32),
        np.zeros(n_post, dtype=dtype),
    )
    compile_s = time.perf_counter() - t0
    events = deliver_csr(indptr, indices, weights, step_ptr, sources, buf)  # warm-up

    times = []
    for _ in range(repeats):
        buf[:] = 0
        t0 = time.perf_counter()
        deliver_csr(indptr, indices, weights, step_ptr, sources, buf)
        times.append(time.perf_counter() - t0)
    seconds = float(np.median(times))
    best = float(min(times))
    return dict(
        events=int(events),
        seconds=seconds,
        events_per_s=events / seconds if seconds > 0 else float("inf"),
        best_seconds=best,
        best_events_per_s=events / best if best > 0 else float("inf"),
        spikes=int(sources.size),
        all_seconds=times,
        compile_s=compile_s,
        n_pre=n_pre,
        n_post=n_post,
        k_out=k_out,
        rate_per_step=float(rate_per_step),
        steps=steps,
        dtype=dtype.name,
        repeats=repeats,
    )
