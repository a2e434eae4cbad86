"""Issue 18: every state report is libsonata-readable, at a standard SONATA location, and nothing is lost.

Before the fix a float64 run (the default dtype) wrote ``data`` as float64,
which libsonata's report readers refuse ("DataType of dataset 'data' should
be Float32"), and every variable but the first sat under the non-standard
group ``/report/<population>/variables/<variable>``.  Now the first variable
is the SONATA report of the main file, every other one is a SONATA report
file of its own beside it (linked from ``/report_files``), ``data`` is always
float32 and a float64 run keeps its exact values in ``data_float64``.
"""

import h5py
import numpy as np
import pytest

import simcore as sc
from monitors.reader import file_info, list_populations, list_variables, load_report
from monitors.sonata import RecordingFile, report_file_path
from netkit import driven_lif

libsonata = pytest.importorskip("libsonata")


def _values(rows, B, n, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((rows, B, n)) / 3.0  # float64 values that float32 cannot hold


def _frame_by_id(frame):
    ids = [tuple(x) if np.ndim(x) else (int(x), 0) for x in np.asarray(frame.ids).tolist()]
    return ids, np.asarray(frame.data)


def test_float64_two_variables_are_read_by_libsonata_and_exact_by_us(tmp_path):
    path = tmp_path / "two.h5"
    B = 2
    v = _values(12, B, 3, 1)
    g = _values(4, B, 2, 2)
    with RecordingFile(path, metadata={"dt": 0.5, "batch_size": B}) as rf:
        wv = rf.report_writer("exc", "v", [4, 1, 5], 0.5, unit="mV", dtype=np.float64)
        wg = rf.report_writer("exc", "g_e", [0, 2], 0.5, every=3, unit="mV", dtype=np.float64)
        rf.start_swmr()
        wv.append(v[:7])
        wv.append(v[7:])
        wg.append(g)
    side = report_file_path(path, "g_e")
    assert side == tmp_path / "two.g_e.h5" and side.exists()

    for file, ids, values, times in ((path, [4, 1, 5], v, (0.0, 6.0, 0.5)), (side, [0, 2], g, (0.0, 6.0, 1.5))):
        reader = libsonata.ElementReportReader(str(file))
        assert reader.get_population_names() == ["exc"]  # /report/exc: the standard place
        pop = reader["exc"]
        assert pop.times == times and pop.data_units == "mV"
        got_ids, data = _frame_by_id(pop.get())
        assert data.shape == (values.shape[0], len(ids) * B)
        for col, nid in enumerate(ids):
            for b in range(B):
                np.testing.assert_array_equal(data[:, got_ids.index((nid, b))], values[:, b, col].astype(np.float32))
    with h5py.File(path, "r") as f:
        assert "variables" not in f["report/exc"]  # no non-standard group any more
        assert f["report/exc/data"].dtype == np.float32
        assert f["report/exc/data_float64"].dtype == np.float64
        assert f.get("report_files/g_e", getlink=True).filename == "two.g_e.h5"

    # our reader returns the exact float64 values of both variables
    assert list_variables(path, "exc") == ["v", "g_e"]
    assert list_populations(path) == ["exc"]
    tv, tg = load_report(path, "exc", "v"), load_report(path, "exc", "g_e")
    assert tv.data.dtype == np.float64 and tg.data.dtype == np.float64
    np.testing.assert_array_equal(tv.data, v)
    np.testing.assert_array_equal(tg.data, g)
    np.testing.assert_array_equal(load_report(path, "exc", "g_e", sample=1).data, g[:, 1])
    np.testing.assert_allclose(tg.times, [0.0, 1.5, 3.0, 4.5])
    info = file_info(path)["reports"]["exc"]
    assert info["v"]["dtype"] == "float64" and info["g_e"]["rows"] == 4


def test_a_float64_network_run_writes_libsonata_reports_for_every_variable(tmp_path):
    net = sc.Network()
    pop = driven_lif(net, 20, n_inputs=200)
    trace = net.add(sc.StateMonitor(pop, ("v", "g_exc"), neurons=[0, 5, 7], every=2))
    path = tmp_path / "run.h5"
    net.run(steps=200, batch_size=1, dt=0.1, seed=3, dtype="float64", out=path)
    net.close()  # the recording stays open for later runs until closed; libsonata has its own HDF5
    for var, file in (("v", path), ("g_exc", report_file_path(path, "g_exc"))):
        pop_r = libsonata.SomaReportReader(str(file))["pop"]
        data = np.asarray(pop_r.get().data)
        assert data.shape == (100, 3)
        ids = list(pop_r.get().ids)
        for col, nid in enumerate([0, 5, 7]):
            np.testing.assert_array_equal(data[:, ids.index(nid)], trace[var][:, 0, col].astype(np.float32))
        exact = load_report(path, "pop", var)
        assert exact.data.dtype == np.float64
        np.testing.assert_array_equal(exact.data, trace[var])


def test_float32_report_has_no_float64_copy(tmp_path):
    path = tmp_path / "f32.h5"
    with RecordingFile(path, metadata={"dt": 1.0}) as rf:
        rf.report_writer("p", "v", [0], 1.0).append(np.ones((2, 1, 1), dtype=np.float32))
    with h5py.File(path, "r") as f:
        assert sorted(f["report/p"]) == ["data", "mapping"] and "report_files" not in f
    assert load_report(path).data.dtype == np.float32


def test_report_file_of_a_variable_must_not_exist_without_overwrite(tmp_path):
    path = tmp_path / "x.h5"
    report_file_path(path, "g").write_bytes(b"someone else's file")
    with RecordingFile(path, metadata={"dt": 1.0}) as rf:
        rf.report_writer("p", "v", [0], 1.0)
        with pytest.raises(FileExistsError, match="x.g.h5"):
            rf.report_writer("p", "g", [0], 1.0)
    assert report_file_path(path, "g").read_bytes() == b"someone else's file"


def test_write_failure_in_a_report_file_seals_all_and_keeps_every_commit(tmp_path):
    import errno
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_issue12_d02_disk_full import FullDisk
    from monitors.sonata import RecordingWriteError

    path = tmp_path / "full.h5"

    def opener(p):  # the report file of g fills its disk; the recording does not
        return FullDisk(p, 1_500_000 if p.name == "full.g.h5" else 1 << 40)

    rf = RecordingFile(path, metadata={"dt": 1.0}, opener=opener)
    wv = rf.report_writer("p", "v", [0], 1.0, dtype=np.float64)
    wg = rf.report_writer("p", "g", np.arange(50), 1.0, dtype=np.float64)
    rf.start_swmr()
    assert all(f.swmr_mode for f in rf._h5_files())  # the report file too, created before SWMR
    committed = 0
    with pytest.raises(RecordingWriteError) as err:
        for k in range(10_000):
            wv.append(np.full((4, 1, 1), k / 3.0))
            wg.append(np.full((4, 1, 50), k / 3.0))
            committed = k + 1
    assert err.value.errno == errno.ENOSPC and committed > 3
    with pytest.raises(RecordingWriteError):  # sealed: nothing more goes to any file
        wv.append(np.zeros((1, 1, 1)))
    rf.close(completed=False, stop_reason="RecordingWriteError")
    for file in (path, tmp_path / "full.g.h5"):
        with h5py.File(file, "r"):  # status flags cleared: any reader opens both files
            pass
    assert not (tmp_path / "full.g.h5.lock").exists() and not (tmp_path / "full.h5.lock").exists()
    g = load_report(path, "p", "g")
    assert g.data.shape[0] >= 4 * committed
    np.testing.assert_array_equal(g.data[: 4 * committed, 0, 7], np.repeat(np.arange(committed) / 3.0, 4))
    assert load_report(path, "p", "v").data.shape[0] >= 4 * committed
