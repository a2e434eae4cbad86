"""CLI part of the issue: one-line errors (exit 2), refusals before work, estimates, --duration 0,
--progress without tqdm, and no memory that grows with the run's length.

Before the fix these printed tracebacks (ZeroDivisionError for --duration 0,
OSError for a directory --out), tried runs that cannot fit, said nothing
about a missing tqdm, and the rate monitors kept every step's counts.
"""

import sys

import pytest

import simcore.builtin
from simcore.cli import main


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", "cuba", "--dt", "1e-9", "--no-record"], ["steps", "--dt"]),
        (["run", "cuba", "--batch", "1000000", "--no-record"], ["memory", "--batch"]),
        (["run", "brunel", "--scale", "nan", "--no-record"], ["--scale", "nan"]),
        (["run", "cuba", "--duration", "-1", "--no-record"], ["--duration"]),
        (["info", "/"], ["directory"]),
    ],
)
def test_bad_runs_are_refused_in_one_line(argv, words, capsys):
    assert main(argv) == 2
    line = _one_line(capsys.readouterr().err)
    for w in words:
        assert w in line


def test_out_is_a_directory_or_unwritable(tmp_path, capsys):
    assert main(["run", "cuba", "--duration", "1", "--out", str(tmp_path)]) == 2
    assert "is a directory" in _one_line(capsys.readouterr().err)
    missing = tmp_path / "no" / "x.h5"
    assert main(["run", "cuba", "--duration", "1", "--out", str(missing)]) == 2
    assert "does not exist" in _one_line(capsys.readouterr().err)


def test_debug_shows_the_traceback(tmp_path, capsys):
    assert main(["--debug", "run", "cuba", "--duration", "1", "--out", str(tmp_path)]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_zero_duration_runs_and_reports_no_rate(tmp_path, capsys):
    out = tmp_path / "zero.h5"
    assert main(["run", "cuba", "--duration", "0", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "estimate: 0 steps" in text and "spikes 0" in text and "no time ran" in text
    assert main(["info", str(out)]) == 0
    assert "0 spikes" in capsys.readouterr().out


def test_progress_without_tqdm_says_so(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm -> ImportError
    assert main(["run", "cuba", "--duration", "1", "--no-record", "--progress"]) == 0
    assert "tqdm" in _one_line(capsys.readouterr().err)


def test_cli_keeps_nothing_proportional_to_the_run(tmp_path, monkeypatch, capsys):
    built = []

    def spy(**kwargs):
        net = simcore.builtin.cuba(**kwargs)
        built.append(net)
        return net

    monkeypatch.setitem(simcore.builtin.NETWORKS, "cuba", spy)
    assert main(["run", "cuba", "--duration", "50", "--out", str(tmp_path / "m.h5"), "--json"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    net = built[0]
    assert summary["spikes"] > 0
    for mon in net.monitors:
        assert mon.keep_in_memory is False
    rate_mons = [m for m in net.monitors if getattr(m, "record_kind", None) == "rates"]
    assert rate_mons and all(m.counts.shape[0] == 0 for m in rate_mons)
    from monitors.reader import load_spikes

    assert summary["spikes"] == sum(len(load_spikes(tmp_path / "m.h5", p)) for p in ("exc", "inh"))
