"""Contract tests: biological LIF (docs/contract.md §3.2) by hand and against closed-form solutions."""

import math

import numpy as np
import pytest

import simcore as sc

DT = 0.1


def bio_net(n=1, *, stim=None, receptor="exc", init=None, monitors=("v", "g_exc", "g_inh", "ref"), **kw):
    params = dict(E_L=-65.0, V_th=-50.0, V_reset=-70.0, tau_m=10.0, t_ref=0.3, tau_syn={"exc": 2.0, "inh": 5.0})
    params.update(kw)
    net = sc.Network()
    pop = net.add(sc.LIFBio(n, init=init or {}, **params))
    if stim is not None:
        net.add(sc.CurrentInput(pop, stim, receptor=receptor))
    tr = net.add(sc.StateMonitor(pop, monitors))
    sp = net.add(sc.SpikeMonitor(pop))
    return net, pop, tr, sp


def test_exact_propagation_two_receptors_by_hand():
    # one pulse into each receptor at step 0, then free evolution (docs/contract.md §3.2 phase 1)
    T = 30
    exc = np.zeros((T, 1))
    exc[0, 0] = 3.0
    net = sc.Network()
    pop = net.add(
        sc.LIFBio(1, E_L=-65.0, V_th=0.0, V_reset=-70.0, tau_m=10.0, t_ref=2.0, tau_syn={"exc": 2.0, "inh": 5.0})
    )
    net.add(sc.CurrentInput(pop, exc, receptor="exc"))
    net.add(sc.CurrentInput(pop, -0.5 * exc, receptor="inh"))
    tr = net.add(sc.StateMonitor(pop, ("v", "g_exc", "g_inh")))
    net.run(steps=T, dt=DT, seed=0)
    P_m, P_e, P_i = math.exp(-DT / 10), math.exp(-DT / 2), math.exp(-DT / 5)
    c_e = 2.0 / (2.0 - 10.0) * (P_e - P_m)
    c_i = 5.0 / (5.0 - 10.0) * (P_i - P_m)
    v, ge, gi = -65.0, 0.0, 0.0
    for t in range(T):
        v = -65.0 + (v + 65.0) * P_m + ge * c_e + gi * c_i  # phase 1 uses g of t-1
        ge, gi = ge * P_e, gi * P_i
        if t == 0:  # phase 2
            ge, gi = ge + 3.0, gi - 1.5
        assert tr["v"][t, 0, 0] == pytest.approx(v, rel=1e-13, abs=1e-12)
        assert tr["g_exc"][t, 0, 0] == pytest.approx(ge, rel=1e-13)
        assert tr["g_inh"][t, 0, 0] == pytest.approx(gi, rel=1e-13)


def test_matches_closed_form_psp():
    # v(t) - E_L after a jump g0 at time 0: g0*tau_r/(tau_r - tau_m)*(exp(-t/tau_r) - exp(-t/tau_m))
    T = 400
    stim = np.zeros((T, 1))
    stim[0, 0] = 2.0
    net, pop, tr, _ = bio_net(stim=stim, V_th=100.0)
    net.run(steps=T, dt=DT, seed=0)
    t = np.arange(T) * DT  # the pulse lands at step 0, so step k is k*dt after it
    analytic = -65.0 + 2.0 * 2.0 / (2.0 - 10.0) * (np.exp(-t / 2.0) - np.exp(-t / 10.0))
    np.testing.assert_allclose(tr["v"][:, 0, 0], analytic, rtol=0, atol=1e-12)


def test_equal_time_constants_use_the_limit():
    T = 100
    stim = np.zeros((T, 1))
    stim[0, 0] = 1.0
    net, pop, tr, _ = bio_net(stim=stim, V_th=100.0, tau_syn={"exc": 10.0, "inh": 5.0})
    net.run(steps=T, dt=DT, seed=0)
    t = np.arange(T) * DT
    analytic = -65.0 + 1.0 * (t / 10.0) * np.exp(-t / 10.0)  # g0 * t/tau * exp(-t/tau)
    np.testing.assert_allclose(tr["v"][:, 0, 0], analytic, rtol=0, atol=1e-12)


def test_relaxation_to_rest_is_exponential():
    net, pop, tr, _ = bio_net(init={"v": -55.0})
    net.run(steps=50, dt=DT, seed=0)
    t = (np.arange(50) + 1) * DT
    np.testing.assert_allclose(tr["v"][:, 0, 0], -65.0 + 10.0 * np.exp(-t / 10.0), rtol=0, atol=1e-12)


def test_refractoriness_brian2_rule():
    # t_ref = 0.3 ms -> R = 3: a spike at step t holds v in t+1, t+2 and integrates again at t+3
    T = 8
    net = sc.Network()
    pop = net.add(
        sc.LIFBio(1, E_L=-65.0, V_th=-50.0, V_reset=-70.0, tau_m=10.0, t_ref=0.3, delta=("d",), init={"v": -49.0})
    )
    kick = np.zeros((T, 1))
    kick[1:, 0] = 30.0  # a strong delta input every step from step 1 on
    net.add(sc.CurrentInput(pop, kick))
    tr = net.add(sc.StateMonitor(pop, ("v", "ref")))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=T, dt=DT, seed=0)
    P_m = math.exp(-DT / 10)
    # step 0: v integrates from -49 (above V_th) -> spike (v > V_th), reset to -70
    v0 = -65.0 + 16.0 * P_m
    assert v0 > -50.0
    # steps 1, 2: refractory: v held at V_reset, the delta input is discarded; step 3 integrates and
    # receives the kick: -65 + (-5)*P_m + 30 > -50 -> spike again at step 3
    assert sp.steps.tolist() == [0, 3, 6]
    v = tr["v"][:, 0, 0]
    assert v[0] == -70.0 and v[1] == -70.0 and v[2] == -70.0 and v[3] == -70.0
    assert tr["ref"][:4, 0, 0].tolist() == [3.0, 2.0, 1.0, 3.0]


def test_traces_keep_receiving_input_while_refractory():
    T = 4
    stim = np.zeros((T, 1))
    stim[1, 0] = 1.0
    net, pop, tr, sp = bio_net(stim=stim, init={"v": -40.0}, t_ref=1.0)
    net.run(steps=T, dt=DT, seed=0)
    assert sp.steps.tolist() == [0]
    assert tr["g_exc"][1, 0, 0] == 1.0  # received during refractoriness
    assert tr["v"][1, 0, 0] == -70.0


def test_strict_threshold():
    net, pop, tr, sp = bio_net(init={"v": -50.0}, E_L=-50.0, V_th=-50.0)
    net.run(steps=3, dt=DT, seed=0)
    assert sp.steps.size == 0  # v == V_th does not spike: s = v > V_th


def test_t_ref_rounds_to_nearest_step():
    # 0.3 ms at dt 0.1 is 3 steps (int(0.3/0.1) == 2 is the bug to avoid)
    net = sc.Network()
    pop = net.add(sc.LIFBio(1, t_ref=0.3, tau_syn={"exc": 1.0}))
    net.build(dt=0.1, seed=0)
    assert pop.kernel_params["R"][0] == 3.0
