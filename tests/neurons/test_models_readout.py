"""Readout leaky integrator (docs/contract.md §3.5): hand-computed trace, time constant, no spikes, errors."""

import numpy as np
import pytest

import simcore as sc
from neurons import Readout


def run(pop, I, dt=1.0, batch_size=1):
    net = sc.Network()
    net.add(pop)
    net.add(sc.CurrentInput(pop, I))
    st = net.add(sc.StateMonitor(pop, "y"))
    net.run(steps=I.shape[0], dt=dt, batch_size=batch_size, seed=0)
    return st["y"]


def test_hand_computed_trace_section_3_5():
    # y[t] = kappa*y[t-1] + I[t], kappa = 0.5: 1, 0.5, 0.25 + 2 = 2.25, 1.125 - 1 = 0.125, 0.0625
    I = np.array([1.0, 0.0, 2.0, -1.0, 0.0])[:, None]
    y = run(Readout(1, kappa=0.5), I)
    np.testing.assert_array_equal(y[:, 0, 0], [1.0, 0.5, 2.25, 0.125, 0.0625])


def test_matches_reference_with_per_neuron_time_constants(rng):
    T, B, N = 50, 2, 4
    tau = np.array([2.0, 5.0, 10.0, 50.0])
    I = rng.normal(0.0, 1.0, (T, B, N))
    y = run(Readout(N, tau_out=tau), I, dt=0.5, batch_size=B)
    kappa = np.exp(-0.5 / tau)
    ref, cur = [], np.zeros((B, N))
    for t in range(T):
        cur = kappa * cur + I[t]
        ref.append(cur)
    np.testing.assert_array_equal(y, np.array(ref))


def test_readout_does_not_spike():
    pop = Readout(3, kappa=0.9)
    assert pop.spiking is False
    with pytest.raises(ValueError, match="does not spike"):
        sc.SpikeMonitor(pop)
    net = sc.Network()
    net.add(pop)
    other = net.add(Readout(3, kappa=0.9))
    with pytest.raises(ValueError, match="does not spike"):
        net.connect(pop, other, sc.OneToOne())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kappa=0.9, tau_out=10.0), "exactly one of kappa or tau_out; got both"),
    ],
)
def test_conflicting_parameters_raise_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Readout(2, **kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kappa=1.01), r"Readout.kappa must lie in \[0, 1\]; got 1.01"),
        (dict(tau_out=np.array([1.0, 0.0])), "Readout.tau_out must be > 0; got 0.0"),
    ],
)
def test_invalid_values_raise_before_running(kwargs, match):
    net = sc.Network()
    net.add(Readout(2, **kwargs))
    with pytest.raises(ValueError, match=match):
        net.build(dt=1.0, seed=0)
