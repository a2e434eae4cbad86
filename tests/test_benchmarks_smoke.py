"""Smoke tests of the benchmark suite (benchmarks/suite.py): every benchmark at tiny sizes.

They call the functions ``python -m benchmarks`` calls, with size
parameters small enough that the file runs in well under a minute, so no
benchmark can rot unnoticed. Reference simulators are switched off here
(Brian2 and NEST are never needed); the comparison plumbing is tested on a
fake reference dict and a missing reference function.
"""
import json
import math

import numpy as np
import pytest

from benchmarks import suite

STANDARD_KEYS = {"benchmark", "parameters", "machine", "versions", "compile_s", "build_s", "run_s", "spikes",
                 "mean_rate_hz", "events_per_s", "peak_rss_bytes", "targets", "references"}


def check_record(rec, benchmark):
    assert rec["benchmark"] == benchmark
    missing = STANDARD_KEYS - set(rec)
    assert not missing, f"record lacks {missing}"
    assert rec["machine"]["cores"] >= 1 and rec["machine"]["numba_threads"] >= 1
    assert rec["versions"]["numba"] and rec["versions"]["numpy"]
    json.dumps(suite._jsonable(rec))  # JSON-ready
    assert suite.format_row(rec).startswith(benchmark)
    for t in rec["targets"]:
        assert t["passed"] in (True, False, None)


def test_cuba_tiny():
    recs = suite.bench_cuba(durations_ms=(20.0, 40.0), n=400, repeats=2, brian2_targets=(), bare=True)
    assert [r["parameters"]["duration_ms"] for r in recs] == [20.0, 40.0]
    for rec in recs:
        check_record(rec, "cuba")
        assert rec["steps"] == round(rec["parameters"]["duration_ms"] / 0.1)
        assert len(rec["run_s_all"]) == 2 and rec["run_s"] > 0
        assert rec["n_neurons"] == 400 and rec["n_synapses"] > 0
        # reset() between repeats makes every repeat the same run
        assert rec["spikes_identical_across_repeats"]
        assert rec["spikes"] > 0 and rec["synaptic_events"] > 0
        assert math.isclose(rec["mean_rate_hz"], rec["spikes"] / (400 * rec["parameters"]["duration_ms"] / 1000))
        assert rec["peak_rss_bytes"] > 10 * 2**20
    bound = recs[0]["delivery_bound"]
    assert bound["status"] == "ok" and bound["ratio"] > 0 and bound["k_out"] == round(recs[0]["n_synapses"] / 400)
    assert "delivery_bound" not in recs[1]


def test_brunel_tiny():
    (rec,) = suite.bench_brunel(scale=0.02, duration_ms=30.0, repeats=2, references=(), bare=False)
    check_record(rec, "brunel")
    # scale 0.02: order 50, 250 neurons, in-degree CE + CI = 20 + 5
    assert rec["n_neurons"] == 250 and rec["n_synapses"] == 250 * 25
    # the references are given the builtin's reset potential (Brunel's 10 mV), read from the network
    assert rec["parameters"]["V_reset"] == 10.0
    assert rec["spikes"] > 0


def test_brunel_unknown_reference_is_refused():
    with pytest.raises(ValueError, match="unknown reference"):
        suite.bench_brunel(scale=0.02, duration_ms=1.0, repeats=1, references=("neuron",), bare=False)


def test_batch_tiny():
    recs = suite.bench_batch(batches=(1, 2, 4), n=200, duration_ms=20.0, repeats=1, n_single=3, target_batch=4,
                             brian2=False)
    assert [r["parameters"]["batch"] for r in recs] == [1, 2, 4]
    for rec in recs:
        check_record(rec, "batch")
        assert math.isclose(rec["run_s_per_sample"], rec["run_s"] / rec["parameters"]["batch"])
    last = recs[-1]
    assert last["single_runs"] == 3
    assert math.isclose(last["single_runs_equivalent_s"], last["single_runs_total_s"] * 4 / 3)
    (t,) = last["targets"]
    assert t["threshold"] == 0.5 and t["value"] == last["batch_vs_single_runs"]


def test_scale_tiny():
    # float64 here: the kernel is then the brunel benchmark's, already compiled (the suite uses float32)
    (rec,) = suite.bench_scale(n=500, in_degree=50, duration_ms=20.0, dtype="float64")
    check_record(rec, "scale")
    assert rec["n_synapses"] == 500 * 50
    # float64 weights + uint32 indices per synapse, int64 row pointers per source of each of 4 projections
    expected = (500 * 50 * (8 + 4) + 2 * (400 + 1) * 8 + 2 * (100 + 1) * 8) / (500 * 50)
    assert math.isclose(rec["bytes_per_synapse"], expected)
    assert {t["name"].split(": ")[1] for t in rec["targets"]} == {"bytes per synapse", "build time"}


def test_brunel_like_sizes():
    net = suite.brunel_like(1000, 100)
    exc, inh = net.populations
    assert (exc.n, inh.n) == (800, 200)
    net.build(seed=3)
    in_deg = {p.name: np.bincount(p.indices, minlength=p.post.n) for p in net.projections}
    assert np.all(in_deg["exc_exc"] == 80) and np.all(in_deg["inh_inh"] == 20)
    with pytest.raises(ValueError, match="empty population"):
        suite.brunel_like(1000, 1)


def test_recording_tiny(tmp_path):
    (rec,) = suite.bench_recording(n=200, duration_ms=20.0, repeats=2, state_neurons=10, out_dir=str(tmp_path))
    check_record(rec, "recording")
    assert rec["file_bytes"] > 0 and rec["spikes"] > 0
    assert math.isclose(rec["overhead_pct"], 100 * (rec["run_s"] / rec["baseline_run_s"] - 1))
    assert list(tmp_path.iterdir()) == []  # the recording is removed afterwards


def test_startup_tiny():
    # warm runs only, in this environment's caches (an empty cache would compile everything: ~10 s);
    # the kernel is that of test_recording_tiny's baseline, cuba(record=False), cached on disk by then
    (rec,) = suite.bench_startup(n=200, repeats=2, cold=False)
    check_record(rec, "startup")
    assert rec["cold_s"] is None and rec["warm_s"] > 0 and len(rec["warm_s_all"]) == 2
    assert rec["targets"][1]["passed"] is None  # empty-cache target not measured
    # the child's own parts fit inside the parent's wall clock
    w = rec["warm"][-1]
    assert w["import_s"] + w["build_s"] + w["warmup_s"] + w["step_s"] < w["wall_s"]


def test_compare_and_targets():
    ours = {"run_s": 0.5, "mean_rate_hz": 10.0}
    ref = {"status": "ok", "run_s": 2.0, "mean_rate_hz": 10.5, "duration_ms": 1000.0}
    cmp = suite.compare(ours, ref, "fake")
    assert cmp["speedup"] == 4.0 and cmp["rate_check"] == "OK"
    cmp = suite.compare(ours, dict(ref, mean_rate_hz=12.0), "fake", scale_time=0.5)
    assert cmp["speedup"] == 2.0 and cmp["rate_check"] == "MISMATCH" and "scaled" in cmp["note"]
    assert suite.compare(ours, {"status": "skipped", "reason": "no nest"}, "nest")["status"] == "skipped"
    assert suite.target("x", 2.0, 3.0, ">=")["passed"] is False
    assert suite.target("x", None, 3.0, ">=")["passed"] is None
    with pytest.raises(ValueError, match="op must be one of"):
        suite.target("x", 1.0, 1.0, "==")
    table = suite.format_targets([{"targets": [suite.target("a", 1.0, 2.0, "<", "s"),
                                               suite.target("b", None, 2.0, "<")]}])
    assert "PASS" in table and "SKIP" in table


def test_missing_reference_function_is_skipped_not_raised():
    res = suite.run_reference("no_such_reference_function")
    assert res["status"] == "skipped" and "no_such_reference_function" in res["reason"]


def test_runner_quick_subset(tmp_path, monkeypatch, capsys):
    # the CLI path end to end on one tiny benchmark, records appended as JSON Lines
    monkeypatch.setitem(suite.QUICK, "brunel", dict(scale=0.02, duration_ms=10.0, repeats=1, references=("nest",),
                                                   bare=False))
    out = tmp_path / "bench.json"
    assert suite.main(["brunel", "--quick", "--no-reference", "--json", str(out)]) == 0
    assert suite.main(["brunel", "--quick", "--no-reference", "--json", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["mode"] == "quick"
    assert "brunel" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        suite.main(["nonsense"])


def test_module_entry_point():
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--help"], cwd=root, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "--quick" in proc.stdout and "--json" in proc.stdout


def test_absent_reference_is_skipped(tmp_path, monkeypatch):
    # a nest that cannot be imported, shadowing any installed one in the reference's child process
    (tmp_path / "nest.py").write_text("raise ImportError('nest hidden by the test')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr(suite, "_REFERENCE_CACHE", {})
    res = suite.run_reference("nest_brunel", duration_ms=10.0, scale=0.02, threads=1, seed=1, V_reset=10.0)
    assert res["status"] == "skipped" and "nest hidden by the test" in res["reason"]
    cmp = suite.compare({"run_s": 1.0, "mean_rate_hz": 5.0}, res, "nest")
    assert "SKIPPED" in suite.format_row(suite.record("brunel", {"scale": 0.02, "duration_ms": 10.0},
                                                      references=[cmp]))
