"""Parity: the dense forward pass and the event-driven engine give identical
spikes for the same network and input (docs/contract.md §4, first bullet),
in float32 and float64, both ways through the bridge."""

import numpy as np
import pytest

sc = pytest.importorskip("simcore")
from simcore.grad import LIFLayer, ALIFLayer, LIBLayer, ReadoutLayer, ResidualBlock, SNN  # noqa: E402
from simcore.grad.bridge import to_network, from_network  # noqa: E402

DTYPES = [np.float32, np.float64]


def _polarity(tape, k):
    c = tape.caches[k]
    if "s_pos" in c:
        return (c["s_pos"] - c["s_neg"]).astype(np.int8)
    return tape.spikes(k).astype(np.int8)


def _assert_same_spikes(model, x):
    tape = model.forward(x)
    ev = to_network(model, x)
    rasters = ev.run()
    for k in range(len(model.layers)):
        ref = _polarity(tape, k)
        assert ref.any(), f"layer {k} is silent; the test would prove nothing"
        np.testing.assert_array_equal(rasters[k], ref, err_msg=f"layer {k}")
    return ev, tape


@pytest.mark.parametrize("dtype", DTYPES)
def test_lif_stack_with_delays(dtype):
    rng = np.random.default_rng(0)
    T, B = 120, 3
    L1 = LIFLayer(
        4, 16, tau_mem=rng.uniform(5, 20, 16), delays=rng.choice([1, 5, 9], 16), self_connections=False, seed=1
    )
    L1.params["W_rec"] *= 2.0
    L2 = LIFLayer(16, 6, tau_mem=8.0, delays=[1, 2, 3, 1, 2, 3], reset="zero", seed=2)
    L3 = LIFLayer(
        6, 5, beta=0.9, threshold=0.5, reset="none", recurrent=False, seed=3, W_in=rng.uniform(0.0, 0.6, (6, 5))
    )
    model = SNN([L1, L2, L3], ReadoutLayer(5, 2, seed=4), dtype=dtype)
    x = rng.random((T, B, 4)) * 1.5
    _assert_same_spikes(model, x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_alif_and_lib_dual_trace(dtype):
    rng = np.random.default_rng(1)
    T, B = 100, 2
    if not all(hasattr(sc, n) for n in ("ALIF", "LIB")):
        pytest.skip("the event engine has no ALIF/LIB")
    L1 = ALIFLayer(
        3, 10, tau_mem=rng.uniform(5, 20, 10), tau_adapt=40.0, b_adapt=0.3, delays=rng.integers(1, 5, 10), seed=1
    )
    L1.params["W_in"] *= 2.5
    L2 = LIBLayer(
        10,
        6,
        tau_syn_pos=rng.uniform(2, 6, 6),
        alpha_neg=0.6,
        tau_mem_pos=10.0,
        beta_neg=0.8,
        gamma_pos=0.7,
        gamma_neg=0.5,
        theta_pos=1.5,
        theta_neg=rng.uniform(1.0, 2.0, 6),
        scale_pos=1.1,
        scale_neg=0.7,
        rec_weight_pos=0.3,
        rec_weight_neg=-0.2,
        bias=0.01,
        delays=rng.integers(1, 4, 6),
        seed=2,
    )
    model = SNN([L1, L2, LIFLayer(6, 4, seed=3)], None, dtype=dtype)
    x = rng.normal(size=(T, B, 3))
    _assert_same_spikes(model, x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_event_network_converts_to_dense(dtype):
    rng = np.random.default_rng(2)
    T, B, N = 80, 2, 12
    net = sc.Network()
    pop = net.add(sc.LIF(N, beta=rng.uniform(0.8, 0.95, N), threshold=1.0, name="a"))
    out = net.add(sc.LIF(5, tau_mem=10.0, threshold=0.7, reset="zero", name="b"))
    W = rng.normal(0, 0.5, (N, N))
    np.fill_diagonal(W, 0)
    net.connect(pop, pop, sc.FromMatrix(W), receptor="I", delay_steps=rng.integers(1, 6, N))
    net.connect(pop, out, sc.FromMatrix(rng.normal(0.3, 0.3, (N, 5))), receptor="I", delay_steps=2)
    I = rng.random((T, B, N)) * 0.8
    net.add(sc.CurrentInput(pop, I, receptor="I"))
    mons = [net.add(sc.SpikeMonitor(p)) for p in (pop, out)]
    net.run(steps=T, batch_size=B, dt=1.0, seed=0, dtype=np.dtype(dtype).name)
    model, x = from_network(net)
    assert model.dtype == dtype
    tape = model.forward(x)
    for k, m in enumerate(mons):
        ref = tape.spikes(k).astype(np.int8)
        assert ref.any()
        np.testing.assert_array_equal(m.raster(n_steps=T), ref)


def test_bridge_takes_what_zero_delays_express():
    """Residual blocks and delay_in=0 used to be refused; zero-delay projections and Linear populations
    express them now (their spikes are compared in test_bptt_bridge_zero_delay.py)."""
    x = np.ones((5, 1, 3))
    for m in (
        SNN([ResidualBlock(LIFLayer(3, 4, seed=0), seed=1)]),
        SNN([LIFLayer(3, 4, seed=0), LIFLayer(4, 2, delay_in=0, seed=1)]),
        SNN([LIFLayer(3, 4, seed=0)], ReadoutLayer(4, 2, delay_in=0, seed=1)),
    ):
        event = to_network(m, x)
        assert len(event.run()) == len(m.layers)
