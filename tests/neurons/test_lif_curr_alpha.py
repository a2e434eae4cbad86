"""LIFCurrAlpha (NEST iaf_psc_alpha): exact propagators, closed-form PSP, Brian2, bad input (docs/contract.md §3.9)."""

import math

import numpy as np
import pytest
from scipy.linalg import expm

import simcore as sc
from neurons.lif_alpha import alpha_propagators

DT = 0.1
P = dict(
    C_m=250.0, tau_m=10.0, E_L=-70.0, V_th=-55.0, V_reset=-70.0, t_ref=2.0, tau_syn_ex=2.0, tau_syn_in=0.5, I_e=0.0
)


def run(T, *, exc=None, inh=None, current=None, n=1, **kw):
    net = sc.Network()
    pop = net.add(sc.LIFCurrAlpha(n, **dict(P, **kw)))
    for receptor, values in (("exc", exc), ("inh", inh), ("I", current)):
        if values is not None:
            arr = np.asarray(values, float)
            net.add(sc.CurrentInput(pop, arr[:, None] if arr.ndim == 1 else arr, receptor=receptor))
    tr = net.add(sc.StateMonitor(pop, ("v", "I_ex", "I_in")))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=T, dt=DT, seed=0)
    return tr, sp


@pytest.mark.parametrize("tau_s", [0.5, 2.0, 9.99999, 10.0, 10.00001, 30.0])
def test_propagators_are_the_matrix_exponential(tau_s):
    # the linear system (dI, I, V - E_L): its exact propagator is expm(A h) (NEST's P31, P32)
    tau_m, C, h = 10.0, 250.0, DT
    A = np.array([[-1 / tau_s, 0, 0], [1, -1 / tau_s, 0], [0, 1 / C, -1 / tau_m]])
    M = expm(A * h)
    p = alpha_propagators(np.array([tau_m]), np.array([tau_s]), np.array([C]), h)
    assert p["P11"][0] == pytest.approx(M[0, 0], rel=1e-14)
    assert p["P31"][0] == pytest.approx(M[2, 0], rel=1e-12)
    assert p["P32"][0] == pytest.approx(M[2, 1], rel=1e-12)


def test_psp_is_the_closed_form():
    # w at t = 0: I(t) = w (t/tau_s) e^(1 - t/tau_s);
    # V(t) - E_L = (w e/(tau_s C)) e^(-t/tau_m) [t e^(a t)/a - (e^(a t) - 1)/a^2],  a = 1/tau_m - 1/tau_s
    T, w, tau_s, tau_m, C = 600, 100.0, 2.0, 10.0, 250.0
    exc = np.zeros(T)
    exc[0] = w
    tr, sp = run(T, exc=exc)
    t = np.arange(T) * DT
    a = 1 / tau_m - 1 / tau_s
    psp = w * math.e / (tau_s * C) * np.exp(-t / tau_m) * (t * np.exp(a * t) / a - np.expm1(a * t) / a**2)
    np.testing.assert_allclose(tr["v"][:, 0, 0], -70.0 + psp, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tr["I_ex"][:, 0, 0], w * (t / tau_s) * np.exp(1 - t / tau_s), rtol=1e-13, atol=1e-13)
    assert np.argmax(tr["I_ex"][:, 0, 0]) == 20 and tr["I_ex"][20, 0, 0] == pytest.approx(w, rel=1e-14)


def test_step_current_charges_exactly_and_inhibition_is_negative():
    # I held from step 0 on: v(t) = E_L + I tau_m/C (1 - e^(-t/tau_m)) for t >= 1 step (docs/contract.md §1)
    T = 400
    tr, _ = run(T, current=np.full(T, 200.0), V_th=0.0)
    t = np.arange(T) * DT
    np.testing.assert_allclose(tr["v"][:, 0, 0], -70.0 + 200.0 * 10.0 / 250.0 * -np.expm1(-t / 10.0), atol=1e-12)
    inh = np.zeros(50)
    inh[0] = -80.0
    tr, _ = run(50, inh=inh)
    assert tr["v"][10, 0, 0] < -70.0 and tr["I_in"][5, 0, 0] == pytest.approx(-80.0, rel=1e-14)


def test_refractory_and_threshold_rule():
    # docs/contract.md §3.2: R = floor(2.0/0.1 + 0.5) = 20; v held at V_reset in t+1 ... t+19
    tr, sp = run(120, I_e=2000.0)
    steps = sp.steps.tolist()
    assert len(steps) >= 2 and all(b - a >= 20 for a, b in zip(steps, steps[1:]))  # R = 20 steps
    v = tr["v"][:, 0, 0]
    assert np.all(v[steps[0] : steps[0] + 20] == -70.0) and v[steps[0] + 20] > -70.0


def test_matches_brian2_exact_method():
    harness = pytest.importorskip("tests.neurons.brian2_harness")
    try:
        b2 = harness.import_brian2()
    except harness.ReferenceUnavailable as exc_:
        pytest.skip(f"brian2 unavailable: {exc_}")
    N, T = 6, 3000
    rng = np.random.default_rng(3)
    exc = 400.0 * rng.poisson(0.05, size=(T, N))
    inh = -500.0 * rng.poisson(0.02, size=(T, N))
    cur = np.repeat(rng.uniform(0, 400.0, size=(T // 500, N)), 500, axis=0)
    ours_tr, ours_sp = run(T, exc=exc, inh=inh, current=cur, n=N)
    ms, mV, pF = b2.ms, b2.mV, b2.pF
    ns = {
        "C_m": P["C_m"] * pF,
        "tau_m": P["tau_m"] * ms,
        "E_L": P["E_L"] * mV,
        "V_th": P["V_th"] * mV,
        "V_reset": P["V_reset"] * mV,
        "tau_ex": P["tau_syn_ex"] * ms,
        "tau_in": P["tau_syn_in"] * ms,
        "e_ex": math.e / (P["tau_syn_ex"] * ms),
        "e_in": math.e / (P["tau_syn_in"] * ms),
    }
    eqs = """
    dv/dt = (E_L - v)/tau_m + (I_ex + I_in + I_stim)/C_m : volt (unless refractory)
    dI_ex/dt = x_ex - I_ex/tau_ex : amp
    dx_ex/dt = -x_ex/tau_ex : amp/second
    dI_in/dt = x_in - I_in/tau_in : amp
    dx_in/dt = -x_in/tau_in : amp/second
    I_stim : amp
    """
    try:
        steps, idx, trace = harness.run_group(
            eqs,
            N,
            T,
            namespace=ns,
            threshold="v > V_th",
            reset="v = V_reset",
            refractory=P["t_ref"] * ms,
            method="exact",
            inputs={"x_ex += {stim}*pA*e_ex": exc, "x_in += {stim}*pA*e_in": inh, "I_stim = {stim}*pA": cur},
            init={"v": P["E_L"] * mV},
        )
    except harness.ReferenceUnavailable as exc_:  # pragma: no cover - imported above
        pytest.skip(f"brian2 unavailable: {exc_}")
    assert len(ours_sp.steps) > 20
    assert sorted(zip(ours_sp.steps.tolist(), ours_sp.neurons.tolist())) == sorted(zip(steps.tolist(), idx.tolist()))
    np.testing.assert_allclose(ours_tr["v"][:, 0, :], trace["v"] * 1e3, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"C_m": 0.0}, r"C_m must be > 0; got 0"),
        ({"tau_m": -10.0}, r"tau_m must be > 0; got -10"),
        ({"tau_syn_ex": float("nan")}, r"tau_syn_ex must be finite; got nan"),
        ({"V_reset": -50.0}, r"V_reset must be < LIFCurrAlpha.V_th"),
    ],
)
def test_bad_parameters_name_the_parameter(kw, match):
    with pytest.raises(ValueError, match=match):
        net = sc.Network()
        net.add(sc.LIFCurrAlpha(2, **kw))
        net.build(dt=DT, seed=0)


def test_time_constant_in_seconds_and_weight_in_amperes_warn():
    net = sc.Network()
    net.add(sc.LIFCurrAlpha(2, tau_m=0.01))
    with pytest.warns(sc.SpikesimWarning, match=r"tau_m = 0.01 is implausible in ms"):
        net.build(dt=DT, seed=0)
    net = sc.Network()
    pop = net.add(sc.LIFCurrAlpha(2))
    net.connect(pop, pop, sc.AllToAll(), weight=1e-10, receptor="exc", delay=0.1)
    with pytest.warns(sc.SpikesimWarning, match=r"weight 1e-10 .* implausible in pA"):
        net.build(dt=DT, seed=0)
