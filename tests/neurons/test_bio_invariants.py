"""Invariants of the biophysical models (docs/contract.md §5 and §3.9), as tests/test_models_invariants.py checks
them for the other models: a sample alone equals that sample in a batch of 3, bit for bit; rest stays at rest."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simcore as sc

N, B, T_IN, T = 4, 3, 6, 16
DT = 0.5

#: name -> (factory(**overrides), receptor, input unit)
MODELS = {
    "LIFCondExp": (lambda **k: sc.LIFCondExp(N, **k), "exc", 20.0),
    "LIFCondAlpha": (lambda **k: sc.LIFCondAlpha(N, **k), "exc", 20.0),
    "LIFCurrAlpha": (lambda **k: sc.LIFCurrAlpha(N, **k), "exc", 500.0),
    "AdExCondExp": (lambda **k: sc.AdExCondExp(N, **k), "I", 800.0),
    "AdExCondExp_rk4": (lambda **k: sc.AdExCondExp(N, method="rk4", **k), "I", 800.0),
    "HHCondExp": (lambda **k: sc.HHCondExp(N, **k), "I", 500.0),
    "Izhikevich": (lambda **k: sc.Izhikevich(N, **k), "I", 10.0),
}


def simulate(pop, receptor, I):
    net = sc.Network()
    net.add(pop)
    net.add(sc.CurrentInput(pop, I, receptor=receptor))
    sm = net.add(sc.StateMonitor(pop, tuple(pop.state_defaults())))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=T, dt=DT, batch_size=I.shape[1], seed=7)
    return {v: sm[v] for v in pop.state_defaults()}, sp.raster(T)


@pytest.mark.parametrize("model", list(MODELS))
@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.05, 3.0), b=st.integers(0, B - 1))
def test_sample_alone_equals_sample_in_batch(model, seed, scale, b):
    factory, receptor, unit = MODELS[model]
    I = np.abs(np.random.default_rng(seed).normal(0.3, 1.0, (T_IN, B, N))) * unit * scale
    batched, raster = simulate(factory(), receptor, I)
    alone, raster1 = simulate(factory(), receptor, np.ascontiguousarray(I[:, b : b + 1]))
    for var in batched:
        np.testing.assert_array_equal(alone[var][:, 0], batched[var][:, b], err_msg=f"{model}.{var}")
    np.testing.assert_array_equal(raster1[:, 0], raster[:, b])


@pytest.mark.parametrize("model", ["LIFCondExp", "LIFCondAlpha", "LIFCurrAlpha"])
@settings(max_examples=5, deadline=None)
@given(E_L=st.floats(-90.0, -56.0))
def test_rest_stays_at_rest(model, E_L):
    factory, receptor, _ = MODELS[model]
    states, raster = simulate(factory(E_L=E_L), receptor, np.zeros((T_IN, B, N)))
    np.testing.assert_array_equal(states["v"], E_L)
    assert not raster.any()
