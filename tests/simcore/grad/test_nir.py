"""NIR export/import (simcore.nir, docs/nir.md): round trips give identical
spikes; graphs built with nir's own constructors match a numpy simulation of
the NIR equations (forward Euler at dt); import into the event engine;
snnTorch's exported graph.  Skipped without the nir package."""

import numpy as np
import pytest

nir = pytest.importorskip("nir")

from simcore.grad import to_network  # noqa: E402
from simcore.grad.models import alif_stack, delaynet, lib_residual_stack, lif_stack  # noqa: E402
from simcore.nir import from_nir, to_nir  # noqa: E402

X = (np.random.default_rng(0).random((40, 3, 4)) < 0.3).astype(np.float32)


@pytest.mark.parametrize(
    "make",
    [
        lambda: lif_stack(4, 3, 6, depth=2, seed=1),
        lambda: alif_stack(4, 3, 5, seed=2),
        lambda: lib_residual_stack(4, 3, 5, depth=2, hidden=4, seed=3),
        lambda: delaynet(4, 3, 10, delay_groups=(1, 3, 7), seed=4),
    ],
    ids=["lif2", "alif", "lib_residual", "delaynet"],
)
def test_round_trip_identical_spikes(make, tmp_path):
    m = make()
    g = to_nir(m)
    path = tmp_path / "m.nir"
    nir.write(path, g)
    m2 = from_nir(path)
    assert type(m2.layers[-1]) is type(m.layers[-1]) and m2.dtype == m.dtype
    t1, t2 = m.forward(X), m2.forward(X)
    assert sum(float(e.sum()) for e in t1.events) > 0
    for a, b in zip(t1.events, t2.events):
        assert np.array_equal(a, b)
    assert np.array_equal(t1.y, t2.y)


def test_export_uses_nir_primitives():
    m = delaynet(4, 2, 10, delay_groups=(1, 3, 7), seed=0)
    g = to_nir(m)
    L = m.layers[0]
    lif = g.nodes["layers.0"]
    assert isinstance(lif, nir.LIF)
    beta = L.decay("tau_mem", 1.0).astype(np.float64)
    assert np.allclose(1 - 1.0 / lif.tau, beta) and np.allclose(lif.r, lif.tau)
    assert np.array_equal(g.nodes["layers.0.delay"].delay, L.delays.astype(float))
    assert np.allclose(g.nodes["layers.0.W_rec"].weight, L.params["W_rec"].T)  # (out, in)
    assert isinstance(g.nodes["readout"], nir.LI)
    assert ("layers.0", "layers.0.delay") in g.edges and ("layers.0.W_rec", "layers.0") in g.edges
    assert isinstance(to_nir(alif_stack(2, 2, 3)).nodes["layers.0"], nir.NIRGraph)


def _nir_reference(x, W_in, W_rec, rec_delay, tau, r, vth, W_out, tau_o, r_o, dt, reset):
    """The NIR equations by forward Euler: v += dt/tau*(-v + r*I); z = v > vth; reset."""
    T, B, _ = x.shape
    n = W_in.shape[0]
    v = np.zeros((B, n))
    y = np.zeros((B, W_out.shape[0]))
    Z = np.zeros((T, B, n))
    Y = np.zeros((T, B, W_out.shape[0]))
    for t in range(T):
        I = x[t] @ W_in.T
        if W_rec is not None:
            for j in range(n):
                if t - rec_delay[j] >= 0:
                    I += np.outer(Z[t - rec_delay[j], :, j], W_rec[:, j])
        v = v + dt / tau * (-v + r * I)
        z = (v > vth).astype(float)
        v = np.where(z > 0, 0.0, v) if reset == "zero" else v - vth * z
        Z[t] = z
        y = y + dt / tau_o * (-y + r_o * (z @ W_out.T))
        Y[t] = y
    return Z, Y


def _graph(W_in, W_rec, delays, tau, r, vth, W_out, tau_o, r_o):
    n = W_in.shape[0]
    nodes = {
        "input": nir.Input({"input": np.array([W_in.shape[1]])}),
        "fc": nir.Linear(W_in),
        "lif": nir.LIF(tau=tau, r=r, v_leak=np.zeros(n), v_threshold=vth, v_reset=np.zeros(n)),
        "out": nir.Linear(W_out),
        "li": nir.LI(tau=tau_o, r=r_o, v_leak=np.zeros(W_out.shape[0])),
        "output": nir.Output({"output": np.array([W_out.shape[0]])}),
    }
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "out"), ("out", "li"), ("li", "output")]
    if W_rec is not None:
        nodes["rec"] = nir.Linear(W_rec)
        if delays is None:
            edges += [("lif", "rec"), ("rec", "lif")]
        else:
            nodes["d"] = nir.Delay(delays * 0.5)
            edges += [("lif", "d"), ("d", "rec"), ("rec", "lif")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


@pytest.mark.parametrize("rec", ["none", "loop", "delays"])
def test_nir_constructed_graph_matches_reference(rec):
    rng = np.random.default_rng(5)
    n_in, n, c, dt = 4, 7, 3, 0.5
    W_in = rng.normal(0, 1.2, (n, n_in))
    W_rec = rng.normal(0, 0.5, (n, n)) if rec != "none" else None
    delays = rng.integers(1, 5, n).astype(float) if rec == "delays" else None
    tau = rng.uniform(2, 10, n)
    r = rng.uniform(0.5, 3, n)  # r != tau/dt: the input gain is folded into the weights
    vth = rng.uniform(0.5, 1.5, n)
    W_out = rng.normal(0, 1, (c, n))
    tau_o, r_o = np.full(c, 4.0), np.full(c, 8.0)
    g = _graph(W_in, W_rec, delays, tau, r, vth, W_out, tau_o, r_o)
    model = from_nir(g, dt=dt, dtype=np.float64)
    x = (rng.random((60, 2, n_in)) < 0.4).astype(float)
    rd = np.ones(n, int) if delays is None else delays.astype(int)
    Z, Y = _nir_reference(x, W_in, W_rec, rd, tau, r, vth, W_out, tau_o, r_o, dt, "zero")
    tape = model.forward(x)
    assert Z.sum() > 10
    assert np.array_equal(tape.spikes(0), Z)
    assert np.allclose(tape.y, Y, rtol=1e-9, atol=1e-9)
    # the subtractive reading of the same graph
    m2 = from_nir(g, dt=dt, dtype=np.float64, reset="subtract")
    Z2, _ = _nir_reference(x, W_in, W_rec, rd, tau, r, vth, W_out, tau_o, r_o, dt, "subtract")
    assert np.array_equal(m2.forward(x).spikes(0), Z2)


def test_cubalif_imports_as_single_trace_lib():
    rng = np.random.default_rng(6)
    n_in, n, dt = 3, 5, 1.0
    W_in = rng.normal(0, 1.5, (n, n_in))
    ts, tm = rng.uniform(2, 6, n), rng.uniform(5, 20, n)
    vth = np.full(n, 1.0)
    nodes = {
        "input": nir.Input({"input": np.array([n_in])}),
        "fc": nir.Linear(W_in),
        "c": nir.CubaLIF(
            tau_syn=ts, tau_mem=tm, r=tm / dt, v_leak=np.zeros(n), v_threshold=vth, v_reset=np.zeros(n), w_in=ts / dt
        ),
        "output": nir.Output({"output": np.array([n])}),
    }
    g = nir.NIRGraph(nodes=nodes, edges=[("input", "fc"), ("fc", "c"), ("c", "output")])
    with pytest.raises(ValueError, match="subtract"):
        from_nir(g)
    m = from_nir(g, reset="subtract", dtype=np.float64)
    x = (rng.random((50, 2, n_in)) < 0.4).astype(float)
    I = np.zeros((2, n))
    v = np.zeros((2, n))
    Z = np.zeros((50, 2, n))
    for t in range(50):
        I = I + dt / ts * (-I + (ts / dt) * (x[t] @ W_in.T))
        v = v + dt / tm * (-v + (tm / dt) * I)
        z = (v > vth).astype(float)
        v = v - vth * z
        Z[t] = z
    assert Z.sum() > 5 and np.array_equal(m.forward(x).spikes(0), Z)


def test_imported_graph_runs_in_the_event_engine():
    rng = np.random.default_rng(7)
    n_in, n, c = 4, 6, 2
    W_in, W_rec = rng.normal(0, 1.2, (n, n_in)), rng.normal(0, 0.5, (n, n))
    tau, vth = rng.uniform(2, 10, n), np.ones(n)
    nodes = {
        "input": nir.Input({"input": np.array([n_in])}),
        "fc": nir.Linear(W_in),
        "lif": nir.LIF(tau=tau, r=tau, v_leak=np.zeros(n), v_threshold=vth, v_reset=np.zeros(n)),
        "rec": nir.Linear(W_rec),
        "d": nir.Delay(np.array([1.0, 2, 3, 1, 2, 3])),
        "output": nir.Output({"output": np.array([n])}),
    }
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "d"), ("d", "rec"), ("rec", "lif"), ("lif", "output")]
    model = from_nir(nir.NIRGraph(nodes=nodes, edges=edges), dtype=np.float64)
    x = (rng.random((40, 2, n_in)) < 0.4).astype(float)
    dense = model.forward(x).spikes(0)
    ev = to_network(model, x).run()[0]
    assert dense.sum() > 5 and np.array_equal(ev, dense)
    del c


def test_bad_graphs():
    with pytest.raises(TypeError, match="graph"):
        from_nir(3)
    g = to_nir(lif_stack(2, 2, 3))
    with pytest.raises(ValueError, match="reset"):
        from_nir(g, reset="soft")
    with pytest.raises(ValueError, match="dt"):
        from_nir(g, dt=-1.0)
    n = 3
    nodes = {
        "input": nir.Input({"input": np.array([2])}),
        "fc": nir.Affine(np.ones((n, 2)), np.ones(n)),
        "lif": nir.LIF(tau=np.full(n, 5.0), r=np.full(n, 5.0), v_leak=np.zeros(n), v_threshold=np.ones(n)),
        "output": nir.Output({"output": np.array([n])}),
    }
    bad = nir.NIRGraph(nodes=nodes, edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")])
    with pytest.raises(ValueError, match="bias"):
        from_nir(bad)
    with pytest.raises(TypeError, match="model"):
        to_nir("model")


def test_snntorch_exported_graph():
    snn = pytest.importorskip("snntorch")
    torch = pytest.importorskip("torch")
    pytest.importorskip("nirtorch")
    from snntorch.export_nir import export_to_nir

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5, bias=False),
        snn.Leaky(beta=torch.full((5,), 0.8), threshold=torch.ones(5), init_hidden=True),
        torch.nn.Linear(5, 2, bias=False),
        snn.Leaky(beta=torch.full((2,), 0.9), threshold=torch.ones(2), init_hidden=True, output=True),
    )
    with torch.no_grad():
        net[0].weight.mul_(3.0)
        net[2].weight.mul_(4.0)
    g = export_to_nir(net, torch.zeros(3))
    # snnTorch writes dt = 1e-4 s into tau = dt/(1 - beta) and r = tau/dt; its Leaky subtracts
    m = from_nir(g, dt=1e-4, reset="subtract", dtype=np.float64)
    assert len(m.layers) == 2 and m.readout is None
    assert np.allclose(m.layers[0].decay("tau_mem", 1e-4), 0.8, atol=1e-6)
    assert np.allclose(m.layers[0].params["W_in"].T, net[0].weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert m.source_delay(1) == 0  # NIR edges pass values within the step
    x = (np.random.default_rng(1).random((30, 2, 3)) < 0.5) * 2.0
    W1, W2 = net[0].weight.detach().double().numpy(), net[2].weight.detach().double().numpy()
    # the NIR equations with snnTorch's numbers, subtractive reset
    v1, v2 = np.zeros((2, 5)), np.zeros((2, 2))
    tau1, tau2 = g.nodes["1"].tau.astype(float), g.nodes["3"].tau.astype(float)
    r1, r2 = g.nodes["1"].r.astype(float), g.nodes["3"].r.astype(float)
    Z2 = np.zeros((30, 2, 2))
    for t in range(30):
        v1 = v1 + 1e-4 / tau1 * (-v1 + r1 * (x[t] @ W1.T))
        z1 = (v1 > 1).astype(float)
        v1 -= z1
        v2 = v2 + 1e-4 / tau2 * (-v2 + r2 * (z1 @ W2.T))
        z2 = (v2 > 1).astype(float)
        v2 -= z2
        Z2[t] = z2
    out = m.forward(x).spikes(1)
    assert Z2.sum() > 3
    assert np.mean(out == Z2) > 0.98  # float32 parameters of snnTorch: rounding near threshold only
