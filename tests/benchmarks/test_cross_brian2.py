"""Cross-simulator check: CUBA in Brian2 and in spikesim, same synapses, same v(0), same spikes.

Brian2 draws the network (runtime device), simulates it with a 0.1 ms synaptic delay, and hands
its synapses and initial voltages to spikesim. Skipped when brian2 is not installed.
"""

import numpy as np
import pytest

import simcore as sc

reference = pytest.importorskip("benchmarks.references.brian2")


def test_cuba_spike_trains_match_brian2():
    try:
        arr = reference.brian2_cuba_network_arrays(seed=1, delay_ms=0.1)
        i_b, t_b = arr["run"](duration_ms=100.0)
    except reference.ReferenceUnavailable as exc:
        pytest.skip(f"brian2 unavailable: {exc}")
    p = arr["params"]
    net = sc.Network()
    pop = net.add(
        sc.LIFBio(
            p["N"],
            E_L=p["El"],
            V_th=p["Vt"],
            V_reset=p["Vr"],
            tau_m=p["taum"],
            t_ref=p["t_ref"],
            tau_syn={"exc": p["taue"], "inh": p["taui"]},
            init={"v": arr["v0"]},
        )
    )
    net.connect(pop, pop, sc.FromArrays(arr["i_exc"], arr["j_exc"]), weight=p["we"], receptor="exc", delay=0.1)
    net.connect(pop, pop, sc.FromArrays(arr["i_inh"], arr["j_inh"]), weight=p["wi"], receptor="inh", delay=0.1)
    mon = net.add(sc.SpikeMonitor(pop))
    net.run(100.0, dt=0.1, seed=0)
    ours = sorted(zip(mon.steps.tolist(), mon.neurons.tolist()))
    theirs = sorted(zip(np.round(np.asarray(t_b) / 0.1).astype(int).tolist(), np.asarray(i_b).tolist()))
    assert len(ours) > 1000
    assert ours == theirs
