"""A rank's part of a network (synapses.part, simcore.base.parts; docs/scaling.md): built inside
``building_part(rank, ranks)``, every projection holds exactly the synapses (order, targets, weights, delays) that
``simcore.ranks.keep_rank_synapses`` keeps from the whole network, for every connector and delay layout, and its
build peak is a fraction of the whole network's."""

import json
import subprocess
import sys

import numpy as np
import pytest

import simcore as sc
from simcore import ranks
from simcore.checkpoint import structure_hash
from simcore.base.distributions import Distribution, Exponential, LogNormal, Normal, Uniform
from simcore.base.parts import building_part, current_part
from simcore.builtin import brunel
from synapses.part import CHUNKABLE, pick

SEED = 7


class _Doubled(Distribution):
    """A distribution synapses.part does not know: drawn whole, then picked."""

    def sample(self, rng, size):
        return 2.0 * rng.uniform(0.5, 1.0, size)


def every_connector():
    """Each connector and weight/delay form, subgroups of uneven size included."""
    net = sc.Network()
    a = net.add(sc.LIF(37, name="a"))
    b = net.add(sc.LIF(23, name="b"))
    rng = np.random.default_rng(3)
    i, j = rng.integers(0, 37, 90), rng.integers(0, 23, 90)
    c = net.connect
    c(a, b, sc.Bernoulli(0.3), weight=Normal(1.0, 0.2), delay=Uniform(0.1, 0.9), name="bern")
    c(a, a, sc.Bernoulli(0.2, allow_self=False), weight=LogNormal(0.0, 0.5), delay_steps=2, name="bern_self")
    c(b, a, sc.FixedInDegree(5), weight=Exponential(1.0), delay=Uniform(0.2, 0.8), delay_per="synapse", name="fin")
    c(a, a, sc.FixedInDegree(4, allow_self=False, allow_multiple=True), weight=-0.5, delay_steps=3, name="fin_m")
    c(a, b, sc.FixedOutDegree(6), weight=_Doubled(), delay=Uniform(0.1, 1.0), delay_per="target", name="fout")
    c(a, a, sc.AllToAll(allow_self=False), weight=rng.random((37, 37)), delay_steps=1, name="all_self")
    c(b, b, sc.AllToAll(), weight=0.3, delay=Uniform(0.1, 0.5), delay_per="synapse", name="all")
    c(b, b, sc.OneToOne(), weight=1.5, delay_steps=2, name="one")
    delays = rng.integers(1, 6, 90)
    c(a, b, sc.FromArrays(i, j, rng.random(90)), delay_steps=delays, delay_per="synapse", name="arrays")
    c(a[5:30], b[3:20], sc.Bernoulli(0.4), weight=Uniform(0.0, 1.0), delay=Uniform(0.1, 0.6), name="views")
    c(a[::3], b[2:9], sc.FixedInDegree(3), weight=0.2, delay=Uniform(0.1, 0.6), delay_per="target", name="views_in")
    return net


def _arrays(proj):
    return {
        "indptr": proj.indptr,
        "indices": proj.indices,
        "weights": proj.weights,
        "delays": proj.delays,
    }


@pytest.mark.parametrize("n_ranks", [1, 2, 3, 5])
def test_part_equals_the_kept_part_of_the_whole(n_ranks):
    whole = every_connector().build(seed=SEED)
    described = whole.describe()
    for rank in range(n_ranks):
        kept = every_connector().build(seed=SEED)
        ranks.keep_rank_synapses(kept, rank, n_ranks)
        with building_part(rank, n_ranks):
            part = every_connector().build(seed=SEED)
        assert current_part() is None
        for want, got in zip(kept.projections, part.projections):
            assert got.part[:2] == (rank, n_ranks) and got.part.n_synapses == want_total(whole, got.name)
            for key, arr in _arrays(want).items():
                g = _arrays(got)[key]
                assert g.dtype == arr.dtype and np.array_equal(g, arr), f"{got.name}.{key} rank {rank}/{n_ranks}"
        assert part.describe() == described
        assert structure_hash(part) == structure_hash(whole)  # ring lengths too: a checkpoint fits either
        assert ranks.d_min(part) == ranks.d_min(whole)


def want_total(net, name):
    return next(p.n_synapses for p in net.projections if p.name == name)


@pytest.mark.parametrize("n_ranks", [2, 3])
def test_brunel_part_keeps_its_block_and_no_more(n_ranks):
    net = brunel(0.02, record=False)
    net.build(seed=SEED)
    total = {p.name: p.n_synapses for p in net.projections}
    got = {}
    for rank in range(n_ranks):
        with building_part(rank, n_ranks):
            part = brunel(0.02, record=False).build(seed=SEED)
        for p in part.projections:
            lo, hi = ranks.bounds(p.post.n, n_ranks)[rank : rank + 2]
            assert np.all((p.indices >= lo) & (p.indices < hi))
            got[p.name] = got.get(p.name, 0) + p.n_synapses
    assert got == total


def test_chunked_draws_equal_one_draw():
    """CHUNKABLE distributions drawn in chunks give the values of one draw (what synapses.part relies on)."""
    positions = np.array([0, 3, 4, 99, 500, 1000, 2047], dtype=np.int64)
    for dist in (Uniform(-1.0, 2.0), Normal(0.5, 2.0), LogNormal(0.1, 0.7), Exponential(3.0)):
        assert type(dist) in CHUNKABLE
        whole = dist.sample(np.random.default_rng(9), 2048)
        rng = np.random.default_rng(9)
        picked, lo, hi = pick(lambda start, n: dist.sample(rng, n), 2048, positions, chunk=300)
        assert np.array_equal(picked, whole[positions]) and (lo, hi) == (whole.min(), whole.max())


def test_building_part_refuses_a_rank_outside():
    with pytest.raises(ValueError, match=r"rank=3 must be below ranks=3"):
        with building_part(3, 3):
            pass


SCRIPT = """
import gc, json, sys, tracemalloc
from simcore.base.parts import building_part
from simcore.builtin import brunel
rank, n_ranks, scale = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
brunel(0.01, record=False).build(seed=1, dtype="float32")  # every build kernel loaded
with building_part(0, 2):
    brunel(0.01, record=False).build(seed=1, dtype="float32")
gc.collect()
tracemalloc.start()
if n_ranks == 1:
    net = brunel(scale, record=False).build(seed=1, dtype="float32")
else:
    with building_part(rank, n_ranks):
        net = brunel(scale, record=False).build(seed=1, dtype="float32")
peak = tracemalloc.get_traced_memory()[1]
syn = sum(p.indices.nbytes + p.weights.nbytes + p.indptr.nbytes for p in net.projections)
print(json.dumps({"peak": peak, "synapse_bytes": syn, "nnz": int(net.n_synapses)}))
"""


def build_peak(rank, n_ranks, scale):
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(rank), str(n_ranks), str(scale)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_rank_build_peak_is_below_the_whole_network():
    """Brunel at scale 0.2 (624 000 synapses), traced by tracemalloc (numpy's allocations): rank 0 of 3 peaks
    below half the whole build's peak, and holds about a third of its synapses."""
    whole, part = build_peak(0, 1, 0.2), build_peak(0, 3, 0.2)
    assert part["peak"] < 0.5 * whole["peak"], (part, whole)
    assert abs(part["nnz"] / whole["nnz"] - 1 / 3) < 0.01
