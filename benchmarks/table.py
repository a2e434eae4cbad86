"""The text table of the runner: one row per record, indented comparison lines, the targets.

Every column and note comes from a record's own fields (see
:mod:`benchmarks.records`); nothing here depends on which benchmark made it.
"""

from __future__ import annotations

import math

HEADER = (
    f"{'benchmark':<10} {'case':<30} {'thr':>3} {'build s':>8} {'compile s':>9} {'run s':>8} {'rep':>3} "
    f"{'spikes':>9} {'rate Hz':>8} {'events/s':>9} {'RSS MB':>7}  notes"
)

_INDENT = " " * 12


def fmt(x, spec: str = ".3g", none: str = "-") -> str:
    """``format(x, spec)``; ``none`` for None, ``"nan"`` for NaN."""
    if x is None:
        return none
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    return format(x, spec)


def _notes(rec: dict) -> str:
    notes = []
    if rec.get("run_cpu_s") and rec.get("run_s"):
        notes.append(f"cpu/wall {rec['run_cpu_s'] / rec['run_s']:.2f}")
    return "; ".join(notes + list(rec.get("notes", [])))


def format_comparison(c: dict) -> str:
    """One indented line: a reference run or a bound, from its label, status, run time, value and ratio."""
    head = _INDENT + c["label"] + (f" ({c['threads']} thr)" if c.get("threads") is not None else "")
    if c.get("status") != "ok":
        return f"{head}: {str(c.get('status')).upper()} ({c.get('reason')})"
    parts = []
    if c.get("run_s") is not None:
        parts.append(f"run {c['run_s']:.4g} s" + (f" (median of {c['repeats']})" if c.get("repeats") else ""))
    if c.get("value") is not None:
        parts.append(f"{fmt(c['value'])} {c.get('unit', '')}".rstrip())
    if c.get("ratio") is not None:
        parts.append(f"{c.get('ratio_name', 'ratio')} x{c['ratio']:.3g}")
    if c.get("mean_rate_hz") is not None:
        parts.append(
            f"rate {fmt(c['mean_rate_hz'], '.2f')} Hz vs ours {fmt(c.get('ours_rate_hz'), '.2f')} Hz "
            f"{c.get('rate_check') or ''}".rstrip()
        )
    if c.get("note"):
        parts.append(f"[{c['note']}]")
    return f"{head}: " + "; ".join(parts)


def format_row(rec: dict) -> str:
    """One table row for a record, then one indented line per comparison."""
    rss = rec.get("peak_rss_bytes")
    row = (
        f"{rec['benchmark']:<10} {rec.get('label', ''):<30} {fmt(rec.get('threads'), 'd'):>3} "
        f"{fmt(rec.get('build_s'), '8.3f'):>8} {fmt(rec.get('compile_s'), '9.3f'):>9} "
        f"{fmt(rec.get('run_s'), '8.4f'):>8} {fmt(rec.get('repeats'), 'd'):>3} {fmt(rec.get('spikes'), 'd'):>9} "
        f"{fmt(rec.get('mean_rate_hz'), '8.2f'):>8} {fmt(rec.get('events_per_s'), '9.3g'):>9} "
        f"{fmt(None if rss is None else rss / 2**20, '7.0f'):>7}  {_notes(rec)}"
    )
    return "\n".join([row.rstrip()] + [format_comparison(c) for c in rec.get("comparisons", [])])


def format_targets(records: list[dict]) -> str:
    """The final PASS/FAIL/SKIP table of every target in ``records``."""
    rows = [t for rec in records for t in rec.get("targets", [])]
    if not rows:
        return "no targets measured"
    width = max(len(t["name"]) for t in rows)
    out = [f"{'target':<{width}}  {'value':>10}  {'goal':>10}  result"]
    for t in rows:
        verdict = {True: "PASS", False: "FAIL", None: "SKIP"}[t["passed"]]
        goal = f"{t['op']} {t['threshold']:g} {t['unit']}".rstrip()
        out.append(
            f"{t['name']:<{width}}  {fmt(t['value'], '10.3g'):>10}  {goal:>10}  {verdict}"
            + (f"  ({t['note']})" if t.get("note") else "")
        )
    return "\n".join(out)
