"""One parameter spec per model (simcore.base.params): the event engine and the dense mode accept
exactly the same parameters, with the same defaults and ranges, and the docstrings show them."""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simcore as sc
from simcore.base.params import Choice, Decay, Param, ParamSpec
from simcore.grad import ALIFLayer, LIBLayer, LIFLayer, ReadoutLayer

PAIRS = [(sc.LIF, LIFLayer), (sc.ALIF, ALIFLayer), (sc.LIB, LIBLayer), (sc.Readout, ReadoutLayer)]


def _dense(layer_cls, n, **kw):
    if layer_cls is ReadoutLayer:
        return layer_cls(2, n, **kw)
    return layer_cls(2, n, **kw)


def _dense_names(layer_cls) -> set:
    """Parameter names the dense layer's constructor accepts beyond its structural arguments."""
    sig = set(inspect.signature(layer_cls.__init__).parameters)
    return set(layer_cls.spec.names()) | {n for n in sig if n in ("reset",)}


@pytest.mark.parametrize("model, layer", PAIRS)
def test_both_modes_read_one_spec(model, layer):
    assert model.spec is layer.spec


@pytest.mark.parametrize("model, layer", PAIRS)
def test_both_modes_accept_every_name_and_reject_the_same_unknown_one(model, layer):
    for name in model.spec.numeric_names():
        value = 0.5 if name in dict(model.spec.decays()).values() else 2.0
        model(3, **{name: value})
        _dense(layer, 3, **{name: value})
    with pytest.raises(TypeError, match="tau_membrane"):
        model(3, tau_membrane=5.0)
    with pytest.raises(TypeError, match="tau_membrane"):
        _dense(layer, 3, tau_membrane=5.0)


@pytest.mark.parametrize("model, layer", PAIRS)
def test_defaults_are_equal(model, layer):
    dt = 1.0
    net = sc.Network()
    pop = net.add(model(3))
    if pop.spiking:
        net.add(sc.SpikeMonitor(pop))
    net.build(dt=dt, seed=0, dtype="float64")
    dense = _dense(layer, 3)
    dense._bind(dt, np.float64)
    for tau, decay in model.spec.decays():
        np.testing.assert_array_equal(pop.kernel_params[decay], dense.decay(tau, dt))
    for name in model.spec.plain():
        np.testing.assert_array_equal(pop.kernel_params[name], np.broadcast_to(dense.params[name], (3,)))


@settings(max_examples=30, deadline=None)
@given(
    tau=st.floats(0.5, 500.0),
    threshold=st.floats(0.01, 10.0),
    b_adapt=st.floats(0.0, 5.0),
    tau_adapt=st.floats(1.0, 2000.0),
    dt=st.sampled_from([0.1, 0.5, 1.0]),
)
def test_given_values_give_the_same_kernel_parameters(tau, threshold, b_adapt, tau_adapt, dt):
    net = sc.Network()
    pop = net.add(sc.ALIF(2, tau_mem=tau, tau_adapt=tau_adapt, threshold=threshold, b_adapt=b_adapt))
    net.build(dt=dt, seed=0)
    dense = ALIFLayer(2, 2, tau_mem=tau, tau_adapt=tau_adapt, threshold=threshold, b_adapt=b_adapt)
    dense._bind(dt, np.float64)
    np.testing.assert_array_equal(pop.kernel_params["beta"], dense.decay("tau_mem", dt))
    np.testing.assert_array_equal(pop.kernel_params["rho"], dense.decay("tau_adapt", dt))
    np.testing.assert_array_equal(pop.kernel_params["threshold"], threshold)


@pytest.mark.parametrize("model, layer", [(sc.LIF, LIFLayer), (sc.ALIF, ALIFLayer)])
def test_both_modes_reject_a_threshold_of_zero_naming_it(model, layer):
    net = sc.Network()
    net.add(model(2, threshold=0.0))
    with pytest.raises(ValueError, match=r"threshold must be > 0; got 0.0"):
        net.build()
    with pytest.raises(ValueError, match=r"threshold must be > 0; got 0.0"):
        _dense(layer, 2, threshold=0.0)


@pytest.mark.parametrize("model", [sc.LIF, sc.ALIF, sc.LIB, sc.Readout, sc.LIFBio])
def test_help_shows_equations_and_the_parameter_table(model):
    doc = model.__doc__
    assert "docs/contract.md §3" in doc
    assert any(eq in doc for eq in ("[t]", "dv/dt", "syn_p = alpha_pos*syn_p"))  # the equations
    for name in model.spec.names():
        assert f"\n        {name} " in doc, name


def test_reset_is_an_option_of_both_modes():
    assert sc.LIF.spec.choices()["reset"].choices == ("subtract", "zero", "none")
    assert sc.LIB.spec.choices()["reset"].choices == ("subtract", "none")
    with pytest.raises(ValueError, match=r"reset must be one of \('subtract', 'none'\); got 'zero'"):
        sc.LIB(2, reset="zero")
    with pytest.raises(ValueError, match=r"reset must be one of \('subtract', 'none'\); got 'zero'"):
        LIBLayer(2, 2, reset="zero")


def test_spec_resolve_and_table():
    spec = ParamSpec(
        Decay("tau", "decay", 10.0, "trace"), Param("w", None, "mV", "weight"), Choice("mode", ("a", "b"), "a", "mode")
    )
    assert spec.resolve({"w": 1.0}, "M") == {"tau": 10.0, "decay": None, "w": 1.0, "mode": "a"}
    assert spec.resolve({"w": 1.0, "decay": 0.5}, "M")["tau"] is None
    with pytest.raises(ValueError, match="M needs parameter w; got none"):
        spec.resolve({}, "M")
    with pytest.raises(ValueError, match="exactly one of decay or tau; got both"):
        spec.resolve({"w": 1.0, "decay": 0.5, "tau": 3.0}, "M")
    with pytest.raises(ValueError, match=r"M.decay must lie in \[0, 1\]; got 1.5"):
        spec.check({"decay": np.array([1.5])}, "M")
    with pytest.raises(ValueError, match=r"M.w must be finite; got nan"):
        spec.check({"w": np.array([np.nan])}, "M")
    table = spec.table()
    assert "tau" in table and "required" in table and "'a'" in table
