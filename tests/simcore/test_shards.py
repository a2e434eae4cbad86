"""Threads and shards (docs/contract.md §6): a network split into any number of shards gives the same spikes and
states, bit for bit, as unsplit; splits are uneven, some shards hold no neuron of a population; continued runs and
checkpoints restored under another thread count agree too."""

import logging

import numpy as np
import pytest

import simcore as sc
from simcore.builtin import brunel, cuba
from simcore.base.shards import ShardedCSR, bounds

THREADS = (1, 2, 3, 4, 7)


def result(net) -> list:
    """Every recorded spike, every recorded state and the final state of every population."""
    out = []
    for mon in net.monitors:
        if hasattr(mon, "polarity"):
            out.append(np.stack([mon.steps, mon.samples, mon.neurons, mon.polarity]))
        elif isinstance(mon, sc.StateMonitor):
            out.extend(np.array(mon[v]) for v in mon.variables)
    for pop in net.populations:
        out.extend(np.array(a) for a in pop.arrays.values())
    return out


def assert_same(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def delay_net() -> sc.Network:
    """Per-source, per-synapse (unsorted rows) and per-target delays, a SpikeArraySource, a 3-neuron population."""
    rng = np.random.default_rng(11)
    raster = (rng.random((80, 9)) < 0.25).astype(np.float64)
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(9, raster, name="src"))
    a = net.add(sc.LIF(40, beta=0.9, threshold=1.0, name="a"))
    c = net.add(sc.LIF(3, beta=0.8, threshold=0.5, name="c"))  # fewer neurons than 4 or 7 shards
    net.connect(src, a, sc.Bernoulli(0.5), weight=sc.Uniform(0.1, 0.6), delay_steps=rng.integers(1, 6, 9))
    net.connect(a, c, sc.Bernoulli(0.3), weight=sc.Normal(0.3, 0.1), delay=sc.Uniform(0.1, 0.8), delay_per="synapse")
    pairs = [(i, j) for i in range(3) for j in range(40) if rng.random() < 0.5]
    order = rng.permutation(len(pairs))  # rows listed out of target order: the regrouped cut
    i, j = (np.array([pairs[k][n] for k in order]) for n in (0, 1))
    net.connect(
        c,
        a,
        sc.FromArrays(i, j),
        weight=rng.normal(-0.2, 0.1, i.size),
        delay_steps=rng.integers(1, 4, 40),
        delay_per="target",
    )
    net.add(sc.StepCurrent(a, 0.04))
    net.add(sc.PoissonInput(c, 5, rate=rng.uniform(0.0, 300.0, 3), weight=0.2))  # a mean per neuron
    for pop in (src, a, c):
        net.add(sc.SpikeMonitor(pop))
    net.add(sc.StateMonitor(a, "u"))
    return net


NETS = {"cuba": lambda: cuba(300, p=0.1), "brunel": lambda: brunel(0.02), "delays": delay_net}


@pytest.mark.parametrize("name", sorted(NETS))
def test_any_thread_count_gives_identical_results(name):
    runs = {}
    for k in THREADS:
        net = NETS[name]()
        net.run(40.0, seed=7, dtype="float64", threads=k)
        assert net.shards == k and net.shard_note is None
        runs[k] = result(net)
        assert_same(runs[1], runs[k])
    assert runs[1][0].shape[1] > 10  # the comparison saw spikes


@pytest.mark.parametrize("name", sorted(NETS))
def test_float32_split_equals_unsplit(name):
    one, three = NETS[name](), NETS[name]()
    one.run(40.0, seed=2, dtype="float32", threads=1)
    three.run(40.0, seed=2, dtype="float32", threads=3)
    assert_same(result(one), result(three))


def test_continued_runs_with_threads_equal_one_run():
    whole, parts = brunel(0.02), brunel(0.02)
    whole.run(60.0, seed=4, threads=1)
    parts.run(25.0, seed=4, threads=3)
    parts.run(35.0, threads=2)
    assert_same(result(whole), result(parts))


def test_checkpoint_restored_under_another_thread_count(tmp_path):
    net = delay_net()
    net.run(30.0, seed=9, threads=4)
    net.store(tmp_path / "ckpt.h5")
    saved = net.export_state()
    net.run(30.0, threads=4)
    expected = result(net)
    for k, how in ((1, "store"), (7, "export")):
        other = delay_net()
        other.build(seed=9)
        if how == "store":
            other.restore(tmp_path / "ckpt.h5")
        else:
            other.import_state(saved)
        other.run(30.0, threads=k)
        got = result(other)
        # the checkpoint carries what the monitors recorded: the restored network holds the whole history
        assert_same(expected, got)


def test_batch_of_two_split_equals_unsplit():
    split, whole = brunel(0.02), brunel(0.02)
    split.run(30.0, seed=5, batch_size=2, threads=4)  # two shards per sample
    whole.run(30.0, seed=5, batch_size=2, threads=1)  # samples in parallel, one shard
    assert (split.shards, whole.shards) == (2, 1)
    assert_same(result(split), result(whole))


def test_bad_thread_counts_are_refused_before_any_work():
    net = cuba(100)
    for bad, err in ((0, ValueError), (101, ValueError), (2.0, TypeError), (True, TypeError)):
        with pytest.raises(err, match="threads"):
            net.run(1.0, threads=bad)
        assert net.ctx is None  # nothing was built


def test_plastic_projection_falls_back_to_one_shard(caplog):
    net = sc.Network()
    pop = net.add(sc.LIF(20, beta=0.9, threshold=1.0))
    net.connect(pop, pop, sc.Bernoulli(0.3), weight=0.2, delay_steps=2, synapse=sc.STDP(), batch="per_sample")
    net.add(sc.StepCurrent(pop, 0.2))
    with caplog.at_level(logging.INFO, logger="spikesim"):
        net.run(steps=20, seed=0, threads=2)
    assert net.shards == 1 and "plastic" in net.shard_note and "one shard" in caplog.text


def test_sharded_csr_keeps_every_synapse_once_in_row_order():
    rng = np.random.default_rng(3)
    for sort in (True, False):
        n_pre, n_post = 6, 11
        counts = rng.integers(0, 7, n_pre)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        indices = rng.integers(0, n_post, indptr[-1]).astype(np.uint32)
        if sort:
            for i in range(n_pre):
                indices[indptr[i] : indptr[i + 1]].sort()
        for k in (1, 2, 4, 7, 11):
            csr, lim = ShardedCSR(indptr, indices, n_post, k), bounds(n_post, k)
            assert (csr.order is None) == sort
            order = np.arange(indices.size) if csr.order is None else csr.order
            seen = []
            for i in range(n_pre):
                row = []
                for s in range(k):
                    part = order[csr.lo[s, i] : csr.hi[s, i]]
                    assert np.all((indices[part] >= lim[s]) & (indices[part] < lim[s + 1]))
                    row.extend(part)
                kept = [p for p in range(indptr[i], indptr[i + 1])]
                assert sorted(row) == kept
                for s in range(k):  # within a shard, the row's order
                    part = list(order[csr.lo[s, i] : csr.hi[s, i]])
                    assert part == sorted(part)
                seen.extend(row)
            assert sorted(seen) == list(range(indices.size))
