"""simcore.torch: a spikesim network inside a torch model.  Gradients of an
upstream encoder, of every spikesim parameter ((out, in) weights; decays or
time constants), of the initial state, with a float loss mask and a
regulariser on the events, against torch autograd of a plain-torch
reimplementation (float64, docs/contract.md §3.1, §3.5, §4)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from simcore.grad import LIFLayer, ReadoutLayer, SNN  # noqa: E402
from simcore.torch import SpikesimModule, cross_entropy, spikesim_name  # noqa: E402

T, B, NRAW, NIN, N, C = 25, 3, 2, 4, 6, 2
DELAYS = np.array([1, 2, 1, 3, 1, 2])
A = 2.0  # arctan surrogate parameter


class Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (A / 2) / (1 + (math.pi * A * x / 2) ** 2)


def _model():
    rng = np.random.default_rng(0)
    layer = LIFLayer(
        NIN,
        N,
        W_in=rng.normal(0, 0.9, (NIN, N)),
        W_rec=rng.normal(0, 0.4, (N, N)),
        delays=DELAYS,
        tau_mem=rng.uniform(5, 20, N),
        threshold=rng.uniform(0.6, 1.2, N),
    )
    ro = ReadoutLayer(N, C, W_out=rng.normal(0, 0.5, (N, C)), tau_out=np.array([5.0, 12.0]))
    return SNN([layer], ro, dtype=np.float64, surrogate="arctan", surrogate_param=A)


def _reference(x, W_in, W_rec, beta, th, W_out, kappa, u0):
    """Plain torch: weights in (out, in) layout."""
    u = u0
    S = []
    for t in range(T):
        cur = x[t] @ W_in.T
        for j in range(N):
            d = int(DELAYS[j])
            if t - d >= 0:
                cur = cur + S[t - d][:, j : j + 1] * W_rec[:, j][None, :]
        u = beta * u + cur
        s = Spike.apply(u - th)
        u = u - th * s
        S.append(s)
    S = torch.stack(S)
    y = torch.zeros(B, C, dtype=x.dtype)
    Y = []
    for t in range(T):
        I = S[t - 1] @ W_out.T if t >= 1 else torch.zeros(B, C, dtype=x.dtype)  # readout delay 1
        y = kappa * y + I
        Y.append(y)
    return torch.stack(Y), S


@pytest.mark.parametrize("decays", [True, False])
def test_gradients_match_plain_torch(decays):
    torch.manual_seed(0)
    model = _model()
    mod = SpikesimModule(model, decays=decays)
    enc = torch.nn.Linear(NRAW, NIN).double()
    raw = torch.tensor(np.random.default_rng(1).uniform(0, 2, (T, B, NRAW)))
    labels = torch.tensor([0, 1, 1])
    mask = torch.zeros(T, dtype=torch.float64)
    mask[10:] = torch.linspace(0.2, 1.0, T - 10, dtype=torch.float64)
    u0 = torch.tensor(np.random.default_rng(2).uniform(-0.2, 0.5, (1, B, N)), requires_grad=True)

    y, ev = mod(enc(raw), initial_state={0: u0})
    loss = cross_entropy(y, labels, mask) + 1e-3 * (ev[0].sum(2).diff(dim=0) ** 2).sum(0).mean()
    loss.backward()

    # the reference, from the same starting values
    p = {spikesim_name(k): v.detach().clone().requires_grad_(True) for k, v in mod.params.items()}
    enc2 = torch.nn.Linear(NRAW, NIN).double()
    enc2.load_state_dict(enc.state_dict())
    u0r = u0.detach().clone().requires_grad_(True)
    if decays:
        beta, kappa = p["layers.0.beta"], p["readout.kappa"]
    else:
        beta, kappa = torch.exp(-1.0 / p["layers.0.tau_mem"]), torch.exp(-1.0 / p["readout.tau_out"])
    Y, S = _reference(
        enc2(raw),
        p["layers.0.W_in"],
        p["layers.0.W_rec"],
        beta,
        p["layers.0.threshold"],
        p["readout.W_out"],
        kappa,
        u0r[0],
    )
    assert torch.equal(S, ev[0].detach()) and S.sum() > 5
    assert torch.allclose(Y, y.detach(), rtol=1e-12, atol=1e-12)
    ref = cross_entropy(Y, labels, mask) + 1e-3 * (S.sum(2).diff(dim=0) ** 2).sum(0).mean()
    ref.backward()
    assert ref.item() == pytest.approx(loss.item(), rel=1e-12)
    for k, v in mod.params.items():
        assert torch.allclose(v.grad, p[spikesim_name(k)].grad, rtol=1e-8, atol=1e-11), k
    for a, b in zip(enc.parameters(), enc2.parameters()):
        assert torch.allclose(a.grad, b.grad, rtol=1e-8, atol=1e-11)
    assert torch.allclose(u0.grad, u0r.grad, rtol=1e-8, atol=1e-11)
    if decays:
        assert "layers__0__beta" in mod.params and mod.params["layers__0__W_rec"].shape == (N, N)


def test_trains_with_an_encoder():
    """A torch encoder and the spikesim layer learn a two-class task together."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    layer = LIFLayer(NIN, 16, tau_mem=10.0, seed=0)
    model = SNN([layer], ReadoutLayer(16, 2, tau_out=10.0, seed=1), dtype=np.float32, surrogate="arctan")
    mod = SpikesimModule(model, decays=True)
    enc = torch.nn.Linear(1, NIN)
    opt = torch.optim.Adam(list(enc.parameters()) + list(mod.parameters()), lr=2e-2)
    w_before = enc.weight.detach().clone()
    mask = torch.zeros(20, dtype=torch.bool)
    mask[-5:] = True

    def batch(n):
        lab = rng.integers(0, 2, n)
        x = np.zeros((20, n, 1), np.float32)
        x[:5, :, 0] = np.where(lab == 1, 1.0, -1.0)
        return torch.tensor(x), torch.tensor(lab)

    for _ in range(60):
        x, lab = batch(32)
        y, _ = mod(enc(x))
        loss = cross_entropy(y, lab, mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            for k in ("layers__0__beta", "readout__kappa"):
                mod.params[k].clamp_(0.01, 0.999)
    x, lab = batch(256)
    with torch.no_grad():
        y, _ = mod(enc(x))
    acc = float((y[mask].mean(0).argmax(-1) == lab).float().mean())
    assert acc > 0.85
    assert not torch.equal(w_before, enc.weight.detach())


def test_bad_input():
    mod = SpikesimModule(_model())
    with pytest.raises(TypeError, match="x"):
        mod(np.zeros((T, B, NIN)))
    with pytest.raises(TypeError, match="dtype"):
        mod(torch.zeros(T, B, NIN, dtype=torch.float32))
    with pytest.raises(ValueError, match="shape"):
        mod(torch.zeros(T, B, NIN + 1, dtype=torch.float64))
    with pytest.raises(TypeError, match="model"):
        SpikesimModule("snn")
    with pytest.raises(ValueError, match="mask"):
        cross_entropy(torch.zeros(T, B, C), torch.zeros(B, dtype=torch.long), torch.zeros(T))
