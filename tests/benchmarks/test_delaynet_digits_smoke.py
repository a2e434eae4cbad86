"""Smoke test of DelayNet on permuted sequential digits (benchmarks/delaynet_digits.py): the scaled lattice
delays, a short training that beats chance on the 360 test images, the table beside the paper's figure."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from benchmarks import delaynet_digits as dd  # noqa: E402


def test_delays_are_the_lattice_rule_scaled_to_64_steps():
    _, delays = dd.build("delaynet", 125, seed=0)
    assert set(np.unique(delays)) == {1, 17, 25}
    _, flat = dd.build("nodelay", 125, seed=0)
    assert set(np.unique(flat)) == {1}


def test_short_training_beats_chance_on_the_test_images():
    row = dd.run("delaynet", steps=120, batch=32, n_rec=27, seed=0, log=None)
    assert len(row["curve"]) == 120 and row["test_acc"] > 0.25  # chance 0.10 over 360 images
    assert 0 < row["spikes_per_neuron_step"] < 1
    table = dd.summary([row])
    assert "| delaynet |" in table and "0.9474" in table and "different data" in table


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="--steps must be >= 1"):
        dd.main(["--steps", "0"])
    with pytest.raises(ValueError, match="--variants: unknown"):
        dd.main(["--quick", "--variants", "gru"])
