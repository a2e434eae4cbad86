"""``Network.run(fastmath=...)``: exact by default, LLVM fast-math (NaN and inf kept) when asked."""

import numpy as np
import pytest

from simcore.base.codegen import FASTMATH_FLAGS
from simcore.builtin import coba, cuba


def _spikes(net):
    mons = [m for m in net.monitors if type(m).__name__ == "SpikeMonitor"]
    return [(m.steps.copy(), m.neurons.copy(), m.samples.copy()) for m in mons]


def _rate(net):
    counts = sum(m.counts.sum() for m in net.monitors if type(m).__name__ == "PopulationRateMonitor")
    return counts / net.n_neurons / net.ctx.batch_size / (net.t * net.ctx.dt / 1000.0)


def test_flags_keep_nan_and_inf_semantics():
    assert "nnan" not in FASTMATH_FLAGS and "ninf" not in FASTMATH_FLAGS
    assert FASTMATH_FLAGS == {"nsz", "arcp", "contract", "afn", "reassoc"}


def test_fastmath_false_is_bit_identical_to_a_run_without_the_argument():
    plain, exact = cuba(n=400), cuba(n=400)
    plain.run(200.0, seed=3, batch_size=2)
    exact.run(200.0, seed=3, batch_size=2, fastmath=False)
    for (s1, n1, b1), (s2, n2, b2) in zip(_spikes(plain), _spikes(exact)):
        assert np.array_equal(s1, s2) and np.array_equal(n1, n2) and np.array_equal(b1, b2)
    for name in ("exc", "inh"):
        for var, arr in plain.population(name).arrays.items():
            assert np.array_equal(arr, exact.population(name).arrays[var]), var
    assert "_fastmath" not in exact.source.split("(")[0]
    assert exact.fastmath is False and plain.fastmath is False


@pytest.mark.parametrize("make", [cuba, coba], ids=["cuba", "coba"])
def test_fastmath_rates_within_two_percent(make):
    exact, fast = make(), make()
    exact.run(1000.0, seed=1)
    fast.run(1000.0, seed=1, fastmath=True)
    assert fast.fastmath is True and "_fastmath(" in fast.source
    r_exact, r_fast = _rate(exact), _rate(fast)
    assert r_exact > 1.0
    assert abs(r_fast - r_exact) <= 0.02 * r_exact, (r_exact, r_fast)


def test_fastmath_phase_functions_are_separate_copies():
    net = coba(n=200, record=False)
    net.build(seed=1)
    exact = net.population("exc").phase_functions()["integrate"]
    fast = exact.fastmath_variant(FASTMATH_FLAGS)
    assert fast is not exact and fast is exact.fastmath_variant(FASTMATH_FLAGS)  # compiled once, cached
    assert fast.targetoptions["fastmath"] == set(FASTMATH_FLAGS)
    assert not exact.targetoptions.get("fastmath")
    assert fast.fastmath_variant(frozenset()) is exact
    assert fast.arg_names == exact.arg_names and fast.updates == exact.updates


def test_nan_input_current_propagates_under_fastmath():
    net = cuba(n=200, record=False)
    net.build(seed=1)
    exc = net.population("exc")
    exc["g_exc"][0, 5] = np.nan  # the synaptic current trace of one neuron
    net.run(5.0, fastmath=True)
    assert np.isnan(exc["v"][0, 5]) and np.isnan(exc["g_exc"][0, 5])
    others = np.delete(exc["v"][0], 5)
    assert np.all(np.isfinite(others))


@pytest.mark.parametrize("bad", ["yes", 1, 0.0, [True]])
def test_bad_fastmath_is_a_type_error_naming_it(bad):
    net = cuba(n=100, record=False)
    with pytest.raises(TypeError, match="fastmath"):
        net.run(1.0, fastmath=bad)
    assert net.ctx is None  # refused before anything was built


def test_fastmath_is_fixed_by_the_first_run():
    net = cuba(n=100, record=False)
    net.run(1.0, fastmath=True, seed=1)
    net.run(1.0)  # None: as fixed
    net.run(1.0, fastmath=True)
    with pytest.raises(ValueError, match="fastmath"):
        net.run(1.0, fastmath=False)
    assert net.t == 30
