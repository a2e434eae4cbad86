"""Smoke test of ``python -m benchmarks.memory --quick`` on one task (every
model, and the gap sweep): it trains, writes the table between the markers of the
doc (keeping the rest), the JSON and both figures."""

import json
import os

import pytest

from benchmarks import memory


def test_quick_run_writes_table_json_and_figures(tmp_path):
    pytest.importorskip("matplotlib")
    doc = tmp_path / "memory.md"
    doc.write_text(
        "# Title\n\nhand-written text\n\n<!-- memory:quick:begin -->\nold\n<!-- memory:quick:end -->\n\ntail\n"
    )
    res = memory.main(
        [
            "--quick",
            "--tasks",
            "delayed_recall",
            "--doc",
            str(doc),
            "--fig-dir",
            str(tmp_path / "fig"),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    text = doc.read_text()
    assert "hand-written text" in text and text.rstrip().endswith("tail") and "\nold\n" not in text
    models = {r["model"] for r in res["rows"]}
    assert {"lif", "alif", "lib_res", "delaynet"} <= models
    for r in res["rows"]:
        assert f"| {r['task']} | {r['model']} | {r['params']} |" in text
        assert 400 <= r["params"] <= 800  # matched to 600
    assert "accuracy (mean ± std)" in text and "gap 2" in text and "Wall time" in text
    assert os.path.exists(tmp_path / "fig" / "memory_quick_curves.png")
    assert os.path.exists(tmp_path / "fig" / "memory_quick_gap.png")
    data = json.loads((tmp_path / "out" / "memory_quick.json").read_text())
    assert data["mode"] == "quick" and len(data["results"]) == len(models)
    # --merge reruns one model and keeps the others
    before = {r["model"]: r for r in res["results"]}
    res2 = memory.main(
        [
            "--quick",
            "--tasks",
            "delayed_recall",
            "--models",
            "lif",
            "--no-gap",
            "--merge",
            "--doc",
            str(doc),
            "--fig-dir",
            str(tmp_path / "fig"),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    after = {r["model"]: r for r in res2["results"]}
    assert set(after) == set(before) and after["alif"] == json.loads(json.dumps(before["alif"]))
    assert len(res2["gap_results"]) == len(res["gap_results"]) - 2  # lif's two gaps dropped
    assert "the runs of lif were redone" in doc.read_text()
    # delayed recall is learnable within the quick budget by the spiking models
    dr = {r["model"]: r for r in res["rows"] if r["task"] == "delayed_recall"}
    assert max(dr[m]["acc_mean"] for m in ("lif", "lib_res")) > dr["lif"]["chance"] + 0.15


def test_bad_arguments():
    with pytest.raises(ValueError, match="--models"):
        memory.main(["--quick", "--models", "rnn"])
    with pytest.raises(ValueError, match="--tasks"):
        memory.main(["--quick", "--tasks", "copy"])
    with pytest.raises(ValueError, match="--seeds"):
        memory.main(["--quick", "--seeds", "0"])
    with pytest.raises(ValueError, match="--steps"):
        memory.main(["--quick", "--steps", "0"])


def test_resume_reuses_the_journal_of_an_interrupted_run(tmp_path, monkeypatch):
    args = ["--quick", "--tasks", "parity", "--models", "lif,alif", "--no-gap", "--doc", str(tmp_path / "m.md")]
    args += ["--fig-dir", str(tmp_path / "fig"), "--out", str(tmp_path / "out")]
    real = memory.train_one
    calls = []

    def interrupted(kind, *a, **k):
        calls.append(kind)
        if kind == "alif":
            raise KeyboardInterrupt  # the run is stopped after lif's run was journalled
        return real(kind, *a, **k)

    monkeypatch.setattr(memory, "train_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        memory.main(args)
    journal = tmp_path / "out" / "memory_quick.runs.jsonl"
    (lif_run,) = [json.loads(line) for line in journal.read_text().splitlines()]
    assert lif_run["model"] == "lif" and lif_run["wall_s"] > 0
    calls.clear()
    monkeypatch.setattr(memory, "train_one", lambda kind, *a, **k: (calls.append(kind), real(kind, *a, **k))[1])
    res = memory.main(args + ["--resume"])
    assert calls == ["alif"]  # lif's run came from the journal
    by_model = {r["model"]: r for r in res["results"]}
    assert by_model["lif"]["acc"] == lif_run["acc"] and len(journal.read_text().splitlines()) == 2
    assert "interrupted and resumed" in (tmp_path / "m.md").read_text()
    memory.main(args)  # without --resume the journal starts again
    assert calls == ["alif", "lif", "alif"]
