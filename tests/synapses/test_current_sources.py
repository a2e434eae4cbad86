"""Current sources and the inhomogeneous Poisson input (synapses/stimuli.py): values by hand and in closed form,
per-sample streams (docs/contract.md §5), bad input. External input has no delay (docs/contract.md §2): a Readout
with kappa = 0 shows each step's input, y[t] = I[t] (docs/contract.md §3.5)."""

import math

import numpy as np
import pytest

import simcore as sc
from simcore.base import random as rnd
from simcore.base.kernels.rng import normal

DT = 0.1


def observe(n, make, steps, *, batch_size=1, seed=3):
    """The input each step delivers to a Readout(kappa=0): ``(steps, B, n)``."""
    net = sc.Network()
    pop = net.add(sc.Readout(n, kappa=0.0))
    stim = net.add(make(pop))
    mon = net.add(sc.StateMonitor(pop, "y"))
    net.run(steps=steps, dt=DT, batch_size=batch_size, seed=seed)
    return mon["y"], stim


def test_dc_source_is_a_window():
    y, _ = observe(2, lambda p: sc.DCSource(p, [5.0, -2.0], start=1.0, stop=2.5), 40)
    expected = np.zeros((40, 2))
    expected[10:25] = [5.0, -2.0]
    np.testing.assert_array_equal(y[:, 0], expected)


def test_step_current_source_by_hand_with_rounded_times():
    # 0.3 ms -> step 3 (never int(0.3/0.1) == 2, docs/contract.md §2)
    y, _ = observe(2, lambda p: sc.StepCurrentSource(p, [0.3, 1.0, 1.55], [[1.0, 2.0], [-3.0, 0.0], [7.0, 7.5]]), 20)
    expected = np.zeros((20, 2))
    expected[3:10], expected[10:16], expected[16:] = [1.0, 2.0], [-3.0, 0.0], [7.0, 7.5]
    np.testing.assert_array_equal(y[:, 0], expected)


def test_ac_source_is_the_closed_form():
    y, _ = observe(
        3,
        lambda p: sc.ACSource(
            p, amplitude=[1.0, 2.0, 3.0], frequency=[10.0, 40.0, 0.0], offset=0.5, phase=[0.0, 90.0, 30.0], start=0.5
        ),
        500,
    )
    t = np.arange(500) * DT
    f, a, ph = np.array([10.0, 40.0, 0.0]), np.array([1.0, 2.0, 3.0]), np.deg2rad([0.0, 90.0, 30.0])
    expected = 0.5 + a * np.sin(2 * np.pi * f * t[:, None] / 1000.0 + ph)
    expected[:5] = 0.0
    np.testing.assert_allclose(y[:, 0], expected, rtol=1e-13, atol=1e-13)


def test_noisy_current_exact_update_by_hand():
    # x0 ~ N(mean, std^2) stationary, then x <- mean + (x - mean) P + std sqrt(1 - P^2) z, from the sample's stream
    mean, std, tau, n, T = 20.0, 5.0, 3.0, 2, 30
    y, stim = observe(n, lambda p: sc.NoisyCurrent(p, mean, std, tau, name="ou"), T, batch_size=2)
    P = math.exp(-DT / tau)
    for b in range(2):
        state = rnd.stream_states(3, "ou", rnd.NOISE, 2)
        x = [mean + std * normal(state, b) for _ in range(n)]
        for t in range(T):
            for i in range(n):
                x[i] = mean + (x[i] - mean) * P + std * math.sqrt(1 - P * P) * normal(state, b)
            np.testing.assert_allclose(y[t, b], x, rtol=1e-13)


def test_noisy_current_statistics():
    mean, std, tau = -10.0, 4.0, 2.0
    y, _ = observe(2000, lambda p: sc.NoisyCurrent(p, mean, std, tau), 400)
    x = y[:, 0]
    assert abs(x.mean() - mean) < 0.1 and abs(x.std() - std) < 0.1
    lag = 10  # autocorrelation exp(-lag dt/tau) = exp(-0.5)
    c = np.mean((x[:-lag] - mean) * (x[lag:] - mean)) / std**2
    assert abs(c - math.exp(-lag * DT / tau)) < 0.03


@pytest.mark.parametrize(
    "make",
    [
        lambda p: sc.NoisyCurrent(p, 1.0, 2.0, 5.0, name="s"),
        lambda p: sc.InhomogeneousPoissonInput(p, 10, np.linspace(0.0, 500.0, 50), 1.0, name="s"),
    ],
)
def test_a_sample_alone_equals_the_sample_in_a_batch(make):
    batched, _ = observe(5, make, 50, batch_size=3)
    alone, _ = observe(5, make, 50, batch_size=1)
    np.testing.assert_array_equal(alone[:, 0], batched[:, 0])
    assert not np.array_equal(batched[:, 0], batched[:, 1])


def test_inhomogeneous_poisson_follows_the_rate():
    # 1000 trains: 0 Hz for 5 ms, then 200 Hz for 5 ms (rows of 1 ms), then nothing after the table
    rates = np.array([0.0] * 5 + [200.0] * 5)
    y, _ = observe(500, lambda p: sc.InhomogeneousPoissonInput(p, 1000, rates, 0.5, rate_dt=1.0), 150)
    counts = y[:, 0] / 0.5
    assert np.all(counts[:50] == 0) and np.all(counts[100:] == 0)
    lam = 1000 * 200.0 * DT / 1000.0  # 20 per step
    window = counts[50:100]
    assert abs(window.mean() - lam) < 5 * math.sqrt(lam / window.size)
    assert abs(window.var() - lam) < 0.1 * lam  # Poisson: variance = mean


def test_rate_function_is_sampled_once_per_step_like_the_array():
    fn = lambda t_ms: 100.0 + 50.0 * np.sin(t_ms)  # noqa: E731
    table = fn(np.arange(1.0, 3.0, DT))
    y_fn, _ = observe(4, lambda p: sc.InhomogeneousPoissonInput(p, 50, fn, 1.0, start=1.0, stop=3.0, name="r"), 40)
    y_arr, _ = observe(4, lambda p: sc.InhomogeneousPoissonInput(p, 50, table, 1.0, start=1.0, name="r"), 40)
    np.testing.assert_array_equal(y_fn, y_arr)
    assert y_fn[:10].sum() == 0 and y_fn[10:30].sum() > 0 and y_fn[30:].sum() == 0


def test_current_source_drives_a_conductance_neuron_like_i_e():
    # a DC current on receptor I (held over the next step) acts as I_e does, one step later
    def trace(**kw):
        net = sc.Network()
        pop = net.add(sc.LIFCondExp(1, **kw))
        if "I_e" not in kw:
            net.add(sc.DCSource(pop, 300.0, receptor="I"))
        mon = net.add(sc.StateMonitor(pop, "v"))
        net.run(steps=100, dt=DT, seed=0)
        return mon["v"][:, 0, 0]

    np.testing.assert_allclose(trace()[1:], trace(I_e=300.0)[:-1], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda p: sc.NoisyCurrent(p, 0.0, -1.0, 5.0), ValueError, r"std must be >= 0; got -1"),
        (lambda p: sc.NoisyCurrent(p, 0.0, 1.0, 0.0), ValueError, r"tau must be > 0 ms; got 0"),
        (lambda p: sc.NoisyCurrent(p, float("nan"), 1.0, 1.0), ValueError, r"mean must be finite; got nan"),
        (lambda p: sc.ACSource(p, 1.0, -5.0), ValueError, r"frequency must be >= 0 Hz; got -5"),
        (lambda p: sc.ACSource(p, 1.0, 5.0, start=2.0, stop=1.0), ValueError, r"stop must be >= start"),
        (lambda p: sc.StepCurrentSource(p, [1.0, 0.5], [1.0, 2.0]), ValueError, r"times must be >= 0 ms and strictly"),
        (lambda p: sc.StepCurrentSource(p, [1.0, 2.0], [1.0]), ValueError, r"amplitudes must have shape \(2,\)"),
        (lambda p: sc.InhomogeneousPoissonInput(p, 5, [10.0, -1.0], 1.0), ValueError, r"rate must be >= 0 Hz; got -1"),
        (lambda p: sc.InhomogeneousPoissonInput(p, 5, [[1.0, 2.0]], 1.0), ValueError, r"rate must have shape \(K,\)"),
        (lambda p: sc.InhomogeneousPoissonInput(p, 5, lambda t: 1.0, 1.0), ValueError, r"needs stop"),
        (lambda p: sc.InhomogeneousPoissonInput(p, 5, "fast", 1.0), TypeError, r"rate must be an array of Hz"),
        (lambda p: sc.InhomogeneousPoissonInput(p, -1, [1.0], 1.0), ValueError, r"n_inputs must be >= 0"),
    ],
)
def test_bad_input_names_the_parameter(make, exc, match):
    net = sc.Network()
    pop = net.add(sc.Readout(3, kappa=0.0))
    with pytest.raises(exc, match=match):
        make(pop)


def test_rate_dt_must_be_whole_steps_and_close_times_must_not_share_a_step():
    net = sc.Network()
    pop = net.add(sc.Readout(3, kappa=0.0))
    net.add(sc.InhomogeneousPoissonInput(pop, 5, [1.0, 2.0], 1.0, rate_dt=0.25))
    with pytest.raises(ValueError, match=r"rate_dt = 0.25 ms must be a whole number of steps"):
        net.build(dt=DT, seed=0)
    net = sc.Network()
    pop = net.add(sc.Readout(3, kappa=0.0))
    net.add(sc.StepCurrentSource(pop, [1.0, 1.02], [1.0, 2.0]))
    with pytest.raises(ValueError, match=r"two changes fall in one step"):
        net.build(dt=DT, seed=0)


SUBGROUP_SOURCES = {
    "dc": lambda t: sc.DCSource(t, 2.0, start=0.5),
    "step": lambda t: sc.StepCurrentSource(t, [0.2, 1.0], [1.5, -0.5]),
    "step_per_neuron": lambda t: sc.StepCurrentSource(t, [0.2, 1.0], np.arange(2 * t.n, dtype=float).reshape(2, t.n)),
    "ac": lambda t: sc.ACSource(t, 1.0, 200.0, offset=0.25, phase=30.0, start=0.3),
    "noisy": lambda t: sc.NoisyCurrent(t, 1.0, 0.5, 2.0),
}


@pytest.mark.parametrize("make", SUBGROUP_SOURCES.values(), ids=SUBGROUP_SOURCES.keys())
@pytest.mark.parametrize("selection", [slice(2, 5), [0, 3, 6]], ids=["slice", "indices"])
def test_a_source_on_a_subgroup_reaches_only_its_neurons(make, selection):
    # pop[a:b] / pop[indices]: the subgroup's neurons get what a population of their own would get,
    # the others nothing (a noisy current draws its own values there, so only its zeros are compared)
    n, T = 7, 30
    inside = np.arange(n)[selection]
    y, _ = observe(n, lambda pop: make(pop[selection]), T)
    alone, _ = observe(inside.size, make, T)
    outside = np.setdiff1d(np.arange(n), inside)
    assert np.all(y[:, 0, outside] == 0.0)
    if make is SUBGROUP_SOURCES["noisy"]:
        assert np.all(y[:, 0, inside] != 0.0)
    else:
        np.testing.assert_array_equal(y[:, 0, inside], alone[:, 0])
        assert np.any(alone != 0.0)
