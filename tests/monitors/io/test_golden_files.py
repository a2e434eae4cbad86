"""Files of every format still read: the committed golden files of formats 2 and 3.

Evidence kind: io (regression against committed files written by tests/data/make_golden.py;
format 1 is checked in test_sonata_cli.py).
"""

import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from monitors.reader import file_info, list_variables, load_report, load_spikes, read_network
from monitors.sonata import FORMAT_VERSION

DATA = Path(__file__).resolve().parents[2] / "data"
sys.path.insert(0, str(DATA))
import make_golden  # noqa: E402


@pytest.mark.parametrize("version", [2, 3])
def test_golden_file_reads_exactly(version):
    path = DATA / f"sonata_v{version}_golden.h5"
    assert path.exists(), f"missing {path.name}: see tests/data/make_golden.py"
    info = file_info(path)
    assert info["format_version"] == version and info["completed"] is True and info["seed"] == 7
    assert read_network(path) == make_golden.NETWORK
    sd = load_spikes(path, "lif")
    np.testing.assert_array_equal(sd.timestamps, [0.5, 1.0, 2.5])
    np.testing.assert_array_equal(sd.node_ids, [2, 0, 1])
    np.testing.assert_array_equal(sd.sample_ids, [1, 0, 0])
    assert list_variables(path, "lif") == ["u", "a"]
    u = load_report(path, "lif")
    assert u.variable == "u" and u.unit == "mV" and u.data.dtype == np.float64
    np.testing.assert_array_equal(u.data, make_golden.u_values())  # exact, not the float32 copy
    np.testing.assert_array_equal(u.node_ids, [0, 2])
    a = load_report(path, "lif", "a", sample=1)
    np.testing.assert_array_equal(a.data, make_golden.a_values()[:, 1])
    np.testing.assert_array_equal(a.times, [0.0, 1.5])
    assert info["reports"]["lif"]["a"]["rows"] == 2 and info["reports"]["lif"]["u"]["dtype"] == "float64"


def test_golden_v3_is_the_current_format_and_sonata_everywhere(tmp_path):
    assert FORMAT_VERSION == 3
    path = DATA / "sonata_v3_golden.h5"
    with h5py.File(path, "r") as f:
        assert f["report/lif/data"].dtype == np.float32 and "variables" not in f["report/lif"]
        assert f.get("report_files/a", getlink=True).filename == "sonata_v3_golden.a.h5"
    with h5py.File(DATA / "sonata_v3_golden.a.h5", "r") as f:
        assert list(f["report"]) == ["lif"] and f["report/lif/data"].dtype == np.float32
        np.testing.assert_array_equal(
            f["report/lif/data_float64"][()], make_golden.a_values().transpose(0, 2, 1).reshape(2, 2)
        )
    libsonata = pytest.importorskip("libsonata")
    # libsonata's wheel has no gzip filter: it reads the same recording written uncompressed
    make_golden.make_golden(tmp_path / "plain.h5", compression=None)
    for name, values in (("plain.h5", make_golden.u_values()), ("plain.a.h5", make_golden.a_values())):
        frame = libsonata.ElementReportReader(str(tmp_path / name))["lif"].get()
        ids = [tuple(x) for x in np.asarray(frame.ids).tolist()]
        data = np.asarray(frame.data)
        node_ids = sorted({i for i, _ in ids})
        for col, nid in enumerate(node_ids):
            for b in range(2):
                np.testing.assert_array_equal(data[:, ids.index((nid, b))], values[:, b, col].astype(np.float32))


def test_make_golden_writes_what_is_committed(tmp_path):
    """The script still writes the current golden file: same layout, same values."""
    path = tmp_path / "sonata_v3_golden.h5"
    make_golden.make_golden(path)
    for name in ("sonata_v3_golden.h5", "sonata_v3_golden.a.h5"):
        with h5py.File(tmp_path / name, "r") as new, h5py.File(DATA / name, "r") as old:
            names_new, names_old = [], []
            new.visit(names_new.append)
            old.visit(names_old.append)
            assert names_new == names_old
            for n in names_new:
                if isinstance(old[n], h5py.Dataset):
                    np.testing.assert_array_equal(new[n][()], old[n][()], err_msg=n)
