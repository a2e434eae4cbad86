"""External stimuli, delivered in phase 2 of the step they are given for (d = 0, docs/contract.md §2).

=============== ==========================================================================
stimulus        adds into the target receptor at step ``t``
=============== ==========================================================================
CurrentInput    ``values[t - start_step]``; values ``(T, B, N)`` (per sample) or ``(T, N)`` (shared)
StepCurrent     ``amplitude`` (scalar or ``(N,)``) for ``start <= t*dt < stop`` (ms); no stop: constant
PoissonInput    ``weight * k``, ``k ~ Poisson(n_inputs * rate * dt)``: ``n_inputs`` independent
                Poisson trains at ``rate`` Hz per target neuron (Brian2 PoissonInput, NEST
                poisson_generator), drawn from the sample's own stream
DCSource        StepCurrent under PyNN's name (NEST dc_generator)
StepCurrentSource  ``amplitudes[k]`` from ``times[k]`` until ``times[k+1]`` (ms; NEST
                step_current_generator, PyNN StepCurrentSource); nothing before ``times[0]``
NoisyCurrent    an Ornstein-Uhlenbeck current, ``mean``, stationary ``std``, correlation time
                ``tau``, exact update per step, per-sample streams
ACSource        ``offset + amplitude*sin(2 pi frequency t + phase)`` (NEST ac_generator, PyNN
                ACSource; frequency in Hz, phase in degrees, ``t = step*dt``)
InhomogeneousPoissonInput  PoissonInput with a rate that changes over time: an array
                ``(K,)`` or ``(K, N)`` of Hz, one row per ``rate_dt`` ms from ``start``, or a
                function of time (ms) sampled once per step at build (NEST
                inhomogeneous_poisson_generator)
=============== ==========================================================================

A current source targets a receptor that takes a current (``I`` of the
biophysical models, in pA): the value given for step ``t`` is delivered in phase 2
of step ``t`` and, for those models, held over the step ``t -> t+1``.
"""

from __future__ import annotations

import math

import numpy as np

from simcore.base import random as rnd
from simcore.base.clock import ms_to_steps
from simcore.base.context import BuildContext
from simcore.base.component import Component
from simcore.base.errors import as_float_array, as_vector, check_finite, check_int, check_name, check_real

from simcore.base.kernels.rng import normal as rng_normal
from simcore.base.subgroup import expand, split
from simcore.base.kernels.rng import jump_matrix, jump_states
from simcore.base.shards import NotShardable, bounds
from .kernels.stimuli import (
    LANES,
    current_array,
    current_array_range,
    noisy_current,
    poisson_input,
    poisson_input_lane,
    poisson_input_timed,
    poisson_lanes,
    sine_current,
    step_current,
    step_current_range,
    step_currents,
)
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
        return {
            "name": self.name,
            "stimulus": type(self).__name__,
            "target": self.target.name,
            "receptor": self.receptor,
        }


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
            raise ValueError(
                f"values must have shape (T, {target.n}) or (T, B, {target.n}) for {target.name!r}; "
                f"got {np.shape(values)}"
            )
        check_finite(arr, "values")
        self.target, view = split(target)
        self.values = expand(arr, view, self.target.n)
        self.start_step = check_int(start_step, "start_step", minimum=0)

    def build(self, ctx: BuildContext) -> None:
        if self.values.shape[1] not in (1, ctx.batch_size):
            raise ValueError(
                f"values of {self.name!r} have batch size {self.values.shape[1]}; "
                f"expected {ctx.batch_size} (batch_size) or shape (T, N)"
            )
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
        args = (
            f"{kb.arg(self.kernel_amplitude, p + '_amp')}, {kb.arg(self.start_step, p + '_start')}, "
            f"{kb.arg(self.stop_step, p + '_stop')}, {buf}"
        )
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
            from scipy import stats  # here, not at import: scipy.stats costs 0.3 s of start-up (issue 16)

            cdf = stats.poisson.cdf(np.arange(k_max + 1), lam[0])
            last = int(np.argmax(cdf >= 1.0)) if np.any(cdf >= 1.0) else k_max
            self.cdf = np.ascontiguousarray(cdf[: last + 1], dtype=np.float64)
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
        starts = [
            lo + (l_ * (hi - lo)) // per_shard for lo, hi in zip(limits[:-1], limits[1:]) for l_ in range(per_shard)
        ]
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
            args = (
                f"{kb.arg(self.cdf, p + '_cdf')}, {kb.arg(self.guide, p + '_guide')}, {w}, {self._lane_args(kb, p)}"
                f", {buf}"
            )
            kb.add(
                "deliver",
                f"{kb.func(poisson_lanes, 'poisson_lanes')}(b, {self._shard(kb)}, {args})",
                sharded=kb.shards > 1,
            )
            return
        common = (
            f"{kb.arg(self.lam, p + '_lam')}, {kb.arg(self.exp_neg_lam, p + '_expm')}, "
            f"{kb.arg(self.kernel_weight, p + '_w')}"
        )
        if kb.shards == 1:
            self.lanes = None
            kb.add(
                "deliver",
                f"{kb.func(poisson_input, 'poisson_input')}(b, t, {common}, "
                f"{kb.arg(self.rng_state, p + '_rng')}, {buf})",
            )
            return
        if np.any(self.lam >= self.ONE_DRAW_MAX_LAM):
            raise NotShardable(
                f"PoissonInput {self.name!r} has a mean >= {self.ONE_DRAW_MAX_LAM} per step "
                "(a varying number of draws per neuron)"
            )
        self._make_lanes(kb.shards, 1)
        kb.add(
            "deliver",
            f"{kb.func(poisson_input_lane, 'poisson_input_lane')}(b, sh, {common}, {self._lane_args(kb, p)}, {buf})",
            sharded=True,
        )

    @staticmethod
    def _shard(kb) -> str:
        return "sh" if kb.shards > 1 else "0"

    def _lane_args(self, kb, p: str) -> str:
        return ", ".join(
            [
                kb.arg(self.lanes, p + "_lanes"),
                kb.arg(self.starts, p + "_starts"),
                kb.arg(self.jumps, p + "_jumps"),
                kb.arg(self.jump_n, p + "_jump_n"),
            ]
        )

    def describe(self):
        return {
            **super().describe(),
            "n_inputs": self.n_inputs,
            "rate_hz": float(self.rate.mean()),
            "weight": float(self.weight.mean()),
        }

    def state_arrays(self) -> dict:
        return {"rng": self.rng_state} if hasattr(self, "rng_state") else {}


class DCSource(StepCurrent):
    """A constant current ``amplitude`` from ``start`` to ``stop`` ms (PyNN ``DCSource``, NEST ``dc_generator``).

    The same input as :class:`StepCurrent`; the name is PyNN's.
    """


class StepCurrentSource(Stimulus):
    """A piecewise constant current: ``amplitudes[k]`` from ``times[k]`` to ``times[k+1]`` ms, the last to the end.

    ``times``: strictly increasing ms (each rounded to a step, docs/contract.md
    §2, and still strictly increasing); ``amplitudes``: ``(K,)`` (every neuron)
    or ``(K, N)``. Nothing is added before ``times[0]``.
    """

    def __init__(self, target, times, amplitudes, *, receptor=None, name=None):
        self.target, self.receptor, self.name = target, _receptor(target, receptor), _optional_name(name)
        times = np.atleast_1d(as_float_array(times, "times"))
        if times.ndim != 1 or times.size == 0:
            raise ValueError(f"times must be a non-empty 1-d sequence of ms; got shape {times.shape}")
        check_finite(times, "times")
        if np.any(times < 0) or np.any(np.diff(times) <= 0):
            raise ValueError(f"times must be >= 0 ms and strictly increasing; got {times.tolist()}")
        amps = np.asarray(amplitudes, dtype=np.float64) if not isinstance(amplitudes, (str, bool)) else None
        if amps is None or amps.shape not in ((times.size,), (times.size, target.n)):
            raise ValueError(
                f"amplitudes must have shape ({times.size},) or ({times.size}, {target.n}) for "
                f"{times.size} times; got {np.shape(amplitudes)}"
            )
        check_finite(amps, "amplitudes")
        self.target, view = split(target)  # a subgroup: zero amplitude outside it
        if view is not None:
            amps = expand(np.broadcast_to(amps.T, (target.n, times.size)).T, view, self.target.n)
        self.times, self.amplitudes = times, amps

    def build(self, ctx: BuildContext) -> None:
        steps = ms_to_steps(self.times, ctx.dt, "times").astype(np.int64)
        if np.any(np.diff(steps) <= 0):
            raise ValueError(
                f"times {self.times.tolist()} ms round to the steps {steps.tolist()} at dt = {ctx.dt} ms;"
                " two changes fall in one step (docs/contract.md §2)"
            )
        self.steps = np.ascontiguousarray(steps)
        amps = self.amplitudes if self.amplitudes.ndim == 2 else np.repeat(self.amplitudes[:, None], self.target.n, 1)
        self.kernel_amplitudes = np.ascontiguousarray(amps, dtype=ctx.dtype)

    def emit(self, kb) -> None:
        p = kb.unique(f"stim_{self.name}")
        kb.add(
            "deliver",
            f"{kb.func(step_currents, 'step_currents')}(b, t, {kb.arg(self.steps, p + '_steps')}, "
            f"{kb.arg(self.kernel_amplitudes, p + '_amps')}, {self._buffer(kb, p)})",
        )


def _window(start, stop) -> tuple:
    """``start`` (ms, >= 0) and ``stop`` (ms or None, >= start), checked."""
    start = check_real(start, "start", minimum=0.0)
    if stop is not None:
        stop = check_real(stop, "stop")
        if stop < start:
            raise ValueError(f"stop must be >= start; got start={start}, stop={stop}")
    return start, stop


def _window_steps(start, stop, dt) -> tuple:
    return int(ms_to_steps(start, dt, "start")), (-1 if stop is None else int(ms_to_steps(stop, dt, "stop")))


class NoisyCurrent(Stimulus):
    """An Ornstein-Uhlenbeck current per neuron and sample: ``mean``, stationary ``std``, time constant ``tau`` (ms).

    Exact update over each step (no discretisation error), with
    ``P = exp(-dt/tau)`` and ``z ~ N(0, 1)`` from the sample's own stream
    (docs/contract.md §5)::

        x <- mean + (x - mean) P + std sqrt(1 - P^2) z

    ``x`` starts from the stationary distribution ``N(mean, std^2)`` (drawn
    from the same stream when the network is built or reset), is advanced and
    then added in every step ``start <= t*dt < stop``. ``mean``, ``std`` (>= 0)
    and ``tau`` (ms, > 0) are scalars or ``(N,)``. (PyNN's NoisyCurrentSource and
    NEST's noise_generator are piecewise-constant white noise instead.)
    """

    def __init__(
        self, target, mean, std, tau, *, start: float = 0.0, stop: float | None = None, receptor=None, name=None
    ):
        self.target, self.receptor, self.name = target, _receptor(target, receptor), _optional_name(name)
        self.mean, self.std = as_vector(mean, target.n, "mean"), as_vector(std, target.n, "std")
        self.tau = as_vector(tau, target.n, "tau")
        if np.any(self.std < 0):
            raise ValueError(f"std must be >= 0; got {self.std[self.std < 0][0]}")
        if np.any(self.tau <= 0):
            raise ValueError(f"tau must be > 0 ms; got {self.tau[self.tau <= 0][0]}")
        self.start, self.stop = _window(start, stop)
        self.target, view = split(target)  # a subgroup: mean and std 0 outside it (x stays 0 there)
        if view is not None:
            self.mean, self.std = expand(self.mean, view, self.target.n), expand(self.std, view, self.target.n)
            self.tau = 1.0 + expand(self.tau - 1.0, view, self.target.n)

    def build(self, ctx: BuildContext) -> None:
        decay = np.exp(-ctx.dt / self.tau)
        self.kernel = {
            "mean": self.mean.astype(ctx.dtype),
            "decay": decay.astype(ctx.dtype),
            "spread": (self.std * np.sqrt(-np.expm1(-2.0 * ctx.dt / self.tau))).astype(ctx.dtype),
            "std": self.std,
        }
        self.start_step, self.stop_step = _window_steps(self.start, self.stop, ctx.dt)
        self.x = np.empty((ctx.batch_size, self.target.n), dtype=ctx.dtype)
        self.rng_state = np.empty((ctx.batch_size, 2), dtype=np.uint64)
        self.reset_state(ctx)

    def reset_state(self, ctx: BuildContext) -> None:
        """Streams restarted, ``x`` drawn from the stationary distribution with them."""
        self.rng_state[...] = rnd.stream_states(ctx.seed, self.name, rnd.NOISE, ctx.batch_size)
        for b in range(ctx.batch_size):
            for i in range(self.target.n):
                self.x[b, i] = self.mean[i] + self.std[i] * rng_normal(self.rng_state, b)

    def state_arrays(self) -> dict:
        return {"rng": self.rng_state, "x": self.x} if hasattr(self, "x") else {}

    def emit(self, kb) -> None:
        p = kb.unique(f"stim_{self.name}")
        k = {key: kb.arg(np.ascontiguousarray(v), f"{p}_{key}") for key, v in self.kernel.items() if key != "std"}
        kb.add(
            "deliver",
            f"{kb.func(noisy_current, 'noisy_current')}(b, t, {kb.arg(self.start_step, p + '_start')}, "
            f"{kb.arg(self.stop_step, p + '_stop')}, {k['mean']}, {k['decay']}, {k['spread']}, "
            f"{kb.arg(self.x, p + '_x')}, {kb.arg(self.rng_state, p + '_rng')}, {self._buffer(kb, p)})",
        )

    def describe(self):
        return {
            **super().describe(),
            "mean": float(self.mean.mean()),
            "std": float(self.std.mean()),
            "tau_ms": float(self.tau.mean()),
        }


class ACSource(Stimulus):
    """``offset + amplitude*sin(2 pi frequency t/1000 + phase)`` for ``start <= t < stop`` (``t`` = step*dt, ms).

    ``frequency`` in Hz, ``phase`` in degrees (NEST ``ac_generator``, PyNN
    ``ACSource``); each a scalar or ``(N,)``.
    """

    def __init__(
        self,
        target,
        amplitude,
        frequency,
        *,
        offset=0.0,
        phase=0.0,
        start: float = 0.0,
        stop: float | None = None,
        receptor=None,
        name=None,
    ):
        self.target, self.receptor, self.name = target, _receptor(target, receptor), _optional_name(name)
        self.amplitude = as_vector(amplitude, target.n, "amplitude")
        self.frequency = as_vector(frequency, target.n, "frequency")
        if np.any(self.frequency < 0):
            raise ValueError(f"frequency must be >= 0 Hz; got {self.frequency[self.frequency < 0][0]}")
        self.offset, self.phase = as_vector(offset, target.n, "offset"), as_vector(phase, target.n, "phase")
        self.start, self.stop = _window(start, stop)
        self.target, view = split(target)  # a subgroup: offset and amplitude 0 outside it
        for key in ("amplitude", "frequency", "offset", "phase"):
            setattr(self, key, expand(getattr(self, key), view, self.target.n))

    def build(self, ctx: BuildContext) -> None:
        self.kernel = {
            "offset": self.offset,
            "amplitude": self.amplitude,
            "omega": 2.0 * math.pi * self.frequency / 1000.0,
            "phase": np.deg2rad(self.phase),
        }
        self.kernel = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in self.kernel.items()}
        self.start_step, self.stop_step = _window_steps(self.start, self.stop, ctx.dt)

    def emit(self, kb) -> None:
        p = kb.unique(f"stim_{self.name}")
        k = {key: kb.arg(v, f"{p}_{key}") for key, v in self.kernel.items()}
        kb.add(
            "deliver",
            f"{kb.func(sine_current, 'sine_current')}(b, t, {kb.dt}, "
            f"{kb.arg(self.start_step, p + '_start')}, {kb.arg(self.stop_step, p + '_stop')}, "
            f"{k['offset']}, {k['amplitude']}, {k['omega']}, {k['phase']}, {self._buffer(kb, p)})",
        )


class InhomogeneousPoissonInput(Stimulus):
    """``n_inputs`` Poisson trains per target neuron whose rate (Hz) changes over time; weight ``weight``.

    ``rate`` is an array ``(K,)`` (every neuron) or ``(K, N)``: row ``k`` holds
    from ``start + k*rate_dt`` ms for ``rate_dt`` ms (default: one step; a
    multiple of ``dt``), and nothing is added after the last row. Or ``rate``
    is a function of time in ms returning Hz (a scalar or ``(N,)``), sampled once
    per step at build from ``start`` to ``stop`` (required then). In step ``t``
    the input is ``weight * k``, ``k ~ Poisson(n_inputs * rate * dt/1000)``, from
    the sample's own stream (docs/contract.md §5), as :class:`PoissonInput`.
    """

    def __init__(
        self,
        target,
        n_inputs: int,
        rate,
        weight,
        *,
        rate_dt: float | None = None,
        start: float = 0.0,
        stop: float | None = None,
        receptor=None,
        name=None,
    ):
        self.target, self.receptor, self.name = target, _receptor(target, receptor), _optional_name(name)
        self.n_inputs = check_int(n_inputs, "n_inputs", minimum=0)
        self.weight = as_vector(weight, target.n, "weight")
        self.start, self.stop = _window(start, stop)
        self.rate_dt = None if rate_dt is None else check_real(rate_dt, "rate_dt")
        if self.rate_dt is not None and self.rate_dt <= 0:
            raise ValueError(f"rate_dt must be > 0 ms; got {self.rate_dt}")
        if callable(rate):
            if stop is None:
                raise ValueError("a rate given as a function needs stop (ms): it is sampled once per step at build")
            self.rate_fn, self.rate = rate, None
        else:
            self.rate_fn, self.rate = None, _rate_table(rate, target.n)

    def _table(self, dt) -> np.ndarray:
        """Rates (Hz) per step, ``(K, 1)`` or ``(K, N)``."""
        if self.rate_fn is not None:
            start, stop = _window_steps(self.start, self.stop, dt)
            rows = [
                np.broadcast_to(np.asarray(self.rate_fn((start + k) * dt), dtype=np.float64), (self.target.n,))
                for k in range(max(stop - start, 0))
            ]
            return _rate_table(np.array(rows).reshape(-1, self.target.n), self.target.n, "rate(t)")
        if self.rate_dt is None:
            return self.rate
        ratio = self.rate_dt / dt
        if abs(ratio - round(ratio)) > 1e-9 * max(1.0, ratio) or round(ratio) < 1:
            raise ValueError(f"rate_dt = {self.rate_dt} ms must be a whole number of steps of dt = {dt} ms")
        return np.repeat(self.rate, int(round(ratio)), axis=0)

    def build(self, ctx: BuildContext) -> None:
        lam = self.n_inputs * self._table(ctx.dt) * ctx.dt / 1000.0
        self.lam = np.ascontiguousarray(lam, dtype=np.float64)
        self.exp_neg_lam = np.exp(-self.lam)
        self.start_step = int(ms_to_steps(self.start, ctx.dt, "start"))
        self.kernel_weight = self.weight.astype(ctx.dtype)
        self.rng_state = rnd.stream_states(ctx.seed, self.name, rnd.NOISE, ctx.batch_size)

    def reset_state(self, ctx: BuildContext) -> None:
        self.rng_state[...] = rnd.stream_states(ctx.seed, self.name, rnd.NOISE, ctx.batch_size)

    def state_arrays(self) -> dict:
        return {"rng": self.rng_state} if hasattr(self, "rng_state") else {}

    def emit(self, kb) -> None:
        p = kb.unique(f"stim_{self.name}")
        kb.add(
            "deliver",
            f"{kb.func(poisson_input_timed, 'poisson_input_timed')}(b, t, "
            f"{kb.arg(self.start_step, p + '_start')}, {kb.arg(self.lam, p + '_lam')}, "
            f"{kb.arg(self.exp_neg_lam, p + '_expm')}, {kb.arg(self.kernel_weight, p + '_w')}, "
            f"{kb.arg(self.rng_state, p + '_rng')}, {self._buffer(kb, p)})",
        )


def _rate_table(rate, n: int, name: str = "rate") -> np.ndarray:
    """Rates (Hz) as ``(K, 1)`` or ``(K, n)`` float64: finite, >= 0."""
    if isinstance(rate, (str, bool, dict)):
        raise TypeError(f"{name} must be an array of Hz or a function of time; got {rate!r}")
    arr = np.asarray(rate, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] not in (1, n) or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (K,) or (K, {n}) with K >= 1; got {np.shape(rate)}")
    check_finite(arr, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 Hz; got {arr[arr < 0][0]}")
    return arr


def _optional_name(name):
    return None if name is None else check_name(name)
