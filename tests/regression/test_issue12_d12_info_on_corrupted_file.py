"""Issue 12: ``spikesim info`` on a damaged file prints one line and exits 2.

Before the fix HDF5's RuntimeError ("bad symbol table node signature") escaped
as a traceback.
"""

from pathlib import Path

import pytest

from monitors.reader import file_info
from simcore.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "sonata_v1_golden.h5"


@pytest.fixture
def damaged(tmp_path):
    data = bytearray(GOLDEN.read_bytes())
    second_tree = data.find(b"TREE", data.find(b"TREE") + 4)  # the B-tree of a population group
    assert second_tree > 0
    data[second_tree + 8 : second_tree + 40] = b"\x7f" * 32
    path = tmp_path / "damaged.h5"
    path.write_bytes(bytes(data))
    return path


def test_info_on_damaged_file_is_one_line_exit_2(damaged, capsys):
    assert main(["info", str(damaged)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "damaged" in err and str(damaged) in err


def test_reader_raises_oserror_naming_the_file(damaged):
    with pytest.raises(OSError, match="damaged"):
        file_info(damaged)
