"""Workbench tasks of simcore.tasks: shapes, labels, chance levels, seeding and
hand-checked small examples; the weighted and per-step losses they use."""

import math

import numpy as np
import pytest

from simcore import tasks
from simcore.grad import cross_entropy, mse, sequence_accuracy, sequence_cross_entropy


def _same(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a[:3], b[:3]))


# --- delayed recall --------------------------------------------------------
def test_delayed_recall_hand_example():
    b = tasks.delayed_recall(1, n_symbols=2, n_classes=3, gap=2, hold=1, seed=0)
    s = b.info["symbols"][0]
    T = 2 * 2 + 2
    assert b.x.shape == (T, 1, 4) and b.x.dtype == np.float32
    exp = np.zeros((T, 4), np.float32)
    exp[0, s[0]] = 1
    exp[1, s[1]] = 1
    exp[4:, 3] = 1  # recall cue
    assert np.array_equal(b.x[:, 0], exp)
    assert b.labels[:, 0].tolist() == [-1, -1, -1, -1, s[0], s[1]]
    assert b.mask.tolist() == [False] * 4 + [True] * 2
    assert b.n_classes == 3 and b.chance == pytest.approx(1 / 3) and b.per_step


def test_delayed_recall_hold_and_seed():
    b = tasks.delayed_recall(16, n_symbols=3, n_classes=4, gap=7, hold=2, seed=5)
    assert b.x.shape == (2 * 3 * 2 + 7, 16, 5)
    sym = b.info["symbols"]
    for k in range(3):
        for j in range(2):
            assert np.array_equal(b.x[2 * k + j].argmax(-1), sym[:, k])
            assert np.array_equal(b.labels[6 + 7 + 2 * k + j], sym[:, k])
    assert _same(b, tasks.delayed_recall(16, n_symbols=3, n_classes=4, gap=7, hold=2, seed=5))
    assert not _same(b, tasks.delayed_recall(16, n_symbols=3, n_classes=4, gap=7, hold=2, seed=6))
    big = tasks.delayed_recall(4000, n_symbols=1, n_classes=4, gap=0, seed=1)
    assert abs(np.bincount(big.info["symbols"].ravel()).max() / 4000 - big.chance) < 0.03


# --- flip-flop and time of day ---------------------------------------------
def test_flip_flop_hand_example():
    rng = np.random.default_rng(3)
    b = tasks.flip_flop(2, 50, p_event=0.1, rng=rng)
    for s in range(2):
        st = None
        for t in range(50):
            if b.x[t, s, 0]:
                st = 1
            elif b.x[t, s, 1]:
                st = 0
            assert b.labels[t, s] == st
    assert b.x[0].sum() == 2  # an event in step 0 of each sample
    assert np.all(b.x.sum(-1) <= 1)


def test_flip_flop_interval_counts_age():
    b = tasks.flip_flop(8, 200, p_event=0.05, interval=10, seed=2)
    e = b.info["elapsed"]
    assert b.n_classes == 3
    assert np.all((b.labels == 2) == (e >= 10))
    # the age grows by one per step between events
    ev = b.x.sum(-1) > 0
    assert np.all(np.where(ev[1:], e[1:] == 0, e[1:] == e[:-1] + 1))
    counts = np.bincount(b.labels.ravel(), minlength=3)
    assert b.chance == pytest.approx(counts.max() / counts.sum())
    assert _same(b, tasks.flip_flop(8, 200, p_event=0.05, interval=10, seed=2))


def test_time_of_day():
    b = tasks.time_of_day(32, 100, period=10, n_bins=5, p_drop=0.5, seed=1)
    ph = b.info["phase"]
    off = b.info["offset"]
    assert b.x.shape == (100, 32, 1) and b.n_classes == 5 and b.chance == pytest.approx(0.2)
    assert np.array_equal(ph, (np.arange(100)[:, None] + off) % 10)
    assert np.array_equal(b.labels, ph // 2)
    ticks = b.x[:, :, 0] > 0
    assert not np.any(ticks & (ph != 0))  # ticks only at period starts
    assert np.all(ticks[(10 - off) % 10, np.arange(32)])  # the first start always ticks
    assert 0.3 < ticks.sum() / (ph == 0).sum() < 0.8  # some dropped
    assert b.mask.sum() == 90 and not b.mask[:10].any()
    assert tasks.time_of_day(4, 30, period=10, n_bins=3, seed=0).chance == pytest.approx(0.4)


# --- counting -------------------------------------------------------------
def test_parity_hand_example():
    b = tasks.parity(3, 4, hold=2, gap=1, t_query=2, seed=0)
    T = 4 * 3 + 2
    assert b.x.shape == (T, 3, 3)
    bits = b.info["bits"]
    for s in range(3):
        for i in range(4):
            assert b.x[3 * i, s, 0] == bits[s, i] and b.x[3 * i + 1, s, 1] == 1 - bits[s, i]
            assert b.x[3 * i + 2, s].sum() == 0  # the gap step
    assert np.array_equal(b.labels, bits.sum(1) % 2)
    assert b.mask.tolist() == [False] * 12 + [True] * 2 and b.x[12:, :, 2].all()
    assert b.chance == pytest.approx(0.5)  # exact for p = 1/2


def test_modulo_chance_is_exact():
    # n = 3 bits, p = 1/2, k = 3: counts 0..3 have probs 1/8, 3/8, 3/8, 1/8 -> residues 2/8, 3/8, 3/8
    assert tasks.modulo_count(2, 3, k=3, seed=0).chance == pytest.approx(3 / 8)
    b = tasks.modulo_count(20000, 5, k=3, p_one=0.3, seed=1)
    emp = np.bincount(b.labels, minlength=3).max() / 20000
    assert abs(emp - b.chance) < 0.015
    assert b.labels.max() < 3 and b.n_classes == 3


# --- digits ---------------------------------------------------------------
def test_sequential_digits():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    b = tasks.sequential_digits(8, seed=0)
    assert b.x.shape == (64, 8, 1) and b.labels.shape == (8,) and b.chance == 0.1
    assert b.mask.sum() == 1 and b.mask[-1]
    d = load_digits()
    # each sequence is one of the images, row-major, /16, with its label
    for s in range(8):
        img = b.x[:, s, 0] * 16.0
        hit = np.nonzero(np.all(np.abs(d.images.reshape(-1, 64) - img) < 1e-4, axis=1))[0]
        assert hit.size and b.labels[s] in d.target[hit]
    p = tasks.sequential_digits(8, seed=0, permuted=True, perm_seed=3)
    perm = tasks.digit_permutation(3)
    assert np.array_equal(p.x[:, :, 0], b.x[perm, :, 0]) and np.array_equal(p.labels, b.labels)
    te = tasks.sequential_digits(2000, split="test", seed=0)
    assert np.unique(te.info["index"]).size <= 360 and te.info["index"].max() < 360
    assert _same(b, tasks.sequential_digits(8, seed=0))


def test_sequential_digits_explicit_index():
    pytest.importorskip("sklearn")
    every = tasks.sequential_digits(360, split="test", index=np.arange(360), permuted=True)
    assert np.array_equal(every.info["index"], np.arange(360))
    assert np.bincount(every.labels, minlength=10).min() >= 20  # every class is in the test split
    drawn = tasks.sequential_digits(5, split="test", seed=4, permuted=True)
    again = tasks.sequential_digits(5, split="test", index=drawn.info["index"], permuted=True)
    assert _same(drawn, again)
    for bad in (np.arange(4), np.array([0, 1, 2, 3, 360]), np.array([0.0, 1, 2, 3, 4]), np.array([-1, 0, 1, 2, 3])):
        with pytest.raises(ValueError, match="index must be 5 integer indices"):
            tasks.sequential_digits(5, split="test", index=bad)


def test_digits_without_sklearn(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):
        if name.startswith("sklearn"):
            raise ImportError("no sklearn")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    monkeypatch.setattr(tasks, "_DIGITS", {})
    with pytest.raises(ImportError, match=r"spikesim\[tasks\]"):
        tasks.sequential_digits(2, seed=0)


def test_mnist1d():
    pytest.importorskip("mnist1d")
    b = tasks.mnist1d(16, seed=0)
    assert b.x.shape == (40, 16, 1) and b.labels.max() < 10 and b.chance == 0.1
    assert _same(b, tasks.mnist1d(16, seed=0))


# --- cue accumulation helpers ---------------------------------------------
def test_cue_task_and_sweeps():
    b = tasks.cue_accumulation_task(8, n_cues=3, delay=20, seed=0)
    assert b.n_classes == 2 and b.chance == 0.5 and b.mask.sum() == 150
    even = tasks.cue_accumulation_task(4000, n_cues=2, delay=0, seed=0, t_recall=1)
    # ties of 2 cues: P = 2*0.3*0.7 = 0.42, labelled left
    assert even.chance == pytest.approx(0.5 + 0.21)
    assert abs(np.mean(even.labels == 0) - even.chance) < 0.03

    def oracle(x):  # reads the cues: counts right minus left spikes
        T, B, _ = x.shape
        d = x[:, :, 10:20].sum((0, 2)) - x[:, :, 0:10].sum((0, 2))
        y = np.zeros((T, B, 2))
        y[:, :, 1] = d
        return y

    acc = tasks.accuracy_vs_wait(oracle, [0, 50], n_samples=64, n_cues=3)
    assert len(acc) == 2 and min(acc) > 0.8
    acc = tasks.accuracy_vs_cues(lambda x: np.zeros(x.shape[:2] + (2,)), [1, 3], n_samples=64, delay=10)
    assert all(0.2 < a < 0.8 for a in acc)  # a constant guess is at chance
    with pytest.raises(TypeError, match="model"):
        tasks.accuracy_vs_wait(3, [1])


@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda: tasks.delayed_recall(0), ValueError, "batch_size"),
        (lambda: tasks.delayed_recall(2, n_classes=1), ValueError, "n_classes"),
        (lambda: tasks.delayed_recall(2, gap=1.5), TypeError, "gap"),
        (lambda: tasks.flip_flop(2, 10, p_event=2.0), ValueError, "p_event"),
        (lambda: tasks.flip_flop(2, 10, min_elapsed=10), ValueError, "min_elapsed"),
        (lambda: tasks.time_of_day(2, 10, period=10), ValueError, "n_steps"),
        (lambda: tasks.time_of_day(2, 30, period=4, n_bins=5), ValueError, "n_bins"),
        (lambda: tasks.modulo_count(2, 3, k=1), ValueError, "k"),
        (lambda: tasks.parity(2, 3, k=3), TypeError, "k"),
        (lambda: tasks.sequential_digits(2, split="val"), ValueError, "split"),
        (lambda: tasks.delayed_recall(2, rng=1), TypeError, "rng"),
        (lambda: tasks.delayed_recall(2, dtype=np.int32), TypeError, "dtype"),
    ],
)
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


# --- losses the tasks use ---------------------------------------------------
def test_sequence_cross_entropy_matches_hand_and_fd():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(5, 3, 4))
    lab = rng.integers(0, 4, size=(5, 3))
    lab[0] = -1
    m = np.array([False, True, True, False, True])
    loss, g = sequence_cross_entropy(y, lab, m)
    ref = 0.0
    for t in (1, 2, 4):
        for b in range(3):
            z = y[t, b]
            ref += math.log(np.exp(z).sum()) - z[lab[t, b]]
    assert loss == pytest.approx(ref / 9)
    w = np.array([0, 0.5, 2.0, 0, 1.0])
    lw, gw = sequence_cross_entropy(y, lab, w)
    e = np.zeros_like(y)
    for idx in [(1, 0, 2), (4, 2, 1), (2, 1, 3)]:
        e[idx] = 1e-6
        fd = (sequence_cross_entropy(y + e, lab, w)[0] - sequence_cross_entropy(y - e, lab, w)[0]) / 2e-6
        assert gw[idx] == pytest.approx(fd, rel=1e-5, abs=1e-9)
        e[idx] = 0
    assert np.all(g[[0, 3]] == 0)
    acc = sequence_accuracy(y, lab, m)
    assert acc == pytest.approx(np.mean(y[m].argmax(-1) == lab[m]))


def test_float_mask_is_weighted_mean():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(6, 2, 3))
    lab = np.array([0, 2])
    w = np.array([0, 0, 1.0, 3.0, 0, 0])
    lw, gw = cross_entropy(y, lab, w)
    ybar = (y[2] + 3 * y[3]) / 4
    ref = np.mean([np.log(np.exp(ybar[b]).sum()) - ybar[b, lab[b]] for b in range(2)])
    assert lw == pytest.approx(ref)
    # a 0/1 float mask equals the bool window
    wb = np.array([0, 1.0, 1.0, 0, 0, 0])
    assert cross_entropy(y, lab, wb)[0] == pytest.approx(cross_entropy(y, lab, wb > 0)[0])
    assert np.allclose(
        cross_entropy(y, lab, wb, average="per_step")[1], cross_entropy(y, lab, wb > 0, average="per_step")[1]
    )
    tgt = rng.normal(size=y.shape)
    assert mse(y, tgt, wb)[0] == pytest.approx(mse(y, tgt, wb > 0)[0])
    ref = np.sum(w[:, None, None] * (y - tgt) ** 2) / (4 * 2 * 3)
    assert mse(y, tgt, w)[0] == pytest.approx(ref)
    with pytest.raises(ValueError, match="mask"):
        cross_entropy(y, lab, -w)
    with pytest.raises(TypeError, match="mask"):
        cross_entropy(y, lab, np.ones(6, np.int64))
