"""Triplet STDP (Pfister and Gerstner 2006, all-to-all full model; docs/contract.md §3.7): pairs and triplets
against the closed form, random spike trains against the paper's equations summed with exact exponentials,
the batch modes, bad input and (skipped without Brian2) the same network in Brian2."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simcore as sc

T = 80
P = dict(
    A2_plus=0.02,
    A3_plus=0.03,
    A2_minus=0.025,
    A3_minus=0.015,
    tau_plus=16.8,
    tau_x=101.0,
    tau_minus=33.7,
    tau_y=125.0,
    w_min=0.0,
    w_max=0.95,
)


def triplet_network(
    pre_steps, post_steps, *, delay=1, n_src=1, w0=0.5, steps=T, batch="per_sample", batch_size=1, **params
):
    """Sources firing at ``pre_steps`` (a list per source, or one list) onto one target forced to fire at
    ``post_steps`` (dt = 1 ms); returns the projection after the run."""
    per_source = pre_steps if n_src > 1 else [pre_steps]
    spikes = np.zeros((steps, n_src))
    for i, times in enumerate(per_source):
        spikes[list(times), i] = 1.0
    drive = np.zeros((steps, 1))
    drive[list(post_steps), 0] = 5.0
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(n_src, spikes, name="src"))
    tgt = net.add(sc.LIF(1, beta=0.0, threshold=4.0, name="tgt"))  # sum of w < 4: only the drive fires it
    net.add(sc.CurrentInput(tgt, drive, name="force"))
    proj = net.connect(
        src,
        tgt,
        sc.AllToAll(),
        weight=w0,
        synapse=sc.TripletSTDP(**{**P, **params}),
        batch=batch,
        delay_steps=delay,
        name="triplet",
    )
    net.run(steps=steps, dt=1.0, seed=0, batch_size=batch_size)
    return proj


def e(n, tau):
    return math.exp(-n / tau)


A2p, A3p, A2m, A3m = P["A2_plus"], P["A3_plus"], P["A2_minus"], P["A3_minus"]
tp, tx, tm, ty = P["tau_plus"], P["tau_x"], P["tau_minus"], P["tau_y"]


@pytest.mark.parametrize("gap", [0, 1, 7, 30])
def test_pre_post_pair_potentiates_by_the_pair_term_only(gap):
    """One arrival, then a post spike ``gap`` steps later: o2 is 0 before the first post spike."""
    w = triplet_network([4], [5 + gap], delay=1).weights[0, 0]
    np.testing.assert_allclose(w, 0.5 + A2p * e(gap, tp), rtol=1e-12)


@pytest.mark.parametrize("gap", [1, 9, 40])
def test_post_pre_pair_depresses_by_the_pair_term_only(gap):
    w = triplet_network([9 + gap], [10], delay=1).weights[0, 0]  # arrival at 10 + gap
    np.testing.assert_allclose(w, 0.5 - A2m * e(gap, tm), rtol=1e-12)


@pytest.mark.parametrize("p1, a, p2", [(10, 15, 20), (10, 11, 40), (5, 30, 30)])
def test_post_pre_post_triplet(p1, a, p2):
    """Depression at the arrival (r2 before it is 0); potentiation at p2 with o2 just before p2's increment."""
    w = triplet_network([a - 2], [p1, p2], delay=2).weights[0, 0]
    expected = 0.5 - e(a - p1, tm) * A2m + e(p2 - a, tp) * (A2p + A3p * e(p2 - p1, ty))
    np.testing.assert_allclose(w, expected, rtol=1e-12)


@pytest.mark.parametrize("a1, p, a2", [(10, 15, 20), (10, 10, 11), (5, 30, 60)])
def test_pre_post_pre_triplet(a1, p, a2):
    """Potentiation at p (o2 before it is 0); depression at a2 with r2 just before a2's increment."""
    w = triplet_network([a1 - 3, a2 - 3], [p], delay=3).weights[0, 0]
    expected = 0.5 + e(p - a1, tp) * A2p - e(a2 - p, tm) * (A2m + A3m * e(a2 - a1, tx))
    np.testing.assert_allclose(w, expected, rtol=1e-12)


def test_pre_pre_post_and_post_post_pre_sum_pairs():
    """Two spikes on one side and one on the other: only pair terms (the lone spike has no partner trace)."""
    w = triplet_network([3, 8], [20], delay=1).weights[0, 0]
    np.testing.assert_allclose(w, 0.5 + A2p * (e(16, tp) + e(11, tp)), rtol=1e-12)
    w = triplet_network([24], [10, 18], delay=1).weights[0, 0]
    np.testing.assert_allclose(w, 0.5 - A2m * (e(15, tm) + e(7, tm)), rtol=1e-12)


def paper_reference(arrivals, posts, w0):
    """Pfister-Gerstner all-to-all equations summed in closed form, event by event (unclipped).

    ``arrivals``: per source, sorted arrival steps; ``posts``: sorted post steps (dt = 1 ms). At a step with
    both, the arrival comes first (docs/contract.md §3.7)."""
    w = np.full(len(arrivals), float(w0))
    for i, arr in enumerate(arrivals):
        events = sorted([(s, 0) for s in arr] + [(s, 1) for s in posts])
        for s, kind in events:
            if kind == 0:  # arrival: o1 from posts strictly before, r2 from arrivals strictly before
                o1 = sum(e(s - q, tm) for q in posts if q < s)
                r2 = sum(e(s - q, tx) for q in arr if q < s)
                w[i] -= o1 * (A2m + A3m * r2)
            else:  # post: r1 from arrivals up to and including s, o2 from posts strictly before
                r1 = sum(e(s - q, tp) for q in arr if q <= s)
                o2 = sum(e(s - q, ty) for q in posts if q < s)
                w[i] += r1 * (A2p + A3p * o2)
    return w


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10**6), delay=st.integers(1, 5))
def test_random_trains_follow_the_paper_equations(seed, delay):
    rng = np.random.default_rng(seed)
    n_src, steps = 3, 120
    pre = [sorted(rng.choice(steps - delay, size=rng.integers(1, 6), replace=False).tolist()) for _ in range(n_src)]
    posts = sorted(rng.choice(steps, size=rng.integers(1, 6), replace=False).tolist())
    proj = triplet_network(pre, posts, delay=delay, n_src=n_src, steps=steps, w0=0.5, w_min=-10.0, w_max=0.99)
    expected = paper_reference([[t + delay for t in times] for times in pre], posts, 0.5)
    np.testing.assert_allclose(proj.weights[0], expected, rtol=1e-12)


def test_per_sample_and_shared_modes():
    """per_sample: every sample follows its own spikes; mean over identical samples equals one sample."""
    one = triplet_network([4, 30], [10, 20], delay=2).weights[0, 0]
    many = triplet_network([4, 30], [10, 20], delay=2, batch_size=3).weights
    np.testing.assert_array_equal(many[:, 0], one)
    mean = triplet_network([4, 30], [10, 20], delay=2, batch="mean", batch_size=4).weights[0]
    np.testing.assert_allclose(mean, one, rtol=1e-12)
    summed = triplet_network([4, 30], [10, 20], delay=2, batch="sum", batch_size=2).weights[0]
    np.testing.assert_allclose(summed - 0.5, 2 * (one - 0.5), rtol=1e-12)  # nothing clipped on the way


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(tau_x=0.0), r"TripletSTDP.tau_x must be > 0; got 0.0"),
        (dict(A3_plus=-0.1), r"TripletSTDP.A3_plus must be >= 0; got -0.1"),
        (dict(A2_minus=float("inf")), r"TripletSTDP.A2_minus must be finite"),
        (dict(w_min=2.0, w_max=1.0), "w_min must be <= w_max"),
    ],
)
def test_bad_parameters_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sc.TripletSTDP(**kwargs)


def test_triplet_needs_a_batch_mode():
    net = sc.Network()
    a = net.add(sc.LIF(3, name="a"))
    with pytest.raises(ValueError, match=r"plastic synapses \(TripletSTDP\); give batch="):
        net.connect(a, a, sc.AllToAll(), synapse=sc.TripletSTDP(), name="aa")


def brian2_triplet(inputs, n_out, w0, i, j, delay_steps, dt_ms, duration_ms, p):
    """The same network in Brian2 (numpy target), triplet rule as equations with event-driven traces."""
    from benchmarks.references.brian2 import _Session, import_brian2

    b2 = import_brian2()
    src_step, src_i = np.nonzero(inputs)
    with _Session(b2, "numpy", 1):
        clock = b2.Clock(dt=dt_ms * b2.ms, name="tri_clock")
        ns = {
            "E_L": -60 * b2.mV,
            "V_th": -50 * b2.mV,
            "V_reset": -60 * b2.mV,
            "tau_m": 10 * b2.ms,
            "tau_e": 5 * b2.ms,
            **{k: v * b2.ms if k.startswith("tau") else v for k, v in p.items()},
        }
        G = b2.SpikeGeneratorGroup(inputs.shape[1], src_i, src_step * dt_ms * b2.ms, clock=clock, name="tri_in")
        out = b2.NeuronGroup(
            n_out,
            "dv/dt = (ge - (v - E_L))/tau_m : volt (unless refractory)\ndge/dt = -ge/tau_e : volt",
            threshold="v > V_th",
            reset="v = V_reset",
            refractory=2 * b2.ms,
            method="exact",
            clock=clock,
            namespace=ns,
            name="tri_out",
        )
        out.v = -60 * b2.mV
        S = b2.Synapses(
            G,
            out,
            "w : 1\n"
            "dr1/dt = -r1/tau_plus : 1 (event-driven)\ndr2/dt = -r2/tau_x : 1 (event-driven)\n"
            "do1/dt = -o1/tau_minus : 1 (event-driven)\ndo2/dt = -o2/tau_y : 1 (event-driven)",
            on_pre="ge_post += w*mV\nw = clip(w - o1*(A2_minus + A3_minus*r2), w_min, w_max)\nr1 += 1\nr2 += 1",
            on_post="w = clip(w + r1*(A2_plus + A3_plus*o2), w_min, w_max)\no1 += 1\no2 += 1",
            clock=clock,
            namespace=ns,
            name="tri_syn",
        )
        S.connect(i=i, j=j)
        S.w = w0
        S.pre.delay = delay_steps * dt_ms * b2.ms
        mon = b2.SpikeMonitor(out, name="tri_mon")
        b2.Network(G, out, S, mon).run(duration_ms * b2.ms)
        order = np.lexsort((np.asarray(S.j[:]), np.asarray(S.i[:])))
        steps = np.round(np.asarray(mon.t / b2.ms) / dt_ms).astype(np.int64)
        return np.asarray(mon.i[:], dtype=np.int64), steps, np.asarray(S.w[:], dtype=np.float64)[order]


def test_triplet_network_matches_brian2():
    """Brian2 traces are per synapse (o1, o2 of a synapse only see its target's spikes, r1, r2 its source's),
    which is the same all-to-all model; same spikes, weights to 1e-12."""
    brian2_ref = pytest.importorskip("benchmarks.references.brian2")
    rng = np.random.default_rng(11)
    steps, n_in, n_out, dt, delay = 2000, 30, 6, 0.1, 4
    inputs = (rng.random((steps, n_in)) < 0.005).astype(np.float64)
    i, j = np.repeat(np.arange(n_in), n_out), np.tile(np.arange(n_out), n_in)
    w0 = rng.uniform(1.0, 3.0, i.size)
    p = dict(P, A2_plus=0.05, A3_plus=0.08, A2_minus=0.06, A3_minus=0.02, w_min=0.0, w_max=4.0)
    try:
        b_i, b_step, b_w = brian2_triplet(inputs, n_out, w0, i, j, delay, dt, steps * dt, p)
    except brian2_ref.ReferenceUnavailable as exc:
        pytest.skip(f"brian2 unavailable: {exc}")
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(n_in, inputs, name="in"))
    out = net.add(
        sc.LIFBio(
            n_out,
            E_L=-60.0,
            V_th=-50.0,
            V_reset=-60.0,
            tau_m=10.0,
            t_ref=2.0,
            tau_syn={"e": 5.0},
            init={"v": -60.0},
            name="out",
        )
    )
    proj = net.connect(
        src,
        out,
        sc.FromArrays(i, j),
        weight=w0,
        delay_steps=delay,
        name="syn",
        synapse=sc.TripletSTDP(**p),
        batch="per_sample",
    )
    mon = net.add(sc.SpikeMonitor(out))
    net.run(steps=steps, dt=dt, seed=0, dtype="float64")
    assert b_i.size > 30
    assert sorted(zip(mon.steps.tolist(), mon.neurons.tolist())) == sorted(zip(b_step.tolist(), b_i.tolist()))
    np.testing.assert_allclose(proj.weights[0], b_w, rtol=1e-12, atol=1e-14)
    assert np.any(proj.weights[0] != w0)
