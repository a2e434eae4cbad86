r"""Long-memory workbench: every model on every task at matched parameter counts.

Usage::

    python -m benchmarks.memory [--quick | --medium] [--seeds 3] [--steps N] [--doc docs/memory.md]
                                [--models lif,alif,...] [--tasks ...] [--out DIR] [--resume]

Every finished run is appended to the journal ``<out>/memory_TAG.runs.jsonl`` at once; ``--resume`` reuses
the runs already there, so a run of hours that was interrupted goes on where it stopped.

Models (``simcore.grad.models``, matched to ``n_params`` learnable scalars by
``build``): ``lif`` (one recurrent LIF layer), ``alif`` (one recurrent ALIF
layer), ``lib_res`` (LIB encoder + 2 residual LIB blocks, every LIB parameter
learnable per neuron), ``delaynet`` (LIF with neuron-level delays in three
groups, scaled to the task: ``1, max(2, T//4), max(3, T//2)`` steps; its
threshold kept in [0.1, 2] and its branching-factor regulariser
``1e-3 * (B/T) * BF`` as in ``benchmarks/delaynet.py``), and,
when PyTorch is installed, ``gru`` and ``lstm`` (one layer + linear readout,
trained by the same loop on the same batches).

Tasks (``simcore.tasks``): delayed recall, flip-flop with an expiry
interval, time of day, parity, sequential and permuted-sequential 8x8 digits
(scikit-learn), MNIST-1D (``mnist1d``), cue accumulation (shortened).  A
task whose optional package is missing is skipped and the table says so.

Training: Adam (lr 5e-3), global-norm clipping 1.0, batch 32, fresh batches
every step; the test accuracy is measured on 512 fresh samples (the test
split for the digit tasks) with a fixed seed.  Per-step tasks use
``sequence_cross_entropy`` and report per-step accuracy; the others the
cross-entropy of the window mean.  A run that produces a non-finite loss is
reported as failed; a mean accuracy within 0.05 of chance is marked "at
chance".

Output: the results table, the settings and the wall time between the
markers ``<!-- memory:TAG:begin -->`` / ``<!-- memory:TAG:end -->`` of
``--doc`` (``TAG`` is the mode, or ``medium-600steps`` with ``--steps``;
the rest of the file is kept), figures ``memory_TAG_curves.png`` (learning
curves) and ``memory_TAG_gap.png`` (accuracy against the gap of delayed
recall, one model per gap, first seed) in ``docs/figures``
(``--fig-dir``), and all numbers as ``memory_TAG.json`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

from simcore import tasks
from simcore.grad import Adam, branching_factor, clip_grad_norm, cross_entropy, sequence_cross_entropy
from simcore.grad.models import build, constrain, count_parameters

SPIKING = ("lif", "alif", "lib_res", "delaynet")
TORCH_MODELS = ("gru", "lstm")

# name -> (generator, kwargs per mode); every generator takes (batch_size, rng=..., **kwargs)
TASK_SETTINGS = {
    "delayed_recall": (
        tasks.delayed_recall,
        {
            "quick": dict(n_symbols=2, n_classes=3, gap=5, hold=2),
            "medium": dict(n_symbols=3, n_classes=4, gap=20, hold=2),
            "full": dict(n_symbols=5, n_classes=8, gap=50, hold=2),
        },
    ),
    "flip_flop": (
        tasks.flip_flop,
        {
            "quick": dict(n_steps=40, p_event=0.1, interval=8),
            "medium": dict(n_steps=100, p_event=0.05, interval=15),
            "full": dict(n_steps=200, p_event=0.03, interval=30),
        },
    ),
    "time_of_day": (
        tasks.time_of_day,
        {
            "quick": dict(n_steps=40, period=10, n_bins=2, p_drop=0.5),
            "medium": dict(n_steps=100, period=20, n_bins=4, p_drop=0.5),
            "full": dict(n_steps=200, period=40, n_bins=4, p_drop=0.7),
        },
    ),
    "parity": (
        tasks.parity,
        {
            "quick": dict(n_items=3, hold=2, gap=1, t_query=2),
            "medium": dict(n_items=6, hold=3, gap=2, t_query=3),
            "full": dict(n_items=10, hold=3, gap=5, t_query=3),
        },
    ),
    "seq_digits": (tasks.sequential_digits, {m: dict(t_readout=4) for m in ("quick", "medium", "full")}),
    "perm_digits": (
        tasks.sequential_digits,
        {m: dict(permuted=True, t_readout=4) for m in ("quick", "medium", "full")},
    ),
    "mnist1d": (tasks.mnist1d, {m: dict(t_readout=4) for m in ("quick", "medium", "full")}),
    "cue_accumulation": (
        tasks.cue_accumulation_task,
        {
            "quick": dict(n_cues=3, delay=20, t_cue=10, t_interval=15, t_recall=10, f0=200.0),
            "medium": dict(n_cues=5, delay=(50, 100), t_cue=20, t_interval=30, t_recall=20, f0=200.0),
            "full": dict(n_cues=7, delay=(100, 300), t_cue=50, t_interval=75, t_recall=50, f0=100.0),
        },
    ),
}

MODES = {
    #        params, steps, batch, eval every, gaps of the gap sweep, test samples
    "quick": dict(n_params=600, steps=12, batch=16, every=6, gaps=(2, 8), n_test=128),
    "medium": dict(n_params=4000, steps=150, batch=32, every=25, gaps=(5, 20, 50), n_test=512),
    "full": dict(n_params=16000, steps=600, batch=32, every=50, gaps=(5, 10, 20, 50, 100, 200), n_test=512),
}
LR, CLIP = 5e-3, 1.0


def _has(mod):
    import importlib.util

    return importlib.util.find_spec(mod) is not None


def task_available(name):
    if name in ("seq_digits", "perm_digits"):
        return _has("sklearn")
    if name == "mnist1d":
        return _has("mnist1d")
    return True


def make_batch(task, mode, B, rng, split="train", **over):
    gen, kw = TASK_SETTINGS[task]
    kw = dict(kw[mode], **over)
    if gen in (tasks.sequential_digits, tasks.mnist1d):
        kw["split"] = split
    return gen(B, rng=rng, **kw)


def loss_and_grad(y, batch):
    if batch.per_step:
        return sequence_cross_entropy(y, batch.labels, batch.mask)
    return cross_entropy(y, batch.labels, batch.mask)


# ---------------------------------------------------------------------------
# models
class SpikingRunner:
    """A ``simcore.grad`` model with the workbench's optimiser."""

    def __init__(self, kind, n_in, n_out, n_params, seed, T):
        kw = {"seed": seed}
        if kind == "delaynet":
            kw["delay_groups"] = (1, max(2, T // 4), max(3, T // 2))
        self.model, self.width = build(kind, n_in, n_out, n_params=n_params, **kw)
        self.n_params = count_parameters(self.model)
        # DelayNet's own rule (benchmarks/delaynet.py): threshold in [0.1, 2]; above ~2.5 the soft
        # reset makes the BPTT gradient explode
        self.max_threshold = 2.0 if kind == "delaynet" else None
        # and its branching-factor regulariser, beta_bf * (B/T) * BF with beta_bf = 1e-3
        self.beta_bf = 1e-3 if kind == "delaynet" else 0.0
        self.opt = Adam(self.model.parameters(), lr=LR)

    def step(self, batch):
        tape = self.model.forward(batch.x)
        loss, gy = loss_and_grad(tape.y, batch)
        g_ev = None
        if self.beta_bf:
            T, B = batch.x.shape[:2]
            _, gn = branching_factor(tape.spikes(0))
            g_ev = {0: gn * gn.dtype.type(self.beta_bf * B / T)}
        g = self.model.backward(tape, gy, g_ev)
        norm = clip_grad_norm(g, CLIP)
        if not (math.isfinite(loss) and math.isfinite(norm)):
            raise FloatingPointError(f"loss {loss} or gradient norm {norm} is not finite")
        self.opt.step(g)
        constrain(self.model, max_threshold=self.max_threshold)
        return loss

    def predict(self, x):
        tape = self.model.forward(x)
        T, B = x.shape[:2]
        spikes = sum(float(e.sum()) for e in tape.events) / (T * B)
        return tape.y, spikes


class TorchRunner:
    """GRU/LSTM baseline (one recurrent layer, linear readout per step), same
    loss on the same batches; hidden size matched to ``n_params``."""

    def __init__(self, kind, n_in, n_out, n_params, seed, T):
        import torch

        self.torch = torch
        torch.manual_seed(seed)
        gates = 3 if kind == "gru" else 4
        count = lambda h: gates * (h * n_in + h * h + 2 * h) + h * n_out + n_out  # noqa: E731
        self.width = min(range(1, 1024), key=lambda h: abs(count(h) - n_params))
        cls = torch.nn.GRU if kind == "gru" else torch.nn.LSTM
        self.rnn = cls(n_in, self.width)
        self.lin = torch.nn.Linear(self.width, n_out)
        self.params = list(self.rnn.parameters()) + list(self.lin.parameters())
        self.n_params = sum(p.numel() for p in self.params)
        self.opt = torch.optim.Adam(self.params, lr=LR)

    def _forward(self, x):
        h, _ = self.rnn(self.torch.as_tensor(x, dtype=self.torch.float32))
        return self.lin(h)

    def step(self, batch):
        torch = self.torch
        y = self._forward(batch.x)
        m = torch.as_tensor(batch.mask)
        if batch.per_step:
            lab = torch.as_tensor(batch.labels)[m]
            loss = torch.nn.functional.cross_entropy(y[m].reshape(-1, y.shape[-1]), lab.reshape(-1))
        else:
            loss = torch.nn.functional.cross_entropy(y[m].mean(0), torch.as_tensor(batch.labels))
        self.opt.zero_grad()
        loss.backward()
        norm = float(torch.nn.utils.clip_grad_norm_(self.params, CLIP))
        value = loss.item()
        if not (math.isfinite(value) and math.isfinite(norm)):
            raise FloatingPointError(f"loss {value} or gradient norm {norm} is not finite")
        self.opt.step()
        return value

    def predict(self, x):
        with self.torch.no_grad():
            return self._forward(x).numpy(), float("nan")


def make_runner(kind, n_in, n_out, n_params, seed, T):
    if kind in TORCH_MODELS:
        return TorchRunner(kind, n_in, n_out, n_params, seed, T)
    if kind in SPIKING:
        return SpikingRunner(kind, n_in, n_out, n_params, seed, T)
    raise ValueError(f"model must be one of {SPIKING + TORCH_MODELS}; got {kind!r}")


# ---------------------------------------------------------------------------
def evaluate(runner, task, mode, n, seed=12345, chunk=128, **over):
    rng = np.random.default_rng(seed)
    acc, spk, done = 0.0, 0.0, 0
    while done < n:
        b = make_batch(task, mode, min(chunk, n - done), rng, split="test", **over)
        y, s = runner.predict(b.x)
        k = b.x.shape[1]
        acc += tasks.batch_accuracy(y, b) * k
        spk += s * k
        done += k
    return acc / n, spk / n


def train_one(kind, task, mode, seed, *, steps=None, n_params=None, log=None, **over):
    """Train one model on one task; returns a dict (accuracy, curve, time, ...)."""
    cfg = MODES[mode]
    steps = cfg["steps"] if steps is None else steps
    n_params = cfg["n_params"] if n_params is None else n_params
    rng = np.random.default_rng(1000 + seed)
    probe = make_batch(task, mode, 2, np.random.default_rng(0), **over)
    T, _, n_in = probe.x.shape
    res = dict(model=kind, task=task, seed=seed, chance=probe.chance, T=T)
    t_build = time.perf_counter()
    runner = make_runner(kind, n_in, probe.n_classes, n_params, seed, T)
    res.update(params=runner.n_params, width=runner.width, build_s=time.perf_counter() - t_build)
    curve = []
    t0 = time.perf_counter()
    try:
        for s in range(steps):
            b = make_batch(task, mode, cfg["batch"], rng, **over)
            loss = runner.step(b)
            if (s + 1) % cfg["every"] == 0 or s == steps - 1:
                el = time.perf_counter() - t0
                acc, _ = evaluate(runner, task, mode, min(128, cfg["n_test"]), seed=777, **over)
                t0 += time.perf_counter() - t0 - el  # evaluation time is not training time
                curve.append((s + 1, float(loss), acc))
                if log:
                    log(f"{kind:>8} {task:>16} seed {seed} step {s + 1:4d} loss {loss:.4f} acc {acc:.3f}")
        res["train_s"] = time.perf_counter() - t0
        res["acc"], res["spikes_per_step"] = evaluate(runner, task, mode, cfg["n_test"], **over)
        res["status"] = "ok"
    except FloatingPointError as e:
        res.update(
            status=f"failed: {e}", acc=float("nan"), spikes_per_step=float("nan"), train_s=time.perf_counter() - t0
        )
    res["curve"] = curve
    return res


# ---------------------------------------------------------------------------
def summarise(results):
    """Rows (task, model) with mean/std accuracy over seeds."""
    rows = {}
    for r in results:
        rows.setdefault((r["task"], r["model"]), []).append(r)
    out = []
    for (task, model), rs in rows.items():
        ok = [r for r in rs if r["status"] == "ok"]
        accs = np.array([r["acc"] for r in ok])
        row = dict(
            task=task,
            model=model,
            n=len(rs),
            n_ok=len(ok),
            chance=rs[0]["chance"],
            params=int(np.mean([r["params"] for r in rs])),
            width=rs[0]["width"],
            acc_mean=float(accs.mean()) if len(ok) else float("nan"),
            acc_std=float(accs.std()) if len(ok) else float("nan"),
            train_s=float(np.mean([r["train_s"] for r in rs])),
            spikes=float(np.mean([r["spikes_per_step"] for r in ok])) if ok else float("nan"),
            failures=[r["status"] for r in rs if r["status"] != "ok"],
        )
        if not ok:
            row["verdict"] = "failed (" + "; ".join(row["failures"])[:80] + ")"
        else:
            notes = ["at chance"] if row["acc_mean"] <= row["chance"] + 0.05 else []
            if len(ok) < len(rs):  # the mean is over the runs that finished: say how many did not
                notes.append(f"{len(rs) - len(ok)} of {len(rs)} runs failed ({row['failures'][0][8:60]})")
            row["verdict"] = "; ".join(notes)
        out.append(row)
    return out


def table_md(rows, skipped):
    lines = [
        "| task | model | params | accuracy (mean ± std) | chance | train time / run | spikes / step | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        acc = "—" if math.isnan(r["acc_mean"]) else f"{r['acc_mean']:.3f} ± {r['acc_std']:.3f}"
        spk = "—" if math.isnan(r["spikes"]) else f"{r['spikes']:.1f}"
        lines.append(
            f"| {r['task']} | {r['model']} | {r['params']} | {acc} (n={r['n_ok']}) | "
            f"{r['chance']:.3f} | {r['train_s']:.1f} s | {spk} | {r['verdict']} |"
        )
    for t, why in skipped:
        lines.append(f"| {t} | all | — | not run: {why} | — | — | — | |")
    return "\n".join(lines)


def figures(results, gap_results, fig_dir, tag):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    os.makedirs(fig_dir, exist_ok=True)
    task_names = sorted({r["task"] for r in results})
    models = sorted({r["model"] for r in results})
    ncol = min(4, len(task_names))
    nrow = math.ceil(len(task_names) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 3 * nrow), squeeze=False)
    for ax, t in zip(axes.ravel(), task_names):
        for m in models:
            rs = [r for r in results if r["task"] == t and r["model"] == m and r["curve"]]
            if not rs:
                continue
            steps = [c[0] for c in rs[0]["curve"]]
            n = min(len(r["curve"]) for r in rs)
            acc = np.array([[c[2] for c in r["curve"][:n]] for r in rs])
            ax.plot(steps[:n], acc.mean(0), label=m)
            ax.fill_between(steps[:n], acc.min(0), acc.max(0), alpha=0.15)
        ax.axhline(rs[0]["chance"] if rs else 0, color="k", ls=":", lw=0.8)
        ax.set_title(t)
        ax.set_xlabel("training step")
        ax.set_ylabel("accuracy")
    for ax in axes.ravel()[len(task_names) :]:
        ax.axis("off")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    paths = [os.path.join(fig_dir, f"memory_{tag}_curves.png")]
    fig.savefig(paths[0], dpi=90)
    plt.close(fig)
    if gap_results:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for m in sorted({r["model"] for r in gap_results}):
            rs = sorted([r for r in gap_results if r["model"] == m], key=lambda r: r["gap"])
            ax.plot([r["gap"] for r in rs], [r["acc"] for r in rs], "o-", label=m)
        ax.axhline(gap_results[0]["chance"], color="k", ls=":", lw=0.8, label="chance")
        ax.set_xscale("log")
        gaps = sorted({r["gap"] for r in gap_results})
        ax.set_xticks(gaps)
        ax.set_xticklabels([str(g) for g in gaps])
        ax.minorticks_off()
        ax.set_xlabel("gap (steps)")
        ax.set_ylabel("recall accuracy")
        ax.set_title("delayed recall: accuracy against gap")
        ax.legend(fontsize=7)
        fig.tight_layout()
        paths.append(os.path.join(fig_dir, f"memory_{tag}_gap.png"))
        fig.savefig(paths[-1], dpi=90)
        plt.close(fig)
    return paths


class Journal:
    """The finished runs of one invocation, one JSON line each, so that an interrupted run can go on.

    Every run is appended to ``path`` as soon as it ends, with its wall time. With ``resume=True`` the runs
    already in the file are reused (matched by model, task, seed and gap) instead of trained again; without it
    the file starts empty. ``wall_s`` is the wall time of every run used, whichever invocation trained it.
    """

    def __init__(self, path: str, resume: bool):
        self.path = path
        self.done = {}
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        if resume and os.path.exists(path):
            with open(path) as f:
                for line in f:
                    if line.strip():
                        r = json.loads(line)
                        self.done[self._key(r["model"], r["task"], r["seed"], r.get("gap"))] = r
        else:
            open(path, "w").close()
        self.wall_s = 0.0
        self.reused = 0

    @staticmethod
    def _key(model, task, seed, gap):
        return (model, task, int(seed), None if gap is None else int(gap))

    def run(self, train, model: str, task: str, seed: int, gap=None) -> dict:
        """The stored result of this run, or ``train()``'s, appended to the journal."""
        key = self._key(model, task, seed, gap)
        if key in self.done:
            r = self.done[key]
            self.reused += 1
        else:
            t0 = time.perf_counter()
            r = train()
            r["wall_s"] = time.perf_counter() - t0
            if gap is not None:
                r["gap"] = gap
            with open(self.path, "a") as f:
                f.write(json.dumps(r, default=float) + "\n")
        self.wall_s += r.get("wall_s", 0.0)
        return r


def markers(tag):
    """The comment lines that delimit the generated section of run ``tag``."""
    return f"<!-- memory:{tag}:begin -->", f"<!-- memory:{tag}:end -->"


def write_doc(path, body, tag):
    """Replace the section ``tag`` of ``path`` (appended if missing), keeping the rest."""
    BEGIN, END = markers(tag)
    text = open(path).read() if os.path.exists(path) else "# Long-memory workbench\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip() + "\n\n" + BEGIN + "\n" + END + "\n"
    a, rest = text.split(BEGIN, 1)
    _, b = rest.split(END, 1)
    with open(path, "w") as f:
        f.write(a + BEGIN + "\n" + body.rstrip() + "\n" + END + b)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="tiny settings, 1 seed (CI smoke test, minutes)")
    g.add_argument("--medium", action="store_true", help="medium settings (about an hour on 2 cores)")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per model and task (default 3; quick 1)")
    ap.add_argument("--models", default=None, help="comma-separated subset")
    ap.add_argument("--tasks", default=None, help="comma-separated subset")
    ap.add_argument("--no-gap", action="store_true", help="skip the gap sweep")
    ap.add_argument("--steps", type=int, default=None, help="training steps per run (default: the mode's)")
    ap.add_argument(
        "--merge",
        action="store_true",
        help="keep the stored runs (JSON in --out) of the models not run now, and rewrite the section",
    )
    ap.add_argument(
        "--resume",
        action="store_true",
        help="reuse the runs already in the journal memory_TAG.runs.jsonl of --out (an interrupted run goes on)",
    )
    ap.add_argument("--doc", default=None, help="markdown file to update (default docs/memory.md; quick: none)")
    ap.add_argument("--fig-dir", default=None, help="figure folder (default docs/figures)")
    ap.add_argument("--out", default=None, help="folder of the JSON results (default docs/memory_results)")
    a = ap.parse_args(argv)
    mode = "quick" if a.quick else "medium" if a.medium else "full"
    seeds = a.seeds if a.seeds is not None else (1 if a.quick else 3)
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1; got {seeds}")
    if a.steps is not None and a.steps < 1:
        raise ValueError(f"--steps must be >= 1; got {a.steps}")
    steps = MODES[mode]["steps"] if a.steps is None else a.steps
    tag = mode if a.steps is None else f"{mode}-{steps}steps"
    models = list(SPIKING) + ([m for m in TORCH_MODELS] if _has("torch") else [])
    if a.models:
        want = a.models.split(",")
        bad = [m for m in want if m not in SPIKING + TORCH_MODELS]
        if bad:
            raise ValueError(f"--models: unknown {bad}; choose from {SPIKING + TORCH_MODELS}")
        models = want
    task_names = list(TASK_SETTINGS)
    if a.tasks:
        task_names = a.tasks.split(",")
        bad = [t for t in task_names if t not in TASK_SETTINGS]
        if bad:
            raise ValueError(f"--tasks: unknown {bad}; choose from {tuple(TASK_SETTINGS)}")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    doc = a.doc if a.doc is not None else (None if a.quick else os.path.join(root, "docs", "memory.md"))
    fig_dir = a.fig_dir or os.path.join(root, "docs", "figures")
    out = a.out or os.path.join(root, "docs", "memory_results")
    log = lambda s: print(s, flush=True)  # noqa: E731
    t_start = time.perf_counter()
    journal = Journal(os.path.join(out, f"memory_{tag}.runs.jsonl"), resume=a.resume)
    results, skipped = [], []
    for t in task_names:
        if not task_available(t):
            skipped.append((t, "optional package missing (pip install 'spikesim[tasks]')"))
            continue
        for m in models:
            for s in range(seeds):
                r = journal.run(lambda: train_one(m, t, mode, s, steps=steps, log=log), m, t, s)
                log(
                    f"== {m} {t} seed {s}: acc {r['acc']:.3f} (chance {r['chance']:.3f}), "
                    f"{r['params']} params, {r['train_s']:.1f} s, {r['status']}"
                )
                results.append(r)
    gap_results = []
    if not a.no_gap and "delayed_recall" in task_names:
        for gap in MODES[mode]["gaps"]:
            for m in models:
                r = journal.run(
                    lambda: train_one(m, "delayed_recall", mode, 0, steps=steps, gap=gap, log=None),
                    m,
                    "delayed_recall",
                    0,
                    gap=gap,
                )
                log(f"== gap {gap} {m}: acc {r['acc']:.3f} {r['status']}")
                gap_results.append(r)
    wall = journal.wall_s
    json_path = os.path.join(out, f"memory_{tag}.json")
    if a.merge and os.path.exists(json_path):
        with open(json_path) as f:
            old = json.load(f)
        keep = lambda rs: [r for r in rs if r["model"] not in models]  # noqa: E731
        results = keep(old["results"]) + results
        gap_results = keep(old["gap_results"]) + gap_results
        order = {t: i for i, t in enumerate(TASK_SETTINGS)}
        mord = {m: i for i, m in enumerate(SPIKING + TORCH_MODELS)}
        results.sort(key=lambda r: (order[r["task"]], mord[r["model"]], r["seed"]))
        gap_results.sort(key=lambda r: (r["gap"], mord[r["model"]]))
        task_names = [t for t in TASK_SETTINGS if any(r["task"] == t for r in results)]
        models = [m for m in SPIKING + TORCH_MODELS if any(r["model"] == m for r in results)]
        wall += old["wall_s"]
        merged = old.get("merged", []) + [{"models": a.models, "wall_s": time.perf_counter() - t_start}]
    else:
        merged = []
    rows = summarise(results)
    os.makedirs(out, exist_ok=True)
    with open(json_path, "w") as f:
        json.dump(
            {
                "mode": mode,
                "steps": steps,
                "settings": MODES[mode],
                "wall_s": wall,
                "merged": merged,
                "results": results,
                "gap_results": gap_results,
                "rows": rows,
                "skipped": skipped,
            },
            f,
            indent=1,
            default=float,
        )
    figs = figures(results, gap_results, fig_dir, tag) if doc is not None or a.fig_dir else []
    cfg = MODES[mode]
    cmd = (
        "python -m benchmarks.memory"
        + (f" --{mode}" if mode != "full" else "")
        + (f" --steps {steps}" if a.steps is not None else "")
    )
    body = [
        f"### Results ({tag}, generated by `{cmd}`)",
        "",
        f"{seeds} seed(s) per model and task, {steps} training steps of batch {cfg['batch']}, "
        f"about {cfg['n_params']} learnable parameters per model, test on {cfg['n_test']} fresh samples. "
        f"Wall time of the whole run: {wall / 60:.1f} min on {platform.machine()} with "
        f"{os.cpu_count()} CPUs (shared), python {platform.python_version()}"
        + ("".join(f"; the runs of {m['models']} were redone and merged ({m['wall_s'] / 60:.1f} min)" for m in merged))
        + (
            f"; the run was interrupted and resumed (`--resume`): {journal.reused} of the runs come from the "
            "journal of the earlier invocation(s), and the wall time is the sum of every run's own"
            if journal.reused
            else ""
        )
        + ".",
        "",
        "Task settings: " + "; ".join(f"`{t}` {TASK_SETTINGS[t][1][mode]}" for t in task_names),
        "",
        table_md(rows, skipped),
        "",
    ]
    if gap_results:
        body += [
            "Delayed recall against the gap (one seed, one model trained per gap):",
            "",
            "| model | " + " | ".join(f"gap {g}" for g in cfg["gaps"]) + " |",
            "|---|" + "---:|" * len(cfg["gaps"]),
        ]
        for m in models:
            accs = {r["gap"]: r for r in gap_results if r["model"] == m}
            if not accs:
                continue
            body.append(
                f"| {m} | "
                + " | ".join(
                    ("not run" if g not in accs else "failed" if accs[g]["status"] != "ok" else f"{accs[g]['acc']:.3f}")
                    for g in cfg["gaps"]
                )
                + " |"
            )
        body.append("")
    for p in figs:
        body.append(
            f"![{os.path.basename(p)}]({os.path.relpath(p, os.path.dirname(os.path.abspath(doc)))})"
            if doc
            else f"figure: {p}"
        )
    if doc is not None:
        write_doc(doc, "\n".join(body), tag)
        log(f"wrote {doc}")
    else:
        print("\n".join(body))
    log(f"wall time {wall:.1f} s")
    return {"rows": rows, "results": results, "gap_results": gap_results, "wall_s": wall, "figures": figs}


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
