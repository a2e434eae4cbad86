"""LIB, the dual-trace bipolar neuron (docs/contract.md §3.4): hand-computed traces and references.

Evidence: contract (values computed by hand from the equations of 3.4, all
exact in binary), parity with ``lib_step_reference`` (a naive numpy
transcription of 3.4 in its written order, so bit-identical), and the
single-trace reduction of 3.4 (equal halves) against an exact rational
reference. The value a spike carries (``out``) is observed through a
one-to-one projection of weight 1 into a Readout with ``kappa = 0``.
"""

from fractions import Fraction

import numpy as np
import pytest

import simcore as sc
from neurons import LIB, Readout

STATE = ("syn_p", "syn_n", "mem_p", "mem_n", "rec_p", "rec_n")

#: unequal halves, all values exact in binary
UNEQUAL = dict(
    alpha_pos=0.5,
    alpha_neg=0.25,
    beta_pos=0.5,
    beta_neg=0.75,
    gamma_pos=0.5,
    gamma_neg=0.25,
    theta_pos=1.0,
    theta_neg=0.5,
    scale_pos=2.0,
    scale_neg=0.5,
    rec_weight_pos=0.0,
    rec_weight_neg=0.0,
    bias=0.0,
)


def lib_step_reference(st, I, p):
    """One step of docs/contract.md §3.4 on ``(B, N)`` arrays, in the written order; returns ``s, out``."""
    st["syn_p"] = p["alpha_pos"] * st["syn_p"] + np.maximum(I, 0.0)
    st["syn_n"] = p["alpha_neg"] * st["syn_n"] + np.minimum(I, 0.0)
    drive = (
        st["syn_p"] + st["syn_n"] + p["rec_weight_pos"] * st["rec_p"] + p["rec_weight_neg"] * st["rec_n"] + p["bias"]
    )
    st["mem_p"] = p["beta_pos"] * st["mem_p"] + np.maximum(drive, 0.0)
    st["mem_n"] = p["beta_neg"] * st["mem_n"] + np.minimum(drive, 0.0)
    m = st["mem_p"] + st["mem_n"]
    s_pos = (m - p["theta_pos"] >= 0).astype(m.dtype)
    s_neg = (-m - p["theta_neg"] >= 0).astype(m.dtype)
    out = p["scale_pos"] * s_pos - p["scale_neg"] * s_neg
    st["mem_p"] = st["mem_p"] - p["theta_pos"] * s_pos
    st["mem_n"] = st["mem_n"] + p["theta_neg"] * s_neg
    st["rec_p"] = p["gamma_pos"] * st["rec_p"] + np.maximum(out, 0.0)
    st["rec_n"] = p["gamma_neg"] * st["rec_n"] + np.minimum(out, 0.0)
    return s_pos - s_neg, out


def reference_run(I, p):
    T, B, N = I.shape
    st = {k: np.zeros((B, N), I.dtype) for k in STATE}
    states = {k: [] for k in STATE}
    spikes, outs = [], []
    for t in range(T):
        s, out = lib_step_reference(st, I[t], p)
        for k in STATE:
            states[k].append(st[k].copy())
        spikes.append(s)
        outs.append(out)
    return {k: np.array(v) for k, v in states.items()}, np.array(spikes), np.array(outs)


def run(pop, I, batch_size=1, seed=0, dtype="float64"):
    """Run ``pop`` with input ``I`` (T, B, N); returns states, raster (polarity) and the emitted values."""
    T = I.shape[0]
    net = sc.Network()
    net.add(pop)
    ro = net.add(Readout(pop.n, kappa=0.0, name="ro"))
    net.connect(pop, ro, sc.OneToOne(), weight=1.0, delay_steps=1)
    net.add(sc.CurrentInput(pop, I))
    st = net.add(sc.StateMonitor(pop, STATE))
    y = net.add(sc.StateMonitor(ro, "y"))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=T + 1, dt=1.0, batch_size=batch_size, seed=seed, dtype=dtype)
    states = {k: st[k][:T] for k in STATE}
    return states, sp.raster(T).astype(np.float64), y["y"][1:]  # y[t+1] = out[t] (kappa = 0, delay 1)


def assert_matches_reference(pop, I, p, batch_size=1, dtype="float64"):
    states, raster, out = run(pop, I, batch_size, dtype=dtype)
    ref_states, ref_s, ref_out = reference_run(I, p)
    np.testing.assert_array_equal(raster, ref_s)
    np.testing.assert_array_equal(out, ref_out)
    for k in STATE:
        np.testing.assert_array_equal(states[k], ref_states[k], err_msg=k)
    return states, raster, out


def test_positive_spike_by_hand_unequal_halves():
    # 3.4 with UNEQUAL, input 1.5 then nothing:
    # t=0: syn_p = 1.5, drive = 1.5, mem_p = 1.5 >= 1: s = +1, out = 2, mem_p = 0.5, rec_p = 2
    # t=1: syn_p = 0.75, mem_p = 0.25 + 0.75 = 1.0 >= 1 (H(0) = 1): s = +1, mem_p = 0, rec_p = 0.5*2 + 2 = 3
    # t=2: syn_p = 0.375, mem_p = 0.375: no spike, rec_p = 1.5
    # t=3: syn_p = 0.1875, mem_p = 0.1875 + 0.1875 = 0.375, rec_p = 0.75
    I = np.array([1.5, 0.0, 0.0, 0.0])[:, None, None]
    states, raster, out = assert_matches_reference(LIB(1, **UNEQUAL), I, UNEQUAL)
    np.testing.assert_array_equal(raster[:, 0, 0], [1, 1, 0, 0])
    np.testing.assert_array_equal(out[:, 0, 0], [2.0, 2.0, 0.0, 0.0])
    np.testing.assert_array_equal(states["syn_p"][:, 0, 0], [1.5, 0.75, 0.375, 0.1875])
    np.testing.assert_array_equal(states["mem_p"][:, 0, 0], [0.5, 0.0, 0.375, 0.375])
    np.testing.assert_array_equal(states["rec_p"][:, 0, 0], [2.0, 3.0, 1.5, 0.75])
    for k in ("syn_n", "mem_n", "rec_n"):
        np.testing.assert_array_equal(states[k], 0.0)


def test_negative_spike_by_hand_unequal_halves():
    # input -1 then nothing; theta_neg = 0.5, scale_neg = 0.5, alpha_neg = 0.25, beta_neg = 0.75, gamma_neg = 0.25:
    # t=0: syn_n = -1, mem_n = -1, -m - 0.5 = 0.5 >= 0: s = -1, out = -0.5, mem_n = -0.5, rec_n = -0.5
    # t=1: syn_n = -0.25, mem_n = -0.375 - 0.25 = -0.625: s = -1, mem_n = -0.125, rec_n = -0.125 - 0.5 = -0.625
    # t=2: syn_n = -0.0625, mem_n = -0.09375 - 0.0625 = -0.15625: no spike, rec_n = -0.15625
    # t=3: syn_n = -0.015625, mem_n = -0.1171875 - 0.015625 = -0.1328125, rec_n = -0.0390625
    I = np.array([-1.0, 0.0, 0.0, 0.0])[:, None, None]
    pop = LIB(1, **UNEQUAL)
    states, raster, out = assert_matches_reference(pop, I, UNEQUAL)
    assert pop.bipolar
    np.testing.assert_array_equal(raster[:, 0, 0], [-1, -1, 0, 0])
    np.testing.assert_array_equal(out[:, 0, 0], [-0.5, -0.5, 0.0, 0.0])
    np.testing.assert_array_equal(states["syn_n"][:, 0, 0], [-1.0, -0.25, -0.0625, -0.015625])
    np.testing.assert_array_equal(states["mem_n"][:, 0, 0], [-0.5, -0.125, -0.15625, -0.1328125])
    np.testing.assert_array_equal(states["rec_n"][:, 0, 0], [-0.5, -0.625, -0.15625, -0.0390625])
    for k in ("syn_p", "mem_p", "rec_p"):
        np.testing.assert_array_equal(states[k], 0.0)


def test_spike_monitor_reports_polarity():
    I = np.array([[1.5, -1.0], [0.0, 0.0]])
    net = sc.Network()
    pop = net.add(LIB(2, **UNEQUAL))
    net.add(sc.CurrentInput(pop, I))
    sp = net.add(sc.SpikeMonitor(pop))
    net.run(steps=2, dt=1.0, seed=0)
    np.testing.assert_array_equal(sp.steps, [0, 0, 1, 1])
    np.testing.assert_array_equal(sp.neurons, [0, 1, 0, 1])
    np.testing.assert_array_equal(sp.polarity, [1, -1, 1, -1])


def test_alternating_pattern_driven_by_negative_rec_weight():
    # one input pulse, then negative rec weights turn each spike into one of the other sign:
    # t=0: syn_p = 1, drive = 1, mem_p = 1: s = +1, mem_p = 0, rec_p = 1
    # t=1: syn_p = 0.5, drive = 0.5 - 2*1 = -1.5, mem_n = -1.5: s = -1, mem_n = -0.75, rec = (0, -1.5)
    # t=2: syn_p = 0.25, drive = 0.25 - 1.5*(-1.5) = 2.5, mem_p = 2.5, mem_n = -0.1875, m = 2.3125: s = +1
    p = dict(
        UNEQUAL,
        beta_pos=0.25,
        beta_neg=0.25,
        gamma_pos=0.0,
        gamma_neg=0.0,
        theta_neg=0.75,
        scale_pos=1.0,
        scale_neg=1.5,
        rec_weight_pos=-2.0,
        rec_weight_neg=-1.5,
    )
    I = np.zeros((30, 1, 1))
    I[0] = 1.0
    states, raster, out = assert_matches_reference(LIB(1, **p), I, p)
    s = raster[:, 0, 0]
    np.testing.assert_array_equal(s[:3], [1, -1, 1])
    np.testing.assert_array_equal(states["mem_n"][:3, 0, 0], [0.0, -0.75, -0.1875])
    np.testing.assert_array_equal(states["mem_p"][:3, 0, 0], [0.0, 0.0, 1.5])
    assert np.all(s[:-1] * s[1:] == -1), s  # strictly alternating for all 30 steps
    np.testing.assert_array_equal(out[:, 0, 0], np.where(s > 0, 1.0, -1.5))


def test_autotelic_firing_from_bias_alone():
    # no input: bias = 0.625, beta_pos = 0.5, theta_pos = 1
    # mem_p: 0.625, 0.9375, 1.09375 -> spike, 0.09375; 0.671875, 0.9609375, 1.10546875 -> spike, ...
    p = dict(UNEQUAL, bias=0.625)
    I = np.zeros((40, 1, 1))
    states, raster, out = assert_matches_reference(LIB(1, **p), I, p)
    s = raster[:, 0, 0]
    np.testing.assert_array_equal(states["mem_p"][:6, 0, 0], [0.625, 0.9375, 0.09375, 0.671875, 0.9609375, 0.10546875])
    np.testing.assert_array_equal(np.flatnonzero(s), np.arange(2, 40, 3))  # self-sustained, period 3


def test_autotelic_bipolar_pattern_from_bias_and_negative_rec_weight():
    p = dict(
        UNEQUAL,
        beta_pos=0.25,
        beta_neg=0.25,
        gamma_pos=0.5,
        gamma_neg=0.0,
        theta_neg=0.75,
        scale_pos=1.0,
        scale_neg=1.5,
        rec_weight_pos=-2.0,
        rec_weight_neg=-1.5,
        bias=1.25,
    )
    I = np.zeros((40, 1, 1))
    states, raster, out = assert_matches_reference(LIB(1, **p), I, p)
    s = raster[:, 0, 0]
    # t=0: drive = 1.25 = mem_p -> +1, mem_p = 0.25, rec_p = 1
    assert s[0] == 1 and states["mem_p"][0, 0, 0] == 0.25
    assert np.all(s[4:-1] * s[5:] == -1), s  # a sustained +1/-1 alternation with no input at all


def test_random_inputs_per_neuron_parameters_match_reference(rng):
    T, B, N = 60, 2, 5
    p = {
        "alpha_pos": rng.uniform(0.5, 0.95, N),
        "alpha_neg": rng.uniform(0.5, 0.95, N),
        "beta_pos": rng.uniform(0.7, 0.99, N),
        "beta_neg": rng.uniform(0.7, 0.99, N),
        "gamma_pos": rng.uniform(0.0, 0.9, N),
        "gamma_neg": rng.uniform(0.0, 0.9, N),
        "theta_pos": rng.uniform(0.5, 1.5, N),
        "theta_neg": rng.uniform(0.5, 1.5, N),
        "scale_pos": rng.uniform(0.5, 2.0, N),
        "scale_neg": rng.uniform(0.5, 2.0, N),
        "rec_weight_pos": rng.uniform(-1.0, 0.5, N),
        "rec_weight_neg": rng.uniform(-1.0, 0.5, N),
        "bias": rng.uniform(-0.1, 0.1, N),
    }
    I = rng.normal(0.0, 0.8, (T, B, N))
    states, raster, out = assert_matches_reference(LIB(N, **p), I, p, batch_size=B)
    assert (raster > 0).sum() > 10 and (raster < 0).sum() > 10


def test_float32_run_matches_float32_reference(rng):
    # float32 arithmetic throughout, as the dense mode does (docs/contract.md §4: same dtype, same spikes)
    T, B, N = 80, 2, 40
    f32 = np.float32
    p = {
        k: rng.uniform(0.5, 0.95, N).astype(f32)
        for k in ("alpha_pos", "alpha_neg", "beta_pos", "beta_neg", "gamma_pos", "gamma_neg")
    }
    p.update({k: rng.uniform(0.5, 1.5, N).astype(f32) for k in ("theta_pos", "theta_neg", "scale_pos", "scale_neg")})
    p.update({k: rng.uniform(-1.0, 0.5, N).astype(f32) for k in ("rec_weight_pos", "rec_weight_neg")})
    p["bias"] = rng.uniform(-0.1, 0.1, N).astype(f32)
    I = rng.normal(0.2, 0.8, (T, B, N)).astype(f32)
    states, raster, out = assert_matches_reference(LIB(N, **p), I, p, batch_size=B, dtype="float32")
    assert states["mem_p"].dtype == np.float32
    assert (raster > 0).sum() > 50 and (raster < 0).sum() > 50


# ----- single-trace reduction (3.4: equal halves are the single-trace LIB)


def single_trace_reference(I, alpha, beta, gamma, theta, scale, rec_weight, bias):
    """``syn = alpha*syn + I``, ``mem = beta*mem + drive``: 3.4 with one trace, any number type."""
    zero = I[0] * 0
    syn = mem = rec = zero
    mems, spikes = [], []
    for x in I:
        syn = alpha * syn + x
        drive = syn + rec_weight * rec + bias
        mem = beta * mem + drive
        s = 1 if mem - theta >= 0 else (-1 if -mem - theta >= 0 else 0)
        mem = mem - theta * s
        rec = gamma * rec + scale * s
        mems.append(mem)
        spikes.append(s)
    return mems, spikes


def test_equal_halves_equal_exact_single_trace_reference(rng):
    # dyadic parameters and inputs: the rational reference is exact and so must be the engine, bit for bit
    T = 24
    I = rng.integers(-8, 9, T) / 4.0
    q = dict(alpha=0.5, beta=0.5, gamma=0.5, theta=1.0, scale=1.5, rec_weight=-0.5, bias=0.25)
    mems, spikes = single_trace_reference([Fraction(x) for x in I], *(Fraction(v) for v in q.values()))
    states, raster, out = run(LIB.single_trace(1, **q), I[:, None, None])
    m = states["mem_p"] + states["mem_n"]
    np.testing.assert_array_equal(raster[:, 0, 0], spikes)
    np.testing.assert_array_equal(m[:, 0, 0], [float(x) for x in mems])
    assert all(float(x) == x for x in mems)  # nothing was rounded
    assert sum(s > 0 for s in spikes) > 2 and sum(s < 0 for s in spikes) > 2
    np.testing.assert_array_equal(out[:, 0, 0], 1.5 * np.array(spikes))


def test_equal_halves_match_float_single_trace_reference(rng):
    # generic floats: the same spikes; the two-halves sum may differ from one trace in the last bits
    T = 80
    I = rng.normal(0.0, 0.7, T)
    q = dict(alpha=0.8, beta=0.9, gamma=0.7, theta=1.0, scale=1.0, rec_weight=-0.3, bias=0.05)
    mems, spikes = single_trace_reference(list(I), *q.values())
    states, raster, out = run(LIB.single_trace(1, **q), I[:, None, None])
    np.testing.assert_array_equal(raster[:, 0, 0], spikes)
    np.testing.assert_allclose((states["mem_p"] + states["mem_n"])[:, 0, 0], mems, rtol=0, atol=1e-12)
    assert sum(s != 0 for s in spikes) > 10


def test_single_trace_ties_distribution_draws():
    pop = LIB.single_trace(5, alpha=sc.Uniform(0.5, 0.9), beta=0.9, theta=sc.Uniform(0.5, 1.5))
    net = sc.Network()
    net.add(pop)
    net.build(dt=1.0, seed=4)
    kp = pop.kernel_params
    for k in ("alpha", "theta"):
        np.testing.assert_array_equal(kp[f"{k}_neg"], kp[f"{k}_pos"])
        assert np.unique(kp[f"{k}_pos"]).size == 5
    assert pop.describe()["single_trace"] is True


# ----- parameters and errors


def test_omitted_parameter_takes_the_spec_default():
    p = dict(UNEQUAL)
    del p["theta_neg"]
    assert LIB(2, **p).param_values["theta_neg"] == 1.0  # the LIBLayer's default too
    with pytest.raises(ValueError, match="exactly one of alpha_pos or tau_syn_pos; got both"):
        LIB(2, **p, tau_syn_pos=5.0)


@pytest.mark.parametrize(
    "key, value, match",
    [
        ("alpha_neg", 1.2, r"LIB.alpha_neg must lie in \[0, 1\]; got 1.2"),
        ("beta_pos", -0.5, r"LIB.beta_pos must lie in \[0, 1\]; got -0.5"),
        ("gamma_pos", 2.0, r"LIB.gamma_pos must lie in \[0, 1\]; got 2.0"),
        ("theta_pos", 0.0, "LIB.theta_pos must be > 0; got 0.0"),
        ("theta_neg", np.array([0.5, -1.0]), r"LIB.theta_neg must be > 0; got -1.0"),
    ],
)
def test_invalid_values_raise_before_running(key, value, match):
    net = sc.Network()
    net.add(LIB(2, **dict(UNEQUAL, **{key: value})))
    with pytest.raises(ValueError, match=match):
        net.build(dt=1.0, seed=0)


def test_unknown_parameter_is_named():
    with pytest.raises(TypeError, match="unknown parameter"):
        LIB(2, theta=1.0, **UNEQUAL)
