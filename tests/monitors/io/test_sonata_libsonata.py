"""libsonata, the SONATA reference reader, reads our files.

Evidence kind: io (cross-reader).  Skipped when libsonata is not installed
(``pip install libsonata``).  Each test writes its own file: libsonata keeps
files open in its own HDF5 library, so a path is never rewritten under it.
"""

import numpy as np
import pytest

from monitors.sonata import RecordingFile

libsonata = pytest.importorskip("libsonata")


def _write(path, B, bipolar=False, dtype=np.float32):
    rng = np.random.default_rng(5)
    raster = (rng.random((40, B, 6)) < 0.15).astype(np.int8)
    u = rng.standard_normal((40, B, 3)).astype(dtype)
    with RecordingFile(path, metadata={"dt": 0.5, "batch_size": B, "duration": 20.0}) as rf:
        sw = rf.spike_writer("exc", 6, bipolar=bipolar)
        rw = rf.report_writer("exc", "v", [4, 1, 5], 0.5, unit="mV", dtype=dtype)
        ra = rf.report_writer("exc", "a", [0, 2], 0.5, every=4, start_step=2)
        for t0 in range(0, 40, 8):
            t, b, n = np.nonzero(raster[t0 : t0 + 8])
            sw.append((t + t0) * 0.5, n, b, np.where(n % 2, -1, 1) if bipolar else None)
            rw.append(u[t0 : t0 + 8])
        ra.append(np.arange(10 * B * 2, dtype=float).reshape(10, B, 2))
    return raster, u


def test_spikes_batch1(tmp_path):
    path = str(tmp_path / "s1.h5")
    raster, _ = _write(path, 1, bipolar=True)
    reader = libsonata.SpikeReader(path)
    assert reader.get_population_names() == ["exc"]
    pop = reader["exc"]
    assert pop.sorting == "by_time"
    t, _, n = np.nonzero(raster)
    spikes = pop.get()
    assert [s[0] for s in spikes] == list(n)
    np.testing.assert_allclose([s[1] for s in spikes], t * 0.5)
    assert pop.get(node_ids=[2]) == [(2, x * 0.5) for x in np.nonzero(raster[:, 0, 2])[0]]


def test_spikes_batch3_are_all_there(tmp_path):
    path = str(tmp_path / "s3.h5")
    raster, _ = _write(path, 3)
    spikes = libsonata.SpikeReader(path)["exc"].get()
    t, _, n = np.nonzero(raster)  # SONATA readers see all samples' spikes together
    assert sorted(spikes) == sorted(zip(n.tolist(), (t * 0.5).tolist()))


def test_soma_report_batch1(tmp_path):
    path = str(tmp_path / "r1.h5")
    _, u = _write(path, 1)
    pop = libsonata.SomaReportReader(path)["exc"]
    assert pop.times == (0.0, 20.0, 0.5)
    assert pop.time_units == "ms" and pop.data_units == "mV"
    assert sorted(pop.get_node_ids()) == [1, 4, 5]
    frame = pop.get()
    ids = list(frame.ids)
    np.testing.assert_allclose(frame.times, np.arange(40) * 0.5)
    data = np.asarray(frame.data)
    for col, nid in enumerate([4, 1, 5]):
        np.testing.assert_array_equal(data[:, ids.index(nid)], u[:, 0, col])
    # a window and a node selection
    part = pop.get(node_ids=[1], tstart=2.0, tstop=4.0)
    np.testing.assert_array_equal(np.asarray(part.data)[:, 0], u[4:9, 0, 1])


def test_element_report_batch4_gives_node_and_sample(tmp_path):
    path = str(tmp_path / "r4.h5")
    _, u = _write(path, 4)
    frame = libsonata.ElementReportReader(path)["exc"].get()
    ids = [tuple(x) for x in np.asarray(frame.ids)]
    data = np.asarray(frame.data)
    assert len(ids) == 12
    for col, nid in enumerate([4, 1, 5]):
        for b in range(4):
            np.testing.assert_array_equal(data[:, ids.index((nid, b))], u[:, b, col])


def test_second_variable_is_a_report_file_of_its_own(tmp_path):
    path = tmp_path / "v.h5"
    _write(str(path), 1)
    pop = libsonata.SomaReportReader(str(tmp_path / "v.a.h5"))["exc"]
    assert pop.times == (1.0, 21.0, 2.0)  # start_step 2 * 0.5 ms, every 4 steps
    np.testing.assert_array_equal(np.asarray(pop.get().data), np.arange(20.0).reshape(10, 2))
    assert libsonata.SomaReportReader(str(path)).get_population_names() == ["exc"]


def test_float64_report_is_read_by_libsonata_as_float32_and_exactly_by_us(tmp_path):
    from monitors.reader import load_report

    path = str(tmp_path / "f64.h5")
    _, u = _write(path, 1, dtype=np.float64)
    frame = libsonata.SomaReportReader(path)["exc"].get()
    ids = list(frame.ids)
    for col, nid in enumerate([4, 1, 5]):
        np.testing.assert_array_equal(np.asarray(frame.data)[:, ids.index(nid)], u[:, 0, col].astype(np.float32))
    exact = load_report(path, variable="v").data
    assert exact.dtype == np.float64
    np.testing.assert_array_equal(exact, u)


def test_sorting_none_is_read_as_none(tmp_path):
    path = str(tmp_path / "unsorted.h5")
    with RecordingFile(path, metadata={"dt": 1.0}) as rf:
        w = rf.spike_writer("p", 3)
        w.append([5.0, 6.0], [0, 1])
        w.append([2.0], [2])  # earlier than the previous block: the writer drops to "none"
    pop = libsonata.SpikeReader(path)["p"]
    assert pop.sorting == "none"
    assert pop.times == (2.0, 6.0)  # libsonata takes min/max instead of first/last
    assert sorted(pop.get(tstart=1.0, tstop=5.5)) == [(0, 5.0), (2, 2.0)]
