"""The spikesim command: run a built-in network to HDF5, then summarise the file."""

import h5py

from simcore.cli import main


def test_run_cuba_records_and_info_reads(tmp_path, capsys):
    out = tmp_path / "cuba.h5"
    assert main(["run", "cuba", "--duration", "50", "--out", str(out), "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert "events/s" in text and "mean rate" in text
    with h5py.File(out, "r") as f:
        assert bool(f.attrs["completed"]) and f.attrs["dt"] == 0.1
        assert set(f["spikes"]) == {"exc", "inh"}
    assert main(["info", str(out)]) == 0
    assert "exc" in capsys.readouterr().out


def test_existing_output_is_not_overwritten(tmp_path, capsys):
    out = tmp_path / "x.h5"
    out.write_bytes(b"keep me")
    assert main(["run", "cuba", "--duration", "1", "--out", str(out)]) == 2
    assert "overwrite" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"


def test_bad_flag_value_is_a_clean_error(capsys):
    assert main(["run", "cuba", "--duration", "1", "--dt", "-1", "--no-record"]) == 2
    assert "dt must be" in capsys.readouterr().err


def test_brunel_small_scale_json(tmp_path, capsys):
    assert main(["run", "brunel", "--scale", "0.02", "--duration", "20", "--no-record", "--json"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["neurons"] == 250 and summary["synaptic_events"] > 0


def test_cli_offers_every_built_in_network():
    from simcore.builtin import NETWORKS
    from simcore.cli import NETWORK_NAMES

    assert set(NETWORK_NAMES) == set(NETWORKS)
