"""Round trips through the SONATA recording layer: what is appended is what is read back.

Evidence kind: io (round trip, layout, validation).  Layout rules from
monitors/sonata.py (SONATA developer guide + libsonata report_reader.cpp).
"""

import json
import os

import h5py
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from monitors.reader import file_info, list_populations, list_variables, load_report, load_spikes, read_network
from monitors.sonata import FORMAT_VERSION, SORTING, RecordingFile


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def _raster(rng, T, B, N, p=0.1, bipolar=False):
    s = (rng.random((T, B, N)) < p).astype(np.int8)
    if bipolar:
        s *= np.where(rng.random((T, B, N)) < 0.4, -1, 1).astype(np.int8)
    return s


def _write_raster(writer, raster, dt, chunk, bipolar):
    """Append a (T, B, N) raster chunk by chunk the way a monitor would."""
    T = raster.shape[0]
    for t0 in range(0, T, chunk):
        block = raster[t0 : t0 + chunk]
        t, b, n = np.nonzero(block)
        writer.append((t + t0) * dt, n, b, block[t, b, n] if bipolar else None)


@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("bipolar", [False, True])
def test_spikes_round_trip(tmp_path, rng, B, bipolar):
    T, N, dt = 57, 11, 0.25
    raster = _raster(rng, T, B, N, bipolar=bipolar)
    path = tmp_path / "r.h5"
    with RecordingFile(path, metadata={"dt": dt, "batch_size": B, "duration": T * dt, "seed": 7}) as rf:
        w = rf.spike_writer("exc", N, bipolar=bipolar)
        _write_raster(w, raster, dt, chunk=10, bipolar=bipolar)
        assert w.n_spikes == np.count_nonzero(raster)
    sd = load_spikes(path)
    t, b, n = np.nonzero(raster)
    np.testing.assert_array_equal(sd.timestamps, t * dt)
    np.testing.assert_array_equal(sd.node_ids, n)
    np.testing.assert_array_equal(sd.sample_ids, b)
    np.testing.assert_array_equal(sd.polarity, raster[t, b, n] if bipolar else 1)
    assert sd.timestamps.dtype == np.float64 and sd.node_ids.dtype == np.uint64
    assert sd.polarity.dtype == np.int8
    np.testing.assert_array_equal(sd.raster(), raster)
    assert sd.samples == tuple(range(B)) and sd.n_nodes == N and sd.sorting == "by_time"
    # one sample alone
    for k in range(B):
        one = load_spikes(path, sample=k)
        np.testing.assert_array_equal(one.raster(), raster[:, k : k + 1])
        assert np.all(one.sample_ids == k)


def test_batch1_file_is_plain_sonata(tmp_path, rng):
    path = tmp_path / "b1.h5"
    with RecordingFile(path, metadata={"dt": 1.0, "batch_size": 1}) as rf:
        rf.spike_writer("p", 5).append([1.0, 2.0], [0, 4])
        rf.report_writer("p", "u", np.arange(5), 1.0, unit="mV").append(np.ones((3, 1, 5)))
    with h5py.File(path, "r") as f:
        assert f.attrs["magic"] == 0x0A7A
        np.testing.assert_array_equal(f.attrs["version"], [0, 1])
        g = f["spikes/p"]
        assert set(g.keys()) == {"timestamps", "node_ids"}  # no sample_ids / polarity
        assert g["timestamps"].dtype == np.float64 and g["node_ids"].dtype == np.uint64
        assert g["timestamps"].attrs["units"] == "ms"
        assert h5py.check_enum_dtype(g.attrs.get_id("sorting").dtype) == SORTING
        assert g.attrs["sorting"] == SORTING["by_time"]
        r = f["report/p"]
        assert r["data"].dtype == np.float32 and r["data"].shape == (3, 5)
        assert r["data"].attrs["units"] == "mV"
        m = r["mapping"]
        np.testing.assert_array_equal(m["node_ids"][()], np.arange(5))
        assert m["node_ids"].dtype == np.uint64 and m["node_ids"].attrs["sorted"] == 1
        np.testing.assert_array_equal(m["index_pointers"][()], np.arange(6))  # n + 1 entries
        assert m["index_pointers"].dtype == np.uint64
        assert m["element_ids"].dtype == np.uint32
        np.testing.assert_array_equal(m["element_ids"][()], 0)
        np.testing.assert_array_equal(m["time"][()], [0.0, 3.0, 1.0])
        assert m["time"].attrs["units"] == "ms"
        assert r["data"].chunks is not None and r["data"].maxshape[0] is None
        assert g["timestamps"].chunks is not None and g["timestamps"].maxshape == (None,)


@pytest.mark.parametrize("B", [1, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_report_round_trip(tmp_path, rng, B, dtype):
    ids = np.array([7, 2, 9])
    rows = rng.standard_normal((13, B, 3)).astype(dtype)
    path = tmp_path / "rep.h5"
    with RecordingFile(path, metadata={"dt": 0.1, "batch_size": B}) as rf:
        w = rf.report_writer("inh", "v", ids, dt_ms=0.1, start_step=20, every=3, unit="mV", dtype=dtype)
        for r0 in (0, 5, 6):
            w.append(rows[r0 : {0: 5, 5: 6, 6: 13}[r0]])
            start, stop, step = rf.h5["report/inh/mapping/time"][()]  # current after each append
            assert stop == pytest.approx(start + w.n_rows * step)
    tr = load_report(path)
    assert tr.data.dtype == dtype and tr.data.shape == (13, B, 3)
    np.testing.assert_array_equal(tr.data, rows)
    np.testing.assert_allclose(tr.times, (20 + 3 * np.arange(13)) * 0.1)
    np.testing.assert_array_equal(tr.node_ids, ids)
    assert tr.unit == "mV" and tr.variable == "v" and tr.samples == tuple(range(B))
    for k in range(B):
        one = load_report(path, sample=k)
        assert one.data.shape == (13, 3)
        np.testing.assert_array_equal(one.data, rows[:, k])
    with h5py.File(path, "r") as f:
        np.testing.assert_allclose(f["report/inh/mapping/time"][()], [2.0, 2.0 + 13 * 0.3, 0.3])
        assert f["report/inh/mapping/node_ids"].attrs["sorted"] == 0
        np.testing.assert_array_equal(f["report/inh/mapping/element_ids"][()], np.tile(np.arange(B), 3))


def test_every_other_variable_is_a_report_file_of_its_own(tmp_path, rng):
    path = tmp_path / "vars.h5"
    u = rng.standard_normal((4, 2, 3))
    a = rng.standard_normal((2, 2, 1))
    with RecordingFile(path, metadata={"dt": 1.0, "batch_size": 2}) as rf:
        rf.report_writer("alif", "u", [0, 1, 2], 1.0).append(u)
        rf.report_writer("alif", "a", [1], 1.0, every=2).append(a)
    assert list_variables(path, "alif") == ["u", "a"]
    np.testing.assert_allclose(load_report(path, variable="u").data, u, rtol=1e-6)
    np.testing.assert_allclose(load_report(path).data, u, rtol=1e-6)  # default: first variable
    np.testing.assert_allclose(load_report(path, variable="a").data, a, rtol=1e-6)
    with h5py.File(path, "r") as f:
        g = f["report/alif"]
        assert sorted(g) == ["data", "mapping"] and g["data"].attrs["variable"] == "u"
        assert json.loads(f["report_files"].attrs["a"]) == ["alif"]
        assert f["report_files/a/alif/data"].attrs["variable"] == "a"  # the external link resolves
    with h5py.File(tmp_path / "vars.a.h5", "r") as f:
        assert f.attrs["variable"] == "a" and f.attrs["recording"] == "vars.h5"
        assert list(f["report"]) == ["alif"] and f["report/alif/data"].dtype == np.float32
    with pytest.raises(ValueError, match=r"variable must be one of \('u', 'a'\)"):
        load_report(path, variable="b")
    # the report file goes with the recording; without it that variable is a clear error
    os.rename(tmp_path / "vars.a.h5", tmp_path / "elsewhere.h5")
    with pytest.raises(FileNotFoundError, match=r"report file .*vars\.a\.h5.* of variable 'a'"):
        load_report(path, variable="a")
    np.testing.assert_allclose(load_report(path, variable="u").data, u, rtol=1e-6)


def test_report_files_group_variables_of_several_populations(tmp_path, rng):
    path = tmp_path / "pops.h5"
    with RecordingFile(path, metadata={"dt": 1.0}) as rf:
        rf.report_writer("e", "v", [0], 1.0).append(np.ones((1, 1, 1)))
        rf.report_writer("i", "g", [0, 1], 1.0).append(np.full((2, 1, 2), 2.0))
        rf.report_writer("e", "g", [3], 1.0).append(np.full((3, 1, 1), 3.0))
    assert list_populations(path) == ["e", "i"]
    assert list_variables(path, "e") == ["v", "g"] and list_variables(path, "i") == ["g"]
    assert load_report(path, "i").data.shape == (2, 1, 2)  # its first variable: in pops.g.h5
    assert load_report(path, "e", "g").data.shape == (3, 1, 1)
    with h5py.File(tmp_path / "pops.g.h5", "r") as f:
        assert sorted(f["report"]) == ["e", "i"]  # one SONATA report of g, both populations


def test_sorting_is_honest(tmp_path):
    path = tmp_path / "s.h5"
    with RecordingFile(path, metadata={"batch_size": 2}) as rf:
        w = rf.spike_writer("p", 4)
        # a block interleaved across samples: each sample in time order, not the block
        w.append([1.0, 3.0, 2.0, 4.0], [0, 1, 2, 3], [0, 0, 1, 1])
        assert w.sorting == "by_time"
        w.append([4.0, 5.0], [0, 1], [0, 1])  # starts where the last ended: still sorted
        assert w.sorting == "by_time"
        f = rf.h5
        assert np.all(np.diff(f["spikes/p/timestamps"][()]) >= 0)
        assert f["spikes/p"].attrs["sorting"] == SORTING["by_time"]
        w.append([0.5], [2], [1])  # goes back in time: sorting must become none
        assert w.sorting == "none"
        w.append([9.0], [2], [1])
        assert w.sorting == "none"  # never claims an order again
    sd = load_spikes(path)
    assert sd.sorting == "none"
    np.testing.assert_array_equal(sd.timestamps, [1.0, 2.0, 3.0, 4.0, 4.0, 5.0, 0.5, 9.0])
    np.testing.assert_array_equal(sd.node_ids, [0, 2, 1, 3, 0, 1, 2, 2])  # moved with their times
    np.testing.assert_array_equal(sd.sample_ids, [0, 1, 0, 1, 0, 1, 1, 1])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    blocks=st.lists(
        st.lists(
            st.tuples(st.integers(0, 30), st.integers(0, 5), st.integers(0, 2), st.sampled_from([-1, 1])), max_size=12
        ),
        min_size=1,
        max_size=6,
    ),
    compression=st.sampled_from([None, "gzip", "lzf"]),
)
def test_any_blocks_round_trip(tmp_path_factory, blocks, compression):
    """Arbitrary blocks: the file holds each block stably time-sorted, in append order."""
    path = tmp_path_factory.mktemp("h") / "x.h5"
    expect = []
    with RecordingFile(path, compression=compression, metadata={"batch_size": 3}) as rf:
        w = rf.spike_writer("p", 6, bipolar=True)
        last = -np.inf
        honest = True
        for blk in blocks:
            arr = np.array(blk, dtype=np.int64).reshape(-1, 4)
            w.append(arr[:, 0] * 0.5, arr[:, 1], arr[:, 2], arr[:, 3])
            order = np.argsort(arr[:, 0], kind="stable")
            expect.append(arr[order])
            if len(arr):
                honest &= arr[:, 0].min() * 0.5 >= last
                last = max(last, arr[:, 0].max() * 0.5)
    exp = np.concatenate(expect) if expect else np.zeros((0, 4))
    sd = load_spikes(path)
    np.testing.assert_array_equal(sd.timestamps, exp[:, 0] * 0.5)
    np.testing.assert_array_equal(sd.node_ids, exp[:, 1])
    np.testing.assert_array_equal(sd.sample_ids, exp[:, 2])
    np.testing.assert_array_equal(sd.polarity, exp[:, 3])
    assert sd.sorting == ("by_time" if honest else "none")
    if sd.sorting == "by_time":
        assert np.all(np.diff(sd.timestamps) >= 0)


def test_metadata_and_network(tmp_path):
    net = {
        "populations": [{"name": "rec", "model": "LIF", "n": 3, "params": {"beta": np.float32(0.9)}}],
        "projections": [
            {
                "source": "rec",
                "target": "rec",
                "connector": "FromMatrix",
                "n_synapses": 9,
                "delay_steps": np.array([1, 2, 1]),
            }
        ],
    }
    path = tmp_path / "m.h5"
    rf = RecordingFile(
        path,
        metadata={
            "dt": 0.1,
            "seed": 3,
            "batch_size": 2,
            "duration": 5.0,
            "network": net,
            "dtype": "float32",
            "tags": ["a", "b"],
        },
    )
    assert bool(rf.h5.attrs["completed"]) is False  # from the moment of opening
    rf.update_metadata(end_step=45)
    rf.close(completed=True, duration=4.5)
    info = file_info(path)
    assert info["completed"] is True and info["stop_reason"] is None
    assert info["dt"] == 0.1 and info["seed"] == 3 and info["batch_size"] == 2 and info["duration"] == 4.5
    assert info["format"] == "spikesim-sonata" and info["format_version"] == FORMAT_VERSION == 3
    assert isinstance(info["spikesim_version"], str) and info["spikesim_version"]
    got = read_network(path)
    assert got["populations"][0]["params"]["beta"] == pytest.approx(0.9)
    assert got["projections"][0]["delay_steps"] == [1, 2, 1]
    with h5py.File(path, "r") as f:
        assert json.loads(f.attrs["tags"]) == ["a", "b"] and f.attrs["dtype"] == "float32"
        assert f.attrs["end_step"] == 45
    with pytest.raises(ValueError, match="reserved"):
        RecordingFile(tmp_path / "r.h5", metadata={"completed": True})
    p3 = tmp_path / "bigseed.h5"
    RecordingFile(p3, metadata={"seed": 2**64 - 1}).close(True)
    assert file_info(p3)["seed"] == 2**64 - 1
    p2 = tmp_path / "noseed.h5"
    RecordingFile(p2, metadata={"seed": None}).close(True)
    assert file_info(p2)["seed"] is None


def test_large_network_description_goes_to_a_dataset(tmp_path):
    net = {
        "populations": [{"name": f"p{i}", "model": "LIF", "n": i, "params": {"x": list(range(50))}} for i in range(300)]
    }
    assert len(json.dumps(net)) > 65536
    path = tmp_path / "big.h5"
    RecordingFile(path, metadata={"network": net}).close(True)
    assert read_network(path) == net


def test_refuses_to_overwrite(tmp_path):
    path = tmp_path / "exists.h5"
    RecordingFile(path).close(True)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match=r"exists\.h5.*overwrite=True"):
        RecordingFile(path)
    assert path.read_bytes() == before
    with RecordingFile(path, overwrite=True, metadata={"dt": 2.0}):
        pass
    assert file_info(path)["dt"] == 2.0


def test_validation_messages(tmp_path):
    with pytest.raises(ValueError, match=r"compression must be one of \(None, 'gzip', 'lzf'\); got 'zip'"):
        RecordingFile(tmp_path / "a.h5", compression="zip")
    with pytest.raises(ValueError, match=r"metadata\['dt'\] must be a finite number > 0"):
        RecordingFile(tmp_path / "a.h5", metadata={"dt": 0.0})
    assert not (tmp_path / "a.h5").exists()  # validated before touching the disk
    with RecordingFile(tmp_path / "a.h5", metadata={"batch_size": 2}) as rf:
        w = rf.spike_writer("p", 3)
        with pytest.raises(ValueError, match="already has a spike writer"):
            rf.spike_writer("p", 3)
        with pytest.raises(ValueError, match="without '/'"):
            rf.spike_writer("a/b", 3)
        with pytest.raises(ValueError, match=r"node_ids must lie in \[0, 3\).*got 3"):
            w.append([1.0], [3], [0])
        with pytest.raises(ValueError, match=r"sample_ids must lie in \[0, 2\); got 2"):
            w.append([1.0], [0], [2])
        with pytest.raises(ValueError, match="sample_ids is required"):
            w.append([1.0], [0])
        with pytest.raises(ValueError, match=r"node_ids must have shape \(2,\)"):
            w.append([1.0, 2.0], [0], [0, 0])
        with pytest.raises(ValueError, match="declared unipolar"):
            w.append([1.0], [0], [0], [-1])
        w.append([1.0], [0], [0], [1])  # all +1 is fine for a unipolar population
        wb = rf.spike_writer("lib", 3, bipolar=True)
        with pytest.raises(ValueError, match="polarity is required"):
            wb.append([1.0], [0], [0])
        with pytest.raises(ValueError, match=r"polarity must hold only \+1 and -1"):
            wb.append([1.0], [0], [0], [0])
        r = rf.report_writer("p", "u", [0, 1], 1.0)
        with pytest.raises(ValueError, match=r"must have shape \(rows, 2, 2\).*got \(3, 2\)"):
            r.append(np.zeros((3, 2)))
        with pytest.raises(ValueError, match="node_ids must be distinct"):
            rf.report_writer("p", "v", [0, 0], 1.0)
        with pytest.raises(ValueError, match=r"dtype must be one of \(float32, float64\)"):
            rf.report_writer("p", "w", [0], 1.0, dtype=np.int32)
        assert w.n_spikes == 1 and r.n_rows == 0
    with pytest.raises(ValueError, match="is closed"):
        w.append([1.0], [0], [0])
    with pytest.raises(ValueError, match=r"population must be one of \('lib', 'p'\)"):
        load_spikes(tmp_path / "a.h5", population="q")
    with pytest.raises(ValueError, match="several populations"):
        load_spikes(tmp_path / "a.h5")
    with pytest.raises(ValueError, match=r"sample must lie in \[0, 2\)"):
        load_spikes(tmp_path / "a.h5", "p", sample=2)
    with pytest.raises(FileNotFoundError, match="nope.h5"):
        load_spikes(tmp_path / "nope.h5")
    assert list_populations(tmp_path / "a.h5") == ["lib", "p"]


def test_raster_polarity_and_counts(tmp_path):
    path = tmp_path / "lib.h5"
    with RecordingFile(path, metadata={"dt": 0.5, "duration": 3.0}) as rf:
        rf.spike_writer("lib", 2, bipolar=True).append([0.0, 0.5, 2.5], [1, 0, 1], None, [1, -1, -1])
    sd = load_spikes(path)
    r = sd.raster()
    assert r.shape == (6, 1, 2)  # duration / dt steps
    expect = np.zeros((6, 1, 2), np.int8)
    expect[0, 0, 1], expect[1, 0, 0], expect[5, 0, 1] = 1, -1, -1
    np.testing.assert_array_equal(r, expect)
    np.testing.assert_array_equal(sd.counts(), [1, 2])
    with pytest.raises(ValueError, match="outside"):
        sd.raster(n_steps=3)


def test_reads_a_foreign_plain_sonata_file(tmp_path):
    """A SONATA file written by another tool (no spikesim attributes) reads as batch 1, unipolar."""
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("spikes/V1")
        g.create_dataset("timestamps", data=[3.0, 1.0, 2.0]).attrs["units"] = "ms"
        g.create_dataset("node_ids", data=np.array([5, 0, 5], dtype=np.uint64))
        r = f.create_group("report/V1")
        r.create_dataset("data", data=np.arange(6, dtype=np.float32).reshape(3, 2)).attrs["units"] = "mV"
        r["mapping/node_ids"] = np.array([5, 0], dtype=np.uint64)
        r["mapping/index_pointers"] = np.array([0, 1, 2], dtype=np.uint64)
        r["mapping/element_ids"] = np.zeros(2, dtype=np.uint32)
        r["mapping/time"] = np.array([10.0, 13.0, 1.0])
    sd = load_spikes(path)
    assert sd.sorting == "none" and sd.n_nodes is None and sd.samples == (0,)
    np.testing.assert_array_equal(sd.polarity, [1, 1, 1])
    assert sd.raster(dt=1.0).shape == (4, 1, 6)
    tr = load_report(path)
    assert tr.variable == "data" and tr.data.shape == (3, 1, 2) and tr.unit == "mV"
    np.testing.assert_array_equal(tr.times, [10.0, 11.0, 12.0])
    info = file_info(path)
    assert info["completed"] is None and info["spikes"]["V1"]["t_first"] == 1.0
