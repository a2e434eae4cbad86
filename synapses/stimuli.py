"""External stimuli, delivered in phase 2 of the step they are given for (d = 0, docs/contract.md §2).

=============== ==========================================================================
stimulus        adds into the target receptor at step ``t``
=============== ==========================================================================
CurrentInput    ``values[t - start_step]``; values ``(T, B, N)`` (per sample) or ``(T, N)`` (shared)
StepCurrent     ``amplitude`` (scalar or ``(N,)``) for ``start <= t*dt < stop`` (ms); no stop: constant
PoissonInput    ``weight * k``, ``k ~ Poisson(n_inputs * rate * dt)``: ``n_inputs`` independent
                Poisson trains at ``rate`` Hz per target neuron (Brian2 PoissonInput, NEST
                poisson_generator), drawn from the sample's own stream
=============== ==========================================================================
"""
from __future__ import annotations

import numpy as np

from simcore.base import random as rnd
from simcore.base.clock import ms_to_steps
from simcore.base.context import BuildContext
from simcore.base.component import Component
from simcore.base.errors import as_vector, check_finite, check_int, check_name, check_real
from scipy import stats

from simcore.base.subgroup import expand, split
from simcore.base.kernels.rng import jump_matrix, jump_states
from simcore.shards import NotShardable, bounds
from .kernels.stimuli import (LANES, current_array, current_array_range, poisson_input, poisson_input_lane,
                              poisson_lanes, step_current, step_current_range)
from .projection import resolve_receptor as _receptor


class Stimulus(Component):
    """Base class: a component that adds into a receptor of ``target`` in phase 2 (``build``, ``emit``)."""

    role = "stimulus"
    emit_order = 1

    def members(self) -> tuple:
        return (self.target,)

    def schedule(self) -> dict:
        return {"deliver": [f"stimulus {self.name} -> {self.target.name}:{self.receptor}"]}

    def _rows(self, kb, p: str) -> str:
        """``lo, hi``: the target neurons of shard ``sh`` (sharded kernels)."""
        limits = kb.arg(bounds(self.target.n, kb.shards), f"{p}_bounds")
        return f"{limits}[sh], {limits}[sh + 1]"

    def _buffer(self, kb, p: str) -> str:
        """The kernel name of the target receptor's buffer."""
        return kb.arg(self.target.runtime.receptors[self.receptor], f"{p}_target")

    def describe(self) -> dict:
        return {"name": self.name, "stimulus": type(self).__name__, "target": self.target.name,
                "receptor": self.receptor}


class CurrentInput(Stimulus):
    """An input array: ``(T, B, N)`` per sample or ``(T, N)`` shared by the batch."""

    def __init__(self, target, values, *, receptor=None, start_step: int = 0, name=None):
        self.target, self.receptor, self.name = target, _receptor(target, receptor), _optional_name(name)
        arr = np.asarray(values)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"values must be numeric; got dtype {arr.dtype}")
        if arr.ndim == 2:
            arr = arr[:, None, :]
        if arr.ndim != 3 or arr.shape[2] != target.n:
            raise ValueError(f"values must have shape (T, {target.n}) or (T, B, {target.n}) for {target.name!r}; "
                             f"got {np.shape(values)}")
        check_finite(arr, "values")
        self.target, view = split(target)
        self.values = expand(arr, view, self.target.n)
        self.start_step = check_int(start_step, "start_step", minimum=0)

    def build(self, ctx: BuildContext) -> None:
        if self.values.shape[1] not in (1, ctx.batch_size):
            raise ValueError(f"values of {self.name!r} have batch size {self.values.shape[1]}; "
                             f"expected {ctx.batch_size} (batch_size) or shape (T, N)")
        self.kernel_values = np.ascontiguousarray(self.values, dtype=ctx.dtype)

    def emit(self, kb) -> None:
        p = kb.unique(f"stim_{self.name}")
        buf = self._buffer(kb, p)
        args = f"{kb.arg(self.kernel_values, p + '_values')}, {kb.arg(self.start_step, p + '_start')}, {buf}"
        if kb.shards > 1:
            fn = kb.func(current_array_range, "current_array_range")
            kb.add("deliver", f"{fn}(b, t, {args}, {self._rows(kb, p)})", sharded=True)
            return
        kb.add("deliver", f"{kb.func(current_array, 'current_array')}(b, t, {args})")


class StepCurrent(Stimulus):
    """A constant ``amplitude`` from ``start`` to ``stop`` ms (``stop=None``: to the end)."""

    def __init__(self, target, amplitude, *, start: float = 0.0, stop: float | None = None, receptor=None, name=None):
        self.target, self.receptor, self.name = target, _receptor(target, receptor), _optional_name(name)
        self.target, view = split(target)
        self.amplitude = expand(as_vector(amplitude, target.n, "amplitude"), view, self.target.n)
        start = check_real(start, "start", minimum=0.0)
        if stop is not None:
            stop = check_real(stop, "stop")
            if stop < start:
                raise ValueError(f"stop must be >= start; got start={start}, stop={stop}")
        self.start, self.stop = start, stop

    def build(self, ctx: BuildContext) -> None:
        self.kernel_amplitude = self.amplitude.astype(ctx.dtype)
        self.start_step = int(ms_to_steps(self.start, ctx.dt, "start"))
        self.stop_step = -1 if self.stop is None else int(ms_to_steps(self.stop, ctx.dt, "stop"))

    def emit(self, kb) -> None:
        p = kb.unique(f"stim_{self.name}")
        buf = self._buffer(kb, p)
        args = (f"{kb.arg(self.kernel_amplitude, p + '_amp')}, {kb.arg(self.start_step, p + '_start')}, "
                f"{kb.arg(self.stop_step, p + '_stop')}, {buf}")
        if kb.shards > 1:
            fn = kb.func(step_current_range, "step_current_range")
            kb.add("deliver", f"{fn}(b, t, {args}, {self._rows(kb, p)})", sharded=True)
            return
        kb.add("deliver", f"{kb.func(step_current, 'step_current')}(b, t, {args})")


class PoissonInput(Stimulus):
    """``n_inputs`` Poisson trains at ``rate`` Hz with weight ``weight`` into every target neuron.

    Random numbers: sample ``b`` has one xoroshiro128+ stream, walked neuron by
    neuron every step (one draw per neuron whose mean is > 0, for means below
    12). The kernel splits the neurons into *lanes*, contiguous blocks that
    each start at their first neuron's position in that stream (a jump-ahead,
    :func:`simcore.base.kernels.rng.jump_matrix`), so every neuron draws the
    number it draws unsplit, whatever the number of shards (docs/contract.md
    §5, §6). ``rng_state`` (lane 0, the stream at neuron 0) is what
    checkpoints store.
    """

    def __init__(self, target, n_inputs: int, rate, weight, *, receptor=None, name=None):
        self.target, self.receptor, self.name = target, _receptor(target, receptor), _optional_name(name)
        self.n_inputs = check_int(n_inputs, "n_inputs", minimum=0)
        self.target, view = split(target)
        self.rate = expand(as_vector(rate, target.n, "rate"), view, self.target.n)
        if np.any(self.rate < 0):
            raise ValueError(f"rate must be >= 0 Hz; got {self.rate[self.rate < 0][0]}")
        self.weight = expand(as_vector(weight, target.n, "weight"), view, self.target.n)

    #: a shared mean below this uses the table kernel
    TABLE_MAX_LAM = 64.0
    #: means below this draw exactly one number per neuron (sequential inversion, rng.poisson_small)
    ONE_DRAW_MAX_LAM = 12.0
    #: bits of the draw that index the guide table of the inversion
    GUIDE_BITS = 10

    def build(self, ctx: BuildContext) -> None:
        lam = self.n_inputs * self.rate * ctx.dt / 1000.0
        self.lam = lam.astype(np.float64)
        shared = bool(np.all(lam == lam[0]) and np.all(self.weight == self.weight[0]))
        self.cdf = self.guide = None
        if shared and lam[0] < self.TABLE_MAX_LAM:
            k_max = int(lam[0] + 40.0 * np.sqrt(lam[0]) + 40.0)  # far beyond float64 resolution
            cdf = stats.poisson.cdf(np.arange(k_max + 1), lam[0])
            last = int(np.argmax(cdf >= 1.0)) if np.any(cdf >= 1.0) else k_max
            self.cdf = np.ascontiguousarray(cdf[:last + 1], dtype=np.float64)
            edges = np.arange(1 << self.GUIDE_BITS, dtype=np.float64) / (1 << self.GUIDE_BITS)
            self.guide = np.minimum(np.searchsorted(self.cdf, edges, side="left"), last).astype(np.int64)
        self.exp_neg_lam = np.exp(-lam)
        self.kernel_weight = self.weight.astype(ctx.dtype)
        self.rng_state = rnd.stream_states(ctx.seed, self.name, rnd.NOISE, ctx.batch_size)
        self.lanes = None

    def reset_state(self, ctx: BuildContext) -> None:
        self.rng_state[...] = rnd.stream_states(ctx.seed, self.name, rnd.NOISE, ctx.batch_size)
        self._derive_lanes()

    def import_state(self, state: dict) -> None:
        super().import_state(state)
        self._derive_lanes()

    # ----- lanes
    def _draws_before(self) -> np.ndarray:
        """``(N + 1,)``: the draws of one step that come before each neuron (one per neuron with a mean > 0)."""
        if self.cdf is not None:
            return np.arange(self.target.n + 1, dtype=np.int64)
        return np.concatenate([[0], np.cumsum(self.lam > 0.0)]).astype(np.int64)

    def _make_lanes(self, shards: int, per_shard: int) -> None:
        """Lane limits, end-of-step jumps and lane states for ``shards`` x ``per_shard`` lanes."""
        limits = bounds(self.target.n, shards)
        starts = [lo + (l_ * (hi - lo)) // per_shard for lo, hi in zip(limits[:-1], limits[1:])
                  for l_ in range(per_shard)]
        self.starts = np.array(starts + [self.target.n], dtype=np.int64)
        draws = self._draws_before()
        total, mats = int(draws[-1]), {}

        def matrix(n):
            if n not in mats:
                mats[n] = jump_matrix(n)
            return mats[n]

        counts = draws[self.starts[1:]] - draws[self.starts[:-1]]
        self.jump_n = (total - counts).astype(np.int64)
        self.jumps = np.ascontiguousarray(np.stack([matrix(int(n)) for n in self.jump_n]))
        self._start_mats = [matrix(int(draws[a])) for a in self.starts[:-1]]
        lanes = np.empty((len(starts),) + self.rng_state.shape, dtype=np.uint64)
        lanes[0] = self.rng_state
        self.lanes, self.rng_state = lanes, lanes[0]
        self._derive_lanes()

    def _derive_lanes(self) -> None:
        """Every lane's state from lane 0 (the stream at neuron 0), after a reset, a restore or a new split."""
        if self.lanes is None:
            return
        for j in range(1, self.lanes.shape[0]):
            jump_states(self.rng_state, self._start_mats[j], self.lanes[j])

    def emit(self, kb) -> None:
        p = kb.unique(f"stim_{self.name}")
        buf = self._buffer(kb, p)
        if self.cdf is not None:
            self._make_lanes(kb.shards, LANES)
            w = kb.arg(self.kernel_weight.dtype.type(self.kernel_weight[0]), p + "_w")
            args = (f"{kb.arg(self.cdf, p + '_cdf')}, {kb.arg(self.guide, p + '_guide')}, {w}, {self._lane_args(kb, p)}"
                    f", {buf}")
            kb.add("deliver", f"{kb.func(poisson_lanes, 'poisson_lanes')}(b, {self._shard(kb)}, {args})",
                   sharded=kb.shards > 1)
            return
        common = (f"{kb.arg(self.lam, p + '_lam')}, {kb.arg(self.exp_neg_lam, p + '_expm')}, "
                  f"{kb.arg(self.kernel_weight, p + '_w')}")
        if kb.shards == 1:
            self.lanes = None
            kb.add("deliver", f"{kb.func(poisson_input, 'poisson_input')}(b, t, {common}, "
                              f"{kb.arg(self.rng_state, p + '_rng')}, {buf})")
            return
        if np.any(self.lam >= self.ONE_DRAW_MAX_LAM):
            raise NotShardable(f"PoissonInput {self.name!r} has a mean >= {self.ONE_DRAW_MAX_LAM} per step "
                               "(a varying number of draws per neuron)")
        self._make_lanes(kb.shards, 1)
        kb.add("deliver", f"{kb.func(poisson_input_lane, 'poisson_input_lane')}(b, sh, {common}, "
                          f"{self._lane_args(kb, p)}, {buf})", sharded=True)

    @staticmethod
    def _shard(kb) -> str:
        return "sh" if kb.shards > 1 else "0"

    def _lane_args(self, kb, p: str) -> str:
        return ", ".join([kb.arg(self.lanes, p + "_lanes"), kb.arg(self.starts, p + "_starts"),
                          kb.arg(self.jumps, p + "_jumps"), kb.arg(self.jump_n, p + "_jump_n")])

    def describe(self):
        return {**super().describe(), "n_inputs": self.n_inputs, "rate_hz": float(self.rate.mean()),
                "weight": float(self.weight.mean())}

    def state_arrays(self) -> dict:
        return {"rng": self.rng_state} if hasattr(self, "rng_state") else {}


def _optional_name(name):
    return None if name is None else check_name(name)
