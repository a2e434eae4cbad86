"""Deferred potentiation (synapses/plastic.py, ``Deferred``) gives bit for bit the eager kernel's results.

With ``batch="per_sample"`` and nothing reading the weights between arrivals, ``on_post`` waits for the
source's next arrival instead of walking the synapses into every target that spiked. Each network here is
run twice, with the deferral switched off (the eager walk) and on, and must give the same spikes, weights,
synapse variables and traces, bit for bit: STDP in its variants, triplet STDP, delays per source and per
synapse, batches, odd chunk sizes and split runs, and the rare paths (a log that overflows, spikes beyond
the trace table, three or more pending spikes).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netkit import driven_lif
import simcore as sc
import synapses.plastic as plastic


def recurrent(seed, synapse, *, n=60, delay_per="source", batch_size=1, slow_sources=False):
    """``n`` LIF neurons driven by Poisson input, all-to-all-ish recurrent plastic connections."""
    net = sc.Network()
    rates = np.random.default_rng(seed).uniform(30.0, 45.0, n)
    if slow_sources:  # a quarter fires once or twice in 80 ms: their targets fire many times in between
        rates[: n // 4] = 20.0
    pop = driven_lif(net, n, rate=rates, weight=0.7, n_inputs=200)
    delay = sc.Uniform(0.1, 3.0) if delay_per == "synapse" else 1.0
    net.connect(
        pop,
        pop,
        sc.Bernoulli(0.3),
        weight=sc.Uniform(0.1, 0.5),
        delay=delay,
        delay_per=delay_per,
        synapse=synapse,
        batch="per_sample",
        name="plastic",
    )
    net.add(sc.SpikeMonitor(pop, name="spikes"))
    return net


def run_both(make, monkeypatch, runs=(80.0,), min_spikes=200, **run_kwargs):
    """Final state of ``make()`` run eagerly and deferred: ``(eager, deferred)`` dicts of arrays."""
    out = []
    for defer in (False, True):
        with monkeypatch.context() as m:
            if not defer:
                m.setattr(plastic, "defers_potentiation", lambda proj: False)
            net = make()
            for duration in runs:
                net.run(duration, dt=0.1, seed=5, **run_kwargs)
            proj = net.projections[0]
            assert (proj.syn.deferred is not None) == defer
            arrays = proj.syn
            spikes = next(m for m in net.monitors if m.name == "spikes")
            state = {"w": np.array(proj.weights, copy=True), "spikes": spikes.steps.copy()}
            state["neurons"] = spikes.neurons.copy()
            state.update({f"var.{k}": v.copy() for k, v in arrays.variables.items()})
            state.update({f"pre.{k}": v.copy() for k, v in arrays.pre.items()})
            out.append(state)
    eager, deferred = out
    assert eager["spikes"].size > min_spikes, "the network must fire for the comparison to mean anything"
    return eager, deferred


def assert_same(eager, deferred):
    assert eager.keys() == deferred.keys()
    for key in eager:
        np.testing.assert_array_equal(deferred[key], eager[key], err_msg=key)
    assert not np.array_equal(eager["w"], recurrent_initial_weights(eager["w"])), "weights must have changed"


def recurrent_initial_weights(w):
    return np.round(w, 1)  # never equal to learned weights drawn from Uniform(0.1, 0.5) and moved by STDP


STDP = dict(A_pre=0.01, A_post=-0.0105, tau_pre=20.0, tau_post=20.0, w_min=0.0, w_max=1.0)


@pytest.mark.parametrize(
    "variant",
    [
        {},
        pytest.param({"weight_dependence": "multiplicative"}, marks=pytest.mark.slow),
        pytest.param({"pairing": "nearest"}, marks=pytest.mark.slow),
        pytest.param({"tau_pre": 5.0, "tau_post": 30.0}, marks=pytest.mark.slow),
    ],
)
def test_stdp_variants_match_the_eager_kernel(variant, monkeypatch):
    synapse = sc.STDP(**{**STDP, **variant})
    assert_same(*run_both(lambda: recurrent(1, synapse), monkeypatch))


def test_rules_whose_on_post_reads_post_traces_stay_eager():
    """Triplet STDP's potentiation reads the target's slow trace at the post spike: not deferred."""
    net = recurrent(2, sc.TripletSTDP())
    net.run(5.0, dt=0.1, seed=1)
    assert net.projections[0].syn.deferred is None


@pytest.mark.parametrize("delay_per", [pytest.param("source", marks=pytest.mark.slow), "synapse"])
def test_batches_and_delays_match_the_eager_kernel(delay_per, monkeypatch):
    synapse = sc.STDP(**STDP)
    eager, deferred = run_both(lambda: recurrent(3, synapse, delay_per=delay_per, batch_size=3), monkeypatch)
    assert_same(eager, deferred)


@pytest.mark.slow
def test_split_runs_and_odd_chunks_match_one_eager_run(monkeypatch):
    """Chunks of 37 steps and three runs: every chunk end brings all sources up to date, exactly."""
    synapse = sc.STDP(**STDP)
    eager, _ = run_both(lambda: recurrent(4, synapse), monkeypatch, runs=(90.0,))
    _, deferred = run_both(lambda: recurrent(4, synapse), monkeypatch, runs=(20.0, 33.3, 36.7), chunk_steps=37)
    assert_same(eager, deferred)


def test_rare_paths_match_the_eager_kernel(monkeypatch):
    """A log of one older spike (overflow flushes all the time), a table of 4 steps (traces multiplied
    out), slowly firing sources (three or more spikes pending at an arrival)."""
    monkeypatch.setattr(plastic, "HISTORY", 1)
    monkeypatch.setattr(plastic, "TABLE_STEPS", 4)
    synapse = sc.STDP(**STDP)
    assert_same(*run_both(lambda: recurrent(5, synapse, slow_sources=True), monkeypatch))


@pytest.mark.slow
@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000), history=st.sampled_from([1, 2, 8]))
def test_random_networks_match_the_eager_kernel(seed, history):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(plastic, "HISTORY", history)
        synapse = sc.STDP(**STDP)
        assert_same(*run_both(lambda: recurrent(seed, synapse, n=40), monkeypatch, runs=(40.0,), min_spikes=80))


def test_a_weight_monitor_keeps_the_eager_kernel():
    net = recurrent(6, sc.STDP(**STDP))
    net.add(sc.WeightMonitor(net.projections[0], synapses=[0, 1, 2]))
    net.run(5.0, dt=0.1, seed=1)
    assert net.projections[0].syn.deferred is None


@pytest.mark.parametrize("restore_deferred", [True, False])
def test_a_state_taken_between_runs_restores_in_either_kernel(restore_deferred, monkeypatch):
    """The deferred arrays are not part of the state: rebuilt at the restored step, bit for bit the same run,
    whether the restored network defers or walks eagerly (a WeightMonitor, say)."""
    synapse = sc.STDP(**STDP)
    whole, _ = run_both(lambda: recurrent(7, synapse), monkeypatch, runs=(60.0,))
    first = recurrent(7, synapse)
    first.run(25.0, dt=0.1, seed=5)
    assert first.projections[0].syn.deferred is not None
    state = first.export_state()
    assert not any(key.startswith("deferred") for key in state["components"]["plastic"])
    with monkeypatch.context() as m:
        if not restore_deferred:
            m.setattr(plastic, "defers_potentiation", lambda proj: False)
        second = recurrent(7, synapse)
        second.build(dt=0.1, seed=5)
        second.import_state(state)
        second.run(35.0)
        assert (second.projections[0].syn.deferred is not None) == restore_deferred
    spikes = next(m for m in second.monitors if m.name == "spikes")
    np.testing.assert_array_equal(second.projections[0].weights, whole["w"])
    np.testing.assert_array_equal(spikes.steps, whole["spikes"])


@pytest.mark.parametrize("delay_per", ["source", "synapse"])
def test_the_memory_estimate_is_what_the_deferral_allocates(delay_per):
    """``Deferred.nbytes`` (checked against the free memory before the build) counts every array it allocates."""
    net = recurrent(8, sc.STDP(**STDP), delay_per=delay_per, batch_size=2)
    net.build(dt=0.1, seed=1, batch_size=2)
    proj = net.projections[0]
    d = proj.syn.deferred
    arrays = [d.t_from, d.last, d.hist, d.low, d.lists, d.steps, *d.x_ref.values(), *d.table.values()]
    n_src = proj.pre.n if proj.groups is None else proj.groups.n
    assert plastic.Deferred.nbytes(proj, 2, n_src, 8) == sum(a.nbytes for a in arrays)
