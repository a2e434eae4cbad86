"""Plastic synapses (docs/contract.md §3.7, §3.8): STDP pairs against the closed form, the batch modes,
Tsodyks-Markram against its recursion, weights as data, checkpoints, bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simcore as sc

T = 60


def pair_network(pre_steps, post_steps, *, delay=1, batch="per_sample", batch_size=1, w0=0.5, steps=T, every=1, **stdp):
    """One source firing at ``pre_steps`` onto one target forced to fire at ``post_steps`` (dt = 1 ms)."""
    spikes = np.zeros((steps, 1))
    spikes[list(pre_steps), 0] = 1.0
    drive = np.zeros((steps, 1))
    drive[list(post_steps), 0] = 5.0
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(1, spikes, name="src"))
    tgt = net.add(sc.LIF(1, beta=0.0, threshold=1.0, name="tgt"))
    net.add(sc.CurrentInput(tgt, drive, name="force"))
    params = dict(A_pre=0.01, A_post=-0.012, tau_pre=20.0, tau_post=10.0, w_min=0.0, w_max=1.0)
    params.update(stdp)
    proj = net.connect(
        src,
        tgt,
        sc.AllToAll(),
        weight=w0,
        synapse=sc.STDP(**params),
        batch=batch,
        delay_steps=delay,
        every=every,
        name="plastic",
    )
    net.run(steps=steps, dt=1.0, seed=0, batch_size=batch_size)
    return proj


@settings(max_examples=40, deadline=None)
@given(
    t_pre=st.integers(0, 25),
    gap=st.integers(-20, 20),
    delay=st.integers(1, 6),
    tau_pre=st.floats(2.0, 50.0),
    tau_post=st.floats(2.0, 50.0),
)
def test_one_pair_changes_the_weight_by_the_closed_form(t_pre, gap, delay, tau_pre, tau_post):
    """§3.7: Δt = t_post - t_arrival >= 0 potentiates by A_pre exp(-Δt dt/tau_pre), < 0 depresses by
    A_post exp(-|Δt| dt/tau_post); timing at the synapse (arrival = emission + delay)."""
    arrival = t_pre + delay
    t_post = arrival + gap
    if t_post < 0 or t_post >= T:
        return
    proj = pair_network([t_pre], [t_post], delay=delay, tau_pre=tau_pre, tau_post=tau_post)
    if gap >= 0:
        expected = 0.5 + 0.01 * math.exp(-gap / tau_pre)
    else:
        expected = 0.5 - 0.012 * math.exp(gap / tau_post)
    np.testing.assert_allclose(proj.weights[0, 0], expected, rtol=1e-13)


def test_multiplicative_weight_dependence():
    w0 = 0.3
    up = pair_network([5], [10], w0=w0, weight_dependence="multiplicative").weights[0, 0]
    down = pair_network([20], [10], w0=w0, weight_dependence="multiplicative").weights[0, 0]
    np.testing.assert_allclose(up, w0 + (1.0 - w0) * 0.01 * math.exp(-4 / 20.0), rtol=1e-13)
    np.testing.assert_allclose(down, w0 + (w0 - 0.0) * -0.012 * math.exp(-11 / 10.0), rtol=1e-13)


def test_all_to_all_and_nearest_pairing():
    """Two pre spikes before one post spike: all-to-all sums both traces, nearest keeps the last."""
    a = pair_network([2, 6], [12]).weights[0, 0]
    n = pair_network([2, 6], [12], pairing="nearest").weights[0, 0]
    np.testing.assert_allclose(a, 0.5 + 0.01 * (math.exp(-9 / 20) + math.exp(-5 / 20)), rtol=1e-13)
    np.testing.assert_allclose(n, 0.5 + 0.01 * math.exp(-5 / 20), rtol=1e-13)


def test_weights_stay_within_bounds():
    w = pair_network(range(0, 50, 2), range(1, 50, 2), w0=0.99, A_pre=0.2, w_max=1.0).weights
    assert w[0, 0] == 1.0
    w = pair_network(range(1, 50, 2), range(0, 50, 2), w0=0.01, A_post=-0.2, w_min=0.0).weights
    assert w[0, 0] == 0.0


def random_net(seed, batch, batch_size, every=1, pre=None, steps=80):
    """20 Poisson sources onto 5 LIF neurons through STDP; inputs per sample from ``seed``."""
    net = sc.Network()
    rng = np.random.default_rng(seed)
    spikes = (rng.random((steps, batch_size, 20)) < 0.1).astype(np.float64) if pre is None else pre
    src = net.add(sc.SpikeArraySource(20, spikes, name="src"))
    tgt = net.add(sc.LIF(5, tau_mem=10.0, threshold=1.0, name="tgt"))
    proj = net.connect(
        src,
        tgt,
        sc.AllToAll(),
        weight=sc.Uniform(0.2, 0.6),
        delay_steps=2,
        name="p",
        synapse=sc.STDP(A_pre=0.02, A_post=-0.021),
        batch=batch,
        every=every,
    )
    mon = net.add(sc.SpikeMonitor(tgt))
    net.run(steps=steps, dt=1.0, seed=3, batch_size=batch_size)
    return net, proj, mon, spikes


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), batch_size=st.integers(2, 4), sample=st.integers(0, 3))
def test_per_sample_sample_in_batch_equals_its_run_alone(seed, batch_size, sample):
    sample = sample % batch_size
    _, proj, mon, spikes = random_net(seed, "per_sample", batch_size)
    _, alone, mon1, _ = random_net(seed, "per_sample", 1, pre=spikes[:, sample : sample + 1])
    np.testing.assert_array_equal(proj.weights[sample], alone.weights[0])
    mine = mon.samples == sample
    np.testing.assert_array_equal(mon.steps[mine], mon1.steps)
    np.testing.assert_array_equal(mon.neurons[mine], mon1.neurons)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), batch_size=st.integers(2, 5), mode=st.sampled_from(["mean", "sum"]))
def test_identical_samples_share_weights_as_one_sample_would(seed, batch_size, mode):
    """``mean`` over B identical samples equals a batch of one (same updates, same spikes); ``sum`` of B
    identical samples applies B times each step's update (checked on its first changed step below)."""
    steps = 40
    one = (np.random.default_rng(seed).random((steps, 1, 20)) < 0.1).astype(np.float64)
    same = np.repeat(one, batch_size, axis=1)
    if mode == "mean":
        _, alone, mon1, _ = random_net(seed, "mean", 1, pre=one, steps=steps)
        _, many, monb, _ = random_net(seed, "mean", batch_size, pre=same, steps=steps)
        np.testing.assert_allclose(many.weights, alone.weights, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(monb.steps[monb.samples == batch_size - 1], mon1.steps)
        return
    for k in range(1, steps):  # the first step at which a weight changes
        _, before, _, _ = random_net(seed, "sum", 1, pre=one[:k], steps=k)
        _, after1, _, _ = random_net(seed, "sum", 1, pre=one[: k + 1], steps=k + 1)
        if np.any(after1.weights != before.weights):
            break
    else:
        return
    _, afterb, _, _ = random_net(seed, "sum", batch_size, pre=same[: k + 1], steps=k + 1)
    inside = (after1.weights > 0) & (after1.weights < 1) & (afterb.weights > 0) & (afterb.weights < 1)
    np.testing.assert_allclose(
        (afterb.weights - before.weights)[inside],
        batch_size * (after1.weights - before.weights)[inside],
        rtol=1e-10,
        atol=1e-15,
    )


def test_sum_mode_one_step_update_is_b_times_one_sample():
    """One pair in every sample: the reduced update is exactly B x one sample's (unclipped, every=1)."""
    for B in (2, 3, 5):
        one = pair_network([5], [10], batch="sum", batch_size=1).weights[0]
        many = pair_network([5], [10], batch="sum", batch_size=B).weights[0]
        np.testing.assert_allclose(many - 0.5, B * (one - 0.5), rtol=1e-12)


def test_every_k_applies_updates_every_k_steps_and_at_the_end():
    proj = pair_network([5], [10], batch="mean", batch_size=2, every=1000, steps=20)
    np.testing.assert_allclose(proj.weights[0], 0.5 + 0.01 * math.exp(-4 / 20), rtol=1e-13)


def test_shared_weights_step_every_sample_together():
    net, proj, _, _ = random_net(1, "mean", 3)
    assert proj.weights.shape == (100,)
    assert "_lockstep(" in net.source


# ----- Tsodyks-Markram (§3.8)


def tm_epscs(U, tau_rec, tau_fac, isi, n, w=2.0):
    """Delivered values of ``n`` spikes ``isi`` steps apart (dt = 1 ms), read from a delta receptor."""
    steps = isi * n + 5
    spikes = np.zeros((steps, 1))
    spikes[np.arange(n) * isi, 0] = 1.0
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(1, spikes, name="src"))
    tgt = net.add(sc.Readout(1, kappa=0.0, name="tgt"))
    net.connect(
        src,
        tgt,
        sc.OneToOne(),
        weight=w,
        delay_steps=1,
        synapse=sc.TsodyksMarkram(U=U, tau_rec=tau_rec, tau_fac=tau_fac),
    )
    mon = net.add(sc.StateMonitor(tgt, "y"))
    net.run(steps=steps, dt=1.0, seed=0)
    y = mon["y"][:, 0, 0]
    return y[np.arange(n) * isi + 1]


@pytest.mark.parametrize("U, tau_rec, tau_fac", [(0.5, 800.0, 0.0), (0.1, 100.0, 1000.0), (0.3, 50.0, 20.0)])
def test_tsodyks_markram_matches_the_recursion(U, tau_rec, tau_fac):
    isi, n, w = 10, 8, 2.0
    got = tm_epscs(U, tau_rec, tau_fac, isi, n, w)
    u, x, expected = U, 1.0, []
    for k in range(n):
        delta = math.inf if k == 0 else float(isi)
        u_prev = u
        u = U + u * (1 - U) * (math.exp(-delta / tau_fac) if tau_fac > 0 else 0.0)
        x = 1 + (x - u_prev * x - 1) * math.exp(-delta / tau_rec)
        expected.append(w * u * x)
    np.testing.assert_allclose(got, expected, rtol=1e-13)


# ----- weights are data, checkpoints, bad input


def test_an_edit_of_uniform_static_weights_is_honoured():
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(1, np.ones((10, 1)), name="src"))
    tgt = net.add(sc.LIF(1, beta=1.0, threshold=1e9, name="tgt"))
    proj = net.connect(src, tgt, sc.AllToAll(), weight=1.0)
    net.run(steps=5, seed=0)
    proj.weights[:] = 3.0  # all still equal: the kernel used to keep the old scalar
    net.run(steps=5)
    assert tgt["u"][0, 0] == 4 * 1.0 + 5 * 3.0  # arrivals at steps 1..4, then 5..9


@pytest.mark.parametrize("batch", ["per_sample", "mean"])
def test_plastic_state_continues_bit_identically_after_export_and_import(batch):
    full, proj, _, spikes = random_net(7, batch, 2, steps=80)
    a, pa, _, _ = random_net(7, batch, 2, pre=spikes, steps=40)
    state = a.export_state()
    assert "w" in state["components"]["p"] and "pre.x" in state["components"]["p"]
    b, pb, _, _ = random_net(8, batch, 2, pre=spikes, steps=5)  # another history
    b.import_state(state)
    b.run(steps=40)
    a.run(steps=40)
    np.testing.assert_array_equal(pa.weights, proj.weights)  # run(40); run(40) == run(80)
    np.testing.assert_array_equal(pb.weights, proj.weights)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(tau_pre=-1.0), ValueError, r"STDP.tau_pre must be > 0; got -1.0"),
        (dict(A_pre=float("nan")), ValueError, r"STDP.A_pre must be finite; got nan"),
        (dict(w_min=1.0, w_max=0.5), ValueError, "w_min must be <= w_max"),
        (dict(pairing="closest"), ValueError, r"pairing must be one of \('all_to_all', 'nearest'\)"),
        (dict(A_pre=np.ones(3)), TypeError, "A_pre must be a scalar"),
    ],
)
def test_bad_stdp_parameters_name_the_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        sc.STDP(**kwargs)


@pytest.mark.parametrize("batch, dtype", [("per_sample", "float32"), ("mean", "float64")])
def test_weights_outside_the_bounds_are_refused_not_clipped(batch, dtype):
    """A weight beyond [w_min, w_max] would be clipped at its synapse's first event: refused at the build and
    at an edit, naming the projection, the count and the bounds; a weight on a bound (0.3 in float32 too) is fine."""
    net = sc.Network()
    a = net.add(sc.PoissonGroup(4, rate=50.0, name="a"))
    b = net.add(sc.LIF(3, name="b"))
    weight = np.array([0.1, 0.3, 0.31, 0.2] * 3)
    proj = net.connect(
        a, b, sc.AllToAll(), weight=weight, synapse=sc.STDP(w_min=0.0, w_max=0.3), batch=batch, name="ab"
    )
    message = r"weight of projection 'ab': 3 of 12 weights lie outside \[w_min, w_max\] = \[0.0, 0.3\] of STDP"
    with pytest.raises(ValueError, match=message):
        net.build(seed=0, batch_size=2, dtype=dtype)
    proj.weight = np.minimum(weight, 0.3)
    net.build(seed=0, batch_size=2, dtype=dtype)  # both checks come before any kernel is compiled
    edited = np.array(proj.weights)
    edited[..., 0] = -0.01
    with pytest.raises(ValueError, match=r"weights of projection 'ab': \d+ of \d+ weights lie outside"):
        proj.weights = edited
    assert np.all(np.asarray(proj.weights) >= 0.0)


def test_batch_mode_is_required_and_checked():
    net = sc.Network()
    a = net.add(sc.LIF(3, name="a"))
    with pytest.raises(ValueError, match=r"projection 'ab' has plastic synapses \(STDP\); give batch="):
        net.connect(a, a, sc.AllToAll(), synapse=sc.STDP(), name="ab")
    with pytest.raises(ValueError, match=r"batch must be one of \('per_sample', 'mean', 'sum'\); got 'avg'"):
        net.connect(a, a, sc.AllToAll(), synapse=sc.STDP(), batch="avg")
    with pytest.raises(ValueError, match="batch and every apply to plastic synapses"):
        net.connect(a, a, sc.AllToAll(), synapse=sc.TsodyksMarkram(), batch="mean")
    with pytest.raises(TypeError, match="synapse must be a SynapseModel"):
        net.connect(a, a, sc.AllToAll(), synapse="stdp")


def test_per_synapse_delays_time_each_synapse_at_its_own_arrival():
    """One source, two targets through synapses with delays 2 and 9: each pair is timed at its synapse."""
    steps = 40
    spikes = np.zeros((steps, 1))
    spikes[5, 0] = 1.0
    drive = np.zeros((steps, 2))
    drive[12, :] = 5.0  # both targets fire at 12
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(1, spikes, name="src"))
    tgt = net.add(sc.LIF(2, beta=0.0, threshold=1.0, name="tgt"))
    net.add(sc.CurrentInput(tgt, drive))
    proj = net.connect(
        src,
        tgt,
        sc.FromArrays([0, 0], [0, 1]),
        weight=0.5,
        delay_steps=[2, 9],
        delay_per="synapse",
        synapse=sc.STDP(A_pre=0.01, A_post=-0.012, tau_pre=20.0, tau_post=10.0),
        batch="per_sample",
    )
    net.run(steps=steps, dt=1.0, seed=0)
    # synapse 0: arrival 7, post 12 -> potentiation over 5 steps; synapse 1: arrival 14, post 12 -> depression over 2
    np.testing.assert_allclose(
        proj.weights[0], [0.5 + 0.01 * math.exp(-5 / 20), 0.5 - 0.012 * math.exp(-2 / 10)], rtol=1e-13
    )
    np.testing.assert_array_equal(proj.delays, [2, 9])


def test_lockstep_kernel_gives_the_same_on_threads(monkeypatch):
    """Shared weights step the samples together; serial (little work) and threaded layouts agree exactly."""
    import simcore.network as network

    serial_net, serial, _, spikes = random_net(5, "mean", 3)
    assert "run_chunk_serial_lockstep" in serial_net.source
    monkeypatch.setattr(network, "LOCKSTEP_PARALLEL_WORK", 1)
    threaded_net, threaded, _, _ = random_net(5, "mean", 3, pre=spikes)
    assert "run_chunk_parallel_lockstep" in threaded_net.source
    np.testing.assert_array_equal(serial.weights, threaded.weights)
