"""Helpers the cases share: reference comparisons and the bare-loop delivery bound."""

from __future__ import annotations

import numpy as np

from benchmarks.records import bound, compare
from benchmarks.references import REFERENCES, run_reference

#: threads of the timed single-network runs: one, as the references run (Brian2 without OpenMP, NEST with
#: one thread); ``run``'s default may split a batch-1 network into shards. The ``threads`` case measures two.
THREADS = 1


def check_references(names) -> tuple:
    """``names`` as a tuple of :data:`benchmarks.references.REFERENCES` keys, else ValueError."""
    names = tuple(names)
    for name in names:
        if name not in REFERENCES:
            raise ValueError(f"unknown reference {name!r}; choose from {tuple(REFERENCES)}")
    return names


def reference_comparisons(ours: dict, names, case: str, **kwargs) -> list[dict]:
    """Run each reference of ``names`` on ``case`` with ``kwargs`` and compare it with ``ours``."""
    return [compare(ours, run_reference(name, case, **kwargs)) for name in check_references(names)]


def bare_bound(summary: dict, dt: float, dtype: str, max_steps: int = 10000) -> dict:
    """The bare-loop delivery bound (:func:`benchmarks.bare_csr.bare_delivery_rate`) for a run, as a comparison.

    ``n_pre = n_post =`` the network's neurons, ``k_out = synapses /
    neurons`` (rounded), ``rate_per_step =`` the measured mean rate times
    ``dt``, at most ``max_steps`` steps; ``ratio`` is our events per second
    over the bound's. A failure is an entry with ``status`` ``"error"``.
    """
    from benchmarks.bare_csr import bare_delivery_rate

    n = int(summary["n_neurons"])
    k_out = int(round(summary["n_synapses"] / n))
    rate_per_step = min(1.0, (summary.get("mean_rate_hz") or 0.0) * dt / 1000.0)
    steps = int(min(summary["steps"], max_steps))
    details = {
        "n_pre": n,
        "k_out": k_out,
        "rate_per_step": rate_per_step,
        "steps": steps,
        "dtype": np.dtype(dtype).name,
    }
    try:
        bare = bare_delivery_rate(n, n, k_out, rate_per_step, steps, dtype=np.dtype(dtype).type, repeats=3)
    except Exception as exc:  # noqa: BLE001 - a failed bound is reported, never fatal
        return bound("bare CSR bound", "error", reason=f"{type(exc).__name__}: {exc}", **details)
    ours = summary.get("events_per_s")
    return bound(
        "bare CSR bound",
        "ok",
        value=bare["events_per_s"],
        unit="events/s",
        ratio=ours / bare["events_per_s"] if ours and bare["events_per_s"] else None,
        ratio_name="ours/bound",
        note=f"k_out {k_out}",
        bare_events_per_s=bare["events_per_s"],
        ours_events_per_s=ours,
        **details,
    )
