"""COBA (Brette et al. 2007 benchmark 1) against Brian2 and NEST (docs/contract.md §3.9).

Brian2 draws the network (runtime device, numpy target) and hands its synapses
and initial voltages to spikesim. Both integrate with exponential Euler in
float64 and the same phase order, so the spike trains are identical: measured
identical for 2000 ms (172 120 spikes, seed 1; the membrane potentials differ by
at most ~3e-14 mV, the rounding of E_eff written in different units). The
network is chaotic, so a rounding difference that ever moves a membrane across
threshold in one simulator only would end the agreement; none does within 2 s.
The test runs 1000 ms. NEST draws its own network and integrates with RK45, so
only its rates are compared (within 5%); it runs in a child process, as the
benchmark suite runs it.
"""

import numpy as np
import pytest

import simcore as sc
from simcore.builtin import COBA, COBA_NEURON, coba

reference = pytest.importorskip("benchmarks.references.brian2")


def _spikes_from_arrays(arr, duration_ms):
    net = sc.Network()
    pop = net.add(sc.LIFCondExp(COBA["n"], init={"v": arr["v0"]}, **{k: COBA[k] for k in COBA_NEURON}))
    for kind in ("exc", "inh"):
        net.connect(
            pop,
            pop,
            sc.FromArrays(arr[f"i_{kind}"], arr[f"j_{kind}"]),
            weight=COBA[f"w_{kind}"],
            receptor=kind,
            delay=COBA["delay"],
        )
    mon = net.add(sc.SpikeMonitor(pop))
    state = net.add(sc.StateMonitor(pop, "v", neurons=np.arange(0, COBA["n"], 400)))
    net.run(duration_ms, dt=0.1, seed=0)
    return sorted(zip(mon.steps.tolist(), mon.neurons.tolist())), state["v"][:, 0, :]


@pytest.fixture(scope="module")
def brian2_coba_1s():
    try:
        arr = reference.brian2_coba_network_arrays(seed=1, delay_ms=COBA["delay"])
        i_b, t_b, v_b = arr["run"](duration_ms=1000.0, record_v=np.arange(0, COBA["n"], 400))
    except reference.ReferenceUnavailable as exc:
        pytest.skip(f"brian2 unavailable: {exc}")
    theirs = sorted(zip(np.round(t_b / 0.1).astype(int).tolist(), i_b.tolist()))
    return arr, theirs, v_b


def test_coba_spike_trains_equal_brian2(brian2_coba_1s):
    arr, theirs, v_b = brian2_coba_1s
    ours, v = _spikes_from_arrays(arr, 1000.0)
    assert len(ours) > 50_000  # about 21 Hz
    assert ours == theirs
    np.testing.assert_allclose(v, v_b, rtol=0, atol=1e-10)


def test_coba_rates_within_5_percent_of_brian2_and_nest(brian2_coba_1s):
    from benchmarks.references import run_reference

    _, theirs, _ = brian2_coba_1s
    net = coba(record=True)
    net.run(1000.0, dt=0.1, seed=1)
    rate = sum(int(m.counts.sum()) for m in net.monitors if isinstance(m, sc.PopulationRateMonitor)) / COBA["n"]
    rate_b2 = len(theirs) / COBA["n"]
    result = run_reference("nest", "coba", duration_ms=1000.0, seed=1, threads=1, repeats=1)  # a child process
    if result["status"] != "ok":
        pytest.skip(f"nest did not run: {result.get('reason')}")
    rate_nest = result["mean_rate_hz"]
    assert rate > 5.0
    assert abs(rate - rate_b2) <= 0.05 * rate_b2
    assert abs(rate - rate_nest) <= 0.05 * rate_nest
