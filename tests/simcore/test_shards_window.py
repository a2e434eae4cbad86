"""Windowed shards (docs/contract.md §2, §6; docs/scaling.md): shards step ``W = d_min`` steps between two joins.

Spikes of a window enter the delay queues after it, step by step and joined in shard order; with every delay
``>= W`` they are due after the window, so spikes, recorded states and final states are those of one shard,
bit for bit, whatever the window or the cut of the chunks. Networks that need a join every step (``d_min = 1``,
zero delays, per-synapse delays) keep the per-step layout.
"""

import numpy as np
import pytest

import simcore as sc
from simcore.base.codegen import KernelBuilder
from simcore.base.shards import NotWindowed, window_put, window_take, window_steps


def result(net) -> list:
    """Every recorded spike, state and rate, and the final state of every population."""
    out = []
    for mon in net.monitors:
        if isinstance(mon, sc.SpikeMonitor):
            out.append(np.stack([mon.steps, mon.samples, mon.neurons, mon.polarity]))
        elif isinstance(mon, sc.StateMonitor):
            out.extend(np.array(mon[v]) for v in mon.variables)
        else:
            out.append(np.array(mon.counts))
    for pop in net.populations:
        out.extend(np.array(a) for a in pop.arrays.values())
    return out


def assert_same(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def two_pop_net(delay_ms: float = 0.5, spike_buffer: int | None = None) -> sc.Network:
    """Two LIF populations driven by Poisson input, coupled both ways with one delay; spikes, states, rates."""
    net = sc.Network()
    a = net.add(sc.LIF(70, beta=0.9, threshold=1.0, name="a"))
    c = net.add(sc.LIF(5, beta=0.8, threshold=0.6, name="c"))  # fewer neurons than some shard counts
    net.connect(a, c, sc.Bernoulli(0.4), weight=sc.Uniform(0.05, 0.3), delay=delay_ms)
    net.connect(c, a, sc.Bernoulli(0.5), weight=-0.2, delay=delay_ms)
    net.connect(a, a, sc.Bernoulli(0.1), weight=sc.Normal(0.1, 0.05), delay=delay_ms + 0.3)
    net.add(sc.PoissonInput(a, 20, rate=150.0, weight=0.5))
    net.add(sc.PoissonInput(c, 5, rate=150.0, weight=0.4))
    net.add(sc.SpikeMonitor(a, buffer_events=spike_buffer))
    net.add(sc.SpikeMonitor(c, neurons=[0, 3]))
    net.add(sc.StateMonitor(a, "u", neurons=[0, 5, 34, 35, 69], every=3))
    net.add(sc.PopulationRateMonitor(c))
    return net


def run(net, threads, dtype="float64", duration=50.0, **kw):
    net.run(duration, seed=5, dtype=dtype, threads=threads, **kw)
    return result(net)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_windowed_shards_equal_one_shard(dtype):
    one = run(two_pop_net(), 1, dtype)
    assert one[0].shape[1] > 30  # spikes of both populations were compared
    for k in (2, 3, 7):
        net = two_pop_net()
        got = run(net, k, dtype)
        assert (net.shards, net.window) == (k, 5)  # d_min = 0.5 ms / 0.1 ms
        assert_same(one, got)


def test_chunks_that_cut_windows_and_continued_runs_agree():
    one = run(two_pop_net(), 1, chunk_steps=7, duration=41.3)
    net = two_pop_net()
    net.run(13.7, seed=5, threads=2, chunk_steps=7)
    net.run(27.6, threads=2)
    assert net.window == 5
    assert_same(one, result(net))


def test_small_spike_buffer_shortens_windows_and_keeps_every_spike():
    """A buffer of 16 events cannot take a window of 5 steps of 70 neurons: windows shrink, nothing is lost."""
    one = run(two_pop_net(spike_buffer=16), 1)
    net = two_pop_net(spike_buffer=16)
    got = run(net, 2)
    assert net.window == 5 and net.monitors[0].capacity < 5 * 70
    assert_same(one, got)


def test_batch_of_two_on_four_threads_windowed():
    one = run(two_pop_net(), 1, batch_size=2)
    net = two_pop_net()
    got = run(net, 4, batch_size=2)
    assert (net.shards, net.window) == (2, 5)
    assert_same(one, got)


def pair_net(delay: float, per) -> sc.Network:
    net = sc.Network()
    a = net.add(sc.LIF(30, beta=0.9, threshold=1.0, name="a"))
    c = net.add(sc.LIF(20, beta=0.9, threshold=1.0, name="c"))
    if per is None:
        net.connect(a, c, sc.Bernoulli(0.5), weight=0.3, delay=delay)
    else:
        net.connect(a, c, sc.Bernoulli(0.5), weight=0.3, delay=sc.Uniform(delay, 1.0), delay_per=per)
    net.add(sc.PoissonInput(a, 10, rate=300.0, weight=0.5))
    net.add(sc.SpikeMonitor(c))
    net.add(sc.StateMonitor(c, "u"))
    return net


@pytest.mark.parametrize(
    "delay, per, shards, window",
    [(0.1, None, 2, 1), (0.2, None, 2, 2), (0.0, None, 1, 1), (0.5, "synapse", 2, 1)],
)
def test_window_is_d_min_or_one_join_per_step(delay, per, shards, window):
    """``d_min = 1`` and per-synapse delays (ring emission per shard) keep a join every step; zero delays are not
    split at all (docs/scaling.md)."""
    one = run(pair_net(delay, per), 1, duration=30.0)
    assert one[0].shape[1] > 10
    net = pair_net(delay, per)
    got = run(net, 2, duration=30.0)
    assert (net.shards, net.window) == (shards, window)
    assert window_steps(net.projections, 1) == 1
    assert_same(one, got)


def test_builder_refuses_window_code_it_cannot_run():
    with pytest.raises(ValueError, match="window=5 steps needs shards > 1"):
        KernelBuilder(0.1, shards=1, window=5)
    kb = KernelBuilder(0.1, shards=2, window=5)
    with pytest.raises(NotWindowed, match="written for one step"):
        kb.stop_if("False")
    with pytest.raises(NotWindowed, match="per-shard emission"):
        kb.add("emit_shard", "pass", sharded=True)
    with pytest.raises(ValueError, match="exists only with window > 1"):
        KernelBuilder(0.1, shards=2).add("inbox", "pass")


def test_outbox_round_trip_restores_every_shard_list():
    """``window_put`` per shard then ``window_take``: the lists and counts the shards wrote, step by step."""
    rng = np.random.default_rng(3)
    W, B, N, K = 3, 2, 11, 3
    limits = np.array([0, 3, 7, 11])
    idx, code, val = np.zeros((B, N), np.int32), np.zeros((B, N), np.int8), np.zeros((B, N))
    cnt = np.zeros((B, K), np.int64)
    box = (np.zeros((W, B, N), np.int32), np.zeros((W, B, N), np.int8), np.zeros((W, B, N)))
    box += (np.zeros((W, B, K), np.int64),)
    written = {}
    for w in range(W):
        for b in range(B):
            for s in range(K):
                n = int(rng.integers(0, limits[s + 1] - limits[s] + 1))
                lo = limits[s]
                idx[b, lo : lo + n] = np.arange(lo, lo + n)
                code[b, lo : lo + n] = 1
                val[b, lo : lo + n] = rng.random(n)
                cnt[b, s] = n
                window_put(w, b, s, limits, cnt, idx, code, val, *box)
                written[w, b, s] = (idx[b, lo : lo + n].copy(), val[b, lo : lo + n].copy())
    for w in range(W):
        for b in range(B):
            idx[...], val[...], cnt[...] = -1, -1.0, -1
            window_take(w, b, limits, cnt, idx, code, val, *box)
            for s in range(K):
                lo, n = limits[s], cnt[b, s]
                np.testing.assert_array_equal(idx[b, lo : lo + n], written[w, b, s][0])
                np.testing.assert_array_equal(val[b, lo : lo + n], written[w, b, s][1])
