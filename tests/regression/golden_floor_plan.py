"""Digests of CUBA, Brunel and the DelayNet evaluation, to prove a refactor changes no result.

``python tests/regression/golden_floor_plan.py`` prints the digests as JSON;
``test_floor_plan_identical.py`` compares them with the values recorded on
the code before the floor-plan refactor (commit 28985fc).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:32]


def _spike_digest(net) -> dict:
    out = {}
    for mon in net.monitors:
        if hasattr(mon, "neurons") and hasattr(mon, "polarity"):
            out[mon.name] = {
                "n": int(mon.steps.size),
                "sha": _digest(mon.steps, mon.neurons, mon.samples, mon.polarity),
            }
    return out


def cuba_digest(dtype="float64", batch_size=2, duration=200.0):
    from simcore.builtin import cuba

    net = cuba()
    net.run(duration, batch_size=batch_size, seed=7, dtype=dtype)
    v = np.concatenate([p["v"].ravel() for p in net.populations])
    return {"spikes": _spike_digest(net), "v": _digest(v)}


def brunel_digest(dtype="float64", batch_size=2, duration=100.0):
    from simcore.builtin import brunel

    net = brunel(scale=0.1)
    net.run(duration, batch_size=batch_size, seed=11, dtype=dtype)
    v = np.concatenate([p["v"].ravel() for p in net.populations])
    return {"spikes": _spike_digest(net), "v": _digest(v)}


def delaynet_digest(n_samples=16):
    """The trained DelayNet of docs/delaynet_results on fresh cue-accumulation samples, both modes."""
    from benchmarks.delaynet import load_model
    from simcore.grad import SNN, to_network
    from simcore.tasks import cue_accumulation

    model = load_model(os.path.join(ROOT, "docs", "delaynet_results", "delaynet.h5"))[0]
    task = cue_accumulation(n_samples, seed=2024)
    x = task.x.astype(model.dtype)
    tape = model.forward(x)
    y = tape.y
    pred = np.argmax(y[task.recall_mask].mean(0), axis=-1)
    acc = float(np.mean(pred == task.labels))
    dense = _digest(*[np.asarray(e) for e in tape.events])
    hidden = SNN(model.layers, None, dt=model.dt, dtype=model.dtype, **model.options)  # readout: delay 0
    event = to_network(hidden, x)
    rasters = event.run(seed=0)
    return {
        "accuracy": acc,
        "readout": _digest(y),
        "dense_spikes": dense,
        "event_spikes": _digest(*[r.astype(np.int8) for r in rasters]),
    }


def all_digests() -> dict:
    return {
        "cuba_f64": cuba_digest(),
        "cuba_f32": cuba_digest("float32"),
        "brunel_f64": brunel_digest(),
        "brunel_f32": brunel_digest("float32"),
        "delaynet": delaynet_digest(),
    }


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    json.dump(all_digests(), sys.stdout, indent=1)
    print()
