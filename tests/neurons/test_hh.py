"""HHCondExp (NEST hh_cond_exp_traub, Brian2 COBAHH): exponential Euler by hand and in closed form, COBAHH against
Brian2, bad input (docs/contract.md §3.9)."""

import math

import numpy as np
import pytest

import simcore as sc
from simcore.builtin import COBAHH, COBAHH_NEURON

DT = 0.1


def rates(v, V_T=-63.0):
    u = v - V_T
    exprel = lambda x: 1.0 if x == 0 else math.expm1(x) / x  # noqa: E731
    return (
        (1.28 / exprel((13 - u) / 4), 1.4 / exprel((u - 40) / 5)),
        (0.128 * math.exp((17 - u) / 18), 4 / (1 + math.exp((40 - u) / 5))),
        (0.16 / exprel((15 - u) / 5), 0.5 * math.exp((10 - u) / 40)),
    )


def run(T, *, exc=None, current=None, init=None, **kw):
    net = sc.Network()
    pop = net.add(sc.HHCondExp(1, init=init or {}, **kw))
    for receptor, values in (("exc", exc), ("I", current)):
        if values is not None:
            net.add(sc.CurrentInput(pop, np.asarray(values, float)[:, None], receptor=receptor))
    tr = net.add(sc.StateMonitor(pop, ("v", "m", "h", "n", "g_ex")))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=T, dt=DT, seed=0)
    return tr, sp


def test_exponential_euler_by_hand():
    # docs/contract.md §3.9: every gate relaxes exactly toward alpha/(alpha+beta) at the v of the start of the step,
    # v toward E_eff with all conductances of the start of the step; then g_ex decays exactly
    T = 30
    exc = np.zeros(T)
    exc[0] = 20.0
    cur = np.zeros(T)
    cur[5:] = 300.0
    tr, _ = run(T, exc=exc, current=cur, init={"m": 0.05, "h": 0.6, "n": 0.3})
    v, x, g, I = -60.0, [0.05, 0.6, 0.3], 0.0, 0.0
    for t in range(T):
        (am, bm), (ah, bh), (an, bn) = rates(v)
        gna, gk = 20000.0 * x[0] ** 3 * x[1], 6000.0 * x[2] ** 4
        gtot = 10.0 + gna + gk + g
        E = (10.0 * -60.0 + gna * 50.0 + gk * -90.0 + g * 0.0 + I) / gtot
        x = [
            xi_inf + (xi - xi_inf) * math.exp(-DT * r)
            for xi, (xi_inf, r) in zip(
                x, ((am / (am + bm), am + bm), (ah / (ah + bh), ah + bh), (an / (an + bn), an + bn))
            )
        ]
        v = E + (v - E) * math.exp(-DT * gtot / 200.0)
        g, I = g * math.exp(-DT / 5.0) + exc[t], cur[t]
        assert tr["v"][t, 0, 0] == pytest.approx(v, rel=1e-12, abs=1e-11)
        assert tr["m"][t, 0, 0] == pytest.approx(x[0], rel=1e-12, abs=1e-14)
        assert tr["n"][t, 0, 0] == pytest.approx(x[2], rel=1e-12, abs=1e-14)


def test_gates_relax_in_closed_form_at_a_fixed_potential():
    # without Na and K conductances and input, v stays at E_L; each gate is then linear with constant rates:
    # x(t) = x_inf + (x0 - x_inf) exp(-(alpha + beta) t), exactly what exponential Euler computes
    T = 200
    tr, sp = run(T, g_Na=0.0, g_K=0.0, init={"m": 0.9, "h": 0.1, "n": 0.7})
    t = (np.arange(T) + 1) * DT
    assert np.all(tr["v"][:, 0, 0] == -60.0)
    for var, x0, (a, b) in zip("mhn", (0.9, 0.1, 0.7), rates(-60.0)):
        expected = a / (a + b) + (x0 - a / (a + b)) * np.exp(-(a + b) * t)
        np.testing.assert_allclose(tr[var][:, 0, 0], expected, rtol=1e-12, atol=1e-15)


def test_spikes_without_reset_and_refractory_window():
    tr, sp = run(1000, I_e=1000.0, t_ref=3.0)
    steps = sp.steps
    assert len(steps) >= 3 and np.all(np.diff(steps) >= 30)
    assert tr["v"][steps[0], 0, 0] > -20.0  # no reset: v is left where it is
    assert np.all(tr["v"][steps[0] + 1 : steps[0] + 3, 0, 0] > -20.0)  # above V_spike but refractory: no spike


def test_cobahh_spike_trains_equal_brian2():
    reference = pytest.importorskip("benchmarks.references.brian2")
    try:
        arr = reference.brian2_cobahh_network_arrays(seed=1)
        i_b, t_b, v_b = arr["run"](duration_ms=150.0, record_v=np.arange(0, 4000, 500))
    except reference.ReferenceUnavailable as exc:
        pytest.skip(f"brian2 unavailable: {exc}")
    net = sc.Network()
    pop = net.add(
        sc.HHCondExp(
            COBAHH["n"],
            init={"v": arr["v0"], "g_ex": arr["ge0"], "g_in": arr["gi0"]},
            **{k: COBAHH[k] for k in COBAHH_NEURON},
        )
    )
    for kind in ("exc", "inh"):
        net.connect(
            pop,
            pop,
            sc.FromArrays(arr[f"i_{kind}"], arr[f"j_{kind}"]),
            weight=COBAHH[f"w_{kind}"],
            receptor=kind,
            delay=COBAHH["delay"],
        )
    mon = net.add(sc.SpikeMonitor(pop))
    st = net.add(sc.StateMonitor(pop, "v", neurons=np.arange(0, 4000, 500)))
    net.run(150.0, dt=0.1, seed=0)
    ours = sorted(zip(mon.steps.tolist(), mon.neurons.tolist()))
    assert len(ours) > 10_000
    assert ours == sorted(zip(np.round(t_b / 0.1).astype(int).tolist(), i_b.tolist()))
    np.testing.assert_allclose(st["v"][:, 0, :], v_b, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"C_m": -200.0}, r"C_m must be > 0; got -200"),
        ({"g_Na": -1.0}, r"g_Na must be >= 0; got -1"),
        ({"E_K": 60.0}, r"E_K must be < HHCondExp.E_Na"),
        ({"E_in": 5.0}, r"E_in must be < HHCondExp.E_ex"),
        ({"V_T": float("nan")}, r"V_T must be finite; got nan"),
    ],
)
def test_bad_parameters_name_the_parameter(kw, match):
    with pytest.raises(ValueError, match=match):
        net = sc.Network()
        net.add(sc.HHCondExp(2, **kw))
        net.build(dt=DT, seed=0)


def test_conductance_in_microsiemens_warns():
    net = sc.Network()
    net.add(sc.HHCondExp(2, g_L=1e-8))
    with pytest.warns(sc.SpikesimWarning, match=r"g_L = 1e-08 is implausible in nS"):
        net.build(dt=DT, seed=0)
