"""Gradients against an independent autograd implementation (PyTorch, float64),
with Heaviside spikes and each surrogate, reset in the graph or detached
(docs/contract.md §4).  Skipped without torch."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from simcore.grad import LIFLayer, ALIFLayer, LIBLayer, ReadoutLayer, SNN, cross_entropy, branching_factor  # noqa: E402

T, B, NIN, N = 30, 3, 3, 5
SURR = {
    "fast_sigmoid": lambda x, p: 1.0 / (1.0 + p * x.abs()) ** 2,
    "triangle": lambda x, p: p * torch.clamp(1.0 - x.abs(), min=0.0),
    "arctan": lambda x, p: (p / 2) / (1 + (math.pi * p * x / 2) ** 2),
    "clamp_ramp": lambda x, p: torch.clamp(x + 1.0, 0.0, 1.0),
}
PARAM = {"fast_sigmoid": 25.0, "triangle": 0.3, "arctan": 2.0, "clamp_ramp": 0.0}


def spike_fn(name):
    class Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x >= 0).to(x.dtype)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * SURR[name](x, PARAM[name])

    return Spike.apply


def pos(x):
    return torch.where(x > 0, x, torch.zeros_like(x))


def neg(x):
    return torch.where(x < 0, x, torch.zeros_like(x))


def torch_forward(model, x, surrogate):
    """Independent re-implementation of docs/contract.md §3.x + 4 for one layer and a readout."""
    L = model.layers[0]
    R = model.readout
    H = spike_fn(surrogate)
    P = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for k, v in model.parameters().items()}
    g = lambda name: P["layers.0." + name]  # noqa: E731
    dt = model.dt
    T = x.shape[0]
    xt = torch.tensor(x)
    I_in = torch.einsum("tbi,in->tbn", xt, g("W_in"))
    W = g("W_rec")
    d = L.delays
    outs = []
    z = torch.zeros(B, N, dtype=torch.float64)
    det = (lambda s: s.detach()) if L.detach_reset else (lambda s: s)
    if L.kind in ("LIF", "ALIF"):
        beta = torch.exp(-dt / g("tau_mem"))
        u, a = z, z
        if L.kind == "ALIF":
            rho = torch.exp(-dt / g("tau_adapt"))
        events = []
        for t in range(T):
            cur = I_in[t]
            for j in range(N):
                if t - d[j] >= 0:
                    cur = cur + outs[t - d[j]][:, j : j + 1] * W[j]
            u = beta * u + cur
            A = g("threshold") if L.kind == "LIF" else g("threshold") + g("b_adapt") * a
            s = H(u - A)
            if L.reset == "subtract":
                u = u - A * det(s)
            elif L.reset == "zero":
                u = u * (1 - det(s))
            if L.kind == "ALIF":
                a = rho * a + s
            outs.append(s)
            events.append(s)
    else:
        dec = {
            k: torch.exp(-dt / g(v))
            for k, v in [
                ("ap", "tau_syn_pos"),
                ("an", "tau_syn_neg"),
                ("bp", "tau_mem_pos"),
                ("bn", "tau_mem_neg"),
                ("gp", "tau_rec_pos"),
                ("gn", "tau_rec_neg"),
            ]
        }
        sp_, sn_, mp, mn, rp, rn = z, z, z, z, z, z
        events = []
        for t in range(T):
            cur = I_in[t]
            for j in range(N):
                if t - d[j] >= 0:
                    cur = cur + outs[t - d[j]][:, j : j + 1] * W[j]
            sp_ = dec["ap"] * sp_ + pos(cur)
            sn_ = dec["an"] * sn_ + neg(cur)
            drive = sp_ + sn_ + g("rec_weight_pos") * rp + g("rec_weight_neg") * rn + g("bias")
            mp = dec["bp"] * mp + pos(drive)
            mn = dec["bn"] * mn + neg(drive)
            m = mp + mn
            s_pos = H(m - g("theta_pos"))
            s_neg = H(-m - g("theta_neg"))
            o = g("scale_pos") * s_pos - g("scale_neg") * s_neg
            mp = mp - g("theta_pos") * det(s_pos)
            mn = mn + g("theta_neg") * det(s_neg)
            rp = dec["gp"] * rp + pos(o)
            rn = dec["gn"] * rn + neg(o)
            outs.append(o)
            events.append(s_pos + s_neg)
    S = torch.stack(outs)
    Iy = torch.cat(
        [torch.zeros(1, B, R.n, dtype=torch.float64), torch.einsum("tbn,nc->tbc", S[:-1], P["readout.W_out"])]
    )
    kappa = torch.exp(-dt / P["readout.tau_out"])
    y = torch.zeros(B, R.n, dtype=torch.float64)
    ys = []
    for t in range(T):
        y = kappa * y + Iy[t]
        ys.append(y)
    return P, torch.stack(ys), torch.stack(events)


def compare(model, surrogate, T=T):
    rng = np.random.default_rng(0)
    x = rng.normal(0.5, 1.0, (T, B, NIN))
    labels = np.array([0, 1, 0])
    mask = np.zeros(T, bool)
    mask[T // 2 :] = True
    tape = model.forward(x)
    _, gy = cross_entropy(tape.y, labels, mask)
    bf, gn = branching_factor(tape.spikes(0))
    ours = model.backward(tape, gy, {0: 0.01 * gn})
    P, Y, E = torch_forward(model, x, surrogate)
    np.testing.assert_array_equal(E.detach().numpy(), tape.spikes(0))
    ybar = Y[torch.tensor(mask)].mean(0)
    St = E.sum(2)
    loss = (
        torch.nn.functional.cross_entropy(ybar, torch.tensor(labels)) + 0.01 * ((St[1:] - St[:-1]) ** 2).sum(0).mean()
    )
    loss.backward()
    assert ours.keys() == P.keys()
    for k, p in P.items():
        np.testing.assert_allclose(ours[k], p.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=k)


def _model(layer, surrogate):
    return SNN([layer], ReadoutLayer(N, 2, tau_out=np.full(2, 6.0), seed=5), dtype=np.float64, surrogate=surrogate)


@pytest.mark.parametrize("surrogate", list(SURR))
@pytest.mark.parametrize("reset,detach", [("subtract", False), ("subtract", True), ("zero", True)])
def test_lif(surrogate, reset, detach):
    L = LIFLayer(
        NIN,
        N,
        tau_mem=np.linspace(4, 9, N),
        threshold=np.full(N, 0.7),
        delays=[1, 3, 1, 2, 4],
        reset=reset,
        detach_reset=detach,
        seed=3,
    )
    compare(_model(L, surrogate), surrogate)


@pytest.mark.parametrize("detach", [False, True])
def test_alif(detach):
    L = ALIFLayer(
        NIN,
        N,
        tau_mem=np.linspace(4, 9, N),
        tau_adapt=np.linspace(10, 30, N),
        threshold=np.full(N, 0.6),
        b_adapt=np.linspace(0.1, 0.5, N),
        delays=[2, 1, 1, 3, 1],
        detach_reset=detach,
        seed=4,
    )
    compare(_model(L, "fast_sigmoid"), "fast_sigmoid")


@pytest.mark.parametrize("detach", [False, True])
def test_lib(detach):
    rng = np.random.default_rng(7)
    kw = {
        n: rng.uniform(2, 9, N)
        for n in ("tau_syn_pos", "tau_syn_neg", "tau_mem_pos", "tau_mem_neg", "tau_rec_pos", "tau_rec_neg")
    }
    L = LIBLayer(
        NIN,
        N,
        theta_pos=rng.uniform(0.4, 0.8, N),
        theta_neg=rng.uniform(0.4, 0.8, N),
        scale_pos=rng.uniform(0.8, 1.2, N),
        scale_neg=rng.uniform(0.8, 1.2, N),
        rec_weight_pos=rng.uniform(-0.3, 0.3, N),
        rec_weight_neg=rng.uniform(-0.3, 0.3, N),
        bias=rng.uniform(-0.1, 0.1, N),
        delays=[1, 2, 1, 3, 2],
        detach_reset=detach,
        seed=6,
        **kw,
    )
    compare(_model(L, "triangle"), "triangle")


def test_lif_long_delays_blocked_adjoint():
    # delays above the 64-step block of the recurrent adjoint (K = 64 < d)
    L = LIFLayer(NIN, N, tau_mem=np.linspace(4, 9, N), threshold=np.full(N, 0.7), delays=[1, 70, 3, 100, 64], seed=3)
    L.params["W_rec"] *= 3.0
    compare(_model(L, "clamp_ramp"), "clamp_ramp", T=200)
