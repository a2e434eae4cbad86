"""Smoke test of the delivery-vs-bare benchmark: same events on both paths, sane rates."""

import numpy as np

from benchmarks.delivery import delivery_vs_bare


def test_engine_and_bare_deliver_the_same_events():
    r = delivery_vs_bare(n=300, k=30, rate_per_step=0.05, steps=200, dtype=np.float64, repeats=1)
    # the engine delivers one step later: it misses only the last step's spikes
    assert 0 < r["engine_events"] <= r["bare_events"]
    assert r["bare_events"] - r["engine_events"] <= 300 * 30
    assert r["engine_events_per_s"] > 0 and r["bare_events_per_s"] > 0
