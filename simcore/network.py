"""The Network: components (populations, projections, stimuli, monitors) built and run together.

The network knows components only through the protocol of
:mod:`simcore.base.component`; it never tests their classes. ``run`` steps
the whole batch in chunks: each chunk is one call of the generated, jitted
kernel (:mod:`simcore.base.codegen`); between chunks monitors flush and a
progress bar ticks. A second ``run`` continues where the first stopped
(state, delay queues and random streams included), so ``run(a); run(b)``
equals ``run(a + b)``.
"""

from __future__ import annotations

import logging
import secrets
import signal
import threading
import time
import warnings
import weakref
from dataclasses import replace

import numba
import numpy as np

from simcore.base.clock import check_dt, duration_to_steps
from simcore.base.codegen import KernelBuilder
from simcore.base.component import ROLES, Component
from simcore.base.context import BuildContext
from simcore.base.errors import SpikesimWarning, check_int, check_name
from simcore.base.random import first_sample
from simcore.base.schedule import schedule_text
from simcore.base.shards import NotShardable, NotWindowed, available_cores, check_threads, shard_count, window_steps
from synapses.projection import Projection

log = logging.getLogger("spikesim")

DTYPES = ("float32", "float64")
#: most steps per kernel call (Python runs between calls: flushes, progress, callbacks)
MAX_CHUNK_STEPS = 10_000
#: bytes the per-step monitor buffers (state, rate) may take; bounds the chunk length
CHUNK_BUFFER_BYTES = 64 << 20
#: a run of more steps than this gets a warning with an estimate (a dt given in s instead of ms?)
LONG_RUN_STEPS = 10**9
#: neurons x samples from which a lockstep kernel (shared plastic weights) runs its samples on threads
LOCKSTEP_PARALLEL_WORK = 50_000
#: signals that stop a run at the next chunk boundary (the recording keeps everything before)
STOP_SIGNALS = ("SIGINT", "SIGTERM")


class RunStopped(KeyboardInterrupt):
    """A run stopped by a signal (SIGINT or SIGTERM) at a chunk boundary; every sample is at one step."""

    def __init__(self, signame: str):
        super().__init__(f"run stopped by {signame} at a chunk boundary")
        self.signame = signame


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
        self.name = check_name(name, "network name")
        self.components: list[Component] = []
        self.ctx: BuildContext | None = None
        self.t = 0
        self._kernel = None
        self._args = None
        self.last_run: dict = {}
        self._desynchronised = False
        #: the recording runs stream into (opened by ``run(out=...)``, kept until ``close()``)
        self.recorder = None
        #: fast-math kernel (``run(fastmath=...)``); ``None`` until the first run fixes it
        self.fastmath: bool | None = None
        self._kernel_fastmath = False

    # ----- the components, by role
    def _role(self, role: str) -> list:
        return [c for c in self.components if c.role == role]

    @property
    def populations(self) -> list:
        return self._role("population")

    @property
    def stimuli(self) -> list:
        return self._role("stimulus")

    @property
    def projections(self) -> list:
        return self._role("projection")

    @property
    def monitors(self) -> list:
        return self._role("monitor")

    def _in_emit_order(self) -> list:
        """Components in the order they write the kernel: by ``emit_order`` (stable), except that populations
        linked by zero delays follow a topological order, each followed by the components that run after it."""
        ordered = sorted(self.components, key=lambda c: c.emit_order)  # stable: insertion order within a kind
        linking = [c for c in self.components if c.runs_after()]
        if not linking:
            return ordered
        head = []
        for pop in _topological(self.populations, linking):
            head.append(pop)
            head += [c for c in linking if any(before is pop for before, _ in c.runs_after())]
        return head + [c for c in ordered if c.role != "population" and c not in linking]

    # ----- assembling
    def add(self, obj):
        """Add a component (a population, stimulus, monitor or projection); returns it."""
        if not isinstance(obj, Component):
            raise TypeError(
                f"cannot add {type(obj).__name__} to a Network; expected a component (a population, "
                "a stimulus, a monitor or a projection: see simcore.base.component)"
            )
        if obj.role not in ROLES:
            raise ValueError(f"component role must be one of {ROLES}; got {obj.role!r}")
        if obj in self.components:
            raise ValueError(f"{obj.role} {obj.name!r} already belongs to this network")
        if getattr(obj, "network", None) is not None:
            raise ValueError(f"{obj.role} {obj.name!r} already belongs to a network")
        if self.ctx is not None and not obj.addable_after_build:
            raise RuntimeError(f"cannot add a {obj.role} after the network was built; make a new Network")
        for member in obj.members():
            if not any(member is c for c in self.components):
                raise ValueError(f"population {getattr(member, 'name', member)!r} is not in this network; add it first")
        self._give_name(obj)
        obj.network = self
        self.components.append(obj)
        if self.ctx is not None:  # joins a built network: build it, regenerate the kernel
            with first_sample(self.ctx.sample_offset):
                obj.build(self.ctx)
            self._kernel = None
        for companion in obj.companions():
            self.add(companion)
        return obj

    def _give_name(self, obj) -> None:
        names = {c.name for c in self.components}
        if obj.name is None:
            prefix, k = obj.name_prefix(), 0
            while f"{prefix}{k}" in names:
                k += 1
            obj.name = f"{prefix}{k}"
        check_name(obj.name, f"name of {obj.role}")
        if obj.name in names:
            raise ValueError(f"name {obj.name!r} is already used in this network; names must be unique")

    def connect(self, pre, post, connector, **kwargs) -> Projection:
        """Connect ``pre`` to ``post`` (see :class:`synapses.Projection` for the keywords)."""
        return self.add(Projection(pre, post, connector, **kwargs))

    # ----- building
    def build(
        self,
        batch_size: int = 1,
        dt: float = 0.1,
        seed: int | None = None,
        dtype="float64",
        chunk_steps: int | None = None,
        sample_offset: int = 0,
    ) -> "Network":
        """Draw connectivity and initial state, allocate every array (once).

        ``chunk_steps`` (steps per kernel call) defaults to ``MAX_CHUNK_STEPS``
        or fewer, so that the components' per-step buffers stay within
        ``CHUNK_BUFFER_BYTES``; it changes nothing in the results.
        ``sample_offset``: this network's samples are samples ``sample_offset ...
        sample_offset + batch_size - 1`` of a larger batch (their random streams are
        those samples'; :mod:`simcore.mpi` runs a batch's blocks on separate ranks).
        """
        if self.ctx is not None:
            raise RuntimeError("the network is built already; use reset() to go back to step 0")
        batch_size = check_int(batch_size, "batch_size", minimum=1)
        dt = check_dt(dt)
        seed = secrets.randbits(32) if seed is None else check_int(seed, "seed", minimum=0)
        ctx = BuildContext(
            batch_size,
            dt,
            seed,
            _check_dtype(dtype),
            sample_offset=check_int(sample_offset, "sample_offset", minimum=0),
        )
        if chunk_steps is None:
            per_step = sum(c.bytes_per_step(ctx) for c in self.components)
            chunk_steps = int(max(100, min(MAX_CHUNK_STEPS, CHUNK_BUFFER_BYTES // max(per_step, 1))))
        ctx = replace(ctx, chunk_steps=check_int(chunk_steps, "chunk_steps", minimum=1))
        if not self.populations:
            raise ValueError("the network has no population; add one before running")
        t0 = time.perf_counter()
        with first_sample(ctx.sample_offset):
            for comp in sorted(self.components, key=lambda c: ROLES.index(c.role)):  # populations first
                comp.build(ctx)
        self.ctx = ctx
        self.build_seconds = time.perf_counter() - t0
        self.t = 0
        return self

    @property
    def chunk_steps(self) -> int:
        return self.ctx.chunk_steps

    @property
    def n_neurons(self) -> int:
        """Neurons of every population together."""
        return sum(p.n for p in self.populations)

    def _generate(self, shards: int = 1) -> None:
        """Generate and compile the kernel for ``shards`` shards (one, with a logged note, if a component cannot
        be split: see :mod:`simcore.base.shards`)."""
        self._shards_asked, self.shard_note = shards, None
        kb = self._emit_all(shards, window_steps(self.projections, shards))
        if kb is None:
            kb = self._emit_all(1)
        t0 = time.perf_counter()
        parallel = self._parallel(kb)
        fastmath = bool(self.fastmath)
        self._kernel = kb.compile(parallel=parallel, fastmath=fastmath)
        self._kernel_fastmath = fastmath
        self._args = kb.arg_values
        self.source = kb.source(kb.kernel_name(parallel, fastmath))
        self.shards = kb.shards
        #: steps between two joins of the shards (1: every step; docs/scaling.md)
        self.window = kb.window
        self.compile_seconds = time.perf_counter() - t0

    def _parallel(self, kb) -> bool:
        """Samples (and shards) on Numba's threads, unless there is one of each, or the kernel steps samples in
        lockstep with little work per step (a threaded hand-off every step would cost more than it saves)."""
        if self.ctx.batch_size * kb.shards == 1:
            return False
        work = self.ctx.batch_size * sum(p.n for p in self.populations)
        return not kb.lockstep or work >= LOCKSTEP_PARALLEL_WORK

    def _emit_all(self, shards: int, window: int = 1):
        """A kernel builder every component wrote into; ``None`` when one of them cannot be split.

        ``window > 1``: the windowed sharded layout, or the per-step one when a component needs it.
        """
        kb = KernelBuilder(self.ctx.dt, shards=shards, window=window)
        try:
            for comp in self._in_emit_order():
                comp.emit(kb)
        except NotWindowed as exc:
            log.debug("one join per step instead of every %d steps: %s", window, exc)
            return self._emit_all(shards)
        except NotShardable as exc:
            self.shard_note = f"running on one shard instead of {shards}: {exc}"
            log.info("%s", self.shard_note)
            return None
        return kb

    def warmup(self, threads: int | None = None) -> float:
        """Compile (or load from cache) the kernel for ``threads`` (as in :meth:`run`) without stepping; returns
        seconds."""
        if self.ctx is None:
            raise RuntimeError("build the network first")
        threads = check_threads(threads, self.n_neurons) if self.populations else threads
        t0 = time.perf_counter()
        self._generate(shard_count(threads, self.ctx.batch_size, self.n_neurons))
        pos = np.full(self.ctx.batch_size, self.t, dtype=np.int64)
        self._kernel(pos, self.t, self.t, *self._args)  # zero steps: compiles, changes nothing
        return time.perf_counter() - t0

    # ----- running
    def run(
        self,
        duration: float | None = None,
        *,
        steps: int | None = None,
        batch_size: int | None = None,
        dt: float | None = None,
        seed: int | None = None,
        dtype=None,
        chunk_steps: int | None = None,
        progress: bool = False,
        out=None,
        overwrite: bool = False,
        compression=None,
        callback=None,
        threads: int | None = None,
        fastmath: bool | None = None,
    ) -> "Network":
        """Run for ``duration`` ms or ``steps`` steps; the first run builds the network.

        ``threads`` (default: every core this process may use, at most one per
        neuron): a batch smaller than ``threads`` is split into ``threads // B``
        shards per sample (:mod:`simcore.base.shards`); results are identical, bit
        for bit, for any value (docs/contract.md §6).

        ``batch_size``, ``dt``, ``seed`` and ``dtype`` are fixed by the first
        run (or :meth:`build`); a later run may repeat them but not change them.
        With ``out`` (a path), every monitor streams to that HDF5 file, and so
        do later runs without ``out`` (``run(a, out=f); run(b)`` records
        ``a + b`` steps) until :meth:`close` or a new ``out``.
        ``callback(network)`` is called after every chunk (monitors flushed);
        an exception it raises stops the run, keeping everything recorded.
        SIGINT and SIGTERM stop the run at the next chunk boundary (every
        sample at the same step), close the recording with ``completed =
        False`` and the signal's name as ``stop_reason``, then raise
        :class:`RunStopped` (a ``KeyboardInterrupt``).

        ``fastmath`` (``False`` unless the first run says ``True``; fixed by
        the first run like ``dtype``): compile the kernel and the models'
        phase functions with LLVM fast-math flags that keep NaN and infinity
        semantics (:data:`simcore.base.codegen.FASTMATH_FLAGS`). Results
        then differ from the exact run in the last bits (reassociated sums,
        fused multiply-adds, approximate ``exp``), so spike trains diverge
        over time while rates stay the same; exact runs (the default) are
        bit-identical to runs without the argument.
        """
        if fastmath is not None and type(fastmath) not in (bool, np.bool_):  # not 1, 0.0 or 'yes'
            raise TypeError(f"fastmath must be True or False; got {fastmath!r}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable; got {callback!r}")
        threads = check_threads(threads, self.n_neurons) if self.populations else threads
        step_dt = self.ctx.dt if self.ctx is not None else check_dt(0.1 if dt is None else dt)
        n = duration_to_steps(duration, steps, step_dt)  # validated before anything is built
        if n > LONG_RUN_STEPS:
            warnings.warn(
                f"this run has {n:.3g} steps (dt = {step_dt} ms); at 1 us per step of a small network "
                f"it takes {n * 1e-6 / 3600:.3g} hours or more",
                SpikesimWarning,
                stacklevel=2,
            )
        if self.ctx is None:
            self.build(
                batch_size=1 if batch_size is None else batch_size,
                dt=0.1 if dt is None else dt,
                seed=seed,
                dtype="float64" if dtype is None else dtype,
                chunk_steps=chunk_steps,
            )
        else:
            self._check_same(batch_size=batch_size, dt=dt, seed=seed, dtype=dtype)
        if self.fastmath is None:
            self.fastmath = bool(fastmath)
        elif fastmath is not None and bool(fastmath) != self.fastmath:
            raise ValueError(
                f"fastmath={bool(fastmath)!r} differs from fastmath={self.fastmath!r} of the first "
                "run; it is fixed by the first run"
            )
        recorder = self._recorder_for(out, overwrite, compression, n)
        try:
            shards = shard_count(threads, self.ctx.batch_size, self.n_neurons)
            if (
                self._kernel is None
                or shards != getattr(self, "_shards_asked", 1)
                or self._kernel_fastmath != self.fastmath
                or any(c.kernel_stale() for c in self.components)
            ):
                self._generate(shards)
            with _StopSignals() as stop, _NumbaThreads(threads):
                self._run_steps(n, progress, callback, stop)
            for comp in self.components:
                comp.finish_run()
        except BaseException as exc:
            if recorder is not None:
                reason = exc.signame if isinstance(exc, RunStopped) else type(exc).__name__
                recorder.close(completed=False, stop_reason=reason)
                self.recorder = None
            raise
        if recorder is not None:
            recorder.end_run()
        return self

    def _recorder_for(self, out, overwrite: bool, compression, steps: int):
        """The recording of this run: a new one for ``out``, else the one earlier runs stream into."""
        if out is None:
            if self.recorder is not None and not self.recorder.closed:
                self.recorder.begin_run(steps)
                return self.recorder
            return None
        from monitors.recording import Recorder  # h5py on first use: start-up (issue 16)

        self.close()
        self.recorder = Recorder(self, out, overwrite=overwrite, compression=compression, duration_steps=steps)
        # a network that is dropped (or the interpreter's exit) closes its file; the callback holds only the file
        self._close_at_collection = weakref.finalize(self, self.recorder.file.close, completed=True)
        return self.recorder

    def close(self) -> None:
        """Close the recording that runs stream into (``run(out=...)``); later runs record nothing to it.

        Until then the file is open for writing (HDF5 SWMR): ``monitors.reader``, ``spikesim info`` and
        h5py read it, tools with their own HDF5 library (libsonata) may not. A network that is garbage
        collected, and the interpreter's exit, close it too. A later ``run(out=...)`` starts a new one.
        """
        if self.recorder is not None:
            self.recorder.close(completed=True)
            self.recorder = None
            self._close_at_collection.detach()

    def _run_steps(self, n: int, progress: bool, callback, stop: "_StopSignals") -> None:
        end = self.t + n
        bar = _progress_bar(n, progress)
        pos = np.full(self.ctx.batch_size, self.t, dtype=np.int64)
        t_start, start_step = time.perf_counter(), self.t
        try:
            while self.t < end:
                base, chunk_end = self.t, min(self.t + self.chunk_steps, end)
                self._run_chunk(pos, chunk_end)
                self.t = chunk_end
                for comp in self.components:
                    comp.after_chunk(base, chunk_end)
                if bar is not None:
                    bar.update(chunk_end - base)
                if callback is not None:
                    callback(self)
                stop.check()
        finally:
            self._keep_complete_steps(pos, end)
            if bar is not None:
                bar.close()
            self.last_run = {"steps": self.t - start_step, "seconds": time.perf_counter() - t_start}

    def _run_chunk(self, pos: np.ndarray, chunk_end: int) -> None:
        """Kernel calls until every sample reached ``chunk_end`` (a call stops early when a buffer fills)."""
        while True:
            self._kernel(pos, self.t, chunk_end, *self._args)
            if pos.min() == chunk_end:
                return
            for comp in self.components:
                comp.after_kernel()

    def _keep_complete_steps(self, pos: np.ndarray, end: int) -> None:
        """After an interruption inside a chunk: publish the steps every sample completed."""
        if self.t < end and pos.min() > self.t:
            upto = int(pos.min())
            for comp in self.components:
                comp.after_chunk(self.t, upto)
            self.t = upto
        if pos.max() != pos.min():
            self._desynchronised = True

    def _check_same(self, **given) -> None:
        if self._desynchronised:
            raise RuntimeError("a run was interrupted while samples were at different steps; call reset()")
        current = {"batch_size": self.ctx.batch_size, "dt": self.ctx.dt, "seed": self.ctx.seed, "dtype": self.ctx.dtype}
        for key, value in given.items():
            if value is None:
                continue
            same = np.dtype(value) == current[key] if key == "dtype" else value == current[key]
            if not same:
                raise ValueError(
                    f"{key}={value!r} differs from the built network's {key}={current[key]!r}; "
                    "these are fixed by the first run"
                )

    def reset(self) -> None:
        """Back to step 0: initial state redrawn from the seed, queues emptied, recordings kept.

        Connectivity stays as built. Call the monitors' ``reset()`` to forget their data.
        """
        if self.ctx is None:
            return
        with first_sample(self.ctx.sample_offset):
            for comp in self.components:
                comp.reset_state(self.ctx)
        self.t = 0
        self._desynchronised = False

    # ----- checkpoints (docs/contract.md §7)
    def export_state(self) -> dict:
        """Copies of every array a run continues from, ``{component: {array: copy}}``, and the step."""
        self._require_built()
        return {
            "t": self.t,
            "components": {c.name: c.export_state() for c in self.components},
            "results": {c.name: c.export_results() for c in self.components},
        }

    def import_state(self, state: dict) -> None:
        """Go back to a state taken by :meth:`export_state` on this network (or one built the same way)."""
        self._require_built()
        saved = state["components"]
        missing = sorted(set(c.name for c in self.components) ^ set(saved))
        if missing:
            raise ValueError(f"the saved state and this network differ in components {missing}")
        for comp in self.components:
            comp.import_state(saved[comp.name])
            comp.import_results(state.get("results", {}).get(comp.name, {}))
        self.t = check_int(state["t"], "t", minimum=0)
        for comp in self.components:
            comp.restored(self.t)
        self._desynchronised = False

    def store(self, path, *, overwrite: bool = False) -> None:
        """Write a checkpoint (HDF5) of the current step: see :mod:`simcore.checkpoint`."""
        from simcore import checkpoint  # h5py on first use

        checkpoint.store(self, path, overwrite=overwrite)

    def restore(self, path) -> None:
        """Continue from a checkpoint written by :meth:`store` of a network built by the same script."""
        from simcore import checkpoint  # h5py on first use

        checkpoint.restore(self, path)

    def _require_built(self) -> None:
        if self.ctx is None:
            raise RuntimeError("the network is not built yet: run or build it first")

    # ----- inspection
    @property
    def time(self) -> float:
        """Current time in ms (``t * dt``)."""
        return self.t * (self.ctx.dt if self.ctx else 0.0)

    def schedule(self) -> str:
        """Who runs in which phase, as printable text."""
        return schedule_text(self._in_emit_order())

    @property
    def nbytes(self) -> int:
        """Bytes of every array of the built network."""
        return sum(c.nbytes for c in self.components)

    def describe(self) -> dict:
        """JSON-friendly description of populations, projections, stimuli and monitors."""
        out = {"name": self.name, "settings": self.ctx.describe() if self.ctx else None}
        for role in ROLES:
            out[f"{role}s" if role != "stimulus" else "stimuli"] = [c.describe() for c in self._role(role)]
        return out

    def population(self, name: str):
        for p in self.populations:
            if p.name == name:
                return p
        raise KeyError(f"no population {name!r}; populations: {[p.name for p in self.populations]}")

    @property
    def n_synapses(self) -> int:
        return sum(p.n_synapses for p in self.projections)


class _NumbaThreads:
    """Numba's thread count set to ``threads`` (``None``: every core) for a run, then restored."""

    def __init__(self, threads: int | None):
        wanted = available_cores() if threads is None else threads
        self.threads = max(1, min(wanted, numba.config.NUMBA_NUM_THREADS))

    def __enter__(self):
        self._previous = numba.get_num_threads()
        numba.set_num_threads(self.threads)
        return self

    def __exit__(self, *exc):
        numba.set_num_threads(self._previous)
        return False


def _topological(populations: list, linking: list) -> list:
    """Populations ordered so that every ``before`` of a link comes before its ``after`` (stable: insertion
    order among the free ones); a cycle is a ``ValueError`` naming the components on it (docs/contract.md §2)."""
    edges = [(b, a, c) for c in linking for b, a in c.runs_after()]
    order, left = [], list(populations)
    while left:
        free = [p for p in left if not any(a is p and any(b is q for q in left) for b, a, _ in edges)]
        if not free:
            on_cycle = sorted({c.name for b, a, c in edges if any(a is q for q in left) and any(b is q for q in left)})
            raise ValueError(f"zero-delay projections form a cycle: {on_cycle}; give one of them a delay >= 1 step")
        order.append(free[0])
        left.remove(free[0])
    return order


class _StopSignals:
    """Turns SIGINT and SIGTERM into a stop at the next chunk boundary (main thread only).

    A second signal while a stop is pending falls through to Python's
    default behaviour (a ``KeyboardInterrupt`` at once for SIGINT).
    """

    def __init__(self):
        self.signame = None
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for name in STOP_SIGNALS:
                sig = getattr(signal, name)
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        name = signal.Signals(signum).name
        if self.signame is not None:  # asked twice: stop now
            raise RunStopped(name)
        self.signame = name
        log.warning("%s received: the run stops at the end of this chunk", name)

    def check(self) -> None:
        if self.signame is not None:
            raise RunStopped(self.signame)

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        return False


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        warnings.warn(
            "progress=True needs the optional 'progress' extra (pip install tqdm); running without a bar",
            SpikesimWarning,
            stacklevel=4,
        )
        return None
    return tqdm(total=total, unit="step")
