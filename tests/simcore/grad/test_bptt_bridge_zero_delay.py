"""The bridge takes delay_in = 0 (zero-delay projections, docs/contract.md §2): a readout fed in the same
step, and spiking layers fed by the previous layer in the same step, give the dense mode's spikes and outputs."""
import numpy as np
import pytest

import simcore as sc
from simcore.grad import LIFLayer, ReadoutLayer, SNN, to_network


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zero_delay_chain_and_readout_equal_the_dense_mode(dtype):
    rng = np.random.default_rng(3)
    layers = [LIFLayer(4, 6, seed=1, tau_mem=10.0, threshold=0.6),
              LIFLayer(6, 5, seed=2, delay_in=0, recurrent=False, threshold=0.4)]
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
