"""Time: integer steps, ``dt`` in ms, and the rounding rule of docs/contract.md §2.

Time is an integer step; ``t = step * dt`` is derived, never accumulated.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .errors import SpikesimWarning, check_finite


def check_dt(dt) -> float:
    """Validate a time step in ms."""
    if isinstance(dt, bool) or not isinstance(dt, (int, float, np.floating, np.integer)):
        raise TypeError(f"dt must be a number of ms; got {dt!r} ({type(dt).__name__})")
    dt = float(dt)
    if not math.isfinite(dt) or dt <= 0.0:
        raise ValueError(f"dt must be a finite number of ms > 0; got {dt}")
    return dt


def ms_to_steps(value_ms, dt: float, name: str, minimum: int = 0) -> np.ndarray:
    """Round milliseconds to steps, ``floor(value/dt + 0.5)`` (docs/contract.md §2).

    Raises when a result falls below ``minimum`` (no silent clamp).
    """
    arr = np.asarray(value_ms, dtype=np.float64)
    check_finite(arr, name)
    steps = np.floor(arr / dt + 0.5).astype(np.int64)
    if steps.size and steps.min() < minimum:
        bad = arr.flat[int(np.argmin(steps))]
        raise ValueError(
            f"{name} {bad} ms rounds to {int(steps.min())} steps at dt = {dt} ms; "
            f"{name} must be >= {minimum} step{'s' if minimum != 1 else ''}"
        )
    return steps


def duration_to_steps(duration, steps, dt: float) -> int:
    """The number of steps of a run given as ``duration`` (ms) or ``steps``."""
    if (duration is None) == (steps is None):
        raise ValueError("give exactly one of duration (ms) or steps")
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
            raise TypeError(f"steps must be an int; got {steps!r}")
        if steps < 0:
            raise ValueError(f"steps must be >= 0; got {steps}")
        return int(steps)
    if isinstance(duration, bool) or not isinstance(duration, (int, float, np.integer, np.floating)):
        raise TypeError(f"duration must be a number of ms; got {duration!r} ({type(duration).__name__})")
    if not math.isfinite(duration) or duration < 0:
        raise ValueError(f"duration must be a finite number of ms >= 0; got {duration}")
    n = int(ms_to_steps(duration, dt, "duration", minimum=0))
    if n == 0 and duration > 0:
        raise ValueError(
            f"duration {duration} ms rounds to 0 steps at dt = {dt} ms; give at least {dt / 2} ms or steps="
        )
    if abs(n * dt - duration) > 1e-9 * max(1.0, abs(duration)):
        warnings.warn(
            f"duration {duration} ms is not a whole number of steps of dt = {dt} ms; running {n} steps ({n * dt:g} ms)",
            SpikesimWarning,
            stacklevel=3,
        )
    return n
