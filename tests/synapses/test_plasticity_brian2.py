"""STDP against Brian2 (docs/contract.md §3.7): the same network, the same spikes and the same final
weights in float64 (skipped without Brian2)."""

import numpy as np
import pytest

import simcore as sc

brian2_ref = pytest.importorskip("benchmarks.references.brian2")


@pytest.mark.parametrize("delay_steps", [1, 7, "per_synapse"])
def test_stdp_network_matches_brian2(delay_steps):
    rng = np.random.default_rng(4)
    steps, n_in, n_out, dt = 2000, 40, 8, 0.1
    inputs = (rng.random((steps, n_in)) < 0.004).astype(np.float64)
    i = np.repeat(np.arange(n_in), n_out)
    j = np.tile(np.arange(n_out), n_in)
    if delay_steps == "per_synapse":  # timing at the synapse, each with its own delay (docs/contract.md §3.7)
        delay_steps = rng.integers(1, 30, i.size)
    w0 = rng.uniform(0.3, 0.9, i.size)
    stdp = {"A_pre": 0.05, "A_post": -0.055, "tau_pre": 20.0, "tau_post": 20.0, "w_min": 0.0, "w_max": 1.0}
    try:
        b_i, b_step, b_w = brian2_ref.brian2_stdp_spikes(
            inputs,
            n_out,
            w0 * 4.0,
            i,
            j,
            delay_steps=delay_steps,
            dt_ms=dt,
            duration_ms=steps * dt,
            stdp={**stdp, "w_max": 4.0},
        )
    except brian2_ref.ReferenceUnavailable as exc:
        pytest.skip(f"brian2 unavailable: {exc}")
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(n_in, inputs, name="in"))
    out = net.add(
        sc.LIFBio(
            n_out,
            E_L=-60.0,
            V_th=-50.0,
            V_reset=-60.0,
            tau_m=10.0,
            t_ref=2.0,
            tau_syn={"e": 5.0},
            init={"v": -60.0},
            name="out",
        )
    )
    per = "synapse" if np.ndim(delay_steps) else None
    proj = net.connect(
        src,
        out,
        sc.FromArrays(i, j),
        weight=w0 * 4.0,
        delay_steps=delay_steps,
        name="syn",
        delay_per=per,
        synapse=sc.STDP(**{**stdp, "w_max": 4.0}),
        batch="per_sample",
    )
    mon = net.add(sc.SpikeMonitor(out))
    net.run(steps=steps, dt=dt, seed=0, dtype="float64")
    assert b_i.size > 50
    ours = sorted(zip(mon.steps.tolist(), mon.neurons.tolist()))
    theirs = sorted(zip(b_step.tolist(), b_i.tolist()))
    assert ours == theirs
    np.testing.assert_allclose(proj.weights[0], b_w, rtol=1e-12, atol=1e-14)
    assert np.any(proj.weights[0] != w0 * 4.0)
