"""The five phases of a step (MODELS.md 1), defined once, and a printable schedule."""
from __future__ import annotations

PHASES = (
    ("integrate", "advance each population's state from t-1 to t with the inputs it already holds"),
    ("deliver", "add the input due at step t (spikes whose delay ends at t, stimuli for t) into each receptor"),
    ("threshold", "decide spikes s[t] from the state after delivery"),
    ("reset", "apply the reset (and start refractoriness) of neurons that spiked"),
    ("emit", "every spike of step t enters its source's delay queue, to arrive at t + d"),
)


def schedule_text(network) -> str:
    """Who runs when, phase by phase, in the order the kernel runs them."""
    pops = [f"{p.name} ({p.model})" for p in network.populations]
    stims = [f"{s.name} -> {s.target.name}:{s.receptor}" for s in network.stimuli]
    projs = [f"{p.name}: {p.pre.name} -> {p.post.name}:{p.receptor}" for p in network.projections]
    mons = [f"{m.name} ({type(m).__name__} of {m.population.name})" for m in network.monitors]
    who = {
        "integrate": pops,
        "deliver": [f"stimulus {s}" for s in stims] + [f"queue {p}" for p in projs]
                   + [f"then receptor buffers of {p}" for p in pops],
        "threshold": pops,
        "reset": pops,
        "emit": [f"queue {p}" for p in projs],
    }
    lines = ["every step t, for each sample b:"]
    for k, (phase, text) in enumerate(PHASES, 1):
        lines.append(f"  {k}. {phase}: {text}")
        lines.extend(f"       - {w}" for w in who[phase] or ["(nothing)"])
    lines.append("  then record: " + (", ".join(mons) if mons else "(no monitors)"))
    lines.append("(kernel order: stimuli and queues fill receptor buffers, then each population runs "
                 "integrate, deliver, threshold and reset in one pass, then emit; phase 1 reads no buffer "
                 "and delays are >= 1 step, so this is the phase order above)")
    return "\n".join(lines)
