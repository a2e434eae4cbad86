"""Per-neuron delay queues (docs/contract.md §2); the kernels are in ``synapses.kernels.queue``.

A delay is an integer ``d >= 1`` steps; milliseconds become steps by
``floor(delay/dt + 0.5)``, and a result below one step is an error.
"""
from __future__ import annotations

import numpy as np

from simcore.base.clock import ms_to_steps
from simcore.base.distributions import Distribution, realize
from simcore.base.errors import check_finite


#: longest delay in steps (the ring's slot arithmetic and its memory stay in range)
MAX_DELAY_STEPS = 2**31


def delays_to_steps(delay_ms, delay_steps, n_pre: int, dt: float, rng) -> np.ndarray:
    """Per-source delays in steps, shape ``(n_pre,)`` int64, all ``>= 1``."""
    if delay_ms is not None and delay_steps is not None:
        raise ValueError("give delay (ms) or delay_steps, not both")
    if delay_steps is None and delay_ms is None:
        delay_steps = 1
    if delay_steps is not None:
        if isinstance(delay_steps, (bool, str, bytes, dict)):
            raise TypeError(f"delay_steps must be an int or an array of ints; got {delay_steps!r}")
        arr = np.asarray(delay_steps)
        if arr.dtype.kind == "f":
            check_finite(arr, "delay_steps")
            if np.any(arr != np.round(arr)):
                raise ValueError(f"delay_steps must be whole numbers of steps; got {arr[arr != np.round(arr)].flat[0]}")
        elif arr.dtype.kind not in "iu":
            raise TypeError(f"delay_steps must be an int or an array of ints; got {delay_steps!r}")
        steps = np.broadcast_to(arr, (n_pre,)) if arr.ndim == 0 else arr
        if steps.shape != (n_pre,):
            raise ValueError(f"delay_steps must be a scalar or have shape ({n_pre},) (one per source neuron); got shape {arr.shape}")
        if np.any(steps >= MAX_DELAY_STEPS):
            raise ValueError(f"delay_steps must be < {MAX_DELAY_STEPS} steps; got {int(np.max(steps))}")
        steps = steps.astype(np.int64)
        if steps.min() < 1:
            raise ValueError(f"delay_steps must be >= 1 step; got {int(steps.min())}")
        return np.ascontiguousarray(steps)
    if not isinstance(delay_ms, Distribution) and np.ndim(delay_ms) not in (0, 1):
        raise ValueError(f"delay must be a scalar, one value per source neuron ({n_pre},) or a Distribution; got shape {np.shape(delay_ms)}")
    if not isinstance(delay_ms, Distribution) and np.ndim(delay_ms) == 1 and np.shape(delay_ms) != (n_pre,):
        raise ValueError(f"delay must have shape ({n_pre},) (one per source neuron; per-synapse delays are not supported); got shape {np.shape(delay_ms)}")
    values = realize(delay_ms, rng, n_pre, "delay")
    if np.any(values < 0):
        raise ValueError(f"delay must be >= 0 ms; got {values[values < 0][0]}")
    steps = ms_to_steps(values, dt, "delay", minimum=1)
    if steps.max() >= MAX_DELAY_STEPS:
        raise ValueError(f"delay {values.max()} ms is {int(steps.max())} steps at dt = {dt} ms; delays must be "
                         f"< {MAX_DELAY_STEPS} steps")
    return steps


def queue_bytes(max_delay: int, batch_size: int, n_pre: int, dtype) -> int:
    """Bytes of a delay queue: ``D = max_delay + 1`` slots of ``(B, N_pre)`` sources and values, and counts."""
    D = int(max_delay) + 1
    return D * batch_size * (n_pre * (4 + np.dtype(dtype).itemsize) + 8)



class DelayQueue:
    """Ring of ``D = max(d) + 1`` slots of spikes in flight, per sample.

    ``q_src[slot, b, e]`` source index, ``q_val[slot, b, e]`` spike value,
    ``q_cnt[slot, b]`` entries used. Memory ``D * B * N_pre``, fixed.
    """

    def __init__(self, delays: np.ndarray, batch_size: int, dtype):
        self.delays = delays
        self.length = int(delays.max()) + 1
        n_pre = delays.shape[0]
        self.q_src = np.zeros((self.length, batch_size, n_pre), dtype=np.int32)
        self.q_val = np.zeros((self.length, batch_size, n_pre), dtype=dtype)
        self.q_cnt = np.zeros((self.length, batch_size), dtype=np.int64)
        #: synaptic events delivered so far, per sample
        self.delivered = np.zeros(batch_size, dtype=np.int64)

    def clear(self) -> None:
        """Empty the ring and the event count (back to step 0)."""
        self.q_cnt[...] = 0
        self.delivered[...] = 0

    def in_flight(self) -> int:
        """Spikes entered but not yet delivered (all samples)."""
        return int(self.q_cnt.sum())

    @property
    def nbytes(self) -> int:
        return self.q_src.nbytes + self.q_val.nbytes + self.q_cnt.nbytes + self.delays.nbytes
