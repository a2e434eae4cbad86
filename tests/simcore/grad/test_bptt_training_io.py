"""Optimisers, clipping, clamping, freezing, training loop and HDF5 round trip
of the dense-gradient mode."""

import math

import numpy as np
import pytest

from simcore.grad import (
    LIFLayer,
    ALIFLayer,
    LIBLayer,
    ReadoutLayer,
    ResidualBlock,
    SNN,
    SGD,
    Adam,
    MADGRAD,
    clip_grad_norm,
    global_norm,
    Regularizer,
    train_step,
    fit,
    save,
    load,
    load_parameters,
    cross_entropy,
)


def tiny(dtype=np.float32, seed=0, **kw):
    L = LIFLayer(
        3,
        5,
        tau_mem=10.0,
        per_neuron=("tau_mem", "threshold"),
        delays=[1, 2, 3, 1, 2],
        self_connections=False,
        tau_range=(0.1, 50.0),
        seed=seed,
        **kw,
    )
    return SNN([L], ReadoutLayer(5, 2, tau_out=np.full(2, 8.0), seed=seed + 1), dtype=dtype, surrogate="clamp_ramp")


def data(T=30, B=4, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(B) % 2
    x = rng.random((T, B, 3)) * 0.3
    x[:, labels == 1, 0] += 0.6
    x[:, labels == 0, 1] += 0.6
    mask = np.zeros(T, bool)
    mask[-10:] = True
    return x, labels, mask


def test_sgd_step_is_minus_lr_grad():
    p = {"w": np.array([1.0, 2.0])}
    SGD(p, lr=0.5).step({"w": np.array([0.2, -0.4])})
    np.testing.assert_allclose(p["w"], [0.9, 2.2])


def test_adam_first_step_is_lr_sign():
    # bias-corrected first step: lr * g / (|g| + eps)
    p = {"w": np.array([1.0, -1.0, 0.5])}
    Adam(p, lr=0.1).step({"w": np.array([3.0, -0.01, 0.0])})
    np.testing.assert_allclose(p["w"], [0.9, -0.9, 0.5], atol=1e-6)


def test_madgrad_matches_reference_recursion():
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=4)
    p = {"w": x0.copy()}
    opt = MADGRAD(p, lr=0.01, momentum=0.9, eps=1e-6)
    s = np.zeros(4)
    nu = np.zeros(4)
    x = x0.copy()
    for k in range(5):
        g = rng.normal(size=4)
        opt.step({"w": g.copy()})
        lamb = (0.01 + 1e-6) * math.sqrt(k + 1)
        s += lamb * g
        nu += lamb * g * g
        z = x0 - s / (np.cbrt(nu) + 1e-6)
        x = 0.9 * x + 0.1 * z
        np.testing.assert_allclose(p["w"], x, rtol=1e-12)


def test_clip_grad_norm_global():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    n = clip_grad_norm(g, 1.0)
    assert n == pytest.approx(5.0)
    assert global_norm(g) == pytest.approx(1.0, rel=1e-5)
    g2 = {"a": np.array([0.3])}
    clip_grad_norm(g2, 1.0)
    assert g2["a"][0] == 0.3


def test_optimizer_rejects_bad_gradient():
    p = {"w": np.zeros(3)}
    with pytest.raises(ValueError, match="shape"):
        SGD(p).step({"w": np.zeros(4)})
    with pytest.raises(ValueError, match="unknown"):
        SGD(p).step({"v": np.zeros(3)})


def test_training_reduces_loss_clamps_taus_and_keeps_diagonal_zero():
    model = tiny()
    x, labels, mask = data()
    opt = MADGRAD(model.parameters(), lr=0.05)
    hist = fit(
        model,
        opt,
        [(x, labels)] * 6,
        epochs=4,
        mask=mask,
        clip_norm=1.0,
        regularizers=[Regularizer("branching_factor", 1e-3, 0)],
        progress=False,
    )
    assert hist[-1]["task_loss"] < hist[0]["task_loss"]
    L = model.layers[0]
    assert np.all(np.diag(L.params["W_rec"]) == 0)
    assert np.all((L.params["tau_mem"] >= 0.1) & (L.params["tau_mem"] <= 50.0))
    for v in model.parameters().values():
        assert v.dtype == np.float32


def test_clamp_time_constants_to_range():
    model = tiny()
    L = model.layers[0]
    L.params["tau_mem"][:] = [0.01, 5, 80, 50, 0.1]
    model.readout.params["tau_out"][:] = [1e-9, 1e9]
    model.clamp_time_constants()
    np.testing.assert_array_equal(L.params["tau_mem"], np.float32([0.1, 5, 50, 50, 0.1]))
    assert model.readout.params["tau_out"][0] > 0


def test_frozen_parameters_get_no_gradient_and_do_not_move():
    model = tiny(freeze=("threshold", "W_in"))
    x, labels, mask = data()
    th0 = model.layers[0].params["threshold"].copy()
    names = set(model.parameters())
    assert "layers.0.threshold" not in names and "layers.0.W_in" not in names
    r = train_step(model, Adam(model.parameters(), lr=0.01), x, labels, mask=mask)
    assert np.isfinite(r["loss"])
    np.testing.assert_array_equal(model.layers[0].params["threshold"], th0)


def test_shared_parameter_gradient_is_sum_of_per_neuron():
    x, labels, mask = data()
    kw = dict(delays=[1, 2, 3, 1, 2], seed=3)
    m_sh = SNN([LIFLayer(3, 5, tau_mem=10.0, threshold=0.8, **kw)], ReadoutLayer(5, 2, seed=4), dtype=np.float64)
    m_pn = SNN(
        [LIFLayer(3, 5, tau_mem=10.0, threshold=0.8, per_neuron=("tau_mem", "threshold"), **kw)],
        ReadoutLayer(5, 2, seed=4),
        dtype=np.float64,
    )
    out = []
    for m in (m_sh, m_pn):
        tape = m.forward(x)
        _, gy = cross_entropy(tape.y, labels, mask)
        out.append(m.backward(tape, gy))
    assert out[0]["layers.0.tau_mem"].shape == ()
    np.testing.assert_allclose(out[0]["layers.0.tau_mem"], out[1]["layers.0.tau_mem"].sum(), rtol=1e-12)
    np.testing.assert_allclose(out[0]["layers.0.threshold"], out[1]["layers.0.threshold"].sum(), rtol=1e-12)


def test_sample_alone_equals_sample_in_batch():
    model = tiny(dtype=np.float64)
    x, labels, mask = data(B=5)
    full = model.forward(x)
    one = model.forward(x[:, 3:4])
    np.testing.assert_array_equal(one.spikes(0)[:, 0], full.spikes(0)[:, 3])
    np.testing.assert_array_equal(one.y[:, 0], full.y[:, 3])


def _all_kinds_model(dtype):
    lib = LIBLayer(
        4, 3, tau_syn_pos=[3.0, 4, 5], alpha_neg=0.7, theta_neg=0.8, rec_weight_pos=0.2, delays=[1, 2, 1], seed=2
    )
    blk = ResidualBlock(ALIFLayer(4, 6, b_adapt=0.5, delays=2, seed=3), seed=4)
    return SNN(
        [LIFLayer(2, 4, seed=1, detach_reset=True, reset="zero"), lib, LIFLayer(3, 4, recurrent=False, seed=6), blk],
        ReadoutLayer(4, 3, delay_in=0, kappa=0.9, freeze=("tau_out",), seed=5),
        dtype=dtype,
        dt=0.5,
        surrogate="arctan",
        surrogate_param=3.0,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hdf5_round_trip_gives_same_model(tmp_path, dtype):
    model = _all_kinds_model(dtype)
    x = np.random.default_rng(0).random((20, 2, 2)) * 3
    path = tmp_path / "m.h5"
    save(model, path)
    with pytest.raises(FileExistsError):
        save(model, path)
    m2 = load(path)
    p1, p2 = model.parameters(False), m2.parameters(False)
    assert p1.keys() == p2.keys()
    for k in p1:
        assert p2[k].dtype == p1[k].dtype
        np.testing.assert_array_equal(p1[k], p2[k])
    t1, t2 = model.forward(x), m2.forward(x)
    np.testing.assert_array_equal(t1.y, t2.y)
    assert m2.options == model.options and m2.dt == model.dt
    assert m2.readout.frozen == {"tau_out"}
    # load_parameters into a fresh model of the same architecture
    m3 = _all_kinds_model(dtype)
    for v in m3.parameters(False).values():
        v[...] = 0
    load_parameters(m3, path)
    np.testing.assert_array_equal(m3.forward(x).y, t1.y)


def test_plain_progress_without_tqdm(monkeypatch, caplog):
    import builtins
    import logging

    real_import = builtins.__import__

    def no_tqdm(name, *a, **k):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    model = tiny()
    x, labels, mask = data()
    with caplog.at_level(logging.INFO, logger="simcore.grad.train"):
        fit(model, SGD(model.parameters(), lr=0.01), [(x, labels)] * 3, mask=mask, progress=True)
    assert any("3/3 batches" in r.getMessage() for r in caplog.records)


def test_hdf5_keeps_decays_given_as_such(tmp_path):
    beta = np.array([0.95, 0.8, 0.61, 0.3, 0.99])
    L = LIFLayer(3, 5, beta=beta, seed=0)
    m = SNN([L], ReadoutLayer(5, 2, kappa=0.73, seed=1), dtype=np.float64)
    np.testing.assert_array_equal(L.decay("tau_mem", m.dt), beta)
    save(m, tmp_path / "d.h5")
    m2 = load(tmp_path / "d.h5")
    np.testing.assert_array_equal(m2.layers[0].decay("tau_mem", m2.dt), beta)
    np.testing.assert_array_equal(m2.readout.decay("tau_out", m2.dt), [0.73, 0.73])
    # once the time constant is trained, the decay follows exp(-dt/tau)
    m2.layers[0].params["tau_mem"][0] = 10.0
    assert m2.layers[0].decay("tau_mem", m2.dt)[0] == np.exp(-0.1)
