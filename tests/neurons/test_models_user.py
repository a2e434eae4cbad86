"""User-defined models (docs/contract.md §3.6): Izhikevich (2003) and AdEx written with the public API only.

Evidence: the published firing patterns (Izhikevich 2003 RS and FS, Naud et
al. 2008 tonic AdEx) for a step input, naive references
(``izhikevich_step_reference``, ``adex_step_reference``) that the engine must
match exactly, hand-written first steps, a check that the model modules use
nothing but the public API, and a model written inside this test file.
"""

import ast
import math
import pathlib

import numpy as np
import pytest

import simcore as sc
from neurons.adex import AdEx
from neurons.izhikevich import Izhikevich

ROOT = pathlib.Path(__file__).resolve().parents[2]

# ----- Izhikevich (2003)

RS = dict(a=0.02, b=0.2, c=-65.0, d=8.0)
FS = dict(a=0.1, b=0.2, c=-65.0, d=2.0)
#: spikes in 1 s of a step input I = 10 from t = 0, dt = 0.1 ms, v(0) = -65, u(0) = b*v(0) = -13
RS_SPIKES, FS_SPIKES = 23, 125


def izhikevich_step_reference(v, u, I, a, b, c, d, v_peak, dt):
    """One forward-Euler step of Izhikevich (2003), new ``v`` first; returns ``v, u, s``."""
    v = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + I)
    u = u + dt * a * (b * v - u)
    s = v >= v_peak
    return np.where(s, c, v), np.where(s, u + d, u), s


@pytest.fixture(scope="module")
def rs_fs_run():
    """Neuron 0 regular spiking, neuron 1 fast spiking; 1 s of I = 10 at dt = 0.1 ms."""
    params = {k: np.array([RS[k], FS[k]]) for k in RS}
    net = sc.Network()
    pop = net.add(Izhikevich(2, **params))
    net.add(sc.StepCurrent(pop, 10.0))
    sp = net.add(sc.SpikeMonitor(pop))
    st = net.add(sc.StateMonitor(pop, ("v", "u")))
    net.run(1000.0, dt=0.1, seed=0)
    return params, sp, st


def test_izhikevich_regular_and_fast_spiking_counts(rs_fs_run):
    _, sp, _ = rs_fs_run
    counts = sp.count_per_neuron(0)
    assert counts.tolist() == [RS_SPIKES, FS_SPIKES]


def test_izhikevich_firing_patterns(rs_fs_run):
    _, sp, _ = rs_fs_run
    trains = sp.spike_trains(0)
    rs_isi, fs_isi = np.diff(trains[0]), np.diff(trains[1])
    # RS: spike-frequency adaptation, the first interval much shorter than the steady one
    assert rs_isi[0] < 0.6 * rs_isi[-1]
    assert np.ptp(rs_isi[-10:]) <= 0.1 + 1e-9  # then tonic at one interval (+- one step)
    # FS: high-frequency tonic firing with little adaptation, several times the RS rate
    assert FS_SPIKES > 4 * RS_SPIKES
    assert np.ptp(fs_isi[-50:]) <= 0.05 * fs_isi[-50:].mean()  # steady to within the step's jitter
    assert fs_isi[-1] < 10.0  # > 100 Hz


def test_izhikevich_matches_naive_reference(rs_fs_run):
    params, sp, st = rs_fs_run
    v, u = np.full(2, -65.0), np.full(2, -13.0)
    vs, spikes = [], []
    for t in range(10_000):
        v, u, s = izhikevich_step_reference(v, u, 10.0, params["a"], params["b"], params["c"], params["d"], 30.0, 0.1)
        vs.append(v)
        spikes.append(s)
    np.testing.assert_array_equal(st["v"][:, 0, :], np.array(vs))
    np.testing.assert_array_equal(sp.raster(10_000)[:, 0, :], np.array(spikes).astype(np.int8))


# ----- AdEx (Brette & Gerstner 2005), plain current input

#: Naud et al. (2008), Table 1, tonic spiking (I = 500 pA)
TONIC = dict(C_m=200.0, g_L=10.0, E_L=-70.0, V_T=-50.0, Delta_T=2.0, a=2.0, tau_w=30.0, b=0.0, V_reset=-58.0)


def adex_step_reference(V, w, I, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak=0.0, I_e=0.0, dt=0.1):
    """One explicit Euler step of the AdEx module docstring (scalars); returns ``V, w, s``."""
    Vc = min(V, V_peak)
    dV = (-g_L * (Vc - E_L) + g_L * Delta_T * math.exp((Vc - V_T) / Delta_T) - w + I + I_e) / C_m
    dw = (a * (Vc - E_L) - w) / tau_w
    V, w = V + dt * dV, w + dt * dw
    if V >= V_peak:
        return V_reset, w + b, True
    return V, w, False


def run_adex(pop, amplitude, start, duration, dt=0.1):
    net = sc.Network()
    net.add(pop)
    net.add(sc.StepCurrent(pop, amplitude, start=start))
    sp = net.add(sc.SpikeMonitor(pop))
    st = net.add(sc.StateMonitor(pop, ("V", "w")))
    net.run(duration, dt=dt, seed=0)
    return sp, st


def test_adex_first_steps_by_hand():
    sp, st = run_adex(AdEx(1, **TONIC), 500.0, 0.0, 1.0)
    V = st["V"][:, 0, 0]
    w = st["w"][:, 0, 0]
    # step 0 from V = E_L = -70, w = 0: dV/dt = (0 + 10*2*exp(-10) - 0 + 500)/200, dw/dt = (2*0 - 0)/30
    V1 = -70.0 + 0.1 * (
        (-10.0 * (-70.0 - -70.0) + 10.0 * 2.0 * math.exp((-70.0 - -50.0) / 2.0) - 0.0 + 500.0 + 0.0) / 200.0
    )
    w1 = 0.0 + 0.1 * ((2.0 * (-70.0 - -70.0) - 0.0) / 30.0)
    assert V[0] == V1 and w[0] == w1 == 0.0
    assert abs(V1 - (-70.0 + 0.1 * 2.5)) < 1e-5  # 500 pA / 200 pF = 2.5 mV/ms
    V2 = V1 + 0.1 * ((-10.0 * (V1 - -70.0) + 10.0 * 2.0 * math.exp((V1 - -50.0) / 2.0) - w1 + 500.0 + 0.0) / 200.0)
    w2 = w1 + 0.1 * ((2.0 * (V1 - -70.0) - w1) / 30.0)
    assert V[1] == V2 and w[1] == w2
    V3 = V2 + 0.1 * ((-10.0 * (V2 - -70.0) + 10.0 * 2.0 * math.exp((V2 - -50.0) / 2.0) - w2 + 500.0 + 0.0) / 200.0)
    w3 = w2 + 0.1 * ((2.0 * (V2 - -70.0) - w2) / 30.0)
    assert V[2] == V3 and w[2] == w3


def test_adex_tonic_spiking_for_a_step_current():
    # 500 pA from 50 ms on, 550 ms in all, dt = 0.1 ms
    sp, st = run_adex(AdEx(1, **TONIC), 500.0, 50.0, 550.0)
    times = sp.times
    assert times.size == 50 and times[0] > 50.0  # nothing before the step
    isi = np.diff(times)
    assert np.ptp(isi[-20:]) <= 0.1 + 1e-9  # one steady interval (+- one step)
    assert isi[0] > 0.9 * isi[-1]  # b = 0: no spike-frequency adaptation (tonic)
    assert 95.0 < 1000.0 / isi[-1] < 105.0  # about 100 Hz
    # the whole run against the naive reference
    V, w, ref_steps, Vs = -70.0, 0.0, [], []
    for t in range(5500):
        V, w, s = adex_step_reference(V, w, 500.0 if t >= 500 else 0.0, **TONIC)
        Vs.append(V)
        if s:
            ref_steps.append(t)
    np.testing.assert_array_equal(sp.steps, ref_steps)
    np.testing.assert_array_equal(st["V"][:, 0, 0], Vs)


def test_adex_default_parameters_adapt():
    # Brette & Gerstner (2005) defaults (a = 4 nS, b = 80.5 pA): intervals lengthen under a step current
    sp, _ = run_adex(AdEx(1), 800.0, 0.0, 500.0)
    isi = np.diff(sp.times)
    assert isi.size > 5 and isi[-1] > 2 * isi[0]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(Delta_T=0.0), "AdEx.Delta_T must be > 0; got 0.0"),
        (dict(C_m=-1.0), "AdEx.C_m must be > 0; got -1.0"),
        (dict(tau_w=0.0), "AdEx.tau_w must be > 0; got 0.0"),
        (dict(V_peak=-55.0), "AdEx.V_peak must be > V_T"),
        (dict(V_reset=5.0), "AdEx.V_reset must be < V_peak"),
        (dict(V_peak=200.0), r"\(V_peak - V_T\)/Delta_T must be <= 80.0"),
    ],
)
def test_adex_invalid_values_raise_before_running(kwargs, match):
    net = sc.Network()
    net.add(AdEx(2, **kwargs))
    with pytest.raises(ValueError, match=match):
        net.build(dt=0.1, seed=0)


# ----- the public API is enough


@pytest.mark.parametrize("path", ["neurons/izhikevich.py", "neurons/adex.py"])
def test_example_models_use_only_the_public_api(path):
    """Written as a user writes a model: only names that ``simcore`` exports (taken from the floors
    below the network, since these modules live inside ``neurons``)."""
    tree = ast.parse((ROOT / path).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert (node.level, node.module) in (
                (0, "__future__"),
                (1, "base"),
                (0, "simcore.base.distributions"),
                (0, "simcore.base.params"),
            ), node.module
            if node.module != "__future__":
                assert {a.name for a in node.names} <= set(sc.__all__)
        elif isinstance(node, ast.Import):
            assert {a.name for a in node.names} <= {"math", "numpy"}
        elif isinstance(node, ast.Attribute):
            assert not node.attr.startswith("_") or node.attr.startswith("__"), node.attr


class QuadraticIF(sc.NeuronModel):
    """A model written in a test: quadratic integrate-and-fire, dv = dt*(v*v + I), reset to v_r."""

    state = {"v": -1.0}
    params = {"v_peak": 10.0, "v_r": -1.0}
    receptors = ("I",)

    @sc.updates("v")
    def deliver(v, I, dt):
        return v + dt * (v * v + I)

    def threshold(v, v_peak):
        return 1.0 if v >= v_peak else 0.0

    @sc.updates("v")
    def reset(v_r):
        return v_r


def test_model_defined_in_user_code_runs_without_engine_changes():
    net = sc.Network()
    pop = net.add(QuadraticIF(2, v_peak=np.array([10.0, 5.0])))
    net.add(sc.StepCurrent(pop, np.array([0.5, 0.0])))
    sp = net.add(sc.SpikeMonitor(pop))
    st = net.add(sc.StateMonitor(pop, "v"))
    net.run(steps=400, dt=0.1, seed=0)
    v, ref, spikes = np.array([-1.0, -1.0]), [], []
    for _ in range(400):
        v = v + 0.1 * (v * v + np.array([0.5, 0.0]))
        s = v >= np.array([10.0, 5.0])
        v = np.where(s, -1.0, v)
        ref.append(v)
        spikes.append(s)
    np.testing.assert_array_equal(st["v"][:, 0, :], np.array(ref))
    np.testing.assert_array_equal(sp.raster(400)[:, 0, :], np.array(spikes).astype(np.int8))
    assert sp.count_per_neuron(0)[0] > 3 and sp.count_per_neuron(0)[1] == 0


# ----- a fast path (neurons/base.py: integrate_fast where fast_when holds for the whole population)


class _Stepper(sc.NeuronModel):
    """``x`` grows by 1 per step; the "fast" update adds 100 instead, so a test sees which path ran."""

    state = {"x": 0.0}
    params = {"limit": 10.0}
    spiking = False

    @sc.updates("x")
    def integrate(x):
        return x + 1.0

    @sc.updates("x")
    def integrate_fast(x):
        return x + 100.0

    def fast_when(x, limit):
        return x < limit


def test_fast_path_runs_when_fast_when_holds_for_every_neuron_of_the_sample():
    # sample 0 starts with every x below the limit: one fast step, then exact ones; sample 1 has one neuron
    # above it from the start: exact steps only (the choice is per sample, over the whole population)
    net = sc.Network()
    pop = net.add(_Stepper(3, init={"x": np.array([[0.0, 5.0, 9.0], [0.0, 5.0, 20.0]])}))
    st = net.add(sc.StateMonitor(pop, "x"))
    net.run(steps=3, batch_size=2, seed=0, threads=1)
    assert st["x"][:, 0].tolist() == [[100.0, 105.0, 109.0], [101.0, 106.0, 110.0], [102.0, 107.0, 111.0]]
    assert st["x"][:, 1].tolist() == [[1.0, 6.0, 21.0], [2.0, 7.0, 22.0], [3.0, 8.0, 23.0]]


class _NoGuard(sc.NeuronModel):
    state = {"x": 0.0}
    spiking = False

    @sc.updates("x")
    def integrate(x):
        return x + 1.0

    @sc.updates("x")
    def integrate_fast(x):
        return x + 1.0


class _WrongUpdates(sc.NeuronModel):
    state = {"x": 0.0, "y": 0.0}
    spiking = False

    @sc.updates("x", "y")
    def integrate(x, y):
        return x + 1.0, y

    @sc.updates("y", "x")
    def integrate_fast(x, y):
        return y, x + 1.0

    def fast_when(x):
        return True


class _DrawingGuard(_Stepper):
    def fast_when(x, uniform):
        return uniform < 0.5


@pytest.mark.parametrize(
    "model, match",
    [
        (_NoGuard, r"_NoGuard defines \['integrate_fast'\] without \['fast_when'\]"),
        (_WrongUpdates, r"integrate_fast must update what integrate updates.*\('x', 'y'\); got \('y', 'x'\)"),
        (_DrawingGuard, r"fast_when reads \['uniform'\]"),
    ],
)
def test_a_broken_fast_path_is_a_type_error_naming_it(model, match):
    net = sc.Network()
    net.add(model(2))
    with pytest.raises(TypeError, match=match):
        net.build(seed=0)


def test_a_subclass_with_its_own_integrate_drops_the_inherited_fast_path():
    # the parent's integrate_fast would run the parent's update where fast_when holds
    class Slower(_Stepper):
        @sc.updates("x")
        def integrate(x):
            return x + 2.0

    assert {"integrate_fast", "fast_when"} & set(Slower(1).phase_functions()) == set()
    assert {"integrate_fast", "fast_when"} <= set(sc.LIFCondExp(1).phase_functions())
