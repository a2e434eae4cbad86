"""The bridge takes delay_in = 0 (zero-delay projections, docs/contract.md §2): a readout fed in the same
step, and spiking layers fed by the previous layer in the same step, give the dense mode's spikes and outputs."""

import numpy as np
import pytest

import simcore as sc
from simcore.grad import LIFLayer, ReadoutLayer, SNN, to_network


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zero_delay_chain_and_readout_equal_the_dense_mode(dtype):
    rng = np.random.default_rng(3)
    layers = [
        LIFLayer(4, 6, seed=1, tau_mem=10.0, threshold=0.6),
        LIFLayer(6, 5, seed=2, delay_in=0, recurrent=False, threshold=0.4),
    ]
    model = SNN(layers, ReadoutLayer(5, 2, delay_in=0, seed=3), dt=1.0, dtype=dtype)
    x = (rng.random((80, 3, 4)) < 0.3).astype(dtype) * 1.5
    tape = model.forward(x)
    event = to_network(model, x)
    readout = event.network.add(sc.StateMonitor(event.readout, "y"))
    rasters = event.run(seed=0)
    assert tape.spikes(1).sum() > 0
    for k, raster in enumerate(rasters):
        np.testing.assert_array_equal(raster, tape.spikes(k).astype(np.int8))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(readout["y"], tape.y, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_residual_stack_bridges_to_the_event_engine(dtype):
    """LIF residual blocks (out = x + v @ W_lin + b_lin) and a delay-0 readout: the same spikes in the event
    engine, where each block's output is a Linear population fed without delay."""
    from simcore.grad import ResidualBlock

    rng = np.random.default_rng(5)
    blocks = [
        ResidualBlock(LIFLayer(4, 7, seed=k, threshold=0.5, tau_mem=8.0), seed=10 + k, b_lin=rng.normal(0, 0.1, 4))
        for k in range(2)
    ]
    model = SNN(blocks, ReadoutLayer(4, 3, delay_in=0, seed=9), dt=1.0, dtype=dtype)
    x = rng.normal(0.4, 0.8, (60, 2, 4)).astype(dtype)
    tape = model.forward(x)
    event = to_network(model, x)
    readout = event.network.add(sc.StateMonitor(event.readout, "y"))
    rasters = event.run(seed=0)
    assert all(tape.spikes(k).sum() > 0 for k in range(2))
    for k, raster in enumerate(rasters):
        np.testing.assert_array_equal(raster, tape.spikes(k).astype(np.int8))
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(readout["y"], tape.y, rtol=tol, atol=tol)
