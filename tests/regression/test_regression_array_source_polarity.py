"""Regression: a SpikeArraySource with negative entries did not declare itself bipolar, so its
negative spikes lost their polarity in HDF5 files."""

import numpy as np

import simcore as sc
from monitors.reader import load_spikes


def test_negative_array_spikes_keep_polarity_in_the_file(tmp_path):
    raster = np.zeros((4, 2))
    raster[1, 0] = 1.0
    raster[2, 1] = -0.5
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(2, raster, name="src"))
    mon = net.add(sc.SpikeMonitor(src))
    net.run(steps=4, dt=1.0, seed=0, out=tmp_path / "s.h5")
    assert src.bipolar
    assert mon.polarity.tolist() == [1, -1]
    assert load_spikes(tmp_path / "s.h5", "src").polarity.tolist() == [1, -1]
