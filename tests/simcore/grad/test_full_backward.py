"""SNN.backward(full=True): gradients of the input, of the initial states and
of the decays, against central finite differences on the smooth model
(spike_fn='sigmoid', docs/contract.md §4), float64."""

import numpy as np
import pytest

from simcore.grad import ALIFLayer, LIBLayer, LIFLayer, ReadoutLayer, ResidualBlock, SNN, cross_entropy

T, B, NIN, N = 16, 2, 3, 4
MASK = np.zeros(T, bool)
MASK[T // 2 :] = True
LAB = np.array([0, 1])


def _model(kind):
    kw = dict(spike_fn="sigmoid", sigmoid_k=4.0, dtype=np.float64)
    if kind == "lif":
        layers = [LIFLayer(NIN, N, tau_mem=np.linspace(5, 20, N), seed=1, delays=[1, 2, 1, 3])]
    elif kind == "alif":
        layers = [ALIFLayer(NIN, N, tau_mem=10.0, tau_adapt=np.linspace(20, 80, N), b_adapt=0.5, seed=1)]
    elif kind == "lib":
        layers = [
            LIBLayer(
                NIN,
                N,
                seed=1,
                tau_syn_pos=3.0,
                tau_syn_neg=6.0,
                rec_weight_pos=0.3,
                rec_weight_neg=-0.2,
                bias=0.05,
                per_neuron=("tau_mem_pos",),
            )
        ]
    else:  # residual: LIF layer, then a residual LIB block, then a second LIF layer
        layers = [
            ResidualBlock(LIFLayer(NIN, N, seed=3), seed=4),
            LIFLayer(NIN, N, seed=1),
            ResidualBlock(LIBLayer(N, 3, seed=2), seed=5),
        ]
    return SNN(layers, ReadoutLayer(N, 2, seed=7, tau_out=8.0), **kw)


def _loss(model, x, st0):
    tape = model.forward(x, initial_state=st0)
    return cross_entropy(tape.y, LAB, MASK), tape


def _fd(f, arr, idx, eps=1e-6):
    old = arr[idx]
    arr[idx] = old + eps
    lp = f()
    arr[idx] = old - eps
    lm = f()
    arr[idx] = old
    return (lp - lm) / (2 * eps)


@pytest.mark.parametrize("kind", ["lif", "alif", "lib", "residual"])
def test_input_state_and_decay_gradients(kind):
    model = _model(kind)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1.5, (T, B, NIN))
    st0 = {}
    for k, L in enumerate(model.layers):
        core = L.layer if isinstance(L, ResidualBlock) else L
        st0[k] = rng.uniform(-0.3, 0.6, core.state_shape(B))
    (loss, gy), tape = _loss(model, x, st0)
    res = model.backward(tape, gy, full=True)
    plain = model.backward(tape, gy)
    assert set(plain) == set(res.params)
    for name in plain:  # the plain call is unchanged
        assert np.array_equal(plain[name], res.params[name])
    f = lambda: _loss(model, x, st0)[0][0]  # noqa: E731
    assert res.x.shape == x.shape
    for idx in [(0, 0, 0), (3, 1, 2), (T // 2, 0, 1), (T - 1, 1, 0)]:
        assert res.x[idx] == pytest.approx(_fd(f, x, idx), rel=1e-5, abs=1e-9)
    for k, s in st0.items():
        assert res.state0[k].shape == s.shape
        for r in range(s.shape[0]):
            idx = (r, 1, 2 % s.shape[2])
            assert res.state0[k][idx] == pytest.approx(_fd(f, s, idx), rel=1e-5, abs=1e-9), (k, r)
    # decay gradients: chain rule to the time-constant gradients
    for prefix, m in model._modules():
        if m.spec is None:
            continue
        for tau_name, dec_name in m._decays:
            g_dec = res.decays[prefix + dec_name]
            tau = m.params[tau_name].astype(np.float64)
            dec = np.exp(-model.dt / tau)
            expect = g_dec * dec * model.dt / tau**2
            if prefix + tau_name in res.params:
                assert np.allclose(res.params[prefix + tau_name], expect, rtol=1e-9, atol=1e-14)
    # one decay by finite differences through its time constant: d/dbeta = d/dtau * dtau/dbeta
    prefix, m = next((p, m) for p, m in model._modules() if m.spec is not None)
    tau_name, dec_name = m._decays[0]
    tau = m.params[tau_name]
    i = 0 if tau.ndim == 0 else (1,)
    g_tau = _fd(f, tau, i if tau.ndim else (), eps=1e-5)
    t = float(tau[i] if tau.ndim else tau)
    beta = np.exp(-1.0 / t)
    g_dec = res.decays[prefix + dec_name]
    g_dec = float(g_dec[i] if np.ndim(g_dec) else g_dec)
    assert g_dec == pytest.approx(g_tau * t * t / beta, rel=1e-4)
