"""The Network: populations, projections, stimuli and monitors, built and run together.

``run`` steps the whole batch in chunks: each chunk is one call of the
generated, jitted kernel (see :mod:`simcore.codegen`); between chunks monitors
flush and a progress bar ticks. A second ``run`` continues where the first
stopped (state, delay queues and random streams included), so
``run(a); run(b)`` equals ``run(a + b)``.
"""
from __future__ import annotations

import logging
import secrets
import time

import numpy as np

from neurons.base import NeuronModel
from neurons.sources import SpikeArraySource
from synapses.projection import Projection
from . import random as rnd
from .clock import check_dt, duration_to_steps
from .codegen import KernelBuilder
from .context import BuildContext
from .errors import check_int
from .population_code import build_population, emit_population, reset_population_state
from .schedule import schedule_text
from .stimuli import Stimulus

log = logging.getLogger("spikesim")

DTYPES = ("float32", "float64")
#: most steps per kernel call (Python runs between calls: flushes, progress, callbacks)
MAX_CHUNK_STEPS = 10_000
#: bytes the per-step monitor buffers (state, rate) may take; bounds the chunk length
CHUNK_BUFFER_BYTES = 64 << 20


def _check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be one of {DTYPES}; got {dtype!r}") from None
    if dt.name not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}; got {dt.name!r}")
    return dt


class Network:
    """A spiking network: ``add`` populations, stimuli and monitors, ``connect`` them, ``run``."""

    def __init__(self, name: str = "network"):
        self.name = name
        self.populations: list[NeuronModel] = []
        self.projections: list[Projection] = []
        self.stimuli: list[Stimulus] = []
        self.monitors: list = []
        self.ctx: BuildContext | None = None
        self.t = 0
        self._kernel = None
        self._args = None
        self._names: set[str] = set()
        self.last_run: dict = {}

    # ----- assembling
    def _name(self, obj, prefix: str) -> None:
        if obj.name is None:
            k = 0
            while f"{prefix}{k}" in self._names:
                k += 1
            obj.name = f"{prefix}{k}"
        if obj.name in self._names:
            raise ValueError(f"name {obj.name!r} is already used in this network; names must be unique")
        self._names.add(obj.name)

    def add(self, obj):
        """Add a population, stimulus, monitor or projection; returns it."""
        from monitors.base import Monitor

        if isinstance(obj, NeuronModel):
            self._require_unbuilt("add a population")
            if obj.network is not None:
                raise ValueError(f"population {obj.name!r} already belongs to a network")
            self._name(obj, obj.model.lower() + "_")
            obj.network = self
            self.populations.append(obj)
            if isinstance(obj, SpikeArraySource):
                self.add(obj.stimulus())
        elif isinstance(obj, Stimulus):
            self._require_unbuilt("add a stimulus")
            self._require_member(obj.target)
            self._name(obj, type(obj).__name__.lower() + "_")
            self.stimuli.append(obj)
        elif isinstance(obj, Monitor):
            self._require_member(obj.population)
            self._name(obj, type(obj).__name__.lower() + "_")
            self.monitors.append(obj)
            if self.ctx is not None:  # a monitor added between runs: build it, regenerate the kernel
                obj.build(self.ctx, self.chunk_steps)
                self._kernel = None
        elif isinstance(obj, Projection):
            self._require_unbuilt("add a projection")
            self._require_member(obj.pre)
            self._require_member(obj.post)
            self._name(obj, "projection_")
            self.projections.append(obj)
        else:
            raise TypeError(f"cannot add {type(obj).__name__} to a Network; expected a population "
                            "(NeuronModel), a stimulus, a monitor or a projection")
        return obj

    def connect(self, pre, post, connector, **kwargs) -> Projection:
        """Connect ``pre`` to ``post`` (see :class:`synapses.Projection` for the keywords)."""
        return self.add(Projection(pre, post, connector, **kwargs))

    def _require_unbuilt(self, what: str) -> None:
        if self.ctx is not None:
            raise RuntimeError(f"cannot {what} after the network was built; make a new Network")

    def _require_member(self, pop) -> None:
        if pop not in self.populations:
            raise ValueError(f"population {getattr(pop, 'name', pop)!r} is not in this network; add it first")

    # ----- building
    def build(self, batch_size: int = 1, dt: float = 0.1, seed: int | None = None, dtype="float64",
              chunk_steps: int | None = None) -> "Network":
        """Draw connectivity and initial state, allocate every array (once).

        ``chunk_steps`` (steps per kernel call) defaults to ``MAX_CHUNK_STEPS``
        or fewer, so that the monitors' per-step buffers stay within
        ``CHUNK_BUFFER_BYTES``; it changes nothing in the results.
        """
        if self.ctx is not None:
            raise RuntimeError("the network is built already; use reset() to go back to step 0")
        batch_size = check_int(batch_size, "batch_size", minimum=1)
        dt = check_dt(dt)
        if seed is None:
            seed = secrets.randbits(32)
        seed = check_int(seed, "seed", minimum=0)
        ctx = BuildContext(batch_size, dt, seed, _check_dtype(dtype))
        if chunk_steps is None:
            per_step = sum(_bytes_per_step(m, ctx) for m in self.monitors)
            chunk_steps = int(max(100, min(MAX_CHUNK_STEPS, CHUNK_BUFFER_BYTES // max(per_step, 1))))
        self.chunk_steps = check_int(chunk_steps, "chunk_steps", minimum=1)
        if not self.populations:
            raise ValueError("the network has no population; add one before running")
        t0 = time.perf_counter()
        for pop in self.populations:
            build_population(pop, ctx)
        for stim in self.stimuli:
            stim.build(ctx)
        for proj in self.projections:
            proj.build(ctx)
        for mon in self.monitors:
            mon.build(ctx, self.chunk_steps)
        self.ctx = ctx
        self.build_seconds = time.perf_counter() - t0
        self.t = 0
        return self

    def _generate(self):
        kb = KernelBuilder()
        dt_arg = kb.arg(float(self.ctx.dt), "dt")
        for stim in self.stimuli:
            stim.emit(kb)
        for proj in self.projections:
            proj.emit_deliver(kb)
        for pop in self.populations:
            emit_population(pop, kb, dt_arg)
        for proj in self.projections:
            proj.emit_emit(kb)
        for mon in self.monitors:
            mon.emit(kb)
        t0 = time.perf_counter()
        parallel = self.ctx.batch_size > 1
        self._kernel = kb.compile(parallel=parallel)
        self._args = kb.arg_values
        self.source = kb.source("run_chunk_parallel" if parallel else "run_chunk_serial")
        self.compile_seconds = time.perf_counter() - t0
        return kb

    def warmup(self) -> float:
        """Compile (or load from cache) the kernel without stepping; returns seconds."""
        if self.ctx is None:
            raise RuntimeError("build the network first")
        t0 = time.perf_counter()
        self._generate()
        pos = np.full(self.ctx.batch_size, self.t, dtype=np.int64)
        self._kernel(pos, self.t, self.t, *self._args)  # zero steps: compiles, changes nothing
        return time.perf_counter() - t0

    # ----- running
    def run(self, duration: float | None = None, *, steps: int | None = None, batch_size: int | None = None,
            dt: float | None = None, seed: int | None = None, dtype=None, chunk_steps: int | None = None,
            progress: bool = False, out=None, overwrite: bool = False, compression=None,
            callback=None) -> "Network":
        """Run for ``duration`` ms or ``steps`` steps; the first run builds the network.

        ``batch_size``, ``dt``, ``seed`` and ``dtype`` are fixed by the first
        run (or :meth:`build`); a later run may repeat them but not change them.
        With ``out`` (a path), every monitor streams to that HDF5 file.
        ``callback(network)`` is called after every chunk (monitors flushed);
        an exception it raises stops the run, keeping everything recorded.
        """
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable; got {callback!r}")
        step_dt = self.ctx.dt if self.ctx is not None else check_dt(0.1 if dt is None else dt)
        n = duration_to_steps(duration, steps, step_dt)  # validated before anything is built
        if self.ctx is None:
            self.build(batch_size=1 if batch_size is None else batch_size, dt=0.1 if dt is None else dt,
                       seed=seed, dtype="float64" if dtype is None else dtype,
                       chunk_steps=chunk_steps)
        else:
            self._check_same(batch_size=batch_size, dt=dt, seed=seed, dtype=dtype)
        recorder = None
        if out is not None:
            from monitors.recording import Recorder

            recorder = Recorder(self, out, overwrite=overwrite, compression=compression, duration_steps=n)
        if self._kernel is None:
            self._generate()
        try:
            self._run_steps(n, progress, callback)
        except BaseException as exc:
            if recorder is not None:
                recorder.close(completed=False, stop_reason=type(exc).__name__)
            raise
        if recorder is not None:
            recorder.close(completed=True)
        return self

    def _run_steps(self, n: int, progress: bool, callback=None) -> None:
        end = self.t + n
        B = self.ctx.batch_size
        bar = _progress_bar(n, progress)
        pos = np.full(B, self.t, dtype=np.int64)
        t_start = time.perf_counter()
        start_step = self.t
        try:
            while self.t < end:
                base, stop = self.t, min(self.t + self.chunk_steps, end)
                while True:
                    self._kernel(pos, base, stop, *self._args)
                    if pos.min() == stop:
                        break
                    for mon in self.monitors:  # a spike buffer filled up: drain it and go on
                        mon.collect()
                self.t = stop
                for mon in self.monitors:
                    mon.flush(base, stop)
                if bar is not None:
                    bar.update(stop - base)
                if callback is not None:
                    callback(self)
        finally:
            if self.t < end and pos.min() > self.t:  # interrupted inside a chunk: keep what is complete
                upto = int(pos.min())
                for mon in self.monitors:
                    mon.flush(self.t, upto)
                self.t = upto
            if pos.max() != pos.min():
                self._desynchronised = True
            if bar is not None:
                bar.close()
            self.last_run = {"steps": self.t - start_step, "seconds": time.perf_counter() - t_start}

    def _check_same(self, **given) -> None:
        if getattr(self, "_desynchronised", False):
            raise RuntimeError("a run was interrupted while samples were at different steps; call reset()")
        current = {"batch_size": self.ctx.batch_size, "dt": self.ctx.dt, "seed": self.ctx.seed,
                   "dtype": self.ctx.dtype}
        for key, value in given.items():
            if value is None:
                continue
            same = np.dtype(value) == current[key] if key == "dtype" else value == current[key]
            if not same:
                raise ValueError(f"{key}={value!r} differs from the built network's {key}={current[key]!r}; "
                                 "these are fixed by the first run")

    def reset(self) -> None:
        """Back to step 0: initial state redrawn from the seed, queues emptied, recordings kept.

        Connectivity stays as built. Call the monitors' ``reset()`` to forget their data.
        """
        if self.ctx is None:
            return
        for pop in self.populations:
            reset_population_state(pop, self.ctx)
        for proj in self.projections:
            proj.queue.clear()
        for stim in self.stimuli:
            if hasattr(stim, "reset"):
                stim.reset(self.ctx)
        self.t = 0
        self._desynchronised = False

    # ----- inspection
    @property
    def time(self) -> float:
        """Current time in ms (``t * dt``)."""
        return self.t * (self.ctx.dt if self.ctx else 0.0)

    def schedule(self) -> str:
        return schedule_text(self)

    def describe(self) -> dict:
        """JSON-friendly description of populations, projections, stimuli and monitors."""
        return {
            "name": self.name,
            "settings": self.ctx.describe() if self.ctx else None,
            "populations": [p.describe() for p in self.populations],
            "projections": [p.describe() for p in self.projections],
            "stimuli": [s.describe() for s in self.stimuli],
            "monitors": [m.describe() for m in self.monitors],
        }

    def population(self, name: str) -> NeuronModel:
        for p in self.populations:
            if p.name == name:
                return p
        raise KeyError(f"no population {name!r}; populations: {[p.name for p in self.populations]}")

    @property
    def n_synapses(self) -> int:
        return sum(p.n_synapses for p in self.projections)


def _bytes_per_step(monitor, ctx) -> int:
    """Bytes a monitor buffers per step of a chunk (state rows, rate counts)."""
    item = np.dtype(ctx.dtype).itemsize
    if hasattr(monitor, "variables"):
        return len(monitor.variables) * ctx.batch_size * monitor.neuron_ids.size * item // monitor.every
    if type(monitor).__name__ == "PopulationRateMonitor":
        return ctx.batch_size * 8
    return 0


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        log.info("progress=True needs the optional 'progress' extra (tqdm); running without a bar")
        return None
    return tqdm(total=total, unit="step")
