"""Smoke test of the DelayNet training pipeline (benchmarks/delaynet.py).

A tiny DelayNet (20 neurons, delays 1/81/101, batch 16, 3 cues, delays
20-60 ms) trained for a few dozen steps with the full pipeline (task
generator, dense BPTT forward/backward, cross-entropy at recall,
branching-factor term, clipping, MADGRAD, constraints) must lower the loss
and beat chance clearly on fresh samples, so that the pipeline cannot
silently break.  Also: MADGRAD against a hand-written update, clipping,
constraints, the lattice rule and the HDF5 round trip.
"""

import math

import numpy as np
import pytest

from benchmarks import delaynet as dn
from simcore.tasks import cue_accumulation


def test_tiny_delaynet_learns():
    net, delays = dn.build_delaynet(20, delays=True, seed=0)
    assert set(np.unique(delays)) <= {1, 81, 101}
    opt = dn.MADGRAD(net.parameters(), lr=1e-2, momentum=0.9)
    rng = np.random.default_rng(0)
    ces = []
    for _ in range(60):
        b = cue_accumulation(16, n_cues=3, delay=(20, 60), rng=rng)
        ce, bf, acc, rate, grads, _ = dn.loss_and_grads(net, b, 0.001)
        assert np.isfinite(ce) and np.isfinite(bf) and 0 < rate < 1000
        dn.clip_global_norm(grads, 1.0)
        opt.step(grads)
        dn.constrain(net)
        ces.append(ce)
    assert np.mean(ces[-15:]) < 0.8 * np.mean(ces[:15])
    acc, _ = dn.evaluate(net, 256, n_cues=3, delay=(20, 60), seed=1, chunk=64)
    # chance is 0.5; 256 samples put a 3-sigma band at +-0.094
    assert acc > 0.65
    L = net.layers[0]
    assert np.all(np.diag(L.params["W_rec"]) == 0)
    assert 0.1 <= float(L.params["tau_mem"]) <= 50 and 0.1 <= float(net.readout.params["tau_out"]) <= 50


def test_madgrad_matches_hand_update():
    p = {"w": np.array([1.0, -2.0])}
    opt = dn.MADGRAD(p, lr=0.1, momentum=0.9, eps=0.0)
    g1, g2 = np.array([0.5, -1.0]), np.array([0.2, 0.3])
    opt.step({"w": g1})
    lam = 0.1
    z = np.array([1.0, -2.0]) - lam * g1 / np.cbrt(lam * g1 * g1)
    x = 0.9 * np.array([1.0, -2.0]) + 0.1 * z
    assert np.allclose(p["w"], x)
    opt.step({"w": g2})
    lam2 = 0.1 * math.sqrt(2)
    s = lam * g1 + lam2 * g2
    v = lam * g1**2 + lam2 * g2**2
    z = np.array([1.0, -2.0]) - s / np.cbrt(v)
    assert np.allclose(p["w"], 0.9 * x + 0.1 * z)


def test_clip_global_norm():
    g = {"a": np.array([3.0]), "b": np.array([4.0])}
    assert dn.clip_global_norm(g, 1.0) == pytest.approx(5.0)
    assert np.allclose([g["a"][0], g["b"][0]], [0.6, 0.8])
    g = {"a": np.array([0.3])}
    dn.clip_global_norm(g, 1.0)
    assert g["a"][0] == 0.3
    with pytest.raises(FloatingPointError):
        dn.clip_global_norm({"a": np.array([np.inf])}, 1.0)


def test_constrain_clamps():
    net, _ = dn.build_delaynet(8, seed=1)
    L = net.layers[0]
    L.params["tau_mem"][...] = 80.0
    net.readout.params["tau_out"][...] = 0.01
    L.params["threshold"][...] = 0.0
    L.params["W_rec"][0, 0] = 1.0
    dn.constrain(net)
    assert float(L.params["tau_mem"]) == 50.0 and float(net.readout.params["tau_out"]) == pytest.approx(0.1)
    assert float(L.params["threshold"]) == pytest.approx(0.1) and L.params["W_rec"][0, 0] == 0


def test_lattice_delays_fractions():
    fr = np.array([[np.mean(dn.lattice_delays(125, seed=s)[0] == v) for v in (1, 81, 101)] for s in range(50)]).mean(
        axis=0
    )
    # the paper's 17.6 / 42.4 / 40 %
    assert np.allclose(fr, [0.176, 0.424, 0.40], atol=0.03)
    with pytest.raises(ValueError):
        dn.lattice_delays(100)
    net, d = dn.build_delaynet(27, delays=False, seed=0)
    assert np.all(d == 1)


def test_hdf5_round_trip(tmp_path):
    net, delays = dn.build_delaynet(27, seed=3)
    curve = {"step": [1, 2], "ce": [0.7, 0.6]}
    path = str(tmp_path / "m.h5")
    cfg = {"n_rec": 27, "seed": 3}
    dn.save_model(path, net, delays, cfg, curve)
    net2, d2, cfg2, curve2, _ = dn.load_model(path)
    assert np.array_equal(d2, delays) and cfg2 == cfg and curve2["ce"] == [0.7, 0.6]
    for k, v in net.parameters(learnable_only=False).items():
        assert np.array_equal(v, net2.parameters(learnable_only=False)[k])
    x = cue_accumulation(2, n_cues=2, delay=30, seed=0).x
    assert np.array_equal(net.forward(x).y, net2.forward(x).y)


def test_script_quick_end_to_end(tmp_path):
    """``python -m benchmarks.delaynet --quick``: trains, saves the model with
    its curve, evaluates, writes the result file (sweeps and figures off)."""
    res = dn.main(["--quick", "--out", str(tmp_path), "--steps", "6", "--no-sweeps"])
    assert res["steps"] == 6 and 0.0 <= res["test_acc"] <= 1.0 and res["test_samples"] == 128
    assert (tmp_path / "delaynet_eval.json").exists()
    _, _, cfg, curve, _ = dn.load_model(str(tmp_path / "delaynet.h5"))
    assert cfg["n_rec"] == 27 and len(curve["step"]) == 6 and len(curve["ce"]) == 6


def test_local_optimiser_equals_library():
    """The script's MADGRAD / clipping (written before simcore.grad.optim
    existed) make the same update as the library's (whose step weight is
    ``lr + eps``)."""
    optim = pytest.importorskip("simcore.grad.optim")
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=(4, 3))
    a, b = {"w": p0.copy()}, {"w": p0.copy()}
    mine = dn.MADGRAD(a, lr=0.05 + 1e-6, momentum=0.9, eps=1e-6)
    lib = optim.MADGRAD(b, lr=0.05, momentum=0.9, eps=1e-6)
    for _ in range(5):
        g = rng.normal(size=(4, 3))
        ga, gb = {"w": g.copy()}, {"w": g.copy()}
        assert dn.clip_global_norm(ga, 1.0) == pytest.approx(optim.clip_grad_norm(gb, 1.0))
        assert np.allclose(ga["w"], gb["w"], rtol=1e-5)
        mine.step(ga)
        lib.step(gb)
    assert np.allclose(a["w"], b["w"], rtol=1e-6, atol=1e-9)


def test_resume_keeps_the_best_model(tmp_path):
    """Regression: a run resumed before the learning-rate drop must compare
    new validations with the earlier ones (it used to forget them and
    overwrite a better saved model)."""
    import json
    import h5py

    cfg = dn.default_config(quick=True)
    cfg.update(steps=10, val_every=5, ckpt_every=5, lr_decay_at=100)
    dn.train(cfg, str(tmp_path))
    # pretend the first part validated perfectly: nothing later may replace its model
    with h5py.File(tmp_path / "delaynet_ckpt.h5", "r+") as f:
        f["curve/val_acc"][...] = 1.0
    with h5py.File(tmp_path / "delaynet.h5", "r+") as f:
        f.attrs["extra"] = json.dumps({"step": 10, "val_acc": 1.0})
    cfg.update(steps=20)
    _, _, curve, _ = dn.train(cfg, str(tmp_path), resume=True)
    assert len(curve["step"]) == 20 and len(curve["val_acc"]) == 4
    assert max(curve["val_acc"][2:]) < 1.0
    with h5py.File(tmp_path / "delaynet.h5", "r") as f:
        assert json.loads(f.attrs["extra"])["val_acc"] == 1.0
