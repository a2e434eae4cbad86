"""Smoke test of benchmarks/plasticity_digits.py (--quick): it trains at two batch modes, evaluates and writes
its figure and JSON; and its rule, DiehlCookSTDP, moves a weight by eta*(x - x_tar) at a post spike."""

import json
import math

import numpy as np
import pytest

import simcore as sc

pytest.importorskip("sklearn")
digits = pytest.importorskip("benchmarks.plasticity_digits")


def test_quick_run_writes_results_and_figure(tmp_path):
    out = tmp_path / "r.json"
    assert digits.main(["--quick", "--out", str(tmp_path), "--json", str(out), "--threads", "1"]) == 0
    res = json.loads(out.read_text())["results"]
    assert [(r["batch"], r["mode"]) for r in res] == [(1, "per_sample"), (8, "mean")]
    for r in res:
        assert 0.0 <= r["accuracy"] <= 1.0 and r["n_train"] == 60 and r["train_wall_s"] > 0
    assert (tmp_path / "digits_weights.png").stat().st_size > 1000


def test_diehl_cook_rule_moves_the_weight_by_its_formula():
    spikes = np.zeros((20, 1))
    spikes[3, 0] = 1.0  # arrives at step 4 (delay 1), post forced at step 9
    drive = np.zeros((20, 1))
    drive[9, 0] = 5.0
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(1, spikes))
    tgt = net.add(sc.LIF(1, beta=0.0, threshold=1.0))
    net.add(sc.CurrentInput(tgt, drive))
    proj = net.connect(
        src,
        tgt,
        sc.AllToAll(),
        weight=0.1,
        delay_steps=1,
        batch="per_sample",
        synapse=digits.DiehlCookSTDP(eta=0.01, x_tar=0.3, w_max=0.3),
    )
    net.run(steps=20, dt=1.0, seed=0)
    np.testing.assert_allclose(proj.weights[0, 0], 0.1 + 0.01 * (math.exp(-5 / 20) - 0.3), rtol=1e-12)


@pytest.mark.parametrize(
    "argv, match",
    [(["--settings", "16:avg"], "mode one of"), (["--train", "0"], "--train"), (["--settings", "x"], "B:mode")],
)
def test_bad_arguments_name_the_flag(argv, match):
    with pytest.raises(ValueError, match=match):
        digits.main(argv)
