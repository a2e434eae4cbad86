"""Gradient checks (docs/contract.md §4): with the spike function replaced by
a steep sigmoid in both passes, the analytic backward pass equals central
finite differences in float64 to 1e-6 relative."""

import numpy as np
import pytest

from simcore.grad import (
    LIFLayer,
    ALIFLayer,
    LIBLayer,
    ReadoutLayer,
    ResidualBlock,
    SNN,
    cross_entropy,
    mse,
    firing_rate_l2,
    branching_factor,
)

T, B, NIN = 24, 2, 3
MASK = np.zeros(T, bool)
MASK[T // 2 :] = True


def _x(seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.5, size=(T, B, NIN))


def _loss(model, x, labels, regs, loss_kind):
    tape = model.forward(x)
    total = 0.0
    g_ev = {}
    gy = None
    if model.readout is not None:
        if loss_kind == "ce":
            total, gy = cross_entropy(tape.y, labels, MASK)
        elif loss_kind == "ce_step":
            total, gy = cross_entropy(tape.y, labels, MASK, average="per_step")
        else:
            target = np.sin(np.arange(T))[:, None, None] * np.ones_like(tape.y)
            total, gy = mse(tape.y, target, MASK)
    for k, kind, w in regs:
        if kind == "rate":
            v, g = firing_rate_l2(tape.spikes(k), 0.2)
        else:
            v, g = branching_factor(tape.spikes(k))
        total += w * v
        g_ev[k] = g_ev.get(k, 0) + w * g
    return total, tape, gy, g_ev


def check(model, loss_kind="ce", regs=(), seed=0, eps=2e-6, tol=1e-6, max_elems=5):
    x = _x(seed)
    labels = np.arange(B) % model.readout.n if model.readout is not None else None
    _, tape, gy, g_ev = _loss(model, x, labels, regs, loss_kind)
    grads = model.backward(tape, gy, g_ev)
    params = model.parameters()
    assert set(grads) == set(params)
    rng = np.random.default_rng(1)
    all_ana, all_num = [], []
    for name, p in params.items():
        flat = p.reshape(-1)
        idx = np.arange(flat.size)
        if flat.size > max_elems:
            idx = rng.choice(flat.size, max_elems, replace=False)
        num = np.empty(idx.size)
        for m, i in enumerate(idx):
            old = flat[i]
            f = {}
            for h in (-2, -1, 1, 2):
                flat[i] = old + h * eps
                f[h] = _loss(model, x, labels, regs, loss_kind)[0]
            flat[i] = old
            # fourth-order central difference (Richardson): error O(eps^4)
            num[m] = (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * eps)
        ana = np.asarray(grads[name]).reshape(-1)[idx]
        all_ana.append(ana)
        all_num.append(num)
        # per array: catches a wrong small gradient; the 1e-6 bound applies
        # to the whole gradient vector below (kinks of [x]+ and float
        # round-off limit what finite differences resolve on tiny entries)
        scale = max(np.linalg.norm(num), 1e-3)
        err = np.linalg.norm(ana - num) / scale
        assert err < 100 * tol, f"{name}: rel err {err:.2e}\nana {ana}\nnum {num}"
    ana = np.concatenate(all_ana)
    num = np.concatenate(all_num)
    err = np.linalg.norm(ana - num) / np.linalg.norm(num)
    assert err < tol, f"relative error of the gradient {err:.2e}"
    return err


def _model(layers, readout=True, **kw):
    n = layers[-1].n
    ro = ReadoutLayer(n, 2, tau_out=5.0, per_neuron=("tau_out",), seed=9) if readout else None
    opts = dict(dt=1.0, dtype=np.float64, spike_fn="sigmoid", sigmoid_k=4.0)
    opts.update(kw)
    return SNN(layers, ro, **opts)


def lif(n_in=NIN, n=4, **kw):
    base = dict(tau_mem=np.linspace(4, 9, n), threshold=0.6, delays=[1, 3, 1, 2][:n] + [1] * max(0, n - 4), seed=3)
    base.update(kw)
    L = LIFLayer(n_in, n, **base)
    L.params["W_in"] *= 2.0
    return L


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_lif_readout_ce(reset):
    check(_model([lif(reset=reset)]))


def test_lif_two_layers_mse_and_regularisers():
    m = _model([lif(), lif(4, 3, delays=[2, 1, 1], per_neuron=("threshold",), seed=5)])
    check(m, "mse", regs=[(0, "rate", 0.5), (1, "bf", 0.05)])


def test_lif_ce_per_step_shared_tau():
    check(_model([lif(tau_mem=6.0, delays=[1, 4, 1, 7])]), "ce_step")


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_alif(reset):
    L = ALIFLayer(
        NIN,
        4,
        tau_mem=np.linspace(4, 9, 4),
        tau_adapt=np.array([10.0, 20, 15, 30]),
        threshold=0.5,
        b_adapt=np.array([0.3, 0.5, 0.2, 0.4]),
        delays=[1, 2, 3, 1],
        reset=reset,
        seed=4,
    )
    L.params["W_in"] *= 2.0
    check(_model([L]), "ce", regs=[(0, "bf", 0.05)])


def _lib(**kw):
    base = dict(
        tau_syn_pos=[3.0, 4, 5, 6],
        tau_syn_neg=[6.0, 2, 4, 3],
        tau_mem_pos=[8.0, 9, 7, 10],
        tau_mem_neg=[5.0, 6, 7, 4],
        tau_rec_pos=[4.0, 5, 6, 3],
        tau_rec_neg=[7.0, 3, 5, 4],
        theta_pos=[0.5, 0.6, 0.4, 0.7],
        theta_neg=[0.7, 0.5, 0.6, 0.4],
        scale_pos=[1.0, 0.8, 1.2, 0.9],
        scale_neg=[0.6, 1.1, 0.9, 1.3],
        rec_weight_pos=[0.3, -0.2, 0.1, 0.2],
        rec_weight_neg=[0.2, 0.4, -0.3, 0.1],
        bias=[0.05, -0.1, 0.0, 0.1],
        delays=[1, 2, 1, 3],
        seed=6,
    )
    base.update(kw)
    L = LIBLayer(NIN, 4, **base)
    L.params["W_in"] *= 2.0
    return L


def test_lib_unequal_halves():
    check(_model([_lib()]), "ce", regs=[(0, "rate", 0.3), (0, "bf", 0.02)])


def test_lib_bipolar_input():
    # inputs of both signs so both syn halves are used
    L = _lib()
    L.params["W_in"] -= 0.8
    check(_model([L]), "mse")


def test_residual_block_then_lif():
    blk = ResidualBlock(lif(NIN, 4), seed=2)
    blk.params["b_lin"][:] = [0.1, -0.2, 0.3]
    check(_model([blk, lif(NIN, 3, delays=[1, 2, 1], seed=8)]), "ce")
