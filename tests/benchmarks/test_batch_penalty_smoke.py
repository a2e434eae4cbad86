"""Smoke test of ``python -m benchmarks.batch_penalty`` (issue 16): tiny sizes, every figure present and sane."""

import pytest

from benchmarks import batch_penalty


def test_batch_penalty_tiny_reports_every_configuration():
    r = batch_penalty.measure("cuba", batch=3, duration=5.0, repeats=2, threads=2, n=200)
    assert [row["config"] for row in r["rows"]] == ["B=1 1 thread", "B=3 1 thread", "B=1 2 threads", "B=3 2 threads"]
    assert r["batch_vs_single_runs_same_threads"] > 0
    assert r["rows"][0]["wall_vs_B1"] == pytest.approx(1.0) and r["rows"][0]["cpu_vs_B1"] == pytest.approx(1.0)
    for row in r["rows"]:
        assert row["wall_per_sample_s"] > 0 and row["ns_per_neuron_step"] > 0
    # LIFBio in float64: v, ref, g_exc, g_inh, two receptors and the spike flag, each read and written
    assert r["walked_bytes_per_neuron_step"] == 2 * 7 * 8
    assert r["bare_csr_events_per_s"] > 0
    assert len(r["load_average"]) == 3


def test_batch_penalty_cli_refuses_bad_sizes(capsys):
    with pytest.raises(SystemExit):
        batch_penalty.main(["--batch", "0"])
    assert "--batch" in capsys.readouterr().err


def test_batch_placement_tiny_places_arrays_as_before_and_now():
    import numpy as np

    from benchmarks import batch_placement
    from simcore.base.layout import PAGE

    nets = batch_placement._networks("cuba", 2)
    assert list(nets) == ["B=1 before", "B=1 now", "B=2 before", "B=2 now"]
    rt = nets["B=2 now"].populations[0].runtime
    assert len({a.ctypes.data % PAGE for a in (*rt.state.values(), rt.spike_flag)}) == len(rt.state) + 1
    a, b = (nets[f"B=2 {w}"] for w in ("before", "now"))
    assert a.populations[0].runtime.state["v"].base is None  # np.zeros' own array
    assert rt.state["v"].base is not None  # a view into a staggered buffer
    a.run(20.0, threads=1)
    b.run(20.0, threads=1)
    for pa, pb in zip(a.populations, b.populations):  # the placement changes no result
        assert np.array_equal(pa.runtime.state["v"], pb.runtime.state["v"])
        assert np.array_equal(pa.runtime.spike_flag, pb.runtime.spike_flag)
