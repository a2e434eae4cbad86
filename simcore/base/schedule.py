"""The phases of a step (docs/contract.md §1), defined once, and a printable schedule."""

from __future__ import annotations

PHASES = (
    ("integrate", "advance each population's state from t-1 to t with the inputs it already holds"),
    ("deliver", "add the input due at step t (spikes whose delay ends at t, stimuli for t) into each receptor"),
    ("threshold", "decide spikes s[t] from the state after delivery"),
    ("reset", "apply the reset (and start refractoriness) of neurons that spiked"),
    ("emit", "every spike of step t enters its source's delay queue, to arrive at t + d"),
)

KERNEL_ORDER = (
    "kernel order: stimuli and queues fill receptor buffers, then each population runs integrate, "
    "deliver, threshold and reset in one pass, then emit; phase 1 reads no buffer and delays are "
    ">= 1 step, so this is the phase order above"
)


def schedule_text(components) -> str:
    """Who runs when, phase by phase, from each component's ``schedule()`` (components in emit order)."""
    who: dict = {}
    for comp in components:
        for phase, entries in comp.schedule().items():
            who.setdefault(phase, []).extend(entries)
    lines = ["every step t, for each sample b:"]
    for k, (phase, text) in enumerate(PHASES, 1):
        lines.append(f"  {k}. {phase}: {text}")
        lines.extend(f"       - {w}" for w in who.get(phase) or ["(nothing)"])
    lines.append("  then record: " + (", ".join(who["record"]) if who.get("record") else "(no monitors)"))
    lines.append(f"({KERNEL_ORDER})")
    return "\n".join(lines)
