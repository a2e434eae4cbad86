"""Zero-delay projections (docs/contract.md §2): the spike of step t reaches the target in step t, targets run
after their sources (a topological order, whatever the order of connect), a zero-delay cycle is an error."""

import numpy as np
import pytest

import simcore as sc


def chain(order, threads=None, steps=12):
    """Source -> a -> b -> c, every link without delay; ``order`` is the order in which links are connected."""
    net = sc.Network()
    raster = np.zeros((steps, 1))
    raster[[2, 7], 0] = 1.0
    src = net.add(sc.SpikeArraySource(1, raster, name="src"))
    pops = {k: net.add(sc.LIF(3, beta=0.0, threshold=0.5, name=k)) for k in "abc"}
    links = {"sa": (src, pops["a"]), "ab": (pops["a"], pops["b"]), "bc": (pops["b"], pops["c"])}
    for key in order:
        pre, post = links[key]
        net.connect(pre, post, sc.AllToAll(), weight=1.0, delay_steps=0, name=key)
    mons = {k: net.add(sc.SpikeMonitor(p)) for k, p in pops.items()}
    net.run(steps=steps, seed=0, threads=threads)
    return net, mons


@pytest.mark.parametrize("order", [("sa", "ab", "bc"), ("bc", "ab", "sa"), ("ab", "bc", "sa")])
def test_a_chain_fires_within_the_step_of_its_source(order):
    _, mons = chain(order)
    for mon in mons.values():
        np.testing.assert_array_equal(np.unique(mon.steps), [2, 7])
        assert mon.steps.size == 6  # 3 neurons x 2 steps


def test_threads_fall_back_to_one_shard_with_the_same_spikes():
    net, mons = chain(("sa", "ab", "bc"), threads=2)
    assert net.shards == 1 and "no delay" in net.shard_note
    np.testing.assert_array_equal(mons["c"].steps, chain(("sa", "ab", "bc"))[1]["c"].steps)


def test_a_zero_delay_cycle_is_refused_naming_its_projections():
    net = sc.Network()
    a, b = net.add(sc.LIF(2, name="a")), net.add(sc.LIF(2, name="b"))
    net.connect(a, b, sc.AllToAll(), delay_steps=0, name="ab")
    net.connect(b, a, sc.AllToAll(), delay_steps=0, name="ba")
    net.connect(a, a, sc.AllToAll(), delay_steps=1, name="aa")  # with a delay: no cycle
    with pytest.raises(ValueError, match=r"zero-delay projections form a cycle: \['ab', 'ba'\]"):
        net.run(steps=2)


def test_zero_delay_takes_static_synapses_and_one_delay():
    net = sc.Network()
    a = net.add(sc.LIF(2, name="a"))
    with pytest.raises(ValueError, match="a zero-delay projection has static synapses"):
        net.connect(a, a, sc.AllToAll(), delay_steps=0, synapse=sc.STDP(), batch="per_sample", name="p")
    with pytest.raises(ValueError, match="a zero delay is one delay for the whole projection"):
        net.connect(a, a, sc.AllToAll(), delay_steps=0, delay_per="synapse")
