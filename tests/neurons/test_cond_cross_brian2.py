"""Conductance LIFs against Brian2 (exponential Euler, float64): same inputs, same spikes, same v.

Unconnected neurons receive random conductance jumps on ``exc`` and ``inh`` and
a current on ``I``; Brian2 runs the same equations in SI units
(tests/neurons/brian2_harness.py). LIFCondExp is Brian2's own
``exponential_euler``; for LIFCondAlpha Brian2 integrates v the same way and the
alpha pairs are propagated exactly after each state update (docs/contract.md §3.9).
"""

import math

import numpy as np
import pytest

import simcore as sc

_ref = pytest.importorskip("benchmarks.references.brian2")
try:  # a cross-simulator check: skipped without Brian2 (the bench extra); NumPy 2.4 needs the reference's shim
    _ref.import_brian2()
except _ref.ReferenceUnavailable as exc:
    pytest.skip(f"brian2 unavailable: {exc}", allow_module_level=True)
harness = pytest.importorskip("tests.neurons.brian2_harness")

N, T, DT = 8, 3000, 0.1
P = dict(
    C_m=200.0,
    g_L=10.0,
    E_L=-65.0,
    V_th=-50.0,
    V_reset=-62.0,
    E_ex=0.0,
    E_in=-80.0,
    tau_syn_ex=3.0,
    tau_syn_in=7.0,
    t_ref=2.0,
    I_e=20.0,
)
V_EQ = """
dv/dt = (g_L*(E_L - v) + g_ex*(E_ex - v) + g_in*(E_in - v) + I_e + I_stim)/C_m : volt (unless refractory)
I_stim : amp
"""


def inputs():
    rng = np.random.default_rng(7)
    exc = 3.0 * rng.poisson(0.08, size=(T, N))
    inh = 6.0 * rng.poisson(0.03, size=(T, N))
    cur = np.repeat(rng.uniform(0.0, 300.0, size=(T // 500, N)), 500, axis=0)
    return exc, inh, cur


def namespace(b2):
    ms, mV, nS, pF, pA = b2.ms, b2.mV, b2.nS, b2.pF, b2.pA
    return {
        "C_m": P["C_m"] * pF,
        "g_L": P["g_L"] * nS,
        "E_L": P["E_L"] * mV,
        "V_th": P["V_th"] * mV,
        "V_reset": P["V_reset"] * mV,
        "E_ex": P["E_ex"] * mV,
        "E_in": P["E_in"] * mV,
        "tau_syn_ex": P["tau_syn_ex"] * ms,
        "tau_syn_in": P["tau_syn_in"] * ms,
        "I_e": P["I_e"] * pA,
        "P_ex": math.exp(-DT / P["tau_syn_ex"]),
        "P_in": math.exp(-DT / P["tau_syn_in"]),
        "e_ex": math.e / (P["tau_syn_ex"] * ms),
        "e_in": math.e / (P["tau_syn_in"] * ms),
    }


def ours(model, exc, inh, cur):
    net = sc.Network()
    pop = net.add(model(N, **P))
    for receptor, values in (("exc", exc), ("inh", inh), ("I", cur)):
        net.add(sc.CurrentInput(pop, values, receptor=receptor))
    tr = net.add(sc.StateMonitor(pop, ("v",)))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=T, dt=DT, seed=0)
    return sorted(zip(sp.steps.tolist(), sp.neurons.tolist())), tr["v"][:, 0, :]


def theirs(eqs, exc, inh, cur, codes, after_update=None):
    b2 = harness.import_brian2()
    try:
        steps, idx, trace = harness.run_group(
            eqs,
            N,
            T,
            namespace=namespace(b2),
            threshold="v > V_th",
            reset="v = V_reset",
            refractory=P["t_ref"] * b2.ms,
            inputs={codes[0]: exc, codes[1]: inh, "I_stim = {stim}*pA": cur},
            init={"v": P["E_L"] * b2.mV},
            after_update=after_update,
        )
    except harness.ReferenceUnavailable as exc_:
        pytest.skip(f"brian2 unavailable: {exc_}")
    return sorted(zip(steps.tolist(), idx.tolist())), trace["v"] * 1e3


def check(mine, ref):
    (s1, v1), (s2, v2) = mine, ref
    assert len(s1) > 20
    assert s1 == s2
    np.testing.assert_allclose(v1, v2, rtol=0, atol=1e-9)


def test_lif_cond_exp_matches_brian2():
    exc, inh, cur = inputs()
    eqs = V_EQ + "dg_ex/dt = -g_ex/tau_syn_ex : siemens\ndg_in/dt = -g_in/tau_syn_in : siemens\n"
    check(ours(sc.LIFCondExp, exc, inh, cur), theirs(eqs, exc, inh, cur, ("g_ex += {stim}*nS", "g_in += {stim}*nS")))


def test_lif_cond_alpha_matches_brian2_with_exact_alpha_pairs():
    exc, inh, cur = inputs()
    eqs = V_EQ + "g_ex : siemens\ng_in : siemens\ndg_ex : siemens/second\ndg_in : siemens/second\n"
    after = "g_ex = (g_ex + dt*dg_ex)*P_ex\ndg_ex = dg_ex*P_ex\ng_in = (g_in + dt*dg_in)*P_in\ndg_in = dg_in*P_in"
    check(
        ours(sc.LIFCondAlpha, exc, inh, cur),
        theirs(eqs, exc, inh, cur, ("dg_ex += {stim}*nS*e_ex", "dg_in += {stim}*nS*e_in"), after),
    )
