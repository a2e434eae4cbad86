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

__all__ = ["CueAccumulationBatch", "cue_accumulation", "CUE_CHANNELS"]

#: channel groups of the 40 inputs (10 each): name -> slice
CUE_CHANNELS = {"left": slice(0, 10), "right": slice(10, 20),
                "recall": slice(20, 30), "noise": slice(30, 40)}


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


def cue_accumulation(batch_size, *, n_cues=7, delay=1050, rng=None, seed=None,
                     t_cue=100, t_interval=150, t_recall=150, f0=40.0,
                     noise_rate=None, p_minority=0.3, dt=1.0, dtype=np.float32):
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
            raise ValueError(f"{name} * dt must give a spike probability in [0, 1]; got {name} = {r} Hz "
                             f"at dt = {dt} ms")
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
    majority = rng.integers(0, 2, size=B)                      # (B,)
    minority_draw = rng.random((B, n_cues)) < p_minority
    cues = np.where(minority_draw, 1 - majority[:, None], majority[:, None]).astype(np.int64)
    n_right = cues.sum(axis=1)
    labels = (2 * n_right > n_cues).astype(np.int64)
    delays = rng.integers(lo, hi + 1, size=B).astype(np.int64)
    start = hi - delays                                        # background-only lead-in
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
    prob[T - t_recall:, :, 20:30] = p_cue
    prob[:, :, 30:40] = p_noise
    x = (rng.random((T, B, 40)) < prob).astype(dtype)
    recall_mask = np.zeros(T, dtype=bool)
    recall_mask[T - t_recall:] = True
    return CueAccumulationBatch(x, labels, cues, delays, cue_onsets.astype(np.int64), recall_mask)
