"""The README's examples run as written (documentation that cannot rot)."""

import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_first_two_lines_are_the_setup_commands():
    block = re.search(r"```bash\n(.*?)```", README.read_text(), flags=re.S).group(1).strip().splitlines()
    assert len(block) == 2
    assert "spikesim run cuba" in block[0] and "pytest" in block[1]


def test_twenty_line_example_runs_twice_and_records_both_runs(tmp_path, monkeypatch):
    """Issue 12, defect 17: a second execution used to fail (FileExistsError) and demo.h5 held only the
    first run."""
    import h5py

    monkeypatch.chdir(tmp_path)
    code = python_blocks()[0]
    assert len(code.strip().splitlines()) <= 22
    for _ in range(2):
        ns = {}
        exec(compile(code, "README.md", "exec"), ns)
        ns["net"].close()
        with h5py.File(tmp_path / "demo.h5", "r") as f:
            assert f.attrs["completed"] and f.attrs["end_step"] == 10_000
            t = f["spikes/exc/timestamps"][()]
            assert t.max() > 500.0  # the second run is in the file


def test_plasticity_example_learns():
    ns = {}
    exec(compile(python_blocks()[1], "README.md", "exec"), ns)
    w = ns["weights"]["w"]
    assert w.shape == (10, 1, 100)
    assert not (w[-1] == w[0]).all()


def test_model_example_defines_a_working_model():
    import simcore as sc

    ns = {}
    exec(compile(python_blocks()[2], "README.md", "exec"), ns)
    net = sc.Network()
    pop = net.add(ns["Izhikevich"](2))
    net.add(sc.StepCurrent(pop, 10.0))
    mon = net.add(sc.SpikeMonitor(pop))
    net.run(200.0, dt=0.1, seed=0)
    assert mon.steps.size > 2


def test_bptt_example_trains_a_step():
    ns = {}
    exec(compile(python_blocks()[3], "README.md", "exec"), ns)
    import numpy as np

    assert np.isfinite(ns["result"]["loss"]) and ns["result"]["grad_norm"] > 0
