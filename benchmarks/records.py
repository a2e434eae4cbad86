"""The records the cases return: one dict per measurement, JSON-ready, self-describing.

A record (:func:`record`) holds the benchmark's name, a ``label`` for its
table row (its sizes, e.g. ``"n=4000 T=1000ms"``), the ``parameters``, the
standard figures (``build_s``, ``compile_s``, ``run_s``, ``repeats``,
``threads``, ``spikes``, ``mean_rate_hz``, ``events_per_s``,
``peak_rss_bytes``; None where not measured), ``notes`` (short texts the
table prints as they are), ``comparisons`` (reference runs and bounds, each
with its own ``label``, ``ratio`` and ``ratio_name``: :func:`compare`,
:func:`bound`), ``targets`` (:func:`target`), the machine and the versions.
The table (:mod:`benchmarks.table`) prints any record from these fields
alone; it never looks at the benchmark's name.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np

from benchmarks.machine import machine_info, package_versions

#: a reference's mean rate must agree with ours within this fraction of the reference's
RATE_TOLERANCE = 0.10

#: the figures every record has (None where the benchmark does not measure them)
STANDARD_KEYS = (
    "build_s",
    "compile_s",
    "run_s",
    "repeats",
    "threads",
    "spikes",
    "mean_rate_hz",
    "events_per_s",
    "peak_rss_bytes",
)

_OPS = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}


def record(benchmark: str, label: str, parameters: dict, **fields) -> dict:
    """A record: benchmark, label, parameters, the figures, then machine info and versions."""
    rec = {
        "benchmark": benchmark,
        "label": label,
        "parameters": parameters,
        "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    rec.update(fields)
    for key in STANDARD_KEYS:
        rec.setdefault(key, None)
    for key in ("notes", "comparisons", "targets"):
        rec.setdefault(key, [])
    rec["machine"] = machine_info()
    rec["versions"] = package_versions()
    return rec


def error_record(benchmark: str, parameters: dict, exc: BaseException, traceback_text: str) -> dict:
    """The record of a benchmark that raised: ``error`` holds the exception."""
    return record(
        benchmark,
        "ERROR",
        parameters,
        error=f"{type(exc).__name__}: {exc}",
        traceback=traceback_text,
        notes=[f"ERROR {type(exc).__name__}: {exc}"],
    )


def target(name: str, value, threshold: float, op: str, unit: str = "", note: str = "") -> dict:
    """One target: ``value op threshold`` with ``op`` in ``('>=', '<=', '<')``; ``passed`` None if no value."""
    if op not in _OPS:
        raise ValueError(f"op must be one of {tuple(_OPS)}; got {op!r}")
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return {
        "name": name,
        "value": value,
        "op": op,
        "threshold": threshold,
        "unit": unit,
        "passed": None if missing else bool(_OPS[op](value, threshold)),
        "note": note,
    }


_REFERENCE_DETAILS = (
    "build_s",
    "compile_s",
    "spikes",
    "synaptic_events",
    "versions",
    "threads",
    "target",
    "simulator",
    "repeats",
    "run_s_all",
    "n_neurons",
    "n_synapses",
)


def compare(ours: dict, ref: dict, label: str | None = None, *, scale_time: float = 1.0) -> dict:
    """A comparison entry putting a reference run next to ours: speed ratio and mean-rate agreement.

    ``ratio = ref run_s * scale_time / our run_s`` (``ratio_name``
    ``"speed-up"``: above 1, spikesim is faster); when the reference's
    ``run_clock`` is ``"cpu"`` (Brian2 cpp_standalone on one thread times
    its loop with ``std::clock()``), ours is ``run_cpu_s``, the process CPU
    time of our runs, so that both sides are timed the same way (``clock``); ``rate_check`` is ``"OK"``
    when the mean rates differ by at most :data:`RATE_TOLERANCE` of the
    reference's, else ``"MISMATCH"``. A reference that did not run gives an
    entry with its ``status`` and ``reason`` only.
    """
    out = {
        "kind": "reference",
        "name": ref.get("name"),
        "label": label or ref.get("label"),
        "status": ref.get("status"),
        "reason": ref.get("reason"),
    }
    if ref.get("status") != "ok":
        return out
    ref_run = float(ref["run_s"]) * scale_time
    cpu = ref.get("run_clock") == "cpu" and bool(ours.get("run_cpu_s"))
    our_run = ours.get("run_cpu_s") if cpu else ours.get("run_s")
    out.update({k: ref.get(k) for k in _REFERENCE_DETAILS})
    out.update(
        run_s=ref_run,
        ratio=ref_run / our_run if our_run else None,
        ratio_name="speed-up",
        clock="cpu" if cpu else "wall",
        ours_run_s=our_run,
        mean_rate_hz=ref.get("mean_rate_hz"),
        ours_rate_hz=ours.get("mean_rate_hz"),
    )
    notes = ["CPU time on both sides (the reference's timer is CPU time)"] if cpu else []
    if scale_time != 1.0:
        notes.append(f"reference run time scaled by {scale_time:g} from a {ref['duration_ms']:g} ms run")
    if notes:
        out["note"] = "; ".join(notes)
    ours_rate, ref_rate = ours.get("mean_rate_hz"), ref.get("mean_rate_hz")
    if ours_rate is not None and ref_rate:
        diff = abs(ours_rate - ref_rate) / ref_rate
        out.update(rate_rel_diff=diff, rate_check="OK" if diff <= RATE_TOLERANCE else "MISMATCH")
    else:
        out["rate_check"] = None
    return out


def bound(
    label: str,
    status: str,
    *,
    value=None,
    unit: str = "",
    ratio=None,
    ratio_name: str = "ratio",
    note: str = "",
    reason: str | None = None,
    **details,
) -> dict:
    """A comparison entry with an upper bound: its ``value`` in ``unit`` and ``ratio = ours / bound``."""
    return dict(
        details,
        kind="bound",
        label=label,
        status=status,
        reason=reason,
        value=value,
        unit=unit,
        ratio=ratio,
        ratio_name=ratio_name,
        note=note,
    )


def ratio_of(comparisons: list[dict], name: str):
    """The ``ratio`` of the comparison named ``name`` that ran, else None."""
    for c in comparisons:
        if c.get("name") == name and c.get("status") == "ok":
            return c.get("ratio")
    return None


def jsonable(x):
    """``x`` with numpy scalars and arrays turned into Python numbers and lists."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x


def append_json(path: str, records: list[dict]) -> None:
    """Append ``records`` to ``path`` as JSON Lines (one record per line)."""
    with open(path, "a", encoding="utf-8") as f:
        f.writelines(json.dumps(jsonable(rec)) + "\n" for rec in records)
