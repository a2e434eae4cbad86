"""Smoke tests of the reference simulators (benchmarks/references/) and the bare CSR bound (bare_csr.py).

Brian2 and NEST tests are skipped when the simulator cannot be imported;
the parameter plumbing and the bare CSR loop always run. Sizes are tiny: 20
ms of CUBA (4000 neurons, Brian2 runtime/numpy target) and Brunel at scale
0.02 (250 neurons).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from benchmarks import bare_csr
from benchmarks.references import brian2 as b2ref
from benchmarks.references import nest as nestref
from benchmarks.references import params
from benchmarks.references.common import ReferenceUnavailable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# pyparsing >= 3.3 deprecates the camelCase names that brian2 2.9 calls
pytestmark = pytest.mark.filterwarnings("ignore:'[A-Za-z]+' (argument is )?deprecated:DeprecationWarning")

COMMON_KEYS = {
    "simulator",
    "target",
    "threads",
    "build_s",
    "compile_s",
    "run_s",
    "run_s_all",
    "repeats",
    "spikes",
    "mean_rate_hz",
    "n_neurons",
    "n_synapses",
    "synaptic_events",
    "versions",
}


@pytest.fixture(scope="module")
def brian2():
    # brian2 2.9.0 fails to import under numpy >= 2.4 without the module's shim, so import through it
    try:
        return b2ref.import_brian2()
    except ReferenceUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def nest():
    try:
        return nestref.import_nest()
    except ReferenceUnavailable as exc:
        pytest.skip(str(exc))


def _check_common(d, simulator, target, n_neurons, duration_ms, rate_range, repeats=1):
    assert COMMON_KEYS <= set(d)
    assert d["simulator"] == simulator and d["target"] == target and d["threads"] == 1
    assert d["build_s"] > 0 and d["run_s"] > 0 and d["compile_s"] >= 0
    assert d["repeats"] == len(d["run_s_all"]) == repeats and d["run_s"] == np.median(d["run_s_all"])
    assert d["n_neurons"] == n_neurons
    assert d["spikes"] > 0
    assert d["mean_rate_hz"] == pytest.approx(d["spikes"] / n_neurons / (duration_ms / 1000.0))
    assert rate_range[0] < d["mean_rate_hz"] < rate_range[1]
    assert simulator in d["versions"]


# ---------------------------------------------------------------------------
# always run: parameters from simcore.builtin, the exception type, argument checks before any import
# ---------------------------------------------------------------------------


def test_cuba_params_are_simcore_builtin_cuba():
    from simcore.builtin import CUBA

    p = params.cuba_params()
    assert (p["N"], p["N_exc"], p["N_inh"]) == (CUBA["n"], CUBA["n_exc"], CUBA["n"] - CUBA["n_exc"])
    assert (p["taum"], p["Vt"], p["Vr"], p["El"], p["we"], p["wi"]) == (
        CUBA["tau_m"],
        CUBA["V_th"],
        CUBA["V_reset"],
        CUBA["E_L"],
        CUBA["w_exc"],
        CUBA["w_inh"],
    )


def test_brunel_params_match_the_built_network():
    from simcore.builtin import brunel

    p = params.brunel_params(0.02)
    assert (p["NE"], p["NI"], p["CE"], p["CI"]) == (200, 50, 20, 5)
    assert (p["J"], p["J_in"], p["delay"], p["V_reset"], p["V_m"]) == (0.1, -0.5, 1.5, 10.0, 0.0)
    # NEST's example: one generator of eta * nu_th * CE, nu_th = V_th / (J * CE * tau_m) per ms
    assert p["p_rate_hz"] == pytest.approx(p["eta"] * p["V_th"] / (p["J"] * p["CE"] * p["tau_m"]) * p["CE"] * 1000)
    net = brunel(0.02, record=False)
    net.build(seed=1)
    assert net.n_synapses == p["N"] * (p["CE"] + p["CI"])


def test_reference_unavailable_is_an_import_error():
    assert issubclass(ReferenceUnavailable, ImportError)


@pytest.mark.parametrize(
    "module, call",
    [
        ("nest", lambda: nestref.nest_brunel(20.0, scale=0.02)),
        ("brian2", lambda: b2ref.brian2_cuba(20.0, target="runtime")),
        ("brian2", lambda: b2ref.brian2_brunel(20.0, scale=0.02, target="runtime")),
        ("brian2", lambda: b2ref.brian2_cuba_network_arrays(seed=1)),
    ],
)
def test_missing_simulator_raises_reference_unavailable(monkeypatch, module, call):
    # a None entry in sys.modules makes "import <module>" raise ImportError
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ReferenceUnavailable, match=module):
        call()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: b2ref.brian2_cuba(20, target="standalone"), "target must be one of"),
        (lambda: b2ref.brian2_cuba(20, target="runtime", threads=2), "threads = 2"),
        (lambda: b2ref.brian2_cuba(20, target="runtime", delay_ms=0.04), "rounds to 0 steps"),
        (lambda: b2ref.brian2_cuba(-1.0, target="runtime"), "duration_ms must be > 0"),
        (lambda: b2ref.brian2_cuba(20, target="runtime", repeats=0), "repeats must be"),
        (lambda: nestref.nest_brunel(20, scale=0.0001), "gives no neuron"),
        (lambda: nestref.nest_brunel(20, scale=0.02, seed=0), "seed must be"),
        (lambda: b2ref.brian2_brunel(20, scale=0.02, target="gpu"), "target must be one of"),
    ],
)
def test_bad_arguments_raise_value_error_before_import(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_brunel_indegree_arrays_have_fixed_indegree():
    a = b2ref.brunel_indegree_arrays(scale=0.02, seed=3)
    N, NE, CE, CI = a["N"], a["NE"], a["CE"], a["CI"]
    assert (N, NE, CE, CI) == (250, 200, 20, 5)
    assert np.all(np.bincount(a["j_exc"], minlength=N) == CE)
    assert np.all(np.bincount(a["j_inh"], minlength=N) == CI)
    assert a["i_exc"].min() >= 0 and a["i_exc"].max() < NE
    assert a["i_inh"].min() >= NE and a["i_inh"].max() < N
    b = b2ref.brunel_indegree_arrays(scale=0.02, seed=3)
    assert np.array_equal(a["i_exc"], b["i_exc"]) and np.array_equal(a["i_inh"], b["i_inh"])


def test_child_command_line_writes_a_skipped_result_for_an_unknown_case(tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.references.brian2", "--case", "hh", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    res = json.loads(out.read_text())
    assert res["status"] == "skipped" and res["simulator"] == "brian2" and "'hh'" in res["reason"]


# ---------------------------------------------------------------------------
# bare CSR bound: always runs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_deliver_csr_matches_numpy_add_at(dtype):
    indptr, indices, weights = bare_csr.random_csr(30, 17, 4, dtype, seed=5)
    step_ptr, sources = bare_csr.spike_schedule(30, 0.2, 12, seed=6)
    buf = np.zeros(17, dtype=dtype)
    events = bare_csr.deliver_csr(indptr, indices, weights, step_ptr, sources, buf)
    expected = np.zeros(17, dtype=dtype)
    for i in sources:  # same order as the kernel: step by step, sources ascending
        for k in range(indptr[i], indptr[i + 1]):
            expected[indices[k]] += weights[k]
    assert events == 4 * sources.size
    np.testing.assert_array_equal(buf, expected)
    assert buf.dtype == dtype


def test_random_csr_has_k_out_sorted_targets_per_row():
    indptr, indices, weights = bare_csr.random_csr(6, 9, 3, np.float32, seed=1)
    assert indptr.dtype == np.int64 and indices.dtype == np.int32 and weights.dtype == np.float32
    assert np.array_equal(indptr, np.arange(7) * 3)
    rows = indices.reshape(6, 3)
    assert np.all(np.diff(rows, axis=1) >= 0) and rows.min() >= 0 and rows.max() < 9


def test_bare_delivery_rate_tiny_is_sane():
    d = bare_csr.bare_delivery_rate(50, 40, 5, 0.1, 200, np.float64, seed=2, repeats=3)
    assert d["events"] == 5 * d["spikes"] > 0
    assert d["seconds"] > 0 and d["events_per_s"] == pytest.approx(d["events"] / d["seconds"])
    assert 0 < d["best_seconds"] <= d["seconds"] and d["best_events_per_s"] >= d["events_per_s"]
    assert len(d["all_seconds"]) == 3 and d["dtype"] == "float64"
    # 200 steps x 50 sources x p = 0.1 is 1000 spikes on average
    assert 800 < d["spikes"] < 1200


def test_bare_delivery_rate_rejects_bad_dtype_and_rate():
    with pytest.raises(ValueError, match="dtype must be one of"):
        bare_csr.bare_delivery_rate(5, 5, 1, 0.1, 10, np.int32)
    with pytest.raises(ValueError, match="rate_per_step"):
        bare_csr.bare_delivery_rate(5, 5, 1, 1.5, 10)


# ---------------------------------------------------------------------------
# Brian2
# ---------------------------------------------------------------------------


def test_brian2_cuba_runtime_20ms(brian2):
    d = b2ref.brian2_cuba(20.0, target="runtime", seed=4, repeats=2)
    _check_common(d, "brian2", "runtime", 4000, 20.0, (0.5, 100.0), repeats=2)
    # p = 0.02 of 4000 x 4000 pairs: 320,000 +- 560 (sd)
    assert 315_000 < d["n_synapses"] < 325_000
    # mean out-degree is 80
    assert 60 * d["spikes"] < d["synaptic_events"] < 100 * d["spikes"]


def test_brian2_cuba_arrays_reproduce_the_example(brian2):
    a = b2ref.brian2_cuba_network_arrays(seed=4)
    assert a["i_exc"].min() >= 0 and a["i_exc"].max() < 3200
    assert a["i_inh"].min() >= 3200 and a["i_inh"].max() < 4000
    for j in (a["j_exc"], a["j_inh"]):
        assert j.min() >= 0 and j.max() < 4000
    assert a["v0"].shape == (4000,) and a["v0"].min() >= -60.0 and a["v0"].max() <= -50.0
    i, t = a["run"](20.0)
    assert i.size > 0 and np.all(np.diff(t) >= 0)
    np.testing.assert_allclose(t / 0.1, np.round(t / 0.1), atol=1e-6)
    # same seed and target: brian2_cuba draws the same network, so the same spikes
    d = b2ref.brian2_cuba(20.0, target="runtime", seed=4)
    assert d["n_synapses"] == a["i_exc"].size + a["i_inh"].size
    assert d["spikes"] == i.size


def test_brian2_brunel_runtime_tiny(brian2):
    d = b2ref.brian2_brunel(20.0, scale=0.02, target="runtime", seed=2)
    _check_common(d, "brian2", "runtime", 250, 20.0, (1.0, 500.0))
    assert d["n_synapses"] == 250 * 25 and d["V_reset"] == 10.0
    assert 5 * d["spikes"] < d["synaptic_events"] < 60 * d["spikes"]


# ---------------------------------------------------------------------------
# NEST
# ---------------------------------------------------------------------------


def test_nest_brunel_tiny(nest):
    d = nestref.nest_brunel(20.0, scale=0.02, threads=1, seed=2, repeats=2)
    _check_common(d, "nest", "nest", 250, 20.0, (1.0, 500.0), repeats=2)
    assert d["n_synapses"] == 250 * 25 and d["V_reset"] == 10.0
    assert len(d["spikes_per_run"]) == 2 and d["spikes_per_run"][0] == d["spikes"]
    assert 5 * d["spikes"] < d["synaptic_events"] < 60 * d["spikes"]
    again = nestref.nest_brunel(20.0, scale=0.02, threads=1, seed=2)
    assert again["spikes"] == d["spikes"] and again["synaptic_events"] == d["synaptic_events"]
