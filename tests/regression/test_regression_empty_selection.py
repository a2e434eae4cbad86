"""Regression: an empty neuron selection (``range(0)``, ``[]``) arrived as float64 and was rejected
as 'not indices'."""

import numpy as np

import simcore as sc
from monitors.base import select_indices


def test_empty_selections_are_empty_index_arrays():
    for empty in (range(0), [], np.array([], dtype=np.float64)):
        out = select_indices(empty, 5, "neurons")
        assert out.dtype == np.int64 and out.size == 0


def test_spike_monitor_with_no_neurons_records_nothing():
    net = sc.Network()
    pop = net.add(sc.LIF(3, beta=0.5))
    net.add(sc.StepCurrent(pop, 2.0))
    mon = net.add(sc.SpikeMonitor(pop, neurons=[]))
    net.run(steps=5, dt=1.0, seed=0)
    assert mon.steps.size == 0
