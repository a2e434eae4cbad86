"""WeightMonitor (issue 11): snapshots of chosen synapses every ``every`` steps, per sample or shared,
in memory and streamed to HDF5."""

import h5py
import numpy as np
import pytest

import simcore as sc


def plastic_net(batch, B, every=5, steps=120):
    rng = np.random.default_rng(2)
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(10, (rng.random((steps, B, 10)) < 0.15).astype(float), name="src"))
    tgt = net.add(sc.LIF(4, tau_mem=10.0, threshold=1.0, name="tgt"))
    proj = net.connect(
        src, tgt, sc.AllToAll(), weight=0.4, name="p", synapse=sc.STDP(A_pre=0.05, A_post=-0.05), batch=batch
    )
    mon = net.add(sc.WeightMonitor(proj, synapses=[0, 7, 39], every=every, name="w"))
    return net, proj, mon


@pytest.mark.parametrize("batch, B, rows_b", [("per_sample", 3, 3), ("mean", 3, 1)])
def test_snapshots_equal_the_weights_at_those_steps(tmp_path, batch, B, rows_b):
    net, proj, mon = plastic_net(batch, B)
    net.run(steps=60, seed=0, chunk_steps=17, batch_size=B, out=str(tmp_path / "w.h5"))
    w = mon["w"]
    assert w.shape == (12, rows_b, 3)
    np.testing.assert_array_equal(mon.steps, np.arange(0, 60, 5))
    # the last snapshot (step 55) equals the weights of a run stopped right after step 55
    net2, proj2, _ = plastic_net(batch, B)
    net2.run(steps=56, seed=0, batch_size=B)
    np.testing.assert_array_equal(w[-1], np.atleast_2d(proj2.weights)[..., [0, 7, 39]])
    assert not np.array_equal(w[0], w[-1])
    with h5py.File(tmp_path / "w.h5", "r") as f:
        np.testing.assert_array_equal(f["weights/w/w"][()], w)
        np.testing.assert_array_equal(f["weights/w/steps"][()], mon.steps)
        assert f["weights/w"].attrs["projection"] == "p"


def test_unknown_variable_is_refused():
    net, proj, _ = plastic_net("per_sample", 1)
    with pytest.raises(ValueError, match="unknown synapse variable 'u' of STDP"):
        sc.WeightMonitor(proj, "u")


@pytest.mark.parametrize("batch, B, rows_b", [("per_sample", 3, 3), ("mean", 3, 1)])
def test_no_rows_yet_has_the_row_shape(batch, B, rows_b):
    """Before a run results are empty; after a build they are empty with the row shape they will have."""
    net, _, mon = plastic_net(batch, B, every=50)
    assert mon["w"].shape[0] == 0 and mon.times.shape == (0,)
    net.run(steps=1, seed=0, batch_size=B)
    mon.reset()
    assert mon["w"].shape == (0, rows_b, 3) and mon.steps.shape == (0,)
    net.run(steps=60, seed=0, batch_size=B)
    np.testing.assert_array_equal(mon.steps, [50])
    np.testing.assert_allclose(mon.times, [50 * mon.ctx.dt])
