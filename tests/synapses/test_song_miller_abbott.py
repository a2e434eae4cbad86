"""Song, Miller and Abbott (2000): additive STDP with depression slightly stronger than potentiation drives the
weights of 1000 Poisson inputs onto one neuron to a bimodal distribution (docs/contract.md §3.7).

``python tests/synapses/test_song_miller_abbott.py [SECONDS]`` draws docs/figures/song_miller_abbott.png
(the weight histogram at the end and weight trajectories from a WeightMonitor) and prints its numbers."""

import sys

import numpy as np

import simcore as sc

W_MAX = 1.0  # mV jump of the excitatory receptor trace


def song_network(rate_hz=10.0, n_inputs=1000, A=0.01, ratio=1.05, every_ms=None, seed=1):
    """1000 Poisson inputs at ``rate_hz`` onto one LIFBio (Song et al.'s V_rest, V_th, V_reset, tau_m; a current-
    based 5 ms synapse), weights drawn from U(0, W_MAX), additive all-to-all STDP with A_pre = A*W_MAX and
    A_post = -ratio*A_pre (tau 20 ms both)."""
    net = sc.Network("song")
    inputs = net.add(sc.PoissonGroup(n_inputs, rate=rate_hz, name="inputs"))
    out = net.add(
        sc.LIFBio(
            1,
            E_L=-70.0,
            V_th=-54.0,
            V_reset=-60.0,
            tau_m=20.0,
            t_ref=1.0,
            tau_syn={"e": 5.0},
            init={"v": -70.0},
            name="out",
        )
    )
    stdp = sc.STDP(A_pre=A * W_MAX, A_post=-ratio * A * W_MAX, tau_pre=20.0, tau_post=20.0, w_min=0.0, w_max=W_MAX)
    proj = net.connect(
        inputs,
        out,
        sc.AllToAll(),
        weight=sc.Uniform(0.0, W_MAX),
        delay=0.1,
        receptor="e",
        synapse=stdp,
        batch="per_sample",
        name="stdp",
    )
    spikes = net.add(sc.SpikeMonitor(out, name="out_spikes"))
    weights = None
    if every_ms is not None:
        weights = net.add(
            sc.WeightMonitor(
                proj,
                synapses=np.arange(0, n_inputs, n_inputs // 50),
                every=int(round(every_ms / 0.1)),
                name="trajectories",
            )
        )
    return net, proj, spikes, weights


def near_bounds(w, frac=0.1):
    return float(np.mean((w <= frac * W_MAX) | (w >= (1 - frac) * W_MAX)))


def test_additive_stdp_makes_the_weights_bimodal():
    """600 s of model time (about 30-60 s of wall time): from a uniform start (20% within 10% of a bound) to a
    U-shaped histogram: both outer tenths each hold more weights than any inner tenth, and together more than
    45%; the output rate falls as depression wins on average."""
    net, proj, spikes, _ = song_network()
    net.run(100_000.0, dt=0.1, seed=1)
    start = proj.weights[0].copy()
    early_rate = spikes.steps.size / 100.0
    net.run(500_000.0)
    w = proj.weights[0]
    counts, _ = np.histogram(w, bins=10, range=(0.0, W_MAX))
    late_rate = np.sum(spikes.steps >= 5_000_000) / 100.0
    assert near_bounds(w) > 0.45 and near_bounds(w) > near_bounds(start) + 0.15
    assert min(counts[0], counts[-1]) > counts[1:-1].max(), counts
    assert late_rate < early_rate
    assert 0.0 <= w.min() and w.max() <= W_MAX


def figure(seconds=2000.0, path="docs/figures/song_miller_abbott.png"):
    import time

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net, proj, spikes, traj = song_network(every_ms=1000.0)
    t0 = time.perf_counter()
    net.run(seconds * 1000.0, dt=0.1, seed=1)
    wall = time.perf_counter() - t0
    w = proj.weights[0]
    rate_end = np.sum(spikes.steps >= (seconds - 100.0) * 1e4) / 100.0
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.hist(w / W_MAX, bins=40, color="0.3")
    a.set_xlabel("w / w_max at the end")
    a.set_ylabel("synapses")
    a.set_title(f"{near_bounds(w):.0%} within 10% of a bound", fontsize=9)
    b.plot(traj.times / 1000.0, traj["w"][:, 0, :] / W_MAX, lw=0.6)
    b.set_xlabel("time (s)")
    b.set_ylabel("w / w_max (50 synapses)")
    fig.suptitle(f"Song, Miller & Abbott (2000): 1000 inputs at 10 Hz, additive STDP, {seconds:g} s", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(
        f"{seconds:g} s simulated in {wall:.1f} s wall; near bounds {near_bounds(w):.3f}, "
        f"at w_max {np.mean(w >= 0.9 * W_MAX):.3f}, output rate over the last 100 s {rate_end:.1f} Hz"
    )


if __name__ == "__main__":
    figure(float(sys.argv[1]) if len(sys.argv) > 1 else 2000.0)
