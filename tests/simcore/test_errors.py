"""Bad input raises ValueError/TypeError naming the parameter, the value and what was expected,
before any work starts."""

import numpy as np
import pytest

import simcore as sc


def test_dt_must_be_positive():
    net = sc.Network()
    net.add(sc.LIF(2, beta=0.5))
    with pytest.raises(ValueError, match=r"dt must be a finite number of ms > 0; got 0.0"):
        net.run(steps=1, dt=0.0)
    with pytest.raises(ValueError, match=r"dt must be .* got -0.1"):
        net.run(steps=1, dt=-0.1)
    with pytest.raises(TypeError, match="dt must be a number"):
        net.run(steps=1, dt="0.1")


def test_nan_parameter_is_named():
    with pytest.raises(ValueError, match=r"LIF.threshold must be finite; got nan"):
        sc.LIF(3, beta=0.5, threshold=float("nan"))
    with pytest.raises(ValueError, match=r"LIFBio.tau_m must be finite"):
        sc.LIFBio(3, tau_m=np.array([1.0, np.nan, 2.0]), tau_syn={"e": 1.0})


def test_decay_and_threshold_ranges():
    net = sc.Network()
    net.add(sc.LIF(2, beta=1.5))
    with pytest.raises(ValueError, match=r"LIF.beta must lie in \[0, 1\]; got 1.5"):
        net.build()
    net = sc.Network()
    net.add(sc.LIF(2, beta=0.5, threshold=-1.0))
    with pytest.raises(ValueError, match=r"LIF.threshold must be > 0; got -1.0"):
        net.build()


def test_beta_or_tau_exactly_one():
    with pytest.raises(ValueError, match="exactly one of beta or tau_mem; got both"):
        sc.LIF(2, beta=0.5, tau_mem=10.0)
    assert sc.LIF(2).param_values["tau_mem"] == 20.0  # neither: the spec's default


def test_unknown_parameter_and_reset_mode():
    with pytest.raises(TypeError, match=r"unknown parameter\(s\) \['tau'\]"):
        sc.LIF(2, beta=0.5, tau=3.0)
    with pytest.raises(ValueError, match=r"reset must be one of \('subtract', 'zero', 'none'\); got 'substract'"):
        sc.LIF(2, beta=0.5, reset="substract")


def test_parameter_shape_mismatch():
    with pytest.raises(ValueError, match=r"must be a scalar or have shape \(3,\); got shape \(4,\)"):
        sc.LIF(3, beta=np.ones(4) * 0.5)


def test_unknown_receptor():
    net = sc.Network()
    a = net.add(sc.LIFBio(2, tau_syn={"exc": 5.0, "inh": 10.0}))
    with pytest.raises(ValueError, match=r"unknown receptor 'ampa' of LIFBio 'lifbio_0'; choose from \('exc', 'inh'\)"):
        net.connect(a, a, sc.AllToAll(), receptor="ampa")
    with pytest.raises(ValueError, match="name one with receptor="):
        net.connect(a, a, sc.AllToAll())


def test_stimulus_shape_mismatch_names_both_shapes():
    net = sc.Network()
    a = net.add(sc.LIF(3, beta=0.5))
    with pytest.raises(ValueError, match=r"values must have shape \(T, 3\) or \(T, B, 3\) .* got \(10, 4\)"):
        sc.CurrentInput(a, np.zeros((10, 4)))
    net.add(sc.CurrentInput(a, np.zeros((10, 2, 3))))
    with pytest.raises(ValueError, match="batch size 2; expected 5"):
        net.run(steps=1, batch_size=5)


def test_nan_in_stimulus():
    net = sc.Network()
    a = net.add(sc.LIF(1, beta=0.5))
    with pytest.raises(ValueError, match="values must be finite; got nan"):
        sc.CurrentInput(a, np.array([[np.nan]]))


def test_batch_size_seed_steps_types():
    net = sc.Network()
    net.add(sc.LIF(1, beta=0.5))
    with pytest.raises(ValueError, match="batch_size must be >= 1; got 0"):
        net.run(steps=1, batch_size=0)
    with pytest.raises(TypeError, match="seed must be an int"):
        net.run(steps=1, seed=1.5)
    with pytest.raises(ValueError, match="exactly one of duration"):
        net.run()
    with pytest.raises(ValueError, match=r"dtype must be one of \('float32', 'float64'\); got 'float16'"):
        net.run(steps=1, dtype="float16")


def test_poisson_rate_too_high_for_dt():
    net = sc.Network()
    net.add(sc.PoissonGroup(2, rate=20000.0))
    with pytest.raises(ValueError, match=r"rate 20000.0 Hz gives a spike probability 2.0 > 1"):
        net.build(dt=0.1)


def test_initial_state_shape_and_name():
    with pytest.raises(ValueError, match="unknown state variable"):
        sc.LIF(3, beta=0.5, init={"v": 0.0})
    with pytest.raises(ValueError, match=r"init\['u'\] of LIF must be a scalar, shape \(3,\)"):
        sc.LIF(3, beta=0.5, init={"u": np.zeros(4)})


def test_population_not_in_network_and_duplicate_names():
    net = sc.Network()
    a = sc.LIF(2, beta=0.5, name="a")
    with pytest.raises(ValueError, match="not in this network"):
        net.add(sc.SpikeMonitor(a))
    net.add(a)
    with pytest.raises(ValueError, match="name 'a' is already used"):
        net.add(sc.LIF(2, beta=0.5, name="a"))
