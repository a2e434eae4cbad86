"""ALIF (docs/contract.md §3.3): hand-computed traces, a naive reference, parameters and errors.

Evidence: contract (values computed by hand from the equations of 3.3) and
parity (the engine against ``alif_step_reference``, a naive numpy transcription
of 3.3, over tens of steps; bit-identical since the operations are the same).
"""

import numpy as np
import pytest

import simcore as sc
from neurons import ALIF


def alif_step_reference(u, a, I, beta, rho, threshold, b_adapt, reset="subtract"):
    """One step of docs/contract.md §3.3 on ``(B, N)`` arrays; returns ``u, a, s``."""
    u = beta * u + I
    A = threshold + b_adapt * a
    s = (u - A >= 0).astype(u.dtype)
    if reset == "subtract":
        u = u - A * s
    elif reset == "zero":
        u = u - u * s
    a = rho * a + s
    return u, a, s


def run(pop, I, dt=1.0, batch_size=1, seed=0, dtype="float64"):
    """Run ``pop`` alone with input ``I`` (T, B, N); returns u, a (T, B, N) and the spike raster."""
    net = sc.Network()
    net.add(pop)
    net.add(sc.CurrentInput(pop, I))
    st = net.add(sc.StateMonitor(pop, ("u", "a")))
    sp = net.add(sc.SpikeMonitor(pop))
    T = I.shape[0]
    net.run(steps=T, dt=dt, batch_size=batch_size, seed=seed, dtype=dtype)
    return st["u"], st["a"], sp.raster(T)


def reference_run(I, beta, rho, threshold, b_adapt, reset="subtract"):
    T, B, N = I.shape
    u, a = np.zeros((B, N), I.dtype), np.zeros((B, N), I.dtype)
    us, as_, ss = [], [], []
    for t in range(T):
        u, a, s = alif_step_reference(u, a, I[t], beta, rho, threshold, b_adapt, reset)
        us.append(u)
        as_.append(a)
        ss.append(s)
    return np.array(us), np.array(as_), np.array(ss)


def test_hand_computed_trace_section_3_3():
    # beta = rho = 0.5, threshold = 1, b_adapt = 0.5, input 1.5, 0, 1, 1, 0 (all values exact in binary):
    # t=0: u = 1.5, A = 1,              s = 1, u = 0.5,              a = 1
    # t=1: u = 0.25, A = 1 + 0.5*1 = 1.5, s = 0,                       a = 0.5
    # t=2: u = 0.125 + 1 = 1.125, A = 1.25, s = 0 (a LIF would spike),  a = 0.25
    # t=3: u = 0.5625 + 1 = 1.5625, A = 1.125, s = 1, u = 0.4375,       a = 1.125
    # t=4: u = 0.21875, A = 1.5625, s = 0,                               a = 0.5625
    I = np.array([1.5, 0.0, 1.0, 1.0, 0.0])[:, None, None]
    u, a, raster = run(ALIF(1, beta=0.5, rho=0.5, threshold=1.0, b_adapt=0.5), I)
    np.testing.assert_array_equal(u[:, 0, 0], [0.5, 0.25, 1.125, 0.4375, 0.21875])
    np.testing.assert_array_equal(a[:, 0, 0], [1.0, 0.5, 0.25, 1.125, 0.5625])
    np.testing.assert_array_equal(raster[:, 0, 0], [1, 0, 0, 1, 0])


def test_matches_naive_reference_over_60_steps(rng):
    T, B, N = 60, 2, 5
    I = rng.normal(0.4, 0.6, (T, B, N))
    beta = rng.uniform(0.6, 0.99, N)
    rho = rng.uniform(0.8, 0.99, N)
    threshold = rng.uniform(0.5, 1.5, N)
    b_adapt = rng.uniform(0.0, 0.8, N)
    u, a, raster = run(ALIF(N, beta=beta, rho=rho, threshold=threshold, b_adapt=b_adapt), I, batch_size=B)
    ru, ra, rs = reference_run(I, beta, rho, threshold, b_adapt)
    assert rs.sum() > 20  # the comparison covers many spikes
    np.testing.assert_array_equal(raster, rs)
    np.testing.assert_array_equal(u, ru)
    np.testing.assert_array_equal(a, ra)


def test_float32_run_matches_float32_reference(rng):
    # float32 arithmetic throughout (docs/contract.md §4: same spikes as the dense mode for the same dtype)
    T, B, N = 80, 2, 40
    f32 = np.float32
    I = rng.normal(0.4, 0.6, (T, B, N)).astype(f32)
    p = dict(
        beta=rng.uniform(0.6, 0.99, N).astype(f32),
        rho=rng.uniform(0.8, 0.99, N).astype(f32),
        threshold=rng.uniform(0.5, 1.5, N).astype(f32),
        b_adapt=rng.uniform(0.0, 0.8, N).astype(f32),
    )
    u, a, raster = run(ALIF(N, **p), I, batch_size=B, dtype="float32")
    ru, ra, rs = reference_run(I, p["beta"], p["rho"], p["threshold"], p["b_adapt"])
    assert u.dtype == np.float32 and ru.dtype == np.float32
    np.testing.assert_array_equal(raster, rs)
    np.testing.assert_array_equal(u, ru)
    np.testing.assert_array_equal(a, ra)


@pytest.mark.parametrize("reset", ["zero", "none"])
def test_other_resets_match_reference(rng, reset):
    T, N = 30, 3
    I = rng.uniform(0.0, 1.0, (T, 1, N))
    u, a, raster = run(ALIF(N, beta=0.9, rho=0.8, threshold=1.0, b_adapt=0.2, reset=reset), I)
    ru, ra, rs = reference_run(I, 0.9, 0.8, 1.0, 0.2, reset)
    assert rs.sum() > 3
    np.testing.assert_array_equal(raster, rs)
    np.testing.assert_array_equal(u, ru)
    np.testing.assert_array_equal(a, ra)


def test_without_adaptation_alif_is_lif(rng):
    # b_adapt = 0: A = threshold, and 3.3 reduces to 3.1 (reset "subtract")
    T, N = 50, 4
    I = rng.uniform(0.0, 0.8, (T, 1, N))
    u, a, raster = run(ALIF(N, beta=0.85, rho=0.9, threshold=1.0, b_adapt=0.0), I)
    net = sc.Network()
    lif = net.add(sc.LIF(N, beta=0.85, threshold=1.0))
    net.add(sc.CurrentInput(lif, I))
    st = net.add(sc.StateMonitor(lif, "u"))
    sp = net.add(sc.SpikeMonitor(lif))
    net.run(steps=T, dt=1.0, seed=0)
    assert raster.sum() > 5
    np.testing.assert_array_equal(raster, sp.raster(T))
    np.testing.assert_array_equal(u, st["u"])


def test_time_constants_give_exponential_decays():
    pop = ALIF(2, tau_mem=20.0, tau_adapt=200.0, b_adapt=0.1)
    net = sc.Network()
    net.add(pop)
    net.build(dt=0.5, seed=0)
    np.testing.assert_array_equal(pop.kernel_params["beta"], np.exp(-0.5 / 20.0))
    np.testing.assert_array_equal(pop.kernel_params["rho"], np.exp(-0.5 / 200.0))


def test_distribution_parameters_are_drawn_once_and_shared_by_the_batch(rng):
    T, B, N = 40, 3, 6
    pop = ALIF(N, beta=0.9, rho=0.95, threshold=sc.Uniform(0.8, 1.2), b_adapt=sc.Uniform(0.0, 0.5))
    I = rng.uniform(0.0, 0.5, (T, B, N))
    u, a, raster = run(pop, I, batch_size=B, seed=3)
    th, ba = pop.kernel_params["threshold"], pop.kernel_params["b_adapt"]
    assert th.shape == (N,) and np.all((th >= 0.8) & (th < 1.2)) and np.unique(th).size == N
    assert np.all((ba >= 0.0) & (ba < 0.5))
    ru, ra, rs = reference_run(I, 0.9, 0.95, th, ba)
    np.testing.assert_array_equal(raster, rs)
    np.testing.assert_array_equal(u, ru)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(beta=0.9, tau_mem=10.0, rho=0.9, b_adapt=0.1), "exactly one of beta or tau_mem; got both"),
        (dict(beta=0.9, rho=0.9, tau_adapt=5.0), "exactly one of rho or tau_adapt; got both"),
    ],
)
def test_conflicting_parameters_raise_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ALIF(2, **kwargs)


def test_omitted_parameters_take_the_shared_defaults():
    """tau_mem 20 ms, tau_adapt 200 ms, threshold 1, b_adapt 1.8: the defaults of the dense ALIFLayer too."""
    net = sc.Network()
    pop = net.add(ALIF(2))
    net.build(dt=1.0, seed=0)
    np.testing.assert_allclose(pop.kernel_params["beta"], np.exp(-1.0 / 20.0))
    np.testing.assert_allclose(pop.kernel_params["rho"], np.exp(-1.0 / 200.0))
    np.testing.assert_array_equal(pop.kernel_params["b_adapt"], 1.8)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(beta=1.5, rho=0.9, b_adapt=0.1), r"ALIF.beta must lie in \[0, 1\]; got 1.5"),
        (dict(beta=0.9, rho=-0.1, b_adapt=0.1), r"ALIF.rho must lie in \[0, 1\]; got -0.1"),
        (dict(tau_mem=-2.0, rho=0.9, b_adapt=0.1), "ALIF.tau_mem must be > 0; got -2.0"),
        (dict(beta=0.9, tau_adapt=0.0, b_adapt=0.1), "ALIF.tau_adapt must be > 0; got 0.0"),
        (dict(beta=0.9, rho=0.9, b_adapt=0.1, threshold=np.array([1.0, 0.0])), "ALIF.threshold must be > 0; got 0.0"),
        (dict(beta=0.9, rho=0.9, b_adapt=-0.5), "ALIF.b_adapt must be >= 0; got -0.5"),
    ],
)
def test_invalid_values_raise_before_running(kwargs, match):
    net = sc.Network()
    net.add(ALIF(2, **kwargs))
    with pytest.raises(ValueError, match=match):
        net.build(dt=1.0, seed=0)


def test_unknown_reset_lists_choices():
    with pytest.raises(ValueError, match=r"reset must be one of \('subtract', 'zero', 'none'\); got 'substract'"):
        ALIF(2, beta=0.9, rho=0.9, b_adapt=0.1, reset="substract")
