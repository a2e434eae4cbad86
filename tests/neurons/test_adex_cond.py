"""AdExCondExp (NEST aeif_cond_exp): both integration methods by hand / against an ODE solver, Brian2, NEST, bad input.

docs/contract.md §3.9: exponential Euler by default; ``method="rk4"`` is the other method, selected by name.
"""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import simcore as sc

DT = 0.1
P = dict(
    C_m=281.0,
    g_L=30.0,
    E_L=-70.6,
    V_th=-50.4,
    Delta_T=2.0,
    V_peak=0.0,
    V_reset=-60.0,
    tau_w=144.0,
    a=4.0,
    b=80.5,
    E_ex=0.0,
    E_in=-85.0,
    tau_syn_ex=5.0,
    tau_syn_in=2.0,
    t_ref=0.0,
    I_e=300.0,
)


def run(T, method=None, *, exc=None, current=None, n=1, monitors=("v", "w", "g_ex"), **kw):
    net = sc.Network()
    extra = {} if method is None else {"method": method}
    pop = net.add(sc.AdExCondExp(n, **dict(P, **kw), **extra))
    for receptor, values in (("exc", exc), ("I", current)):
        if values is not None:
            arr = np.asarray(values, float)
            net.add(sc.CurrentInput(pop, arr[:, None] if arr.ndim == 1 else arr, receptor=receptor))
    tr = net.add(sc.StateMonitor(pop, monitors))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=T, dt=DT, seed=0)
    return pop, tr, sp


def test_default_method_is_exponential_euler_and_by_hand():
    T = 20
    exc = np.zeros(T)
    exc[0] = 8.0
    cur = np.zeros(T)
    cur[3:] = 150.0
    pop, tr, _ = run(T, exc=exc, current=cur)
    assert pop.options["method"] == "exponential_euler" and pop.describe()["params"]["method"] == "exponential_euler"
    v, w, g, I = -70.6, 0.0, 0.0, 0.0
    for t in range(T):  # docs/contract.md §3.9: all frozen at the start of the step, each relaxes exactly
        I_exp = 30.0 * 2.0 * math.exp((v + 50.4) / 2.0)
        g_tot = 30.0 + g
        E_eff = (30.0 * -70.6 + g * 0.0 + I_exp - w + 300.0 + I) / g_tot
        w_inf = 4.0 * (v + 70.6)
        v, w = E_eff + (v - E_eff) * math.exp(-DT * g_tot / 281.0), w_inf + (w - w_inf) * math.exp(-DT / 144.0)
        g = g * math.exp(-DT / 5.0) + exc[t]
        I = cur[t]
        assert tr["v"][t, 0, 0] == pytest.approx(v, rel=1e-14, abs=1e-12)
        assert tr["w"][t, 0, 0] == pytest.approx(w, rel=1e-13, abs=1e-13)


def test_rk4_is_fourth_order_accurate_and_differs_from_exponential_euler():
    # one jump at step 0, subthreshold: v(step k) is the ODE's solution at k*dt after it
    T, g0 = 500, 6.0
    exc = np.zeros(T)
    exc[0] = g0
    # step 0 integrates from rest before the jump arrives (docs/contract.md §1); the solution starts there
    _, tr_rk, sp = run(T, "rk4", exc=exc)
    _, tr_ee, _ = run(T, "exponential_euler", exc=exc)
    ref = _reference_solution_from(T, g0, tr_rk["v"][0, 0, 0], tr_rk["w"][0, 0, 0])
    err_rk = np.abs(tr_rk["v"][:, 0, 0] - ref).max()
    err_ee = np.abs(tr_ee["v"][:, 0, 0] - ref).max()
    assert sp.steps.size == 0 and np.ptp(ref) > 1.0
    assert err_rk < 1e-7
    assert err_ee > 100 * err_rk


def _reference_solution_from(T, g0, v0, w0):
    """The continuous model from ``(v0, w0)`` after a jump ``g0`` at t = 0 (no spike), by a tight ODE solver."""

    def rhs(t, y):
        v, w = y
        g = g0 * math.exp(-t / 5.0)
        dv = (-30.0 * (v + 70.6) + 60.0 * math.exp((v + 50.4) / 2.0) - g * v - w + 300.0) / 281.0
        return [dv, (4.0 * (v + 70.6) - w) / 144.0]

    t = np.arange(T) * DT
    sol = solve_ivp(rhs, (0.0, t[-1]), [v0, w0], t_eval=t, method="DOP853", rtol=1e-12, atol=1e-12)
    return sol.y[0]


def test_spikes_reset_and_adapt():
    _, tr, sp = run(3000, "rk4", I_e=800.0)
    steps = sp.steps
    assert len(steps) >= 5 and np.all(np.diff(np.diff(steps)) > 0)  # intervals lengthen (adaptation)
    assert tr["v"][steps[0], 0, 0] == -60.0 and tr["w"][steps[0], 0, 0] > 80.5


def test_rk4_spike_times_close_to_nest():
    nest_ref = pytest.importorskip("benchmarks.references.nest")
    try:
        nest = nest_ref.import_nest()
    except nest_ref.ReferenceUnavailable as exc:
        pytest.skip(f"nest unavailable: {exc}")
    nest.ResetKernel()
    nest.resolution = DT
    cell = nest.Create("aeif_cond_exp", params={"I_e": 800.0})
    rec = nest.Create("spike_recorder")
    nest.Connect(cell, rec)
    nest.Simulate(500.0)
    t_nest = np.asarray(rec.get("events")["times"])
    _, _, sp = run(5000, "rk4", I_e=800.0)
    ours = sp.steps * DT
    assert len(ours) == len(t_nest) >= 6
    np.testing.assert_allclose(ours, t_nest, atol=0.5)  # NEST: adaptive RK45 (its own step control)


def test_exponential_euler_matches_brian2():
    harness = pytest.importorskip("tests.neurons.brian2_harness")
    try:
        b2 = harness.import_brian2()
    except harness.ReferenceUnavailable as exc:
        pytest.skip(f"brian2 unavailable: {exc}")
    N, T = 5, 4000
    rng = np.random.default_rng(11)
    exc = 4.0 * rng.poisson(0.05, size=(T, N))
    cur = np.repeat(rng.uniform(0.0, 600.0, size=(T // 500, N)), 500, axis=0)
    _, tr, sp = run(T, exc=exc, current=cur, n=N, monitors=("v", "w"))
    ms, mV, nS, pF, pA = b2.ms, b2.mV, b2.nS, b2.pF, b2.pA
    ns = {
        "C_m": 281.0 * pF,
        "g_L": 30.0 * nS,
        "E_L": -70.6 * mV,
        "V_T": -50.4 * mV,
        "Delta_T": 2.0 * mV,
        "V_peak": 0.0 * mV,
        "V_reset": -60.0 * mV,
        "tau_w": 144.0 * ms,
        "a": 4.0 * nS,
        "b": 80.5 * pA,
        "E_ex": 0.0 * mV,
        "tau_ex": 5.0 * ms,
        "I_e": 300.0 * pA,
    }
    eqs = """
    dv/dt = (g_L*(E_L - v) + I_exp + g_ex*(E_ex - v) - w + I_e + I_stim)/C_m : volt
    I_exp = g_L*Delta_T*exp((clip(v, -1*volt, V_peak) - V_T)/Delta_T) : amp (constant over dt)
    dw/dt = (a*(v - E_L) - w)/tau_w : amp
    dg_ex/dt = -g_ex/tau_ex : siemens
    I_stim : amp
    """
    steps, idx, trace = harness.run_group(
        eqs,
        N,
        T,
        namespace=ns,
        threshold="v >= V_peak",
        reset="v = V_reset; w += b",
        inputs={"g_ex += {stim}*nS": exc, "I_stim = {stim}*pA": cur},
        init={"v": -70.6 * mV},
        record=("v", "w"),
    )
    assert len(sp.steps) > 10
    assert sorted(zip(sp.steps.tolist(), sp.neurons.tolist())) == sorted(zip(steps.tolist(), idx.tolist()))
    np.testing.assert_allclose(tr["v"][:, 0, :], trace["v"] * 1e3, rtol=0, atol=1e-8)
    np.testing.assert_allclose(tr["w"][:, 0, :], trace["w"] * 1e12, rtol=1e-10, atol=1e-8)


@pytest.mark.parametrize(
    "kw, exc_type, match",
    [
        ({"method": "euler"}, ValueError, r"method must be one of \('exponential_euler', 'rk4'\); got 'euler'"),
        ({"C_m": -1.0}, ValueError, r"C_m must be > 0; got -1"),
        ({"Delta_T": 0.0}, ValueError, r"Delta_T must be > 0; got 0"),
        ({"tau_w": 0.0}, ValueError, r"tau_w must be > 0; got 0"),
        ({"V_peak": -55.0}, ValueError, r"V_th must be < AdExCondExp.V_peak"),
        ({"V_peak": 500.0, "Delta_T": 0.5}, ValueError, r"\(V_peak - V_th\)/Delta_T must be <= 80"),
        ({"E_in": 10.0}, ValueError, r"E_in must be < AdExCondExp.E_ex"),
        ({"a": float("nan")}, ValueError, r"a must be finite; got nan"),
    ],
)
def test_bad_parameters_name_the_parameter(kw, exc_type, match):
    with pytest.raises(exc_type, match=match):
        net = sc.Network()
        net.add(sc.AdExCondExp(2, **kw))
        net.build(dt=DT, seed=0)


def test_fast_path_is_the_exact_step_wherever_fast_when_holds(rng):
    # neurons/base.py: fast_when holds exactly where both exponents, (min(v, V_peak) - V_th)/Delta_T and
    # -dt g_tot/C_m, are in vexp's ordinary range, and there integrate_fast returns integrate's state bit for bit
    fns = sc.AdExCondExp(1, **P).phase_functions()
    assert "fast_when" not in sc.AdExCondExp(1, method="rk4").phase_functions()
    exact, fast, when = fns["integrate"], fns["integrate_fast"], fns["fast_when"]
    params = {k: float(v[0]) for k, v in sc.AdExCondExp(1, **P).realize_params(rng, DT).items()}
    n, fast_steps = 4000, 0
    g = np.sign(rng.uniform(-1, 3, (2, n))) * 10.0 ** rng.uniform(-3, 8, (2, n))
    v = np.where(rng.random(n) < 0.5, rng.uniform(-90, 10, n), -(10.0 ** rng.uniform(1, 4, n)))
    v[-40:] = params["V_th"] - 512.0 * params["Delta_T"] * (1 + np.linspace(-1e-14, 1e-14, 40))  # at the edge
    for i in range(n):
        a = dict(params, v=v[i], w=rng.normal(0, 100), g_ex=g[0, i], g_in=g[1, i], I_stim=rng.normal(0, 300))
        a["ref"] = float(rng.choice([0.0, 3.0]))
        x_spike = (min(a["v"], a["V_peak"]) - a["V_th"]) / a["Delta_T"]
        x_membrane = -(a["g_L"] + a["g_ex"] + a["g_in"]) * a["dt_C"]
        ok = when(*[a[k] for k in when.arg_names])
        assert ok == (abs(x_spike) < 512.0 and abs(x_membrane) < 512.0)
        if ok:
            got, want = (np.array(f(*[a[k] for k in f.arg_names])) for f in (fast, exact))
            assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), a
            fast_steps += 1
    assert 1000 < fast_steps < 3960
