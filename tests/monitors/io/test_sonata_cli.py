"""``spikesim info`` / ``spikesim plot`` and the format-version-1 golden file.

Evidence kind: io (CLI output, regression against a committed file).
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from monitors.cli import main, register
from monitors.reader import file_info, load_report, load_spikes, read_network
from monitors.sonata import RecordingFile

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "sonata_v1_golden.h5"
NETWORK = {
    "populations": [
        {"name": "lib", "model": "LIB", "n": 4, "params": {"theta_pos": 1.0, "theta_neg": 1.0}},
        {"name": "lif", "model": "LIF", "n": 3, "params": {"beta": 0.9, "threshold": 1.0}},
    ],
    "projections": [{"source": "lib", "target": "lif", "connector": "FromMatrix", "n_synapses": 12, "delay_steps": 1}],
}


def make_golden(path):
    """Writes tests/data/sonata_v1_golden.h5 (run by hand to regenerate; the committed file is the reference)."""
    with RecordingFile(
        path,
        overwrite=True,
        compression="gzip",
        metadata={
            "dt": 0.5,
            "seed": 42,
            "batch_size": 2,
            "duration": 5.0,
            "network": NETWORK,
            "spikesim_version": "0.1.0",
        },
    ) as rf:
        sw = rf.spike_writer("lib", 4, bipolar=True)
        sw.append([0.5, 0.5, 1.0], [0, 3, 1], [0, 1, 1], [1, -1, 1])
        sw.append([2.5, 4.5], [2, 0], [0, 0], [-1, 1])
        rf.spike_writer("lif", 3).append([1.5], [2], [1])
        rw = rf.report_writer("lif", "u", [0, 2], 0.5, unit="", dtype=np.float32)
        rw.append(np.arange(10 * 2 * 2, dtype=np.float32).reshape(10, 2, 2) / 8)
        rf.report_writer("lif", "a", [1], 0.5, every=5).append(np.array([[[1.0], [2.0]], [[3.0], [4.0]]]))


def test_golden_v1_file_still_reads():
    assert GOLDEN.exists(), "regenerate with make_golden(GOLDEN)"
    sd = load_spikes(GOLDEN, "lib")
    np.testing.assert_array_equal(sd.timestamps, [0.5, 0.5, 1.0, 2.5, 4.5])
    np.testing.assert_array_equal(sd.node_ids, [0, 3, 1, 2, 0])
    np.testing.assert_array_equal(sd.sample_ids, [0, 1, 1, 0, 0])
    np.testing.assert_array_equal(sd.polarity, [1, -1, 1, -1, 1])
    assert sd.raster().shape == (10, 2, 4) and sd.raster()[1, 1, 3] == -1
    assert load_spikes(GOLDEN, "lif", sample=1).timestamps.tolist() == [1.5]
    tr = load_report(GOLDEN, "lif")
    assert tr.variable == "u" and tr.data.shape == (10, 2, 2)
    np.testing.assert_array_equal(tr.data, np.arange(40, dtype=np.float32).reshape(10, 2, 2) / 8)
    np.testing.assert_array_equal(tr.node_ids, [0, 2])
    ta = load_report(GOLDEN, "lif", "a", sample=1)
    np.testing.assert_array_equal(ta.times, [0.0, 2.5])
    np.testing.assert_array_equal(ta.data, [[2.0], [4.0]])
    info = file_info(GOLDEN)
    assert info["completed"] is True and info["format_version"] == 1 and info["seed"] == 42
    assert read_network(GOLDEN) == NETWORK


def test_register_adds_subcommands_with_func():
    parser = argparse.ArgumentParser(prog="spikesim")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(["info", "x.h5", "--json"])
    assert args.file == "x.h5" and args.json and callable(args.func)
    args = parser.parse_args(["plot", "x.h5", "-o", "y.png", "-s", "all"])
    assert args.output == "y.png" and args.sample == "all" and callable(args.func)


def test_info_summarises(capsys):
    assert main(["info", str(GOLDEN)]) == 0
    out = capsys.readouterr().out
    assert "run: completed; dt = 0.5 ms, duration = 5 ms, batch = 2, seed = 42" in out
    # lib: 5 spikes / (4 neurons * 2 samples * 5 ms) = 125 Hz
    assert "lib: 5 spikes, 4 neurons x 2 samples, rate 125 Hz, t in [0.5, 4.5] ms, 2 negative, sorting by_time" in out
    assert "lif.u: 10 rows x 2 neurons x 2 samples (float32), t in [0, 5) ms step 0.5 ms" in out
    assert "lif.a: 2 rows x 1 neurons x 2 samples" in out
    assert "population lib: LIB x 4  theta_pos=1.0, theta_neg=1.0" in out
    assert "projection lib -> lif: FromMatrix, 12 synapses, delay 1 steps" in out


def test_info_json_and_incomplete_run(tmp_path, capsys):
    path = tmp_path / "cut.h5"
    with pytest.raises(KeyboardInterrupt):
        with RecordingFile(path, metadata={"dt": 1.0, "duration": 100.0}) as rf:
            rf.spike_writer("p", 2).append([3.0], [1])
            raise KeyboardInterrupt
    assert main(["info", str(path)]) == 0
    assert "run: INCOMPLETE (stopped by KeyboardInterrupt)" in capsys.readouterr().out
    assert main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["completed"] is False and info["spikes"]["p"]["n_spikes"] == 1


def test_info_on_a_bad_path_fails_cleanly(tmp_path, capsys):
    assert main(["info", str(tmp_path / "missing.h5")]) == 2  # every CLI error: exit 2
    assert "missing.h5" in capsys.readouterr().err
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    assert main(["info", str(bad)]) == 2
    assert "cannot open" in capsys.readouterr().err


def test_plot_writes_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "fig.png"
    assert main(["plot", str(GOLDEN), "-o", str(out), "-p", "lif"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out2 = tmp_path / "all.png"
    assert main(["plot", str(GOLDEN), "-o", str(out2), "-s", "all"]) == 0
    assert out2.stat().st_size > 1000
    assert main(["plot", str(GOLDEN), "-o", str(out2), "-s", "5"]) == 2
    assert "sample (--sample) must be an int in [0, 2)" in capsys.readouterr().err


def test_plot_without_matplotlib_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    out = tmp_path / "fig.png"
    assert main(["plot", str(GOLDEN), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "matplotlib" in err and "spikesim[plot]" in err
    assert not out.exists()


def test_info_lists_engine_network_description(tmp_path, capsys):
    """The shape of simcore's Network.describe(): delays as {min, max}, stimuli, monitors, /rates."""
    net = {
        "name": "net",
        "settings": {"dt": 0.1},
        "populations": [{"name": "pop", "model": "LIFBio", "n": 40, "params": {"tau_m": 10.0}}],
        "projections": [
            {
                "name": "projection_0",
                "pre": "pop",
                "post": "pop",
                "receptor": "exc",
                "connector": "Bernoulli",
                "n_synapses": 154,
                "delay_steps": {"min": 1, "max": 4},
            }
        ],
        "stimuli": [{"name": "poissoninput_0", "stimulus": "PoissonInput", "target": "pop", "receptor": "exc"}],
        "monitors": [
            {"name": "statemonitor_0", "monitor": "StateMonitor", "population": "pop", "variables": ["v", "g_exc"]}
        ],
    }
    path = tmp_path / "eng.h5"
    with RecordingFile(path, metadata={"dt": 0.1, "network": net}) as rf:
        g = rf.h5.create_group("rates/pop")
        g.attrs["units"] = "spikes per step"
        g.create_dataset("counts", data=np.zeros((7, 3), dtype=np.int64))
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "network: net" in out
    assert "projection pop -> pop (exc): Bernoulli, 154 synapses, delay 1-4 steps" in out
    assert "stimulus poissoninput_0: PoissonInput -> pop (exc)" in out
    assert "monitor statemonitor_0: StateMonitor of pop (v, g_exc)" in out
    assert "rates pop: 7 rows x 3 samples (spikes per step)" in out
