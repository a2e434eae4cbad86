r"""Benchmark tasks for the dense-gradient mode (numpy only).

Cue accumulation (evidence accumulation)
----------------------------------------
The task of Bellec et al. (2020, Fig. 3), as used by Balafrej, Alibart &
Rouat (2022) for DelayNet.  A sample, at ``dt = 1 ms`` (one step per ms):

* ``n_cues`` cue intervals of ``t_interval = 150`` steps each: a pause of
  ``t_interval - t_cue = 50`` steps, then ``t_cue = 100`` steps during which
  the 10 *left* (channels 0-9) or the 10 *right* (channels 10-19) input
  neurons fire as Poisson processes at ``f0 = 40 Hz``;
* a delay of ``delay`` steps without cues;
* a recall cue of ``t_recall = 150`` steps: the 10 *recall* neurons
  (channels 20-29) fire at ``f0``;
* throughout, the 10 *background* neurons (channels 30-39) fire at
  ``f0 / 4 = 10 Hz``.

Channel order follows the reference implementation of the task (left,
right, recall, noise).  Each sample first draws its majority side with
probability 1/2; each cue then goes to that side with probability
``1 - p_minority = 0.7`` (to the other with 0.3).  The label is the side
that received more cues (0 left, 1 right; ``n_cues`` odd means no ties;
for an even count a tie is labelled left).  The spike probability per step
is ``rate * dt`` (Bernoulli approximation of the Poisson process).

Batches with different delays (``delay=(lo, hi)``, one delay per sample)
are aligned at the end: every sample's recall cue occupies the last
``t_recall`` steps, and a sample with a shorter delay starts with
``delay_max - delay`` steps of background noise alone before its first
cue.  A loss or readout taken at the last step (or over the last
``t_recall`` steps) is therefore at the recall cue for every sample.

Length: ``T = n_cues * t_interval + max(delay) + t_recall``.  With the
defaults (7 cues, delay 1050 ms) ``T = 2250`` steps, the same length as
the reference code's ``7*150 + 1200``.

References
----------
G. Bellec et al., "A solution to the learning dilemma for recurrent networks
of spiking neurons", Nature Communications 11, 3625 (2020).
I. Balafrej, F. Alibart, J. Rouat, "Expanding memory in recurrent spiking
networks" (2022).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "CueAccumulationBatch",
    "cue_accumulation",
    "CUE_CHANNELS",
    "TaskBatch",
    "delayed_recall",
    "flip_flop",
    "time_of_day",
    "modulo_count",
    "parity",
    "sequential_digits",
    "digit_permutation",
    "mnist1d",
    "cue_accumulation_task",
    "batch_accuracy",
    "accuracy_vs_wait",
    "accuracy_vs_cues",
    "TASKS",
]

#: channel groups of the 40 inputs (10 each): name -> slice
CUE_CHANNELS = {"left": slice(0, 10), "right": slice(10, 20), "recall": slice(20, 30), "noise": slice(30, 40)}


class CueAccumulationBatch(NamedTuple):
    """One batch of the cue-accumulation task.

    x : (T, B, 40) float32, time-major input spikes (0 or 1).
    labels : (B,) int64, 0 left, 1 right (the side with more cues).
    cues : (B, n_cues) int64, side of each cue (0 left, 1 right).
    delays : (B,) int64, steps between the end of the last cue interval
        and the start of the recall cue.
    cue_onsets : (B, n_cues) int64, first step of each cue's Poisson input.
    recall_mask : (T,) bool, the recall-cue steps (the last ``t_recall``).
    """

    x: np.ndarray
    labels: np.ndarray
    cues: np.ndarray
    delays: np.ndarray
    cue_onsets: np.ndarray
    recall_mask: np.ndarray


def _check_int(name, v, lo):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(v).__name__} {v!r}")
    if v < lo:
        raise ValueError(f"{name} must be >= {lo}; got {v}")
    return int(v)


def cue_accumulation(
    batch_size,
    *,
    n_cues=7,
    delay=1050,
    rng=None,
    seed=None,
    t_cue=100,
    t_interval=150,
    t_recall=150,
    f0=40.0,
    noise_rate=None,
    p_minority=0.3,
    dt=1.0,
    dtype=np.float32,
):
    r"""Draw a batch of the cue-accumulation task (see the module docstring).

    Parameters
    ----------
    batch_size : int >= 1
    n_cues : int >= 1
        Number of left/right cues (default 7).
    delay : int or (int, int)
        Steps (ms at ``dt = 1``) from the end of the last cue interval to the
        recall cue; a pair ``(lo, hi)`` draws one delay per sample uniformly
        from the integers ``lo ... hi`` (both included).  Default 1050.
    rng : numpy.random.Generator, optional
        Source of every random draw; else ``np.random.default_rng(seed)``.
    seed : int, optional
        Used only when ``rng`` is not given.
    t_cue, t_interval, t_recall : int, steps
        Cue duration (100), cue period (150: a 50-step pause, then the cue),
        recall duration (150).
    f0 : float, Hz
        Rate of cue and recall channels (40 Hz).
    noise_rate : float, Hz, optional
        Rate of the background channels (default ``f0 / 4``).
    p_minority : float in [0, 0.5]
        Probability that a cue goes to the minority side (0.3).
    dt : float, ms
        Step; the spike probability per step is ``rate * dt / 1000``.
    dtype : numpy.float32 or numpy.float64

    Returns
    -------
    CueAccumulationBatch
    """
    B = _check_int("batch_size", batch_size, 1)
    n_cues = _check_int("n_cues", n_cues, 1)
    t_cue = _check_int("t_cue", t_cue, 1)
    t_interval = _check_int("t_interval", t_interval, 1)
    t_recall = _check_int("t_recall", t_recall, 1)
    if t_cue > t_interval:
        raise ValueError(f"t_cue ({t_cue}) must be <= t_interval ({t_interval})")
    if isinstance(delay, (tuple, list)):
        if len(delay) != 2:
            raise ValueError(f"delay must be an int or a pair (lo, hi); got {delay!r}")
        lo = _check_int("delay[0]", delay[0], 0)
        hi = _check_int("delay[1]", delay[1], 0)
        if hi < lo:
            raise ValueError(f"delay (lo, hi) needs lo <= hi; got {delay!r}")
    else:
        lo = hi = _check_int("delay", delay, 0)
    f0 = float(f0)
    noise_rate = f0 / 4.0 if noise_rate is None else float(noise_rate)
    dt = float(dt)
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a finite number > 0 ms; got {dt!r}")
    for name, r in (("f0", f0), ("noise_rate", noise_rate)):
        if not (np.isfinite(r) and 0 <= r * dt / 1000.0 <= 1):
            raise ValueError(
                f"{name} * dt must give a spike probability in [0, 1]; got {name} = {r} Hz at dt = {dt} ms"
            )
    p_minority = float(p_minority)
    if not (0.0 <= p_minority <= 0.5):
        raise ValueError(f"p_minority must lie in [0, 0.5]; got {p_minority}")
    dtype = np.dtype(dtype).type
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be numpy.float32 or numpy.float64; got {dtype!r}")
    if rng is None:
        rng = np.random.default_rng(seed)
    elif not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")

    T = n_cues * t_interval + hi + t_recall
    majority = rng.integers(0, 2, size=B)  # (B,)
    minority_draw = rng.random((B, n_cues)) < p_minority
    cues = np.where(minority_draw, 1 - majority[:, None], majority[:, None]).astype(np.int64)
    n_right = cues.sum(axis=1)
    labels = (2 * n_right > n_cues).astype(np.int64)
    delays = rng.integers(lo, hi + 1, size=B).astype(np.int64)
    start = hi - delays  # background-only lead-in
    pause = t_interval - t_cue
    cue_onsets = start[:, None] + pause + t_interval * np.arange(n_cues)[None, :]

    p_cue = f0 * dt / 1000.0
    p_noise = noise_rate * dt / 1000.0
    prob = np.zeros((T, B, 40), dtype=np.float64)
    steps = np.arange(T)
    for k in range(n_cues):
        on = (steps[:, None] >= cue_onsets[None, :, k]) & (steps[:, None] < cue_onsets[None, :, k] + t_cue)
        left = on & (cues[None, :, k] == 0)
        right = on & (cues[None, :, k] == 1)
        prob[:, :, 0:10] += np.where(left, p_cue, 0.0)[:, :, None]
        prob[:, :, 10:20] += np.where(right, p_cue, 0.0)[:, :, None]
    prob[T - t_recall :, :, 20:30] = p_cue
    prob[:, :, 30:40] = p_noise
    x = (rng.random((T, B, 40)) < prob).astype(dtype)
    recall_mask = np.zeros(T, dtype=bool)
    recall_mask[T - t_recall :] = True
    return CueAccumulationBatch(x, labels, cues, delays, cue_onsets.astype(np.int64), recall_mask)


# ===========================================================================
# Long-memory workbench tasks
# ===========================================================================
WORKBENCH_LAYOUT = r"""
Every generator below returns a :class:`TaskBatch`:

* ``x``: ``(T, B, C)`` float32 (or float64), time-major input;
* ``labels``: ``(B,)`` int64 (one class per sample, read as the window mean
  of the readout, ``simcore.grad.cross_entropy``) or ``(T, B)`` int64 (one
  class per step, ``simcore.grad.sequence_cross_entropy``; ``-1`` on the
  steps the loss does not read);
* ``mask``: ``(T,)`` bool, the steps the loss reads;
* ``n_classes``: readout width;
* ``chance``: the accuracy of the best guess that ignores the input (the
  most frequent class), exact for the generator's distribution where it is
  known in closed form, stated per task.

Each takes ``rng`` (a ``numpy.random.Generator``) or ``seed``; the same seed
gives the same batch.
"""


class TaskBatch(NamedTuple):
    """A batch of a workbench task (see the section docstring above).

    x : (T, B, C) input; labels : (B,) or (T, B) int64; mask : (T,) bool;
    n_classes : int; chance : float; info : dict of task-specific arrays.
    """

    x: np.ndarray
    labels: np.ndarray
    mask: np.ndarray
    n_classes: int
    chance: float
    info: dict

    @property
    def per_step(self):
        """True when ``labels`` has one class per step ``(T, B)``."""
        return self.labels.ndim == 2


def _rng(rng, seed):
    if rng is None:
        return np.random.default_rng(seed)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    return rng


def _dtype(dtype):
    d = np.dtype(dtype).type
    if d not in (np.float32, np.float64):
        raise TypeError(f"dtype must be numpy.float32 or numpy.float64; got {dtype!r}")
    return d


def _check_prob(name, p, lo=0.0, hi=1.0):
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {type(p).__name__}")
    p = float(p)
    if not (lo <= p <= hi):
        raise ValueError(f"{name} must lie in [{lo}, {hi}]; got {p}")
    return p


def delayed_recall(batch_size, *, n_symbols=3, n_classes=4, gap=10, hold=1, rng=None, seed=None, dtype=np.float32):
    r"""Delayed recall (copy task): ``n_symbols`` symbols, a gap, then recall them in order.

    Layout (``K = n_symbols``, ``A = n_classes``, ``h = hold``, ``G = gap``),
    ``T = 2*K*h + G`` steps, ``C = A + 1`` channels:

    * steps ``[k*h, (k+1)*h)`` for ``k < K``: one-hot symbol ``k`` on channels
      ``0 .. A-1`` (value 1);
    * ``G`` silent steps;
    * the recall window, the last ``K*h`` steps: channel ``A`` (the recall cue)
      is 1, and the label of step ``T - K*h + k*h + j`` (``j < h``) is symbol ``k``.

    ``labels`` is ``(T, B)`` (``-1`` outside the recall window), ``mask`` the
    recall window.  Symbols are uniform and independent: ``chance = 1/A``.
    ``info['symbols']``: ``(B, K)``.
    """
    B = _check_int("batch_size", batch_size, 1)
    K = _check_int("n_symbols", n_symbols, 1)
    A = _check_int("n_classes", n_classes, 2)
    G = _check_int("gap", gap, 0)
    h = _check_int("hold", hold, 1)
    dtype = _dtype(dtype)
    rng = _rng(rng, seed)
    T = 2 * K * h + G
    sym = rng.integers(0, A, size=(B, K))
    x = np.zeros((T, B, A + 1), dtype)
    labels = np.full((T, B), -1, np.int64)
    r0 = K * h + G
    for k in range(K):
        for j in range(h):
            x[k * h + j, np.arange(B), sym[:, k]] = 1
            labels[r0 + k * h + j] = sym[:, k]
    x[r0:, :, A] = 1
    mask = np.zeros(T, bool)
    mask[r0:] = True
    return TaskBatch(x, labels, mask, A, 1.0 / A, {"symbols": sym, "gap": G, "hold": h})


def flip_flop(
    batch_size, n_steps=100, *, p_event=0.05, interval=None, min_elapsed=0, rng=None, seed=None, dtype=np.float32
):
    r"""Temporal flip-flop: report the last set/reset event, or how long ago it came.

    Channels: 0 *set*, 1 *reset* (a 1 in the step of the event).  In every
    step, with probability ``p_event``, an event occurs, *set* or *reset*
    with probability 1/2 each; step 0 always holds an event, so every step
    has a last event.  The state after an event is 1 (set) or 0 (reset).

    * ``interval=None``: the label of step ``t`` is the state (2 classes);
    * ``interval=L``: the label is the state while the last event is less than
      ``L`` steps old, else 2 (*expired*): the output depends on how long ago
      the last event came (3 classes).

    ``labels``: ``(T, B)``; ``mask``: all steps (``min_elapsed > 0`` instead
    reads only the steps of ``t >= min_elapsed``, to stress longer memories
    the mask is per step and the same for all samples).  ``info['elapsed']``
    ``(T, B)`` is the age of the last event (0 in its own step).
    ``chance`` is the frequency of the most frequent label among the masked
    steps of this batch (labels are not balanced with ``interval``).
    """
    B = _check_int("batch_size", batch_size, 1)
    T = _check_int("n_steps", n_steps, 1)
    p = _check_prob("p_event", p_event)
    if interval is not None:
        interval = _check_int("interval", interval, 1)
    m0 = _check_int("min_elapsed", min_elapsed, 0)
    if m0 >= T:
        raise ValueError(f"min_elapsed must be < n_steps ({T}); got {m0}")
    dtype = _dtype(dtype)
    rng = _rng(rng, seed)
    ev = rng.random((T, B)) < p
    ev[0] = True
    kind = rng.integers(0, 2, size=(T, B))  # 1 set, 0 reset
    x = np.zeros((T, B, 2), dtype)
    x[:, :, 0] = ev & (kind == 1)
    x[:, :, 1] = ev & (kind == 0)
    state = np.empty((T, B), np.int64)
    elapsed = np.empty((T, B), np.int64)
    cur = kind[0].copy()
    age = np.zeros(B, np.int64)
    for t in range(T):
        age = np.where(ev[t], 0, age + 1)
        cur = np.where(ev[t], kind[t], cur)
        state[t] = cur
        elapsed[t] = age
    labels = state if interval is None else np.where(elapsed < interval, state, 2)
    n_classes = 2 if interval is None else 3
    mask = np.zeros(T, bool)
    mask[m0:] = True
    counts = np.bincount(labels[mask].ravel(), minlength=n_classes)
    return TaskBatch(
        x,
        labels.astype(np.int64),
        mask,
        n_classes,
        float(counts.max() / counts.sum()),
        {"elapsed": elapsed, "events": ev},
    )


def time_of_day(batch_size, n_steps=120, *, period=20, n_bins=4, p_drop=0.5, rng=None, seed=None, dtype=np.float32):
    r"""Periodic variant of the flip-flop ("time of day"): tell the phase of a period.

    Each sample has a random phase offset ``o`` in ``[0, period)``; its period
    starts at the steps ``t`` with ``(t + o) % period == 0``.  Channel 0
    carries a tick at a period start; the first tick is always given, each
    later one is dropped with probability ``p_drop``, so that the network has
    to keep time through missing ticks.  The label of step ``t`` is the
    phase bin ``((t + o) % period) * n_bins // period``.

    ``labels``: ``(T, B)``; ``mask``: the steps after the first tick of every
    sample (``t >= period``).  ``chance`` is the frequency of the largest bin
    (``ceil(period/n_bins)/period``: exact in expectation over the offset).
    ``info['phase']`` ``(T, B)``.
    """
    B = _check_int("batch_size", batch_size, 1)
    T = _check_int("n_steps", n_steps, 1)
    P = _check_int("period", period, 2)
    nb = _check_int("n_bins", n_bins, 2)
    if nb > P:
        raise ValueError(f"n_bins must be <= period ({P}); got {nb}")
    if T <= P:
        raise ValueError(f"n_steps must be > period ({P}) so that the mask is not empty; got {T}")
    pd = _check_prob("p_drop", p_drop)
    dtype = _dtype(dtype)
    rng = _rng(rng, seed)
    off = rng.integers(0, P, size=B)
    t = np.arange(T)[:, None]
    phase = (t + off[None, :]) % P
    start = phase == 0
    first = (P - off) % P  # step of the first period start
    keep = rng.random((T, B)) >= pd
    keep[first, np.arange(B)] = True
    x = np.zeros((T, B, 1), dtype)
    x[:, :, 0] = start & keep
    labels = (phase * nb // P).astype(np.int64)
    mask = np.zeros(T, bool)
    mask[P:] = True
    sizes = np.bincount(np.arange(P) * nb // P, minlength=nb)
    return TaskBatch(x, labels, mask, nb, float(sizes.max() / P), {"phase": phase, "offset": off})


def _binomial_mod_max(n, p, k):
    """``max_r P(Binomial(n, p) = r mod k)``, exactly (log-space pmf)."""
    from math import lgamma, log, exp

    probs = np.zeros(k)
    for c in range(n + 1):
        if p in (0.0, 1.0):
            pc = 1.0 if (c == 0 and p == 0.0) or (c == n and p == 1.0) else 0.0
        else:
            pc = exp(lgamma(n + 1) - lgamma(c + 1) - lgamma(n - c + 1) + c * log(p) + (n - c) * log(1 - p))
        probs[c % k] += pc
    return float(probs.max())


def modulo_count(
    batch_size, n_items=10, *, k=2, hold=1, gap=0, t_query=1, p_one=0.5, rng=None, seed=None, dtype=np.float32
):
    r"""Parity (``k = 2``) and modulo-``k`` counting of a bit stream.

    ``n_items`` bits, each shown for ``hold`` steps and followed by ``gap``
    silent steps: channel 0 is 1 while a 1-bit is shown, channel 1 while a
    0-bit is shown (so that every item is visible).  Then a query of
    ``t_query`` steps on channel 2.  ``T = n_items*(hold + gap) + t_query``.
    The label ``(B,)`` is ``(number of 1-bits) mod k``; ``mask``: the query
    steps.  Bits are 1 with probability ``p_one``; ``chance`` is
    ``max_r P(Binomial(n_items, p_one) = r mod k)`` (exact; 1/2 for parity
    with ``p_one = 1/2``).  ``info['bits']``: ``(B, n_items)``.
    """
    B = _check_int("batch_size", batch_size, 1)
    n = _check_int("n_items", n_items, 1)
    k = _check_int("k", k, 2)
    h = _check_int("hold", hold, 1)
    g = _check_int("gap", gap, 0)
    tq = _check_int("t_query", t_query, 1)
    p = _check_prob("p_one", p_one)
    dtype = _dtype(dtype)
    rng = _rng(rng, seed)
    bits = (rng.random((B, n)) < p).astype(np.int64)
    T = n * (h + g) + tq
    x = np.zeros((T, B, 3), dtype)
    for i in range(n):
        t0 = i * (h + g)
        x[t0 : t0 + h, :, 0] = bits[:, i]
        x[t0 : t0 + h, :, 1] = 1 - bits[:, i]
    x[T - tq :, :, 2] = 1
    mask = np.zeros(T, bool)
    mask[T - tq :] = True
    labels = bits.sum(axis=1) % k
    return TaskBatch(x, labels.astype(np.int64), mask, k, _binomial_mod_max(n, p, k), {"bits": bits})


def parity(batch_size, n_items=10, **kwargs):
    """``modulo_count`` with ``k = 2``: the parity of the number of 1-bits."""
    if "k" in kwargs:
        raise TypeError("parity has k = 2; use modulo_count for another k")
    return modulo_count(batch_size, n_items, k=2, **kwargs)


_DIGITS = {}


def _load_digits():
    if "data" not in _DIGITS:
        try:
            from sklearn.datasets import load_digits
        except ImportError as e:
            raise ImportError(
                "sequential_digits needs scikit-learn; install the 'tasks' extra: pip install 'spikesim[tasks]'"
            ) from e
        d = load_digits()
        order = np.random.default_rng(0).permutation(len(d.target))  # fixed split, independent of seeds
        _DIGITS["data"] = (d.images.reshape(-1, 64)[order] / 16.0, d.target[order].astype(np.int64))
    return _DIGITS["data"]


def digit_permutation(seed=0):
    """The pixel order of the permuted task: ``numpy.random.default_rng(seed).permutation(64)``."""
    return np.random.default_rng(seed).permutation(64)


def sequential_digits(
    batch_size,
    *,
    split="train",
    permuted=False,
    perm_seed=0,
    t_readout=1,
    index=None,
    rng=None,
    seed=None,
    dtype=np.float32,
):
    r"""Sequential (and permuted-sequential) digits, scikit-learn's bundled 8x8 digits.

    The 1797 images are shuffled once with a fixed seed (0); the first 1437
    are ``split='train'``, the last 360 ``'test'``.  A batch draws
    ``batch_size`` images of the split with replacement; ``index``, an
    array of ``batch_size`` indices into the split, takes those images instead
    (``index=np.arange(360)``, ``split='test'``: every test image once).  Input ``(64, B, 1)``:
    the pixels in row-major order (``permuted=True``: in the order
    ``digit_permutation(perm_seed)``), one per step, scaled to ``[0, 1]``
    (grey level / 16).  Label ``(B,)``: the digit; ``mask``: the last
    ``t_readout`` steps.  ``chance = 1/10`` (the classes hold 174-183 images
    each).  ``info['index']``: the drawn images' indices in the split.
    Needs scikit-learn (the ``tasks`` extra).
    """
    B = _check_int("batch_size", batch_size, 1)
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    if not isinstance(permuted, bool):
        raise TypeError(f"permuted must be a bool; got {type(permuted).__name__}")
    tr = _check_int("t_readout", t_readout, 1)
    if tr > 64:
        raise ValueError(f"t_readout must be <= 64 (the sequence length); got {tr}")
    dtype = _dtype(dtype)
    rng = _rng(rng, seed)
    X, y = _load_digits()
    n_train = 1437
    Xs, ys = (X[:n_train], y[:n_train]) if split == "train" else (X[n_train:], y[n_train:])
    if index is None:
        idx = rng.integers(0, len(ys), size=B)
    else:
        idx = np.asarray(index)
        if idx.shape != (B,) or idx.dtype.kind not in "iu" or (B and (idx.min() < 0 or idx.max() >= len(ys))):
            raise ValueError(
                f"index must be {B} integer indices in [0, {len(ys)}) (the {split!r} split); "
                f"got shape {idx.shape}, dtype {idx.dtype}"
            )
    seq = Xs[idx]
    if permuted:
        seq = seq[:, digit_permutation(perm_seed)]
    x = np.ascontiguousarray(seq.T[:, :, None], dtype=dtype)
    mask = np.zeros(64, bool)
    mask[64 - tr :] = True
    return TaskBatch(x, ys[idx].copy(), mask, 10, 0.1, {"index": idx})


_MNIST1D = {}


def mnist1d(batch_size, *, split="train", t_readout=1, rng=None, seed=None, dtype=np.float32):
    r"""MNIST-1D (Greydanus 2020), generated locally by the ``mnist1d`` package
    with its default arguments (4000 training and 1000 test sequences of
    length 40, no download).  Input ``(40, B, 1)``: the sequence, one value
    per step, divided by 4 (the values lie in about [-5.5, 4.6]).  Label
    ``(B,)``; ``mask``: the last ``t_readout`` steps; ``chance = 1/10``.
    Needs the ``mnist1d`` package (the ``tasks`` extra).
    """
    B = _check_int("batch_size", batch_size, 1)
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    tr = _check_int("t_readout", t_readout, 1)
    if tr > 40:
        raise ValueError(f"t_readout must be <= 40 (the sequence length); got {tr}")
    dtype = _dtype(dtype)
    rng = _rng(rng, seed)
    if "data" not in _MNIST1D:
        try:
            from mnist1d.data import get_dataset_args, make_dataset
        except ImportError as e:
            raise ImportError(
                "mnist1d needs the mnist1d package; install the 'tasks' extra: pip install 'spikesim[tasks]'"
            ) from e
        _MNIST1D["data"] = make_dataset(get_dataset_args())
    d = _MNIST1D["data"]
    Xs, ys = (d["x"], d["y"]) if split == "train" else (d["x_test"], d["y_test"])
    idx = rng.integers(0, len(ys), size=B)
    x = np.ascontiguousarray(np.asarray(Xs)[idx].T[:, :, None] / 4.0, dtype=dtype)
    T = x.shape[0]
    mask = np.zeros(T, bool)
    mask[T - tr :] = True
    return TaskBatch(x, np.asarray(ys)[idx].astype(np.int64), mask, 10, 0.1, {"index": idx})


# ---------------------------------------------------------------------------
# cue accumulation as a TaskBatch, and its sweeps
def cue_accumulation_task(batch_size, **kwargs):
    """``cue_accumulation`` as a ``TaskBatch``: labels ``(B,)``, mask the recall
    cue, 2 classes, ``chance = 1/2`` (the majority side is drawn with
    probability 1/2; ties of an even cue count are labelled left, so for an
    even ``n_cues`` the chance level is ``P(label = left)``, computed exactly)."""
    b = cue_accumulation(batch_size, **kwargs)
    n_cues = b.cues.shape[1]
    p_min = float(kwargs.get("p_minority", 0.3))
    chance = 0.5
    if n_cues % 2 == 0:
        # P(tie) = P(Binomial(n, p_min) = n/2); a tie is labelled left
        from math import comb

        p_tie = comb(n_cues, n_cues // 2) * p_min ** (n_cues // 2) * (1 - p_min) ** (n_cues // 2)
        chance = 0.5 + p_tie / 2
    return TaskBatch(
        b.x, b.labels, b.recall_mask, 2, chance, {"cues": b.cues, "delays": b.delays, "cue_onsets": b.cue_onsets}
    )


def _predict_fn(model):
    if hasattr(model, "forward"):
        return lambda x: model.forward(x).y
    if callable(model):
        return model
    raise TypeError(f"model must have .forward(x) (an SNN) or be a callable x -> y; got {type(model).__name__}")


def batch_accuracy(y, batch):
    """Accuracy of a readout ``y`` ``(T, B, C)`` on a ``TaskBatch``: window-mean
    argmax for ``(B,)`` labels, per-step argmax over the masked steps for
    ``(T, B)`` labels."""
    y = np.asarray(y)
    if y.ndim != 3 or y.shape[:2] != batch.x.shape[:2]:
        raise ValueError(f"y must have shape (T, B, C) with (T, B) = {batch.x.shape[:2]}; got {y.shape}")
    if batch.per_step:
        pred = y[batch.mask].argmax(-1)
        return float(np.mean(pred == batch.labels[batch.mask]))
    return float(np.mean(y[batch.mask].mean(axis=0).argmax(-1) == batch.labels))


def accuracy_vs_wait(model, waits, *, n_samples=128, chunk=32, n_cues=7, seed=7, **task_kwargs):
    """Cue-accumulation accuracy of ``model`` (an ``SNN`` or a callable
    ``x -> y``) for each fixed wait (delay, in steps) in ``waits``.  Returns a
    list of accuracies over ``n_samples`` fresh samples each (same seed for
    every wait)."""
    return _sweep(model, "delay", waits, n_samples, chunk, seed, dict(task_kwargs, n_cues=n_cues))


def accuracy_vs_cues(model, cues, *, n_samples=128, chunk=32, delay=(500, 1500), seed=8, **task_kwargs):
    """Cue-accumulation accuracy for each number of cues in ``cues``."""
    return _sweep(model, "n_cues", cues, n_samples, chunk, seed, dict(task_kwargs, delay=delay))


def _sweep(model, key, values, n_samples, chunk, seed, kw):
    pred = _predict_fn(model)
    n_samples = _check_int("n_samples", n_samples, 1)
    chunk = _check_int("chunk", chunk, 1)
    values = [_check_int(f"{key} values", v, 0 if key == "delay" else 1) for v in values]
    out = []
    for v in values:
        rng = np.random.default_rng(seed)
        correct = done = 0
        while done < n_samples:
            b = min(chunk, n_samples - done)
            batch = cue_accumulation_task(b, rng=rng, **dict(kw, **{key: v}))
            correct += batch_accuracy(pred(batch.x), batch) * b
            done += b
        out.append(correct / n_samples)
    return out


#: name -> generator of the workbench (all return a TaskBatch)
TASKS = {
    "delayed_recall": delayed_recall,
    "flip_flop": flip_flop,
    "time_of_day": time_of_day,
    "modulo_count": modulo_count,
    "parity": parity,
    "sequential_digits": sequential_digits,
    "mnist1d": mnist1d,
    "cue_accumulation": cue_accumulation_task,
}
