"""Unit tests of the cue-accumulation task generator (simcore.tasks)."""

import numpy as np
import pytest

from simcore.tasks import CUE_CHANNELS, cue_accumulation


def test_shapes_length_and_dtype():
    b = cue_accumulation(8, n_cues=7, delay=1050, seed=0)
    T = 7 * 150 + 1050 + 150  # = 2250, the reference code's 7*150 + 1200
    assert b.x.shape == (T, 8, 40) and b.x.dtype == np.float32
    assert b.labels.shape == (8,) and b.cues.shape == (8, 7)
    assert b.recall_mask.shape == (T,) and b.recall_mask.sum() == 150 and b.recall_mask[-150:].all()
    assert set(np.unique(b.x)) <= {0.0, 1.0}
    assert cue_accumulation(2, dtype=np.float64, seed=0).x.dtype == np.float64


def test_label_is_majority_side():
    b = cue_accumulation(256, n_cues=7, delay=100, seed=1)
    n_right = b.cues.sum(axis=1)
    assert np.array_equal(b.labels, (n_right >= 4).astype(int))
    assert 0.35 < b.labels.mean() < 0.65  # both classes, about half each


def test_cue_windows_and_channels():
    """Left/right channels fire only inside their cue's 100-step window, after
    a 50-step pause; recall channels only in the last 150 steps."""
    b = cue_accumulation(64, n_cues=5, delay=300, seed=2)
    T = b.x.shape[0]
    for s in range(64):
        allowed = {0: np.zeros(T, bool), 1: np.zeros(T, bool)}
        for k in range(5):
            on = b.cue_onsets[s, k]
            assert on == 50 + 150 * k  # same delay for all: no lead-in
            allowed[b.cues[s, k]][on : on + 100] = True
        left = b.x[:, s, CUE_CHANNELS["left"]].any(axis=1)
        right = b.x[:, s, CUE_CHANNELS["right"]].any(axis=1)
        assert not np.any(left & ~allowed[0]) and not np.any(right & ~allowed[1])
        recall = b.x[:, s, CUE_CHANNELS["recall"]].any(axis=1)
        assert not np.any(recall & ~b.recall_mask)


def test_rates():
    """40 Hz cue/recall channels, 10 Hz background (probability rate*dt)."""
    b = cue_accumulation(512, n_cues=3, delay=200, seed=3)
    x = b.x.astype(np.float64)
    noise = x[:, :, CUE_CHANNELS["noise"]].mean()
    recall = x[b.recall_mask][:, :, CUE_CHANNELS["recall"]].mean()
    assert abs(noise - 0.010) < 0.001
    assert abs(recall - 0.040) < 0.002
    on = b.cue_onsets[:, 0]
    side = b.cues[:, 0]
    rates = [x[on[s] : on[s] + 100, s, 10 * side[s] : 10 * side[s] + 10].mean() for s in range(512)]
    assert abs(np.mean(rates) - 0.040) < 0.002


def test_minority_probability():
    b = cue_accumulation(500, n_cues=7, delay=0, t_recall=1, seed=4)
    maj = (b.cues.sum(axis=1) >= 4).astype(int)
    frac_minority = np.mean(b.cues != maj[:, None])
    assert 0.2 < frac_minority < 0.3  # 0.3 per cue, less after conditioning on the majority


def test_variable_delays_align_recall_at_the_end():
    b = cue_accumulation(32, n_cues=3, delay=(10, 200), seed=5)
    assert b.x.shape[0] == 3 * 150 + 200 + 150
    assert b.delays.min() >= 10 and b.delays.max() <= 200 and len(np.unique(b.delays)) > 5
    last_cue_end = b.cue_onsets[:, -1] + 100
    recall_start = np.nonzero(b.recall_mask)[0][0]
    assert np.array_equal(recall_start - last_cue_end, b.delays)


def test_seeded_and_rng():
    a = cue_accumulation(4, n_cues=3, delay=(5, 50), seed=7)
    b = cue_accumulation(4, n_cues=3, delay=(5, 50), rng=np.random.default_rng(7))
    c = cue_accumulation(4, n_cues=3, delay=(5, 50), seed=8)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize(
    "kw, exc",
    [
        (dict(batch_size=0), ValueError),
        (dict(batch_size=2.0), TypeError),
        (dict(n_cues=0), ValueError),
        (dict(delay=-1), ValueError),
        (dict(delay=(5, 2)), ValueError),
        (dict(delay=(1, 2, 3)), ValueError),
        (dict(t_cue=200), ValueError),
        (dict(p_minority=0.7), ValueError),
        (dict(f0=2000.0), ValueError),
        (dict(rng=np.random.RandomState(0)), TypeError),
        (dict(dtype=np.int32), TypeError),
    ],
)
def test_bad_arguments(kw, exc):
    kw = {"batch_size": 2, **kw}
    with pytest.raises(exc):
        cue_accumulation(**kw)
