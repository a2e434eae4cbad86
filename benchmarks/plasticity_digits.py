"""Unsupervised STDP on scikit-learn's 8x8 digits in the style of Diehl and Cook (2015), at several batch modes.

``python -m benchmarks.plasticity_digits [--quick] [--train N] [--settings 1:per_sample,16:mean,...]
[--out docs/figures] [--json FILE]``

Network (dt = 1 ms): 64 Poisson inputs (rate = pixel/16 * ``max_rate``) -> ``n_exc`` ALIF neurons (an adaptive
threshold as Diehl and Cook's theta: ``A = threshold + b_adapt*a``, ``a`` += 1 per spike, ``tau_adapt`` long),
all-to-all lateral inhibition between them (static, delay 1 step), and plastic input weights with the rule
:class:`DiehlCookSTDP` written with the SynapseModel API (docs/contract.md §3.7): at a post spike
``w += eta*(x - x_tar)``, ``x`` the pre trace (set to 1 at a pre spike), clipped to ``[0, w_max]``.

Training: every sample is shown for ``present`` steps, then ``rest`` steps of silence; with batch ``B`` the
samples are dealt to ``B`` slots (slot ``b`` sees samples ``b, b + B, ...``), so one training run has
``ceil(n_train/B)`` presentations per slot. Evaluation freezes the weights and the thresholds (static
synapses, ``b_adapt = 0``, the learned ``threshold + b_adapt*a`` averaged over slots), shows a labelling set
and a test set (one sample per batch entry), labels each neuron with the class it responds to most (mean
spike count), and classifies a test sample by the class whose neurons respond most on average.

Batch modes (docs/contract.md §3.7): ``mean`` and ``sum`` share one weight array; ``per_sample`` gives every
slot its own weights, trained on its own ``n_train/B`` samples; it is evaluated slot by slot (up to
``max_slots`` slots), and the mean accuracy is reported.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import simcore as sc
from synapses import SynapseModel, updates


class DiehlCookSTDP(SynapseModel):
    """Post-spike-driven STDP with a target pre trace: ``w += eta*(x - x_tar)`` at each post spike."""

    pre = {"x": "tau_pre"}
    params = {"eta": 0.01, "x_tar": 0.3, "tau_pre": 20.0, "w_min": 0.0, "w_max": 0.3}

    @updates()
    def on_pre(w):
        return w

    @updates("x")
    def pre_spike():
        return 1.0

    @updates("w")
    def on_post(w, x, eta, x_tar):
        return w + eta * (x - x_tar)


DEFAULTS = dict(
    n_exc=64,
    present=60,
    rest=20,
    max_rate=100.0,
    eta=0.01,
    x_tar=0.3,
    w_max=0.3,
    w_inh=1.5,
    tau_mem=20.0,
    threshold=1.0,
    b_adapt=0.05,
    tau_adapt=20000.0,
    n_label=500,
    n_test=497,
)
BATCH_MODES = ("per_sample", "mean", "sum")


def load_digits(seed: int = 0):
    """Shuffled scikit-learn digits: images (n, 64) in [0, 1] and labels."""
    from sklearn.datasets import load_digits as sk_load

    data = sk_load()
    order = np.random.default_rng(seed).permutation(len(data.target))
    return data.data[order] / 16.0, data.target[order]


def poisson_trains(images, slots: int, present: int, rest: int, max_rate: float, rng) -> np.ndarray:
    """Spikes (T, slots, 64): image k shown to slot k % slots in presentation k // slots."""
    n = images.shape[0]
    rounds = -(-n // slots)
    spikes = np.zeros((rounds * (present + rest), slots, images.shape[1]), dtype=np.float64)
    p = images * max_rate * 1e-3  # per 1 ms step
    for k in range(n):
        r, b = divmod(k, slots)
        t0 = r * (present + rest)
        spikes[t0 : t0 + present, b] = rng.random((present, images.shape[1])) < p[k]
    return spikes


def build(spikes, cfg: dict, *, weights, batch: str | None, threshold=None, b_adapt=None, init_a=0.0):
    """The network; ``batch=None`` builds it with static (frozen) input weights."""
    n_exc = cfg["n_exc"]
    net = sc.Network("digits")
    inp = net.add(sc.SpikeArraySource(64, spikes, name="pixels"))
    exc = net.add(
        sc.ALIF(
            n_exc,
            tau_mem=cfg["tau_mem"],
            tau_adapt=cfg["tau_adapt"],
            threshold=cfg["threshold"] if threshold is None else threshold,
            b_adapt=cfg["b_adapt"] if b_adapt is None else b_adapt,
            init={"a": init_a},
            name="exc",
        )
    )
    i, j = np.repeat(np.arange(64), n_exc), np.tile(np.arange(n_exc), 64)
    if batch is None:
        proj = net.connect(inp, exc, sc.FromArrays(i, j), weight=weights, delay_steps=1, name="input")
    else:
        rule = DiehlCookSTDP(eta=cfg["eta"], x_tar=cfg["x_tar"], w_max=cfg["w_max"])
        proj = net.connect(
            inp, exc, sc.FromArrays(i, j), weight=weights, delay_steps=1, name="input", synapse=rule, batch=batch
        )
    net.connect(exc, exc, sc.AllToAll(allow_self=False), weight=-cfg["w_inh"], delay_steps=1, name="inhibition")
    mon = net.add(sc.SpikeMonitor(exc, name="spikes"))
    return net, proj, exc, mon


def train(images, cfg: dict, B: int, mode: str, seed: int):
    """Train at batch ``B``, ``mode``; returns weights (slots', 64, n_exc), effective thresholds and wall time."""
    rng = np.random.default_rng(seed)
    n_exc = cfg["n_exc"]
    w0 = rng.uniform(0.0, 0.5 * cfg["w_max"], 64 * n_exc)
    spikes = poisson_trains(images, B, cfg["present"], cfg["rest"], cfg["max_rate"], rng)
    net, proj, exc, _ = build(spikes, cfg, weights=w0, batch=mode)
    net.run(steps=1, batch_size=B, dt=1.0, seed=seed)  # builds and compiles (not timed)
    t0 = time.perf_counter()
    net.run(steps=spikes.shape[0] - 1)
    wall = time.perf_counter() - t0
    w = np.asarray(proj.weights).reshape(-1, 64, n_exc)
    theta = cfg["threshold"] + cfg["b_adapt"] * np.asarray(exc["a"])  # (B, n_exc)
    return w, theta, wall, net.build_seconds


def responses(images, w, theta, cfg: dict, seed: int) -> np.ndarray:
    """Spike counts (n_images, n_exc) with frozen weights ``w`` (64, n_exc) and thresholds ``theta``."""
    rng = np.random.default_rng(seed)
    spikes = poisson_trains(images, images.shape[0], cfg["present"], 0, cfg["max_rate"], rng)
    net, _, _, mon = build(spikes, cfg, weights=w.reshape(-1), batch=None, threshold=theta, b_adapt=0.0)
    net.run(steps=cfg["present"], dt=1.0, seed=seed, batch_size=images.shape[0])
    counts = np.zeros((images.shape[0], cfg["n_exc"]))
    np.add.at(counts, (mon.samples, mon.neurons), 1.0)
    return counts


def accuracy(label_counts, label_y, test_counts, test_y) -> float:
    """Diehl and Cook's rule: neuron label = argmax of its mean response per class; vote by mean per class."""
    mean = np.stack(
        [
            label_counts[label_y == c].mean(axis=0) if np.any(label_y == c) else np.zeros(label_counts.shape[1])
            for c in range(10)
        ]
    )
    labels = np.argmax(mean, axis=0)
    votes = np.stack(
        [
            test_counts[:, labels == c].mean(axis=1) if np.any(labels == c) else np.full(test_counts.shape[0], -1.0)
            for c in range(10)
        ],
        axis=1,
    )
    predicted = np.where(test_counts.sum(axis=1) > 0, np.argmax(votes, axis=1), -1)  # silent: wrong
    return float(np.mean(predicted == test_y))


def run_setting(B: int, mode: str, data, cfg: dict, n_train: int, seed: int, max_slots: int = 4) -> dict:
    x, y = data
    n_eval = cfg["n_label"] + cfg["n_test"]
    train_x = x[n_eval : n_eval + n_train]
    w, theta, wall, build_s = train(train_x, cfg, B, mode, seed)
    theta_eval = theta.mean(axis=0)
    label_x, label_y = x[: cfg["n_label"]], y[: cfg["n_label"]]
    test_x, test_y = x[cfg["n_label"] : n_eval], y[cfg["n_label"] : n_eval]
    accs = []
    for slot in range(min(w.shape[0], max_slots)):
        lc = responses(label_x, w[slot], theta_eval, cfg, seed + 1)
        tc = responses(test_x, w[slot], theta_eval, cfg, seed + 2)
        accs.append(accuracy(lc, label_y, tc, test_y))
    return {
        "batch": B,
        "mode": mode,
        "n_train": int(train_x.shape[0]),
        "train_wall_s": wall,
        "build_s": build_s,
        "wall_per_sample_ms": 1e3 * wall / train_x.shape[0],
        "accuracy": float(np.mean(accs)),
        "accuracy_slots": accs,
        "weights": w[0],
        "silent_test_fraction": float(np.mean(tc.sum(axis=1) == 0)),
    }


def weight_figure(results: list, path: str, n_show: int = 16) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 1, figsize=(n_show * 0.55, 0.75 * len(results) + 0.3), squeeze=False)
    for ax, res in zip(axes[:, 0], results):
        w = res["weights"][:, :n_show].T.reshape(n_show, 8, 8)
        tile = np.concatenate([np.pad(im, ((0, 0), (0, 1)), constant_values=np.nan) for im in w], axis=1)
        ax.imshow(tile, cmap="hot_r", interpolation="nearest", vmin=0.0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(
            f"B={res['batch']}\n{res['mode']}\n{100 * res['accuracy']:.0f}%",
            rotation=0,
            ha="right",
            va="center",
            fontsize=8,
        )
    fig.suptitle("learned input weights of the first neurons (slot 0)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_settings(text: str) -> list:
    out = []
    for item in text.split(","):
        try:
            b, mode = item.split(":")
            b = int(b)
        except ValueError:
            raise ValueError(f"--settings: each item is B:mode (e.g. 16:mean); got {item!r}") from None
        if b < 1 or mode not in BATCH_MODES:
            raise ValueError(f"--settings: B must be >= 1 and mode one of {BATCH_MODES}; got {item!r}")
        out.append((b, mode))
    return out


FULL_SETTINGS = "1:per_sample,16:mean,16:sum,16:per_sample,64:mean,64:sum,64:per_sample"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.plasticity_digits", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run: 100 training samples, 2 settings")
    ap.add_argument("--train", type=int, default=800, help="training samples (default 800)")
    ap.add_argument("--settings", default=None, help=f"B:mode,... (default {FULL_SETTINGS})")
    ap.add_argument("--out", default=None, help="folder for the weight figure (none if not given)")
    ap.add_argument("--json", default=None, help="write the results (without weights) to this file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None, help="Numba threads (default: Numba's)")
    args = ap.parse_args(argv)
    if args.threads is not None:
        import numba

        if not 1 <= args.threads <= numba.config.NUMBA_NUM_THREADS:
            raise ValueError(f"--threads must be in [1, {numba.config.NUMBA_NUM_THREADS}]; got {args.threads}")
        numba.set_num_threads(args.threads)
    cfg = dict(DEFAULTS)
    if args.quick:
        settings = parse_settings(args.settings or "1:per_sample,8:mean")
        n_train, cfg["n_exc"], cfg["n_label"], cfg["n_test"] = 60, 16, 100, 100
    else:
        settings = parse_settings(args.settings or FULL_SETTINGS)
        n_train = args.train
    if n_train < 1:
        raise ValueError(f"--train must be >= 1; got {n_train}")
    data = load_digits(args.seed)
    if n_train > data[0].shape[0] - cfg["n_label"] - cfg["n_test"]:
        raise ValueError(f"--train must be <= {data[0].shape[0] - cfg['n_label'] - cfg['n_test']}; got {n_train}")
    results = []
    print(f"{'B':>3} {'mode':>10} {'train':>6} {'wall s':>7} {'ms/sample':>9} {'accuracy':>8}  slots", flush=True)
    for B, mode in settings:
        res = run_setting(B, mode, data, cfg, n_train, args.seed)
        results.append(res)
        print(
            f"{B:>3} {mode:>10} {res['n_train']:>6} {res['train_wall_s']:>7.2f} {res['wall_per_sample_ms']:>9.3f} "
            f"{res['accuracy']:>8.3f}  {' '.join(f'{a:.3f}' for a in res['accuracy_slots'])}",
            flush=True,
        )
    if args.out:
        weight_figure(results, f"{args.out}/digits_weights.png")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "config": cfg,
                    "n_train": n_train,
                    "results": [{k: v for k, v in r.items() if k != "weights"} for r in results],
                },
                fh,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
