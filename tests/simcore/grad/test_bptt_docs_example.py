"""The usage example of simcore.grad's docstring runs (at a tiny size)."""

import numpy as np

from simcore.grad import LIFLayer, ReadoutLayer, SNN, MADGRAD, Regularizer, train_step, save, load


def test_delaynet_example_small(tmp_path):
    T, B = 40, 4
    rng = np.random.default_rng(0)
    x = (rng.random((T, B, 40)) < 0.2).astype(np.float32)
    labels = np.arange(B) % 2
    delays = np.repeat([1, 8, 10], [42, 42, 41])
    layer = LIFLayer(
        40,
        125,
        tau_mem=20.0,
        per_neuron=("tau_mem", "threshold"),
        delays=delays,
        self_connections=False,
        tau_range=(0.1, 50.0),
        seed=0,
    )
    model = SNN(
        [layer],
        ReadoutLayer(125, 2, tau_out=20.0, per_neuron=("tau_out",), tau_range=(0.1, 50.0), seed=1),
        dt=1.0,
        dtype=np.float32,
        surrogate="clamp_ramp",
    )
    opt = MADGRAD(model.parameters(), lr=1e-2)
    mask = np.zeros(T, bool)
    mask[-10:] = True
    r = train_step(
        model, opt, x, labels, mask=mask, clip_norm=1.0, regularizers=[Regularizer("branching_factor", 1e-4, layer=0)]
    )
    assert np.isfinite(r["loss"]) and r["grad_norm"] > 0
    assert np.all(np.diag(layer.params["W_rec"]) == 0)
    save(model, tmp_path / "delaynet.h5")
    m2 = load(tmp_path / "delaynet.h5")
    np.testing.assert_array_equal(m2.forward(x).y, model.forward(x).y)
