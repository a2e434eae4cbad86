"""Checkpoints of split runs (simcore.rankstate, simcore.ranks store=/restore=; docs/contract.md §7): a run split
over R ranks stores the state one process has at that step, in the one-process format; restored on R' ranks
(1 -> 2, 2 -> 3, 3 -> 1, 2 -> one process) the run goes on with the spikes, states and rates of the
uninterrupted one-process run, bit for bit. Bad checkpoints are refused with a ValueError before any step."""

import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from simcore import ranks

SCRIPTS = Path(__file__).parent / "mpi_scripts"
sys.path.insert(0, str(SCRIPTS))
from rank_run import CASES, SEED, STEPS, reference  # noqa: E402
from test_ranks import _mpiexec, assert_same, needs_mpi, run_mpi  # noqa: E402


def split_then_restore(case, r_store, r_restore, path):
    """``run(a, store=path)`` on ``r_store`` rank threads, then ``run(b, restore=path)`` on ``r_restore`` (0: one
    process, ``Network.restore``): the merged results of the second run."""
    build, dtype, batch = CASES[case]
    ranks.run_threads(build, r_store, steps=STEPS[0], seed=SEED, dtype=dtype, batch_size=batch, store=path)
    if r_restore == 0:
        net = build()
        net.restore(path)
        net.run(steps=STEPS[1], threads=1)
        return {m.name: m.export_results() for m in net.monitors}
    return ranks.run_threads(build, r_restore, steps=STEPS[1], restore=path)


@pytest.mark.parametrize("r_store, r_restore", [(1, 2), (2, 3), (3, 1), (2, 0), (3, 3)])
def test_restored_on_another_rank_count_equals_the_uninterrupted_run(tmp_path, r_store, r_restore):
    """The mixed network (uneven blocks, a spike source some ranks have none of, three delay layouts, a Poisson
    drive, state and rate monitors); the checkpoint falls inside an exchange window (97 steps)."""
    got = split_then_restore("mixed", r_store, r_restore, tmp_path / "ck.h5")
    assert_same(got, reference("mixed"))


@pytest.mark.parametrize("case", ["brunel", "mixed32"])
def test_restored_split_equals_the_uninterrupted_run(tmp_path, case):
    assert_same(split_then_restore(case, 2, 3, tmp_path / "ck.h5"), reference(case))


def _small_driven():
    """A Poisson-driven population of 2 neurons (rank 0 of 3 has none of it: its drive's stream is the rank's
    lane 0 all the same) feeding 7 neurons that inhibit it back."""
    import simcore as sc

    net = sc.Network()
    common = dict(E_L=-60.0, V_th=-50.0, V_reset=-60.0, tau_m=10.0, t_ref=2.0, tau_syn={"exc": 3.0, "inh": 6.0})
    small = net.add(sc.LIFBio(2, name="small", **common))
    big = net.add(sc.LIFBio(7, name="big", **common))
    net.add(sc.PoissonInput(small, n_inputs=400, rate=60.0, weight=0.5, receptor="exc"))
    net.connect(small, big, sc.AllToAll(), weight=30.0, receptor="exc", delay=0.3)
    net.connect(big, small, sc.Bernoulli(0.5), weight=-1.0, receptor="inh", delay=0.4)
    net.add(sc.SpikeMonitor(small, name="small_spikes"))
    net.add(sc.SpikeMonitor(big, name="big_spikes"))
    return net


@pytest.mark.parametrize("r_store, r_restore", [(3, 1), (1, 3), (3, 2)])
def test_a_rank_without_the_driven_population_restores_its_drive(tmp_path, r_store, r_restore):
    ref = _small_driven()
    ref.run(steps=300, seed=3, threads=1)
    ref.run(steps=400, threads=1)
    want = {m.name: m.export_results() for m in ref.monitors}
    assert want["small_spikes"]["steps"].size > 10 and want["big_spikes"]["steps"].size > 30
    path = tmp_path / "ck.h5"
    ranks.run_threads(_small_driven, r_store, steps=300, seed=3, store=path)
    assert_same(ranks.run_threads(_small_driven, r_restore, steps=400, restore=path), want)


def _datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.update({name: obj[()]}) if isinstance(obj, h5py.Dataset) else None)
        out.update({f"@{k}": f.attrs[k] for k in ("format", "structure_hash", "t", "settings")})
    return out


@pytest.mark.parametrize("r_store", [2, 3])
def test_split_checkpoint_is_the_one_process_checkpoint(tmp_path, r_store):
    """The file a split run writes holds the arrays one process writes at that step (spike lists: their
    entries in use; their tails are left from earlier steps, differently)."""
    build, dtype, batch = CASES["mixed32"]
    one = build()
    one.run(steps=STEPS[0], seed=SEED, dtype=dtype, batch_size=batch, threads=1)
    one.store(tmp_path / "one.h5")
    ranks.run_threads(build, r_store, steps=STEPS[0], seed=SEED, dtype=dtype, batch_size=batch, store=tmp_path / "s.h5")
    a, b = _datasets(tmp_path / "one.h5"), _datasets(tmp_path / "s.h5")
    assert set(a) == set(b)
    for key, want in a.items():
        got = b[key]
        if key.split("/")[-1] in ("spike_idx", "spike_code", "spike_val"):
            cnt = a[key.rsplit("/", 1)[0] + "/spike_cnt"]
            want = [want[i, :c] for i, c in enumerate(cnt)]
            got = [got[i, :c] for i, c in enumerate(cnt)]
        assert np.array_equal(np.asarray(got), np.asarray(want)), key


# ----- bad input: ValueError before any step
def _stored(tmp_path, case="mixed"):
    build, dtype, batch = CASES[case]
    path = tmp_path / f"{case}.h5"
    ranks.run_threads(build, 2, steps=20, seed=SEED, dtype=dtype, batch_size=batch, store=path)
    return path


def _refused(path, match, case="mixed", n_ranks=2):
    made = []
    build = CASES[case][0]
    with pytest.raises(ValueError, match=match):
        ranks.run_threads(lambda: made.append(build()) or made[-1], n_ranks, steps=10, restore=path)
    assert all(net.ctx is None or net.t == 0 for net in made)


def test_a_checkpoint_of_another_network_is_refused(tmp_path):
    _refused(_stored(tmp_path, "brunel"), r"brunel\.h5' was taken from a network of another structure")


def test_a_missing_checkpoint_is_refused_by_name(tmp_path):
    _refused(tmp_path / "nowhere.h5", r"checkpoint '.*nowhere\.h5' does not exist")


def test_a_checkpoint_missing_a_part_is_refused(tmp_path):
    path = _stored(tmp_path)
    with h5py.File(path, "a") as f:
        del f["rec"]  # one projection's queues gone
    _refused(path, r"differ in components \['rec'\]", n_ranks=3)


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "something else"
    _refused(path, r"is not a spikesim checkpoint")


@needs_mpi
def test_mpiexec_checkpoint_of_two_ranks_restored_on_three(tmp_path):
    """``mpiexec -n 2`` stores after run(a); ``mpiexec -n 3`` restores and runs b: the uninterrupted run."""
    assert _mpiexec() is not None
    for n_ranks, mode in ((2, "ckpt_store"), (3, "ckpt_restore")):
        proc = run_mpi(n_ranks, mode, tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    for case in ("mixed", "brunel"):
        ref = reference(case)
        with np.load(tmp_path / f"{case}.restored.npz") as data:
            merged = {m: {} for m in ref}
            for key in data.files:
                mon, field = key.split("/", 1)
                merged[mon][field] = data[key]
        assert_same(merged, ref)


def test_a_ranks_part_is_not_checkpointed_alone(tmp_path):
    """Network.store / restore on one rank's part would save or load a part as if it were the whole."""
    from simcore.base.parts import building_part

    build = CASES["mixed"][0]
    with building_part(1, 2):
        net = build().build(seed=SEED)
    for call in (net.store, net.restore):
        with pytest.raises(ValueError, match=r"rank 1's part of a network split over 2 ranks"):
            call(tmp_path / "ck.h5")
