"""Smoke tests of the benchmark package (benchmarks/): every case at tiny sizes, the runner, the table.

They call the case functions ``python -m benchmarks`` calls, with sizes small
enough that the file runs in well under a minute, so no benchmark can rot
unnoticed. Reference simulators are switched off here (Brian2 and NEST are
never needed); the comparison plumbing is tested on fake reference dicts, a
case a simulator lacks and a simulator that cannot be imported.
"""

import json
import math
import os
import subprocess
import sys

import pytest

from benchmarks import cases, records, references, runner, table
from benchmarks.cases import batch, brunel, cuba, penalty, recording, scale, startup

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

STANDARD_KEYS = {
    "benchmark",
    "label",
    "parameters",
    "machine",
    "versions",
    "notes",
    "comparisons",
    "targets",
    *records.STANDARD_KEYS,
}


def check_record(rec, benchmark):
    assert rec["benchmark"] == benchmark
    missing = STANDARD_KEYS - set(rec)
    assert not missing, f"record lacks {missing}"
    assert rec["machine"]["cores"] >= 1 and rec["machine"]["numba_threads"] >= 1
    assert rec["versions"]["numba"] and rec["versions"]["numpy"]
    json.dumps(records.jsonable(rec))  # JSON-ready
    row = table.format_row(rec)
    assert row.startswith(benchmark) and rec["label"] in row
    for t in rec["targets"]:
        assert t["passed"] in (True, False, None)


def test_cuba_tiny():
    recs = cuba.run(durations_ms=(20.0, 40.0), n=400, repeats=2, references=(), bare=True)
    assert [r["parameters"]["duration_ms"] for r in recs] == [20.0, 40.0]
    for rec in recs:
        check_record(rec, "cuba")
        assert rec["label"] == f"n=400 T={rec['parameters']['duration_ms']:g}ms"
        assert rec["steps"] == round(rec["parameters"]["duration_ms"] / 0.1)
        assert len(rec["run_s_all"]) == rec["repeats"] == 2 and rec["run_s"] > 0
        assert rec["threads"] == 1  # batch 1: one sample, one thread
        assert rec["n_neurons"] == 400 and rec["n_synapses"] > 0
        # reset() between repeats makes every repeat the same run
        assert rec["spikes_identical_across_repeats"]
        assert rec["spikes"] > 0 and rec["synaptic_events"] > 0
        assert math.isclose(rec["mean_rate_hz"], rec["spikes"] / (400 * rec["parameters"]["duration_ms"] / 1000))
        assert rec["peak_rss_bytes"] > 10 * 2**20
    (bound,) = recs[0]["comparisons"]
    assert bound["kind"] == "bound" and bound["status"] == "ok" and bound["ratio"] > 0
    assert bound["k_out"] == round(recs[0]["n_synapses"] / 400)
    assert "bare CSR bound" in table.format_row(recs[0])
    assert recs[1]["comparisons"] == []


def test_brunel_tiny():
    (rec,) = brunel.run(scale=0.02, duration_ms=30.0, repeats=2, references=(), bare=False)
    check_record(rec, "brunel")
    # scale 0.02: order 50, 250 neurons, in-degree CE + CI = 20 + 5
    assert rec["n_neurons"] == 250 and rec["n_synapses"] == 250 * 25
    # the references get the builtin's reset potential (Brunel's 10 mV)
    assert rec["parameters"]["V_reset"] == 10.0
    assert rec["spikes"] > 0


def test_brunel_unknown_reference_is_refused():
    with pytest.raises(ValueError, match="unknown reference"):
        brunel.run(scale=0.02, duration_ms=1.0, repeats=1, references=("neuron",), bare=False)


def test_batch_tiny():
    recs = batch.run(batches=(1, 2, 4), n=200, duration_ms=20.0, repeats=1, n_single=3, target_batch=4, references=())
    assert [r["parameters"]["batch"] for r in recs] == [1, 2, 4]
    for rec in recs:
        check_record(rec, "batch")
        assert math.isclose(rec["run_s_per_sample"], rec["run_s"] / rec["parameters"]["batch"])
        assert rec["threads"] == min(rec["parameters"]["batch"], rec["machine"]["numba_threads"])
    last = recs[-1]
    assert last["single_runs"] == 3
    assert math.isclose(last["single_runs_equivalent_s"], last["single_runs_total_s"] * 4 / 3)
    (t,) = last["targets"]  # n = 200: no Brian2 comparison
    assert t["threshold"] == 0.55 and t["value"] == last["batch_vs_single_runs"]  # issue 16: one-thread singles


def test_batch_shares_the_cuba_reference_run():
    # same arguments, same cached child run: the two cases must ask for the same thing
    assert batch.QUICK["reference_repeats"] == cuba.QUICK["repeats"]
    assert batch.FULL["reference_repeats"] == cuba.FULL["repeats"]
    assert 1000.0 in cuba.QUICK["durations_ms"] and 1000.0 in cuba.FULL["durations_ms"]


def test_scale_tiny():
    # float64 here: the kernel is then the brunel case's, already compiled (the suite uses float32)
    (rec,) = scale.run(scale=0.02, duration_ms=20.0, dtype="float64")
    check_record(rec, "scale")
    assert rec["n_synapses"] == 250 * 25
    # float64 weights + uint32 indices per synapse, int64 row pointers per source of each of 4 projections
    expected = (250 * 25 * (8 + 4) + 2 * (200 + 1) * 8 + 2 * (50 + 1) * 8) / (250 * 25)
    assert math.isclose(rec["bytes_per_synapse"], expected)
    assert {t["name"].split(": ")[1] for t in rec["targets"]} == {"bytes per synapse", "build time"}


def test_scale_sizes_are_the_issues():
    # full mode 1e8 synapses, quick mode 1e7: synapses = 15.625e6 * scale**2
    assert 15.625e6 * scale.FULL["scale"] ** 2 == pytest.approx(1e8, rel=0.01)
    assert 15.625e6 * scale.QUICK["scale"] ** 2 == pytest.approx(1e7, rel=0.01)


def test_recording_tiny(tmp_path):
    (rec,) = recording.run(n=200, duration_ms=20.0, repeats=2, state_neurons=10, out_dir=str(tmp_path))
    check_record(rec, "recording")
    assert rec["file_bytes"] > 0 and rec["spikes"] > 0
    assert math.isclose(rec["overhead_pct"], 100 * (rec["run_s"] / rec["baseline_run_s"] - 1))
    assert list(tmp_path.iterdir()) == []  # the recording is removed afterwards


def test_penalty_tiny():
    (rec,) = penalty.run(runs=(("cuba", 20.0),), batch=4, repeats=1)
    check_record(rec, "penalty")
    assert rec["label"] == "cuba n=4000 B=4 T=20ms" and rec["threads"] == 1
    assert math.isclose(rec["penalty_wall"], rec["run_s_per_sample"] / rec["single_run_s"])
    assert rec["walked_bytes_per_neuron_step"] > 0 and rec["bare_csr_events_per_s"] > 0
    assert [t["op"] for t in rec["targets"]] == ["<="]


def test_startup_tiny():
    # warm runs only, in this environment's caches (an empty cache would compile everything: ~10 s);
    # the kernel is that of test_recording_tiny's baseline, cuba(record=False), cached on disk by then
    (rec,) = startup.run(n=200, repeats=2, cold=False)
    check_record(rec, "startup")
    assert rec["cold_s"] is None and rec["warm_s"] > 0 and len(rec["warm_s_all"]) == 2
    assert rec["targets"][1]["passed"] is None  # empty-cache target not measured
    # the child's own parts fit inside the parent's wall clock
    w = rec["warm"][-1]
    assert w["import_s"] + w["build_s"] + w["warmup_s"] + w["step_s"] < w["wall_s"]


def test_compare_and_targets():
    ours = {"run_s": 0.5, "mean_rate_hz": 10.0}
    ref = {
        "status": "ok",
        "run_s": 2.0,
        "mean_rate_hz": 10.5,
        "duration_ms": 1000.0,
        "threads": 1,
        "repeats": 3,
        "name": "nest",
        "label": "nest",
    }
    cmp = records.compare(ours, ref)
    assert cmp["ratio"] == 4.0 and cmp["rate_check"] == "OK" and cmp["label"] == "nest"
    assert records.ratio_of([cmp], "nest") == 4.0 and records.ratio_of([cmp], "brian2_runtime") is None
    line = table.format_comparison(cmp)
    assert "nest (1 thr)" in line and "median of 3" in line and "speed-up x4" in line
    cmp = records.compare(ours, dict(ref, mean_rate_hz=12.0), "fake", scale_time=0.5)
    assert cmp["ratio"] == 2.0 and cmp["rate_check"] == "MISMATCH" and "scaled" in cmp["note"]
    assert records.compare(ours, {"status": "skipped", "reason": "no nest"}, "nest")["status"] == "skipped"
    assert records.target("x", 2.0, 3.0, ">=")["passed"] is False
    assert records.target("x", None, 3.0, ">=")["passed"] is None
    with pytest.raises(ValueError, match="op must be one of"):
        records.target("x", 1.0, 1.0, "==")
    text = table.format_targets(
        [{"targets": [records.target("a", 1.0, 2.0, "<", "s"), records.target("b", None, 2.0, "<")]}]
    )
    assert "PASS" in text and "SKIP" in text


def test_table_does_not_depend_on_the_benchmark_name():
    rec = records.record(
        "anything",
        "size=1",
        {},
        run_s=0.25,
        repeats=3,
        threads=2,
        notes=["a note"],
        comparisons=[records.bound("a bound", "ok", value=4.0, unit="events/s", ratio=0.5)],
    )
    row = table.format_row(rec)
    assert row.startswith("anything") and "size=1" in row and "a note" in row
    assert "a bound: 4 events/s; ratio x0.5" in row


def test_unknown_case_of_a_simulator_is_skipped_not_raised():
    res = references.run_reference("nest", "no_such_case")
    assert res["status"] == "skipped" and "no_such_case" in res["reason"]
    with pytest.raises(ValueError, match="unknown reference"):
        references.run_reference("neuron", "cuba")


def test_absent_reference_is_skipped(tmp_path, monkeypatch):
    # a nest that cannot be imported, shadowing any installed one in the reference's child process
    (tmp_path / "nest.py").write_text("raise ImportError('nest hidden by the test')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr(references, "_CACHE", {})
    res = references.run_reference("nest", "brunel", duration_ms=10.0, scale=0.02, threads=1, seed=1)
    assert res["status"] == "skipped" and "nest hidden by the test" in res["reason"]
    cmp = records.compare({"run_s": 1.0, "mean_rate_hz": 5.0}, res)
    assert "nest: SKIPPED (nest cannot be imported" in table.format_row(
        records.record("brunel", "scale=0.02 T=10ms", {}, comparisons=[cmp])
    )


def test_sizes_and_no_reference():
    assert cases.NAMES == (
        "cuba",
        "brunel",
        "coba",
        "plastic",
        "threads",
        "batch",
        "penalty",
        "scale",
        "startup",
        "recording",
    )
    assert cases.sizes("brunel", quick=True)["references"] == ("nest",)
    assert cases.sizes("brunel", quick=True, references=False)["references"] == ()
    assert "references" not in cases.sizes("scale", references=False)
    with pytest.raises(ValueError, match="unknown benchmark"):
        cases.sizes("nonsense")


def test_runner_quick_subset(tmp_path, monkeypatch, capsys):
    # the CLI path end to end on one tiny case, records appended as JSON Lines
    monkeypatch.setattr(
        brunel, "QUICK", dict(scale=0.02, duration_ms=10.0, repeats=1, references=("nest",), bare=False)
    )
    out = tmp_path / "bench.json"
    assert runner.main(["brunel", "--quick", "--no-reference", "--json", str(out)]) == 0
    assert runner.main(["brunel", "--quick", "--no-reference", "--json", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["mode"] == "quick"
    printed = capsys.readouterr().out
    assert "scale=0.02 T=10ms" in printed and "load" in printed and "numba" in printed
    with pytest.raises(SystemExit):
        runner.main(["nonsense"])


def test_a_failing_case_is_an_error_record(monkeypatch):
    monkeypatch.setattr(brunel, "QUICK", dict(scale=0.02, duration_ms=-1.0, repeats=1, references=(), bare=False))
    (rec,) = runner.run_suite(("brunel",), quick=True, echo=lambda text: None)
    assert "error" in rec and rec["label"] == "ERROR" and "ERROR" in table.format_row(rec)


def test_module_entry_points():
    for module in (
        "benchmarks",
        "benchmarks.references.brian2",
        "benchmarks.references.nest",
        "benchmarks.startup_child",
    ):
        proc = subprocess.run(
            [sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0 and "--json" in proc.stdout, (module, proc.stderr[-500:])
