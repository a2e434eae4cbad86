"""Model builders of the long-memory workbench (simcore.grad.models): matched
parameter counts, validation, and a short training run per model that beats
chance clearly on an easy delayed-recall setting (chance 0.5)."""

import numpy as np
import pytest

from simcore import tasks
from simcore.grad import ResidualBlock
from simcore.grad.models import LIB_INIT, build, constrain, count_parameters, delaynet, lib_residual_stack, lif_stack

EASY = dict(n_symbols=1, n_classes=2, gap=3, hold=2)


def test_matched_parameter_counts():
    for kind in ("lif", "alif", "lib_res", "delaynet"):
        m, w = build(kind, 5, 3, n_params=3000)
        n = count_parameters(m)
        assert abs(n - 3000) / 3000 < 0.1, (kind, n)
        # the neighbouring widths are not closer
        for w2 in (w - 1, w + 1):
            assert abs(count_parameters(build(kind, 5, 3, width=w2)[0]) - 3000) >= abs(n - 3000)


def test_lib_stack_structure_and_init():
    m = lib_residual_stack(3, 2, 8, depth=2, hidden=5, seed=1)
    assert len(m.layers) == 3 and all(isinstance(L, ResidualBlock) for L in m.layers[1:])
    core = m.layers[1].layer
    params = m.parameters()
    for name, (kind, lo, hi) in LIB_INIT.items():
        v = core.params[name]
        assert v.shape == (5,), name  # per neuron
        assert f"layers.1.layer.{name}" in params  # learnable
        assert np.all((v >= lo * (1 - 1e-6)) & (v <= hi * (1 + 1e-6))), name
        assert np.unique(v).size > 1, name  # drawn, not constant
    # same seed, same model; another seed, another one
    m2 = lib_residual_stack(3, 2, 8, depth=2, hidden=5, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(m.parameters().values(), m2.parameters().values()))
    m3 = lib_residual_stack(3, 2, 8, depth=2, hidden=5, seed=2)
    assert not np.array_equal(m.parameters()["layers.0.W_in"], m3.parameters()["layers.0.W_in"])


def test_delaynet_structure():
    m = delaynet(4, 2, 30, delay_groups=(1, 5, 9), seed=0)
    L = m.layers[0]
    assert set(np.unique(L.delays)) <= {1, 5, 9} and np.all(np.diag(L.params["W_rec"]) == 0)
    assert "layers.0.W_in" not in m.parameters() and m.readout.delay_in == 0
    with pytest.raises(ValueError, match="fractions"):
        delaynet(4, 2, 30, delay_groups=(1, 5), fractions=(0.5, 0.4))
    with pytest.raises(ValueError, match="delay_groups"):
        delaynet(4, 2, 30, delay_groups=(0, 5), fractions=(0.5, 0.5))


def test_constrain_keeps_models_valid():
    m = lib_residual_stack(3, 2, 4, depth=1)
    core = m.layers[1].layer
    core.params["theta_pos"][:] = -1.0
    core.params["tau_mem_pos"][:] = 1e6
    constrain(m)
    assert np.all(core.params["theta_pos"] > 0) and np.all(core.params["tau_mem_pos"] <= 1000.0)


@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda: build("gru", 3, 2, width=4), ValueError, "kind"),
        (lambda: build("lif", 3, 2), ValueError, "n_params"),
        (lambda: build("lif", 3, 2, n_params=0), ValueError, "n_params"),
        (lambda: lif_stack(3, 2, 0), ValueError, "width"),
        (lambda: lif_stack(3, 2, 2.5), TypeError, "width"),
        (lambda: lib_residual_stack(3, 2, 4, init={"tau": (1, 2)}), ValueError, "init"),
        (lambda: count_parameters(3), TypeError, "model"),
    ],
)
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


@pytest.mark.parametrize("kind", ["lif", "alif", "lib_res", "delaynet", "gru", "lstm"])
def test_training_smoke_beats_chance(kind):
    from benchmarks.memory import make_runner

    if kind in ("gru", "lstm"):
        pytest.importorskip("torch")
    probe = tasks.delayed_recall(2, seed=0, **EASY)
    T, _, n_in = probe.x.shape
    r = make_runner(kind, n_in, 2, 800, 0, T)
    rng = np.random.default_rng(0)
    steps = 60 if kind in ("gru", "lstm") else 40
    for _ in range(steps):
        r.step(tasks.delayed_recall(32, rng=rng, **EASY))
    b = tasks.delayed_recall(256, seed=99, **EASY)
    acc = tasks.batch_accuracy(r.predict(b.x)[0], b)
    assert acc > 0.8, (kind, acc)  # chance 0.5
