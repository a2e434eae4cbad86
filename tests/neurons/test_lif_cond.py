"""Conductance-based LIF (docs/contract.md §3.9): LIFCondExp and LIFCondAlpha by hand, in closed form, bad input."""

import math
import warnings

import numpy as np
import pytest

import simcore as sc
from tests.simcore.test_vexp import SAME_AS_LIBM

DT = 0.1
PARAMS = dict(
    C_m=200.0,
    g_L=10.0,
    E_L=-65.0,
    V_th=-50.0,
    V_reset=-70.0,
    E_ex=0.0,
    E_in=-80.0,
    tau_syn_ex=2.0,
    tau_syn_in=5.0,
    t_ref=0.3,
    I_e=0.0,
)


def single(model, T, *, exc=None, inh=None, current=None, init=None, monitors=("v", "g_ex", "g_in"), **kw):
    """One neuron of ``model`` with input arrays ``(T,)`` per receptor; returns (trace monitor, spike monitor)."""
    net = sc.Network()
    pop = net.add(model(1, init=init or {}, **dict(PARAMS, **kw)))
    for receptor, values in (("exc", exc), ("inh", inh), ("I", current)):
        if values is not None:
            net.add(sc.CurrentInput(pop, np.asarray(values, float)[:, None], receptor=receptor))
    tr = net.add(sc.StateMonitor(pop, monitors))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=T, dt=DT, seed=0)
    return tr, sp


def exp_euler_v(v, g_ex, g_in, I, p=PARAMS):
    """One exponential-Euler step of v with frozen conductances (docs/contract.md §3.9)."""
    g_tot = p["g_L"] + g_ex + g_in
    E_eff = (p["g_L"] * p["E_L"] + g_ex * p["E_ex"] + g_in * p["E_in"] + p["I_e"] + I) / g_tot
    return E_eff + (v - E_eff) * math.exp(-DT * g_tot / p["C_m"])


def test_exp_conductances_by_hand():
    # docs/contract.md §3.9: v moves with the conductances of the start of the step, then they decay exactly;
    # phase 2 input (§1) reaches v from the next step on; the current I is held over the following step
    T = 25
    exc, inh, cur = np.zeros(T), np.zeros(T), np.zeros(T)
    exc[0], inh[3], cur[1], cur[2] = 3.0, 5.0, 100.0, 50.0
    tr, _ = single(sc.LIFCondExp, T, exc=exc, inh=inh, current=cur)
    v, ge, gi, I = -65.0, 0.0, 0.0, 0.0
    P_e, P_i = math.exp(-DT / 2.0), math.exp(-DT / 5.0)
    for t in range(T):
        v = exp_euler_v(v, ge, gi, I)
        ge, gi = ge * P_e + exc[t], gi * P_i + inh[t]
        I = cur[t]
        assert tr["v"][t, 0, 0] == pytest.approx(v, rel=1e-14, abs=1e-12)
        assert tr["g_ex"][t, 0, 0] == pytest.approx(ge, rel=1e-14)
        assert tr["g_in"][t, 0, 0] == pytest.approx(gi, rel=1e-14)
    assert tr["v"][1, 0, 0] > -65.0 and tr["g_in"][3, 0, 0] == 5.0


@pytest.mark.parametrize("model", [sc.LIFCondExp, sc.LIFCondAlpha])
def test_relaxation_with_constant_current_is_the_closed_form(model):
    # without synaptic input the membrane is linear with constant coefficients: exponential Euler is exact,
    # v(t) = E_L + I_e/g_L + (v0 - E_L - I_e/g_L) exp(-t g_L/C_m)
    T = 300
    tr, sp = single(model, T, init={"v": -60.0}, I_e=80.0)
    t = (np.arange(T) + 1) * DT
    v_inf = -65.0 + 80.0 / 10.0
    np.testing.assert_allclose(tr["v"][:, 0, 0], v_inf + (-60.0 - v_inf) * np.exp(-t * 10.0 / 200.0), atol=1e-12)
    assert sp.steps.size == 0


def test_alpha_conductance_is_the_closed_form_and_peaks_at_the_weight():
    # NEST iaf_cond_alpha: a weight w at time 0 gives g(t) = w (t/tau) exp(1 - t/tau), g(tau) = w
    T = 200
    exc = np.zeros(T)
    exc[0] = 4.0
    tr, _ = single(sc.LIFCondAlpha, T, exc=exc, V_th=100.0)
    t = np.arange(T) * DT
    np.testing.assert_allclose(tr["g_ex"][:, 0, 0], 4.0 * (t / 2.0) * np.exp(1.0 - t / 2.0), rtol=1e-13, atol=1e-14)
    assert tr["g_ex"][20, 0, 0] == pytest.approx(4.0, rel=1e-14)
    assert np.argmax(tr["g_ex"][:, 0, 0]) == 20


def test_alpha_membrane_by_hand():
    T = 15
    inh = np.zeros(T)
    inh[0] = 2.0
    exc = np.zeros(T)
    exc[2] = 1.0
    tr, _ = single(sc.LIFCondAlpha, T, exc=exc, inh=inh, init={"v": -60.0})
    v, g, dg, h, dh = -60.0, 0.0, 0.0, 0.0, 0.0
    P_e, P_i = math.exp(-DT / 2.0), math.exp(-DT / 5.0)
    for t in range(T):
        v = exp_euler_v(v, g, h, 0.0)
        g, dg = (g + DT * dg) * P_e, dg * P_e + exc[t] * math.e / 2.0
        h, dh = (h + DT * dh) * P_i, dh * P_i + inh[t] * math.e / 5.0
        assert tr["v"][t, 0, 0] == pytest.approx(v, rel=1e-14, abs=1e-12)
        assert tr["g_ex"][t, 0, 0] == pytest.approx(g, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("model", [sc.LIFCondExp, sc.LIFCondAlpha])
def test_refractoriness_brian2_rule_and_strict_threshold(model):
    # docs/contract.md §3.2: t_ref = 0.3 ms -> R = 3: v held at V_reset in t+1, t+2, integrates again at t+3
    T = 12
    tr, sp = single(model, T, init={"v": -49.0}, monitors=("v", "ref"), I_e=5000.0)
    steps = sp.steps.tolist()
    assert steps[0] == 0 and all(b - a >= 3 for a, b in zip(steps, steps[1:]))
    v = tr["v"][:, 0, 0]
    assert v[0] == v[1] == v[2] == -70.0 and v[3] > -70.0
    tr, sp = single(model, 3, init={"v": -50.0}, E_L=-50.0)
    assert sp.steps.size == 0  # v == V_th does not fire: s = v > V_th


def test_conductances_keep_receiving_input_while_refractory():
    T = 4
    exc = np.zeros(T)
    exc[1] = 2.0
    tr, sp = single(sc.LIFCondExp, T, exc=exc, init={"v": -40.0}, t_ref=1.0)
    assert sp.steps.tolist() == [0]
    assert tr["g_ex"][1, 0, 0] == 2.0 and tr["v"][1, 0, 0] == -70.0


def _build(model, **kw):
    net = sc.Network()
    pop = net.add(model(2, **kw))
    net.build(dt=DT, seed=0)
    return pop


@pytest.mark.parametrize("model", [sc.LIFCondExp, sc.LIFCondAlpha])
@pytest.mark.parametrize(
    "kw, match",
    [
        ({"C_m": -200.0}, r"C_m must be > 0; got -200"),
        ({"g_L": 0.0}, r"g_L must be > 0; got 0"),
        ({"tau_syn_in": -1.0}, r"tau_syn_in must be > 0; got -1"),
        ({"t_ref": -0.5}, r"t_ref must be >= 0; got -0.5"),
        ({"E_ex": -90.0}, r"E_in must be < .*E_ex .*got E_in = -85.0, E_ex = -90.0"),
        ({"V_reset": -50.0, "V_th": -55.0}, r"V_reset must be < .*V_th"),
        ({"E_L": float("nan")}, r"E_L must be finite; got nan"),
        ({"g_L": np.array([10.0, np.inf])}, r"g_L must be finite; got inf"),
    ],
)
def test_bad_parameters_name_the_parameter(model, kw, match):
    with pytest.raises(ValueError, match=match):
        _build(model, **kw)


@pytest.mark.parametrize(
    "kw, name, unit",
    [
        ({"tau_syn_ex": 0.005}, "tau_syn_ex", "ms"),
        ({"C_m": 2e-10}, "C_m", "pF"),
        ({"g_L": 1e-8}, "g_L", "nS"),
        ({"E_L": -0.065, "V_th": -0.05, "V_reset": -0.06, "E_in": -0.08}, "E_L", "mV"),
    ],
)
def test_values_in_the_wrong_unit_warn(kw, name, unit):
    with pytest.warns(sc.SpikesimWarning, match=rf"{name} = .*{unit}"):
        _build(sc.LIFCondExp, **kw)


def test_weight_in_siemens_warns_and_sensible_values_do_not():
    net = sc.Network()
    pop = net.add(sc.LIFCondExp(2))
    net.connect(pop, pop, sc.AllToAll(), weight=1e-9, receptor="exc", delay=0.1, name="in_siemens")
    with pytest.warns(sc.SpikesimWarning, match=r"weight 1e-09 of projection 'in_siemens' onto receptor 'exc'.*nS"):
        net.build(dt=DT, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = sc.Network()
        pop = net.add(sc.LIFCondExp(2))
        net.connect(pop, pop, sc.AllToAll(), weight=6.0, receptor="exc", delay=0.1)
        net.build(dt=DT, seed=0)


def _libm_exp(x: float) -> float:
    """The C library's ``exp`` (``math.exp``), ``inf`` where it overflows (Python raises instead)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _branching_reference(T, exc, inh, cur, v0, p=PARAMS):
    """LIFCondExp as the branching loop it was before the branch-free pass (docs/contract.md §3.9, §3.2)."""
    n = v0.size
    v, ge, gi, I, ref = v0.copy(), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    R = math.floor(p["t_ref"] / DT + 0.5)
    P_e, P_i = math.exp(-DT / p["tau_syn_ex"]), math.exp(-DT / p["tau_syn_in"])
    gE_L, dt_C = p["g_L"] * p["E_L"], DT / p["C_m"]
    vs, spikes = np.empty((T, n)), []
    for t in range(T):
        for i in range(n):
            ref[i] = ref[i] - 1.0 if ref[i] > 0.0 else ref[i]
            if ref[i] <= 0.0:
                g_tot = p["g_L"] + ge[i] + gi[i]
                E_eff = (gE_L + ge[i] * p["E_ex"] + gi[i] * p["E_in"] + p["I_e"] + I[i]) / g_tot
                v[i] = E_eff + (v[i] - E_eff) * _libm_exp(-g_tot * dt_C)
            ge[i], gi[i], I[i] = ge[i] * P_e + exc[t, i], gi[i] * P_i + inh[t, i], cur[t, i]
            if ref[i] <= 0.0 and v[i] > p["V_th"]:
                v[i], ref[i] = p["V_reset"], R
                spikes.append((t, i))
        vs[t] = v
    return vs, spikes


@pytest.mark.skipif(not SAME_AS_LIBM, reason="vexp rounds like glibc's exp only; elsewhere the last bits may differ")
def test_branch_free_pass_equals_the_branching_form_bit_for_bit(rng):
    # the state pass computes the free step for every neuron and keeps it where not refractory, with vexp:
    # v, spikes and refractoriness are those of the branching loop with math.exp, to the last bit
    T, n = 300, 37
    exc = rng.exponential(3.0, (T, n)) * (rng.random((T, n)) < 0.3)
    inh = rng.exponential(8.0, (T, n)) * (rng.random((T, n)) < 0.2)
    cur = rng.normal(600.0, 300.0, (T, n))
    v0 = rng.uniform(-70.0, -45.0, n)
    net = sc.Network()
    pop = net.add(sc.LIFCondExp(n, init={"v": v0}, **PARAMS))
    for receptor, values in (("exc", exc), ("inh", inh), ("I", cur)):
        net.add(sc.CurrentInput(pop, values, receptor=receptor))
    tr = net.add(sc.StateMonitor(pop, "v"))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=T, dt=DT, seed=0, threads=1)
    vs, spikes = _branching_reference(T, exc, inh, cur, v0)
    assert len(spikes) > 50
    assert sorted(zip(sp.steps.tolist(), sp.neurons.tolist())) == spikes
    assert np.array_equal(tr["v"][:, 0, :], vs)


def _phase_args(model, rng, n):
    """``n`` random argument sets of ``model``'s phase 1: conductances from 1e-3 to 1e8 nS of both signs, and
    the last ones around the edge of vexp's ordinary range, ``|dt g_tot / C_m| = 512``."""
    params = {k: float(v[0]) for k, v in model(1, **PARAMS).realize_params(rng, DT).items()}
    g = np.sign(rng.uniform(-1, 3, (2, n))) * 10.0 ** rng.uniform(-3, 8, (2, n))
    edge = 512.0 / params["dt_C"] - params["g_L"]
    g[0, -40:] = edge * (1 + np.linspace(-1e-14, 1e-14, 40))
    g[1, -40:] = 0.0
    g[:, -1] = np.nan
    state = {"v": rng.uniform(-90, 0, n), "I_stim": rng.normal(0, 300, n), "ref": rng.choice([0.0, 3.0], n)}
    state.update(g_ex=g[0], g_in=g[1], dg_ex=rng.uniform(0, 5, n), dg_in=rng.uniform(0, 5, n))
    return [{**params, "dt": DT, **{k: float(v[i]) for k, v in state.items()}} for i in range(n)]


@pytest.mark.parametrize("model", [sc.LIFCondExp, sc.LIFCondAlpha])
def test_fast_path_is_the_exact_step_wherever_fast_when_holds(model, rng):
    # neurons/base.py: fast_when holds exactly where exp's argument -dt g_tot/C_m is in vexp's ordinary range
    # (docs/contract.md §3.9), and there integrate_fast returns integrate's state to the last bit
    fns = model(1).phase_functions()
    exact, fast, when = fns["integrate"], fns["integrate_fast"], fns["fast_when"]
    fast_steps = 0
    for a in _phase_args(model, rng, 4000):
        x = -(a["g_L"] + a["g_ex"] + a["g_in"]) * a["dt_C"]
        ok = when(*[a[k] for k in when.arg_names])
        assert ok == (abs(x) < 512.0)
        if ok:
            got, want = (np.array(f(*[a[k] for k in f.arg_names])) for f in (fast, exact))
            assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), a
            fast_steps += 1
    assert 1000 < fast_steps < 3960


@pytest.mark.skipif(not SAME_AS_LIBM, reason="vexp rounds like glibc's exp only; elsewhere the last bits may differ")
def test_exact_path_when_a_neuron_leaves_the_ordinary_range(rng):
    # one neuron's conductance jumps so high that exp underflows (then walks back through glibc's special
    # cases as it decays) and another turns negative (exp overflows): those steps take the exact integrate
    # for the whole population, and every neuron equals the branching loop with math.exp to the last bit
    T, n = 200, 16
    exc = rng.exponential(3.0, (T, n)) * (rng.random((T, n)) < 0.3)
    inh = rng.exponential(8.0, (T, n)) * (rng.random((T, n)) < 0.2)
    exc[20, 3], exc[30, 5], inh[150, 7] = 3e7, 1.2e6, -9e6
    cur = rng.normal(600.0, 300.0, (T, n))
    v0 = rng.uniform(-70.0, -45.0, n)
    net = sc.Network()
    pop = net.add(sc.LIFCondExp(n, init={"v": v0}, **PARAMS))
    for receptor, values in (("exc", exc), ("inh", inh), ("I", cur)):
        net.add(sc.CurrentInput(pop, values, receptor=receptor))
    tr = net.add(sc.StateMonitor(pop, ("v", "g_ex", "g_in")))
    net.run(steps=T, dt=DT, seed=0, threads=1)
    x = -(PARAMS["g_L"] + tr["g_ex"][:, 0, :] + tr["g_in"][:, 0, :]) * DT / PARAMS["C_m"]  # exp's argument
    assert x.min() < -1024 and np.any((x[:, 5] < -512) & (x[:, 5] > -1024)) and x.max() > 512
    vs, _ = _branching_reference(T, exc, inh, cur, v0)
    assert np.array_equal(tr["v"][:, 0, :], vs, equal_nan=True)
