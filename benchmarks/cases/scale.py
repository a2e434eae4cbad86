"""Case ``scale``: Brunel's network grown to 10^8 synapses: build time, bytes per synapse, memory."""

from __future__ import annotations

from benchmarks.machine import PeakRSS
from benchmarks.records import record, target
from benchmarks.timing import time_network

NAME = "scale"

#: sizes of the full mode: brunel(2.53) has 31 625 neurons of in-degree 3162: 1.0e8 synapses
FULL = {"scale": 2.53, "duration_ms": 1000.0, "repeats": 1}

#: sizes of the quick mode: brunel(0.8) has 10 000 neurons of in-degree 1000: 1.0e7 synapses
QUICK = {"scale": 0.8, "duration_ms": 500.0, "repeats": 1}


def bytes_per_synapse(net) -> float:
    """``sum(weights.nbytes + indices.nbytes + indptr.nbytes) / synapses`` over the projections."""
    total = sum(p.weights.nbytes + p.indices.nbytes + p.indptr.nbytes for p in net.projections)
    return total / max(1, net.n_synapses)


def run(
    scale: float = 2.53, duration_ms: float = 1000.0, repeats: int = 1, dtype: str = "float32", seed: int = 1
) -> list[dict]:
    """:func:`simcore.builtin.brunel` at ``scale`` (``15.6e6 * scale**2`` synapses), float32; one record.

    Reports the build time, the bytes per synapse of the CSR arrays
    (weights, indices, row pointers), the delay queues' bytes, the run time
    and the peak RSS.
    """
    from simcore.builtin import brunel

    with PeakRSS() as mem:
        summary, tn = time_network(brunel(scale, record=False), duration_ms, repeats=repeats, dtype=dtype, seed=seed)
        mem.read()
    net = tn.net
    bps = bytes_per_synapse(net)
    queue_bytes = sum(p.queue.nbytes for p in net.projections)
    params = {
        "scale": scale,
        "duration_ms": float(duration_ms),
        "batch": 1,
        "dt_ms": 0.1,
        "dtype": dtype,
        "seed": seed,
        "repeats": repeats,
    }
    size = f"scale {summary['n_synapses']:.2g} synapses"
    targets = [
        target(f"{size}: bytes per synapse", bps, 10.0, "<=", "B"),
        target(f"{size}: build time", summary["build_s"], 60.0, "<", "s"),
    ]
    notes = [f"{bps:.3g} B/synapse, {summary['n_synapses']:.3g} synapses, {summary['n_neurons']} neurons"]
    return [
        record(
            NAME,
            f"brunel({scale:g}) T={float(duration_ms):g}ms",
            params,
            **summary,
            bytes_per_synapse=bps,
            queue_bytes=int(queue_bytes),
            peak_rss_bytes=mem.bytes,
            peak_rss_scope=mem.scope,
            notes=notes,
            targets=targets,
        )
    ]
