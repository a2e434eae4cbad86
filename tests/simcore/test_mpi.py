"""Batch-parallel MPI runs (simcore.mpi): each rank runs a block of the samples; rank 0's merged results equal a
single-process run bit for bit (docs/contract.md §5, §6). The MPI runs go through ``mpiexec`` in a subprocess and
are skipped without mpi4py or mpiexec; the block split and the merge are checked in-process as well."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import simcore as sc
from simcore.mpi import _build, merge_results, sample_blocks

SCRIPTS = Path(__file__).parent / "mpi_scripts"
sys.path.insert(0, str(SCRIPTS))
from batch_run import SEED, network  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
STEPS = 300


def _mpiexec():
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def _has_mpi4py():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


needs_mpi = pytest.mark.skipif(_mpiexec() is None or not _has_mpi4py(), reason="needs mpi4py and mpiexec")


def run_mpi(ranks, mode, batch, out, timeout=600):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    cmd = [
        _mpiexec(),
        "-n",
        str(ranks),
        sys.executable,
        str(SCRIPTS / "batch_run.py"),
        mode,
        str(batch),
        str(STEPS),
        str(out),
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def single_process(batch):
    net = network()
    net.run(steps=STEPS, batch_size=batch, seed=SEED, threads=1)
    return {m.name: m.export_results() for m in net.monitors}


def assert_same(merged, reference):
    assert set(merged) == set(reference)
    for mon, res in reference.items():
        assert set(merged[mon]) == set(res), mon
        for key, arr in res.items():
            np.testing.assert_array_equal(merged[mon][key], arr, err_msg=f"{mon}/{key}")
            assert np.asarray(merged[mon][key]).dtype == np.asarray(arr).dtype, f"{mon}/{key}"


def test_sample_blocks_are_contiguous_and_cover_the_batch():
    assert sample_blocks(5, 2) == [range(0, 2), range(2, 5)]
    assert sample_blocks(5, 3) == [range(0, 1), range(1, 3), range(3, 5)]
    assert sample_blocks(4, 4) == [range(i, i + 1) for i in range(4)]
    for batch in range(1, 12):
        for ranks in range(1, batch + 1):
            blocks = sample_blocks(batch, ranks)
            assert [i for blk in blocks for i in blk] == list(range(batch))
            assert all(len(blk) >= 1 for blk in blocks)


def test_more_ranks_than_samples_is_a_value_error():
    with pytest.raises(ValueError, match="batch_size >= 3"):
        sample_blocks(2, 3)


def test_blocks_with_sample_offset_merge_to_the_single_process_run():
    """No MPI: blocks built with sample_offset in one process, merged, equal the whole batch run at once."""
    reference = single_process(5)
    assert len(reference["spikes"]["steps"]) > 100 and len(reference["src_spikes"]["steps"]) > 20
    parts = []
    for blk in sample_blocks(5, 3):
        net = network(blk)
        net.build(batch_size=len(blk), seed=SEED, sample_offset=blk.start)
        net.run(steps=STEPS, threads=1)
        parts.append((blk.start, {m.name: m.export_results() for m in net.monitors}))
    assert_same(merge_results(parts), reference)


def test_sample_offset_changes_the_streams():
    """Without the offset a block would repeat samples 0, 1, ... (the test above could not tell otherwise)."""
    a, b = network(), network()
    a.build(batch_size=2, seed=SEED)
    b.build(batch_size=2, seed=SEED, sample_offset=2)
    a.run(steps=STEPS, threads=1)
    b.run(steps=STEPS, threads=1)
    sa, sb = a.monitors[0], b.monitors[0]
    assert not np.array_equal(sa.steps, sb.steps) or not np.array_equal(sa.neurons, sb.neurons)


def test_builds_that_couple_or_select_samples_are_refused():
    def selecting(samples):
        net = network(samples)
        net.add(sc.SpikeMonitor(net.population("pop"), samples=[0], name="first"))
        return net

    with pytest.raises(ValueError, match=r"monitors \['first'\] select samples"):
        _build(selecting, range(0, 2))

    def shared_weights():
        net = sc.Network()
        a = net.add(sc.LIF(3, name="a"))
        net.connect(a, a, sc.AllToAll(), synapse=sc.STDP(), batch="mean", name="plastic")
        return net

    with pytest.raises(ValueError, match=r"projections \['plastic'\] share plastic weights"):
        _build(shared_weights, range(0, 2))
    assert _build(network, range(1, 3)).ctx is None  # a builder with a samples parameter, unbuilt


@needs_mpi
@pytest.mark.parametrize("ranks", [2, 3])
def test_mpiexec_batch_parallel_equals_single_process(tmp_path, ranks):
    out = tmp_path / "merged.npz"
    proc = run_mpi(ranks, "ok", 5, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with np.load(out) as data:
        merged = {}
        for key in data.files:
            mon, field = key.split("/", 1)
            merged.setdefault(mon, {})[field] = data[key]
    assert_same(merged, single_process(5))


@needs_mpi
def test_mpiexec_more_ranks_than_samples_fails_on_every_rank_before_work(tmp_path):
    proc = run_mpi(3, "ok", 2, tmp_path / "none.npz", timeout=120)
    assert proc.returncode != 0
    for rank in range(3):
        assert f"rank {rank} ValueError" in proc.stdout, proc.stdout + proc.stderr
    assert not (tmp_path / "none.npz").exists()


@needs_mpi
def test_mpiexec_an_error_on_one_rank_reaches_every_rank(tmp_path):
    proc = run_mpi(3, "raise", 3, tmp_path / "none.npz", timeout=300)
    assert proc.returncode != 0
    for rank in range(3):
        assert f"rank {rank} RankFailed" in proc.stdout, proc.stdout + proc.stderr
    assert "rank 1: RuntimeError: a build that fails on rank 1" in proc.stdout


@needs_mpi
def test_mpiexec_a_rank_that_dies_ends_the_job(tmp_path):
    """Rank 1 exits during its build; rank 0 would wait for it in the final exchange: the job must end."""
    proc = run_mpi(2, "die", 2, tmp_path / "none.npz", timeout=300)
    assert proc.returncode != 0
    assert not (tmp_path / "none.npz").exists()
