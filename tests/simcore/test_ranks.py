"""One network split over ranks (simcore.ranks, docs/contract.md §6): spikes, states and the joined recording are
those of one process, bit for bit, for any number of ranks.

The split is checked in-process with ranks as threads (``run_threads``: the same windows and merge, a thread
exchange instead of MPI) for 2, 3, 4 and 7 ranks, and through ``mpiexec -n 2`` and ``-n 3`` on the networks of
mpi_scripts/rank_run.py (CUBA and Brunel in float32/float64, per-source/per-synapse/per-target delays, a spike
array source of 2 neurons, uneven blocks, batch 2, ``run(a); run(b)``), skipped without mpi4py or mpiexec.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import simcore as sc
from simcore import ranks, rankstate

SCRIPTS = Path(__file__).parent / "mpi_scripts"
sys.path.insert(0, str(SCRIPTS))
from rank_run import CASES, SEED, STEPS, mixed, reference  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


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


def assert_same(merged, ref):
    assert set(merged) == set(ref)
    for mon, res in ref.items():
        assert set(merged[mon]) == set(res), mon
        for key, arr in res.items():
            got = np.asarray(merged[mon][key])
            assert got.dtype == np.asarray(arr).dtype, f"{mon}/{key}"
            np.testing.assert_array_equal(got, arr, err_msg=f"{mon}/{key}")


def in_threads(case, n_ranks, **kw):
    """``run(a); run(b)`` of ``case`` on ``n_ranks`` rank threads: rank 0's merged results."""
    build, dtype, batch = CASES[case]
    if n_ranks == 1:
        net = build()
        ranks.run_threads(lambda: net, 1, steps=STEPS[0], seed=SEED, dtype=dtype, batch_size=batch)
        return ranks.run_threads(lambda: net, 1, steps=STEPS[1])
    nets = []

    def built():
        net = build()
        nets.append(net)
        return net

    ranks.run_threads(built, n_ranks, steps=STEPS[0], seed=SEED, dtype=dtype, batch_size=batch, **kw)
    # the second run continues the same networks: one thread per rank again
    group = ranks.ThreadGroup(n_ranks)
    for r, net in enumerate(nets):
        net._rank_run.exchange = group.exchange_of(r)
    return _continue(nets, group, STEPS[1])


def _continue(nets, group, steps):
    import threading

    results, errors = [None] * len(nets), {}
    plan = ranks._plan(nets[0], len(nets), None, steps, None, None, 60.0)

    def one(r):
        try:
            results[r] = ranks._run_rank(
                nets[r], r, len(nets), nets[r]._rank_run.exchange, plan, *[None] * 4, None, False, None
            )
        except BaseException as exc:  # noqa: BLE001
            errors[r] = exc
            group.barrier.abort()

    threads = [threading.Thread(target=one, args=(r,)) for r in range(len(nets))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    return results[0]


@pytest.mark.parametrize("n_ranks", [2, 3, 4, 7])
def test_rank_threads_equal_one_process_mixed(n_ranks):
    """Uneven blocks of 61 neurons, a 2-neuron spike array source (ranks without any of it), three delay layouts,
    a Poisson drive, state and rate monitors; the run split as run(a); run(b) inside an exchange window."""
    ref = reference("mixed")
    assert ref["spikes"]["steps"].size > 100 and ref["src_spikes"]["steps"].size > 10
    assert_same(in_threads("mixed", n_ranks), ref)


def test_one_rank_is_the_one_process_run():
    assert_same(in_threads("mixed", 1), reference("mixed"))


@pytest.mark.parametrize("case", ["cuba", "brunel", "mixed32"])
def test_rank_threads_equal_one_process(case):
    assert_same(in_threads(case, 2), reference(case))


@pytest.mark.parametrize("every, lag", [(1, 2), (3, 0)])
def test_any_window_up_to_d_min_gives_the_same_spikes(every, lag):
    """Any exchange interval up to d_min (3 steps here) is exact (docs/contract.md §6); windows of 1 step enter
    their spikes two windows late (lag 2), windows of 3 at once."""
    ref = reference("mixed")
    build = CASES["mixed"][0]
    nets = []
    res = ranks.run_threads(
        lambda: nets.append(build()) or nets[-1], 3, steps=sum(STEPS), seed=SEED, exchange_every=every
    )
    state = nets[0]._rank_run
    assert state.window == every and state.lag == lag and state.exchanges == -(-sum(STEPS) // every)
    for mon in ("spikes", "src_spikes"):
        np.testing.assert_array_equal(res[mon]["neurons"], ref[mon]["neurons"])
        np.testing.assert_array_equal(res[mon]["steps"], ref[mon]["steps"])


def test_a_window_above_d_min_would_change_the_spikes(monkeypatch):
    """The comparisons above can fail: the same split with a 4-step window (d_min 3 taken for 4) differs."""
    ref = reference("mixed")
    build = CASES["mixed"][0]
    nets = [build() for _ in range(2)]
    group = ranks.ThreadGroup(2)
    monkeypatch.setattr(ranks, "d_min", lambda net: 4)
    for r, net in enumerate(nets):
        net.build(seed=SEED)
        net._rank_run = ranks.RankRun(net, r, 2, group.exchange_of(r), exchange_every=4)
    res = _continue(nets, group, sum(STEPS))
    assert not np.array_equal(res["spikes"]["neurons"], ref["spikes"]["neurons"])


def test_rank_keeps_only_its_synapses_and_d_min():
    net = mixed()
    net.build(seed=SEED)
    total = {p.name: p.n_synapses for p in net.projections}
    assert ranks.d_min(net) == 3  # Uniform(0.3, 1.0) ms at dt 0.1 ms: at least 3 steps
    kept = {}
    for r in range(3):
        other = mixed()
        other.build(seed=SEED)
        ranks.keep_rank_synapses(other, r, 3)
        for p in other.projections:
            lo, hi = ranks.bounds(p.post.n, 3)[r : r + 2]
            assert np.all((p.indices >= lo) & (p.indices < hi))
            kept[p.name] = kept.get(p.name, 0) + p.n_synapses
    assert kept == total


# ----- bad input: ValueError before anything is built or run
def _noisy():
    net = sc.Network()
    a = net.add(sc.LIF(4, name="a"))
    net.add(sc.PoissonGroup(3, rate=10.0, name="noise"))
    net.connect(a, a, sc.AllToAll(), delay_steps=2)
    return net


def _zero_delay():
    net = sc.Network()
    a, b = net.add(sc.LIF(4, name="a")), net.add(sc.LIF(4, name="b"))
    net.connect(a, b, sc.AllToAll(), delay_steps=0, name="direct")
    return net


def _plastic():
    net = sc.Network()
    a = net.add(sc.LIF(4, name="a"))
    net.connect(a, a, sc.AllToAll(), synapse=sc.STDP(), batch="per_sample", delay_steps=2, name="learning")
    return net


@pytest.mark.parametrize(
    "build, n_ranks, kw, match",
    [
        (mixed, 64, {}, r"ranks=64 is more than the network's 63 neurons"),
        (mixed, 0, {}, r"ranks must be >= 1"),
        (_zero_delay, 2, {}, r"projections \['direct'\] have zero delay"),
        (_plastic, 2, {}, r"projections \['learning'\] have plastic synapses"),
        (_noisy, 2, {}, r"population 'noise' \(PoissonGroup\) draws random numbers"),
    ],
)
def test_bad_input_is_refused_before_any_work(build, n_ranks, kw, match):
    made = []
    with pytest.raises(ValueError, match=match):
        ranks.run_threads(lambda: made.append(build()) or made[-1], n_ranks, steps=10, seed=1, **kw)
    assert all(net.ctx is None for net in made)


def test_exchange_interval_above_d_min_is_refused_before_stepping():
    made = []
    with pytest.raises(ValueError, match=r"exchange_every=4 steps is above d_min=3 steps"):
        ranks.run_threads(lambda: made.append(mixed()) or made[-1], 2, steps=10, seed=1, exchange_every=4)
    assert all(net.t == 0 for net in made)


def test_a_silent_rank_times_out_with_its_name():
    group = ranks.ThreadGroup(2, timeout=0.2)
    with pytest.raises(ranks.ExchangeTimeout, match=r"rank\(s\) \[1\]"):
        group.exchange_of(0).start(np.zeros(4), 2, 1)


def test_a_run_that_recorded_nothing_merges_to_empty_results():
    nets = [mixed() for _ in range(2)]
    parts = []
    for net in nets:
        net.build(seed=SEED)
        collector = ranks._RunCollector(net)
        collector.detach()
        parts.append(collector.results())
    merged = rankstate.merge_rank_results(nets[0], parts)
    assert merged["v"]["var.v"].shape == (0, 1, 5) and merged["spikes"]["steps"].size == 0
    assert merged["rate"]["counts"].size == 0


def test_owners_follow_the_shard_cut():
    np.testing.assert_array_equal(rankstate.owners(61, 3, [0, 19, 20, 39, 40, 60]), [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(rankstate.owners(2, 3, [0, 1]), [1, 2])  # rank 0 has none of 2 neurons


# ----- through mpiexec
def run_mpi(n_ranks, mode, outdir, timeout=300):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    cmd = [_mpiexec(), "-n", str(n_ranks), sys.executable, "-m", "mpi4py", str(SCRIPTS / "rank_run.py"), mode]
    return subprocess.run(cmd + [str(outdir)], env=env, capture_output=True, text=True, timeout=timeout)


def _h5_items(path):
    out = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
            out.update({f"{name}@{k}": v for k, v in obj.attrs.items()})

        f.visititems(visit)
        out.update({f"@{k}": v for k, v in f.attrs.items() if k != "created_utc"})
    return out


_RUNS: dict = {}


def mpi_ok(n_ranks, tmp_path_factory):
    """The folder of one ``mpiexec -n n_ranks rank_run.py ok`` (run once per rank count)."""
    if n_ranks not in _RUNS:
        outdir = tmp_path_factory.mktemp(f"ranks{n_ranks}")
        proc = run_mpi(n_ranks, "ok", outdir)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        _RUNS[n_ranks] = outdir
    return _RUNS[n_ranks]


@needs_mpi
@pytest.mark.parametrize("n_ranks", [2, 3])
def test_mpiexec_split_equals_one_process(tmp_path, tmp_path_factory, n_ranks):
    outdir = mpi_ok(n_ranks, tmp_path_factory)
    for case in CASES:
        one = tmp_path / f"{case}.one.h5"
        ref = reference(case, out=one)
        with np.load(outdir / f"{case}.npz") as data:
            merged = {m: {} for m in ref}
            for key in data.files:
                mon, field = key.split("/", 1)
                merged[mon][field] = data[key]
        assert_same(merged, ref)
        joined, single = _h5_items(outdir / f"{case}.h5"), _h5_items(one)
        assert set(joined) == set(single), case
        for key, value in single.items():
            assert np.array_equal(joined[key], value), f"{case}: {key}"


@needs_mpi
def test_mpiexec_joined_file_reads_in_libsonata(tmp_path_factory):
    libsonata = pytest.importorskip("libsonata")
    outdir = mpi_ok(2, tmp_path_factory)
    ref = reference("brunel")
    spikes = libsonata.SpikeReader(str(outdir / "brunel.h5"))
    for pop in ("exc", "inh"):
        got = spikes[pop].get()
        keep = ref[f"spikes_{pop}"]["steps"] >= STEPS[0]
        assert len(got) == int(keep.sum())
        np.testing.assert_array_equal(sorted(n for n, _ in got), np.sort(ref[f"spikes_{pop}"]["neurons"][keep]))


@needs_mpi
@pytest.mark.parametrize("mode", ["hang", "raise"])
def test_mpiexec_a_failed_rank_stops_the_others(tmp_path, mode):
    proc = run_mpi(2, mode, tmp_path, timeout=120)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    if mode == "hang":
        assert "ExchangeTimeout: no answer from rank(s) [1]" in text, text
    else:
        assert "a build that fails on rank 1" in text, text


@needs_mpi
def test_mpiexec_cli_ranks_mpi_writes_the_one_process_file(tmp_path):
    """``mpiexec -n 2 spikesim run brunel --ranks mpi``: the same summary counts and the same file as one process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    cli = ["-c", "import sys; from simcore.cli import main; sys.exit(main())", "run", "brunel", "--scale", "0.04"]
    cli += ["--duration", "30", "--json", "--out"]
    one = subprocess.run(
        [sys.executable, *cli, str(tmp_path / "one.h5")], env=env, capture_output=True, text=True, timeout=300
    )
    split = subprocess.run(
        [_mpiexec(), "-n", "2", sys.executable, "-m", "mpi4py", *cli, str(tmp_path / "two.h5"), "--ranks", "mpi"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert one.returncode == 0 and split.returncode == 0, one.stderr + split.stderr
    a, b = (json.loads(p.stdout.strip().splitlines()[-1]) for p in (one, split))
    assert a["spikes"] > 100
    for key in ("spikes", "synapses", "synaptic_events", "neurons"):
        assert a[key] == b[key], key
    single, joined = _h5_items(tmp_path / "one.h5"), _h5_items(tmp_path / "two.h5")
    assert set(single) == set(joined)
    for key, value in single.items():
        assert np.array_equal(joined[key], value), key
