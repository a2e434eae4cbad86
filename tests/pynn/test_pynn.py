"""simcore.pynn: PyNN scripts run unchanged on spikesim (docs/pynn.md)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyNN")
import simcore.pynn as sim  # noqa: E402
from simcore.pynn import NotSupported  # noqa: E402

SCRIPTS = Path(__file__).parent / "scripts"


def run_script(*args, simulator="spikesim", timeout=120):
    cmd = [sys.executable, str(SCRIPTS / "run_with_spikesim.py")] if simulator == "spikesim" else [sys.executable]
    out = subprocess.run(
        cmd + [str(SCRIPTS / args[0]), simulator, *args[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
        cwd=SCRIPTS,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("benchmark", ["COBA", "CUBA"])
def test_va_benchmark_runs_with_only_the_import_changed(benchmark):
    res = run_script("va_benchmark.py", benchmark, "1000", "300")
    assert res["n_synapses"] > 70000
    assert res["exc_spikes"] > 100 and 0.5 < res["exc_rate"] < 50
    assert res["v_units"] == "mV" and res["v_shape"] == [3000, 2]


def _nest_runs():
    probe = subprocess.run(
        [sys.executable, "-c", "import pyNN.nest as s; s.setup(); s.end()"], capture_output=True, timeout=120
    )
    return probe.returncode == 0


#: the drive of each benchmark in the rate comparison (nA): COBA's scaled network without drive
#: lives for a random time after the kick and dies (NEST and spikesim alike, docs/pynn.md), so it
#: gets Brian2's COBA drive; CUBA drives itself (v_rest above threshold)
DRIVE = {"COBA": 0.2, "CUBA": 0.0}


@pytest.mark.parametrize("benchmark", ["COBA", "CUBA"])
def test_rates_agree_with_pynn_nest(benchmark):
    # the same script on both backends, seeds 1-3 (the Poisson kick), 1 s each: the mean rates
    # (0.8 exc + 0.2 inh) agree within 5 % (measured: COBA 17.6 vs 17.0 Hz, CUBA 11.1 vs 11.2 Hz)
    if not _nest_runs():
        pytest.skip("pyNN.nest does not import or run with the installed NEST")
    rate = lambda r: 0.8 * r["exc_rate"] + 0.2 * r["inh_rate"]  # noqa: E731
    args = [("va_benchmark.py", benchmark, "1000", "1000", str(DRIVE[benchmark]), str(seed)) for seed in (1, 2, 3)]
    ours = np.mean([rate(run_script(*a)) for a in args])
    nest = np.mean([rate(run_script(*a, simulator="nest", timeout=300)) for a in args])
    assert ours > 5.0 and ours == pytest.approx(nest, rel=0.05)


def test_undriven_coba_dies_at_a_seed_dependent_time():
    # why the comparison above drives COBA: without drive, whether and when the scaled network's
    # activity dies after the kick depends on the seed of the kick (in NEST too, docs/pynn.md)
    runs = [run_script("va_benchmark.py", "COBA", "1000", "1000", "0.0", str(seed)) for seed in (1, 2, 3)]
    counts = [r["exc_counts_per_100ms"] for r in runs]
    died = [c.index(0) if 0 in c else None for c in counts]
    assert len(set(died)) > 1 and any(d is not None for d in died)


def test_simple_stdp_potentiation_is_pynn_additive_rule():
    res = run_script("simple_stdp.py", "additive")
    arrival = 10.0 + 1.0  # pre spike + delay: timing at the synapse (docs/contract.md §3.7)
    expected = 0.005 + sum(0.01 * 0.02 * math.exp(-(t - arrival) / 20.0) for t in res["post_spikes"])
    assert len(res["post_spikes"]) >= 1
    assert res["weight"] == pytest.approx(expected, rel=1e-9)


def test_simple_stdp_multiplicative():
    res = run_script("simple_stdp.py", "multiplicative")
    w = 0.005
    for t in res["post_spikes"]:
        w += 0.01 * (0.02 - w) * math.exp(-(t - 11.0) / 20.0)
    assert res["weight"] == pytest.approx(w, rel=1e-9)


def test_weights_reach_the_model_in_its_units():
    sim.setup(timestep=0.1)
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[[5.0], [7.0]]))
    cond = sim.Population(2, sim.IF_cond_exp())
    curr = sim.Population(2, sim.IF_curr_exp(tau_m=20.0, cm=0.25))
    alpha = sim.Population(2, sim.IF_curr_alpha())
    sim.Projection(src, cond, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.004))
    sim.Projection(src, cond, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.05), receptor_type="inhibitory")
    sim.Projection(src, curr, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.5))
    sim.Projection(src, alpha, sim.OneToOneConnector(), sim.StaticSynapse(weight=-0.3), receptor_type="inhibitory")
    sim.run(1.0)
    p = sim.network().projections
    np.testing.assert_allclose(p[0].weights, [4.0, 4.0])  # 0.004 uS = 4 nS
    np.testing.assert_allclose(p[1].weights, [50.0, 50.0])
    assert p[1].receptor == "inh"
    np.testing.assert_allclose(p[2].weights, [500.0 * 20.0 / 250.0] * 2)  # 500 pA * tau_m/C_m = mV of LIFBio
    np.testing.assert_allclose(p[3].weights, [-300.0] * 2)
    assert cond._native["C_m"][0] == pytest.approx(1000.0) and cond.get("cm") == pytest.approx(1.0)  # nF -> pF
    sim.end()


@pytest.mark.parametrize("celltype", ["IF_cond_exp", "IF_curr_exp", "IF_cond_alpha", "IF_curr_alpha"])
def test_dc_current_and_i_offset_give_the_steady_state(celltype):
    # cm = 0.2 nF, tau_m = 20 ms: R = 0.1 GOhm; 0.03 nA (DC) + 0.02 nA (i_offset) = 50 pA -> +5 mV
    sim.setup(timestep=0.1)
    cells = sim.Population(1, getattr(sim, celltype)(cm=0.2, tau_m=20.0, v_rest=-65.0, i_offset=0.02))
    cells.initialize(v=-65.0)
    sim.DCSource(amplitude=0.03, start=0.0).inject_into(cells)
    cells.record("v")
    sim.run(400.0)
    v = cells.get_data().segments[0].filter(name="v")[0]
    assert str(v.units.dimensionality) == "mV"
    assert float(v.magnitude[-1, 0]) == pytest.approx(-60.0, abs=1e-3)
    sim.end()


def test_spikes_and_signals_as_neo_with_units():
    sim.setup(timestep=0.1)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[2.0, 4.0, 6.0]), label="src")
    cells = sim.Population(3, sim.IF_cond_exp(), label="cells")
    sim.Projection(src, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01, delay=0.5))
    src.record("spikes")
    cells.record(["v", "gsyn_exc"], sampling_interval=1.0)
    sim.run(10.0)
    st = src.get_data().segments[0].spiketrains[0]
    assert str(st.units.dimensionality) == "ms"
    np.testing.assert_allclose(st.magnitude, [2.0, 4.0, 6.0])
    seg = cells.get_data().segments[0]
    g = seg.filter(name="gsyn_exc")[0]
    assert str(g.units.dimensionality) == "uS" and g.shape == (10, 3)
    assert str(g.sampling_period.rescale("ms")) == "1.0 ms"
    # the first spike arrives at 2.5 ms: gsyn jumps by the weight, 0.01 uS, then decays with tau_syn_E = 5 ms
    assert float(g.magnitude[3, 0]) == pytest.approx(0.01 * math.exp(-0.5 / 5.0), rel=1e-9)
    sim.end()


def _connect(connector, n_pre=6, n_post=5, **kw):
    sim.setup(timestep=0.1)
    pre = sim.Population(n_pre, sim.SpikeSourcePoisson(rate=10.0))
    post = sim.Population(n_post, sim.IF_cond_exp())
    prj = sim.Projection(pre, post, connector, sim.StaticSynapse(weight=0.001, delay=1.0), **kw)
    sim.run(0.2)
    spk = sim.network().projections[0]
    assert spk.n_synapses == len(prj)
    pairs = sorted((int(i), int(j)) for i, j, _ in prj.get("weight", format="list"))
    ours = spk.to_scipy().tocoo()
    assert sorted(zip(ours.row.tolist(), ours.col.tolist())) == pairs
    sim.end()
    return prj, pairs


def test_connectors():
    rng = sim.NumpyRNG(seed=3)
    assert len(_connect(sim.AllToAllConnector())[1]) == 30
    assert _connect(sim.OneToOneConnector(), 5, 5)[1] == [(i, i) for i in range(5)]
    assert len(_connect(sim.FixedProbabilityConnector(1.0, rng=rng))[1]) == 30
    pre_counts = np.bincount([j for _, j in _connect(sim.FixedNumberPreConnector(3, rng=rng))[1]], minlength=5)
    assert list(pre_counts) == [3] * 5
    post_counts = np.bincount([i for i, _ in _connect(sim.FixedNumberPostConnector(2, rng=rng))[1]], minlength=6)
    assert list(post_counts) == [2] * 6
    listed = [(0, 1, 0.002, 1.5), (3, 4, 0.003, 2.0), (5, 0, 0.001, 0.7)]
    sim.setup(timestep=0.1)
    pre = sim.Population(6, sim.SpikeSourceArray(spike_times=[[1.0]] * 6))
    post = sim.Population(5, sim.IF_cond_exp())
    prj = sim.Projection(pre, post, sim.FromListConnector(listed, column_names=["weight", "delay"]))
    sim.run(0.2)
    spk = sim.network().projections[0]
    np.testing.assert_allclose(spk.weights, [2.0, 3.0, 1.0])  # sorted by source, in nS
    np.testing.assert_array_equal(spk.delays.ravel()[[0, 3, 5]], [15, 20, 7])  # one per source, in steps
    assert sorted(prj.get(["weight", "delay"], format="list")) == sorted(listed)
    sim.end()
    line = sim.space.Line(dx=1.0)
    sim.setup(timestep=0.1)
    pre = sim.Population(6, sim.SpikeSourcePoisson(rate=1.0), structure=line)
    post = sim.Population(6, sim.IF_cond_exp(), structure=line)
    prj = sim.Projection(pre, post, sim.DistanceDependentProbabilityConnector("d < 1.5", rng=rng))
    pairs = sorted((int(i), int(j)) for i, j, _ in prj.get("weight", format="list"))
    assert pairs == sorted((i, j) for i in range(6) for j in range(6) if abs(i - j) < 1.5)
    sim.end()


def test_views_and_assemblies_connect_the_right_neurons():
    sim.setup(timestep=0.1)
    a = sim.Population(4, sim.IF_cond_exp())
    b = sim.Population(3, sim.IF_cond_exp())
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[[1.0], [2.0]]))
    sim.Projection(src, a[1:3] + b, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.001))
    sim.run(0.5)
    projs = sim.network().projections
    assert len(projs) == 2
    assert sorted(set(projs[0].to_scipy().tocoo().col.tolist())) == [1, 2]
    assert sorted(set(projs[1].to_scipy().tocoo().col.tolist())) == [0, 1, 2]
    sim.end()


def test_tsodyks_markram_depresses():
    sim.setup(timestep=0.1)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0, 20.0, 30.0]))
    cell = sim.Population(1, sim.IF_cond_exp(tau_syn_E=1.0))
    syn = sim.TsodyksMarkramSynapse(U=0.5, tau_rec=800.0, tau_facil=0.0, weight=0.01, delay=1.0)
    sim.Projection(src, cell, sim.AllToAllConnector(), syn)
    cell.record("gsyn_exc")
    sim.run(40.0)
    g = cell.get_data().segments[0].filter(name="gsyn_exc")[0].magnitude[:, 0]
    peaks = [g[int(round(t / 0.1))] for t in (11.0, 21.0, 31.0)]
    assert peaks[0] == pytest.approx(0.01 * 0.5, rel=1e-6)  # w * U * x, x = 1
    assert peaks[2] < peaks[1] - 0.9 * peaks[1] * math.exp(-10) < peaks[0]
    sim.end()


def test_batch_gives_one_segment_per_sample():
    sim.setup(timestep=0.1, batch_size=3, seed=5)
    src = sim.Population(20, sim.SpikeSourcePoisson(rate=100.0))
    src.record("spikes")
    sim.run(100.0)
    block = src.get_data()
    assert len(block.segments) == 3 and [s.annotations["sample"] for s in block.segments] == [0, 1, 2]
    trains = [np.concatenate([st.magnitude for st in seg.spiketrains]) for seg in block.segments]
    assert not np.array_equal(trains[0], trains[1])
    assert all(150 < t.size < 250 for t in trains)
    sim.end()


def test_unsupported_features_raise_naming_them():
    sim.setup(timestep=0.1)
    cells = sim.Population(2, sim.IF_curr_exp())
    with pytest.raises(sim.errors.RecordingError, match="isyn_exc"):
        cells.record("isyn_exc")
    with pytest.raises(NotSupported, match="off_grid"):
        sim.setup(timestep=0.1, spike_precision="off_grid")
    with pytest.raises(ValueError, match="batch_size"):
        sim.setup(batch_size=0)
    sim.setup(timestep=0.1)
    cells = sim.Population(2, sim.IF_cond_exp())
    sim.NoisyCurrentSource(mean=0.1, stdev=0.1, dt=1.0).inject_into(cells)
    with pytest.raises(NotSupported, match="NoisyCurrentSource"):
        sim.run(1.0)
    sim.setup(timestep=0.1)
    cells = sim.Population(2, sim.IF_cond_exp())
    sim.run(1.0)
    with pytest.raises(NotSupported, match="after the first run"):
        sim.Population(2, sim.IF_cond_exp())
    with pytest.raises(NotSupported, match="after the first run"):
        cells.set(tau_m=10.0)
    sim.end()


def test_bad_input_is_refused():
    sim.setup(timestep=0.1)
    cells = sim.Population(2, sim.IF_cond_exp())
    src = sim.Population(2, sim.SpikeSourcePoisson(rate=5.0))
    with pytest.raises(Exception, match="receptor_type"):
        sim.Projection(src, cells, sim.AllToAllConnector(), receptor_type="NMDA")
    with pytest.raises(Exception, match="[Ww]eights"):
        sim.Projection(src, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=-0.01))
    with pytest.raises(Exception, match="tau_mm|tau_mm"):
        sim.IF_cond_exp(tau_mm=3.0)
    sim.end()
