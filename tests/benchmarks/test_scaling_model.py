"""The scaling model of docs/scaling.md (benchmarks/scaling_model.py) against hand-computed values."""

import math

import pytest

from benchmarks.scaling_model import exchange_volume, exchanges_per_second, fit_linear, predict

MACHINE = dict(c_step=1e-6, c_n=2e-9, c_s=2e-9, alpha=2e-6, beta=1e-9)


def test_brunel_exchange_volume_as_docs_scaling_md():
    """12 500 neurons at 37.8 Hz, d_min 1.5 ms: 708.75 spikes per exchange; 8 B each, half of them from the
    other rank on 2 ranks; 666.7 exchanges per second of model time."""
    spikes, received = exchange_volume(12_500, 37.8, 1.5, 2)
    assert spikes == pytest.approx(708.75)
    assert received == pytest.approx(8 * 708.75 / 2)
    assert exchanges_per_second(1.5) == pytest.approx(1000 / 1.5)


def test_prediction_by_hand_for_a_million_neurons_on_64_ranks():
    p = predict(n_neurons=1e6, in_degree=1e3, rate_hz=10.0, ranks=64, **MACHINE)
    assert p["step"] == pytest.approx(1e-6 * 1e4)  # 10^4 steps of 0.1 ms
    assert p["neurons"] == pytest.approx(2e-9 * 1e6 / 64 * 1e4)
    assert p["synapses"] == pytest.approx(2e-9 * 1e10 / 64)  # 10^6 x 10 Hz x 1000 events per second
    per_exchange = 2e-6 * 6 + 1e-9 * 8 * 15_000 * 63 / 64  # log2(64) = 6 rounds; 15 000 spikes
    assert p["comm"] == pytest.approx(per_exchange * 1000 / 1.5)
    assert p["total"] == pytest.approx(p["step"] + p["neurons"] + p["synapses"] + p["comm"])


def test_one_rank_has_no_exchange_and_rounds_are_ceil_log2():
    assert predict(n_neurons=1e6, in_degree=1e3, rate_hz=10.0, ranks=1, **MACHINE)["comm"] == 0.0
    latency_only = dict(MACHINE, beta=0.0)
    p3 = predict(n_neurons=1e6, in_degree=1e3, rate_hz=10.0, ranks=3, **latency_only)
    assert p3["comm"] == pytest.approx(2e-6 * math.ceil(math.log2(3)) * 1000 / 1.5)


def test_fit_recovers_known_coefficients():
    cols = [[1.0, 1.0, 1.0, 1.0], [10.0, 40.0, 90.0, 160.0], [3.0, 1.0, 4.0, 1.5]]
    y = [0.5 + 2.0 * a + 0.25 * b for a, b in zip(cols[1], cols[2])]
    for kw in ({}, {"relative": True}, {"relative": True, "nonnegative": True}):
        assert fit_linear(cols, y, **kw) == pytest.approx([0.5, 2.0, 0.25]), kw
