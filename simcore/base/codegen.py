"""Generate, compile and cache the jitted chunk kernel of a network.

The engine does not branch on model names. Each component of a network
(population, projection, stimulus, monitor; :mod:`simcore.base.component`)
contributes a few lines of Python to one generated function, ``run_chunk``, which steps every sample of the batch
through a range of steps (a *chunk*)::

    def run_chunk(pos, base, stop, <arrays>):
        for b in prange(B):                # samples are independent (docs/contract.md §5)
            t = pos[b]
            while t < stop:
                <stops>     # monitors: stop early when a buffer could overflow
                <deliver>   # phase 2, part 1: stimuli and delay queues fill receptor buffers
                <neurons>   # phases 1-4 per population (integrate, deliver, threshold, reset)
                <emit>      # phase 5: spikes enter the delay queues
                <learn>     # phase 6: post-synaptic events of plastic synapses
                <record>    # monitors read the state after the step
                t += 1
            pos[b] = t

A network whose components need every sample at the same step (plastic
synapses whose samples share one weight array, docs/contract.md §3.7) gets
the *lockstep* layout instead: steps outside, the samples of one step in
``prange`` inside, then ``<step_end>`` (serial: the batch reduction of
weight updates) once all samples finished the step.

A builder made with ``shards=K > 1`` writes the *sharded* layout
(:mod:`simcore.base.shards`, docs/contract.md §6): steps outside; inside a step,
``prange`` over every ``(sample, shard)`` pair runs ``<deliver>`` and
``<neurons>`` for the shard's block of neurons (code names the shard ``sh``);
then, serially per sample, ``<gather>`` (spike lists joined in shard order,
delay-queue slots emptied) and ``<emit>``; then ``prange`` over the pairs again
for ``<emit_shard>`` (accumulation rings, written by target block); then
``<learn>`` and ``<record>`` per sample. Code for ``deliver`` or ``neurons``
must be written for shards (``add(..., sharded=True)``); a component that
writes it otherwise raises :class:`simcore.base.shards.NotShardable`, and the
network falls back to one shard.

A builder made with ``window=W > 1`` as well (``W <= d_min``, the smallest
delay in steps: :func:`simcore.base.shards.window_steps`) writes the
*windowed* sharded layout: one parallel region per window of ``W`` steps::

    while tw < stop:
        <stops>                           # for the n_steps of the window (stop_if(..., window=...))
        for job in prange(B * K):         # (sample, shard) pairs, each through the whole window
            for t in range(tw, tw_end):
                <deliver> <neurons>       # as above, for shard sh
                <record_shard>            # state monitors: the shard's neurons after the step
                <outbox>                  # the shard's spike list of step t kept for the join
        for t in range(tw, tw_end):       # serial, step by step
            for b in range(B):
                <inbox>                   # the shard lists of step t put back
                <gather> <emit>           # joined in shard order, into the delay queues
                <learn> <record>
        tw = tw_end

A spike of step ``t`` is due at ``t + d >= t + W``, after the window in which
it is emitted; each queue slot is emptied (``gather``) before the spikes of
its step are emitted, so every slot lists its sources in the order of the
per-step layout and every target sums its inputs in that order
(docs/contract.md §2, §6): spikes and states are identical, bit for bit, for
any ``W <= d_min``, shard count and chunk length. Per-shard emission
(``emit_shard``) and stop conditions without a window form raise
:class:`simcore.base.shards.NotWindowed`; the network then writes the
per-step layout.

Phase 1 of a population reads only its own state and phase 2 only fills
receptor buffers from queue slots written in earlier steps (d >= 1), so
running each population's phases 1-4 in one pass, after every buffer of the
step is filled, gives exactly the phase-by-phase order of docs/contract.md §1.

The source is written to a file named by the hash of its text and of every
function it calls, imported as a real module and compiled with
``njit(cache=True, nogil=True, parallel=True)``, so a second process with the same network
structure loads the machine code from Numba's cache.

A *fastmath* kernel (``compile(fastmath=True)``, opt-in through
``Network.run(fastmath=True)``) is compiled with the LLVM flags of
:data:`FASTMATH_FLAGS` and calls the fastmath copies of the models' phase
functions (a function that offers ``fastmath_variant``, see
:func:`neurons.base.compile_phase`); its function and module names end in
``_fastmath``, so it never shares a cache entry with the exact kernel.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import stat
import sys
import tempfile
import textwrap

import numba
import numpy as np
from numba import njit, prange

from simcore.base.shards import NotShardable, NotWindowed

SECTIONS = ("deliver", "neurons", "emit", "learn", "record")
#: sections of the sharded layout only (serial join of shards; parallel emission by target block)
SHARD_SECTIONS = ("gather", "emit_shard")
#: sections of the windowed sharded layout only: per shard after each step (spike lists into the window's
#: outbox; recording of states), and serial before each step's join (spike lists back from the outbox)
WINDOW_SECTIONS = ("outbox", "record_shard", "inbox")
#: sections whose code runs per shard in the sharded layout
PER_SHARD = ("deliver", "neurons", "emit_shard", "outbox", "record_shard")
#: serial code after every sample finished a step (lockstep layout only)
STEP_END = "step_end"
#: compile options of every kernel: ``nogil`` lets other threads (the recording's writer, monitors.recording)
#: run while a chunk steps; it changes no result
KERNEL_OPTIONS = {"cache": True, "nogil": True}
#: LLVM fast-math flags of ``fastmath`` kernels: every flag of Numba's set but ``nnan`` and ``ninf``, so NaN and
#: infinities propagate as in an exact run (operations may be reassociated, contracted into FMAs, divisions
#: turned into multiplications by reciprocals, math functions approximated; signed zeros are not kept)
FASTMATH_FLAGS = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})


def private_dir(path: str) -> str:
    """``path`` as a folder only this user can write: created ``0700``, refused when not.

    Generated modules are imported and run, so a folder that another user
    owns or may write into could plant code: it raises ``PermissionError``.
    """
    os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.stat(path)
    uid = os.getuid() if hasattr(os, "getuid") else st.st_uid
    if st.st_uid != uid or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise PermissionError(
            f"kernel cache folder {path!r} is owned by uid {st.st_uid} with mode "
            f"{stat.S_IMODE(st.st_mode):o}; it must belong to uid {uid} and not be writable "
            "by others (set SPIKESIM_CACHE_DIR to a private folder)"
        )
    return path


def cache_dir() -> str:
    """Folder of generated modules: ``$SPIKESIM_CACHE_DIR``, else ``~/.cache/spikesim`` (see :func:`private_dir`)."""
    root = os.environ.get("SPIKESIM_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "spikesim")
    try:
        path = private_dir(os.path.join(root, "generated"))
        probe = os.path.join(path, f".write_test.{os.getpid()}")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except PermissionError:
        raise
    except OSError:  # no writable home: a private folder of this user under the temp folder
        user = os.getuid() if hasattr(os, "getuid") else "u"
        path = private_dir(
            os.path.join(private_dir(os.path.join(tempfile.gettempdir(), f"spikesim-{user}")), "generated")
        )
    return path


def _function_fingerprint(fn, seen: set | None = None) -> str:
    """Text that changes when ``fn``, the module it lives in, or a jitted function it calls changes.

    Numba's cache checks only the file of the function it caches, so a helper
    that a phase function calls (say :func:`simcore.base.kernels.vexp.vexp`)
    is followed through the globals the function reads, recursively.
    """
    seen = set() if seen is None else seen
    py = getattr(fn, "py_func", fn)
    if id(py) in seen:
        return ""
    seen.add(id(py))
    parts = [getattr(py, "__qualname__", repr(py))]
    try:
        parts.append(inspect.getsource(py))
        module = inspect.getmodule(py)
        if module is not None and getattr(module, "__file__", None):
            with open(module.__file__, "rb") as fh:
                parts.append(hashlib.sha1(fh.read()).hexdigest())
    except (OSError, TypeError):
        code = getattr(py, "__code__", None)
        parts.append(repr(code.co_code) if code is not None else repr(py))
    parts += [_function_fingerprint(callee, seen) for callee in _jitted_globals(py)]
    return "\n".join(parts)


def _jitted_globals(py) -> list:
    """The Numba dispatchers among the globals that ``py``'s code reads."""
    code, env = getattr(py, "__code__", None), getattr(py, "__globals__", {})
    if code is None:
        return []
    names = sorted(set(code.co_names))
    return [env[n] for n in names if hasattr(env.get(n), "py_func")]


def load_module(source: str, functions: dict, stem: str, options: str = ""):
    """Write ``source`` to the cache folder and import it with ``functions`` as globals.

    The file name carries a hash of the source, of each injected function
    (and its module file), of the Numba version and of ``options`` (the
    compile options, whose cached machine code must not mix), so a cached
    kernel is reused only when nothing it calls has changed.
    """
    h = hashlib.sha1()
    h.update(source.encode())
    h.update(numba.__version__.encode())
    h.update(options.encode())
    for name in sorted(functions):
        h.update(name.encode())
        h.update(_function_fingerprint(functions[name]).encode())
    digest = h.hexdigest()[:16]
    modname = f"spikesim_generated_{stem}_{digest}"
    if modname in sys.modules:
        return sys.modules[modname]
    path = os.path.join(cache_dir(), modname + ".py")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)  # atomic: concurrent processes never see half a file
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(functions)
    module.__dict__.update({"np": np, "prange": prange, "njit": njit})
    sys.modules[modname] = module
    spec.loader.exec_module(module)
    return module


class KernelBuilder:
    """Collects arguments, called functions and code lines of ``run_chunk``.

    Components call :meth:`arg` for every array or scalar they use (the same
    array object always gets the same argument name), :meth:`func` for every
    jitted function, and :meth:`add` to append code to a section. Code may use
    the names ``b`` (sample), ``t`` (step), ``base`` and ``stop`` (the chunk).
    """

    def __init__(self, dt: float, shards: int = 1, window: int = 1):
        #: number of shards (1: the sample-major or lockstep layout)
        self.shards = int(shards)
        #: steps between two joins of the shards (> 1: the windowed sharded layout; needs ``shards > 1``)
        self.window = int(window)
        if self.window > 1 and self.shards < 2:
            raise ValueError(f"window={self.window} steps needs shards > 1; got shards={self.shards}")
        self._args: list[tuple[str, object]] = []
        self._arg_by_id: dict[int, str] = {}
        self._funcs: dict[str, object] = {}
        self._func_by_id: dict[int, str] = {}
        self._sections: dict[str, list[str]] = {
            s: [] for s in SECTIONS + SHARD_SECTIONS + WINDOW_SECTIONS + (STEP_END,)
        }
        self._stops: list[str] = []
        self._window_stops: list[str] = []
        #: every sample at the same step (set by :meth:`require_lockstep`)
        self.lockstep = False
        self._names: set[str] = {
            "b",
            "t",
            "i",
            "k",
            "sample",
            "base",
            "stop",
            "pos",
            "np",
            "prange",
            "njit",
            "sh",
            "job",
            "tw",
            "tw_end",
            "t_entry",
            "n_steps",
            "full",
        }
        #: the argument holding the step ``dt`` in ms (for phase functions that read ``dt``)
        self.dt = self.arg(float(dt), "dt")

    def unique(self, hint: str) -> str:
        """A fresh identifier that starts with ``hint``."""
        hint = "".join(c if c.isalnum() or c == "_" else "_" for c in hint) or "x"
        if hint[0].isdigit():
            hint = "_" + hint
        name, k = hint, 1
        while name in self._names:
            name = f"{hint}_{k}"
            k += 1
        self._names.add(name)
        return name

    def arg(self, value, hint: str) -> str:
        """The argument name under which ``value`` reaches the kernel."""
        if isinstance(value, np.ndarray):
            key = id(value)
            if key in self._arg_by_id:
                return self._arg_by_id[key]
            if not value.flags.c_contiguous:
                raise ValueError(f"kernel argument {hint} must be C-contiguous")
        name = self.unique(hint)
        self._args.append((name, value))
        if isinstance(value, np.ndarray):
            self._arg_by_id[id(value)] = name
        return name

    def func(self, fn, hint: str) -> str:
        """The global name under which the jitted ``fn`` is called."""
        key = id(fn)
        if key in self._func_by_id:
            return self._func_by_id[key]
        name = self.unique(hint)
        self._funcs[name] = fn
        self._func_by_id[key] = name
        return name

    def add(self, section: str, code: str, comment: str | None = None, sharded: bool = False) -> None:
        """Append a block of code (dedented) to ``section``, after an optional one-line ``comment``.

        ``sharded``: the code is written for the shard ``sh`` (needed for
        ``deliver`` and ``neurons`` when the builder has several shards).
        The comment is escaped (``repr`` of each character that is not
        printable), so no name a user chose can break out of it.
        """
        if section not in self._sections:
            raise ValueError(
                f"section must be one of {SECTIONS + SHARD_SECTIONS + WINDOW_SECTIONS + (STEP_END,)}; got {section!r}"
            )
        if self.shards > 1 and section in PER_SHARD and not sharded:
            raise NotShardable(f"code for {section!r} written for one shard")
        if self.shards == 1 and section in SHARD_SECTIONS:
            raise ValueError(f"section {section!r} exists only with shards > 1")
        if self.window == 1 and section in WINDOW_SECTIONS:
            raise ValueError(f"section {section!r} exists only with window > 1")
        if self.window > 1 and section == "emit_shard":
            raise NotWindowed("per-shard emission (per-synapse or per-target delays) runs every step")
        if section == STEP_END and not self.lockstep:
            raise ValueError("code for step_end needs the lockstep layout: call require_lockstep() first")
        block = textwrap.dedent(code).strip("\n")
        if comment is not None:
            safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in comment)
            block = f"# {safe}\n{block}"
        self._sections[section].append(block)

    def stop_if(self, condition: str, window: str | None = None) -> None:
        """Stop the chunk before a step in which ``condition`` (an expression of ``b``) is true for a sample.

        ``window``: the same test for the ``n_steps`` steps of a window (an expression of ``b`` and
        ``n_steps``), needed by the windowed layout; without it that layout is refused (:class:`NotWindowed`).
        """
        if self.window > 1 and window is None:
            raise NotWindowed(f"the stop condition {condition!r} is written for one step")
        self._stops.append(condition)
        if window is not None:
            self._window_stops.append(window)

    def require_lockstep(self) -> None:
        """Step every sample together (steps outside, samples inside) and allow ``step_end`` code."""
        if self.shards > 1:
            raise NotShardable("the lockstep layout (shared plastic weights)")
        self.lockstep = True

    @property
    def arg_values(self) -> tuple:
        return tuple(v for _, v in self._args)

    def _step_body(self) -> list:
        body = []
        for section in SECTIONS:
            body.append(f"# --- {section} ---")
            body.extend(self._sections[section] or ["pass"])
        return body

    def source(self, name: str = "run_chunk") -> str:
        """The text of the generated module, defining the function ``name``."""
        params = ", ".join(["pos", "base", "stop"] + [n for n, _ in self._args])
        head = f'"""Generated by spikesim.simcore.base.codegen; do not edit."""\n\n\ndef {name}({params}):\n'
        if self.window > 1:
            return head + self._window_body()
        if self.shards > 1:
            return head + self._sharded_body()
        return head + (self._lockstep_body() if self.lockstep else self._sample_major_body())

    def _sample_major_body(self) -> str:
        stops = ["# --- stops ---"] + [f"if {c}:\n    break" for c in self._stops]
        step = textwrap.indent("\n".join(stops + self._step_body()), " " * 12)
        return (
            "    for sample in prange(pos.shape[0]):\n"
            "        b = np.int64(sample)  # prange indices are unsigned; keep integer arithmetic signed\n"
            "        t = pos[b]\n"
            "        while t < stop:\n"
            f"{step}\n"
            "            t += 1\n"
            "        pos[b] = t\n"
        )

    def _lockstep_body(self) -> str:
        full = " or ".join(f"({c})" for c in self._stops) or "False"
        step = textwrap.indent("\n".join(self._step_body()), " " * 12)
        end = textwrap.indent("\n".join(["# --- step_end ---"] + (self._sections[STEP_END] or ["pass"])), " " * 8)
        return (
            "    t = pos[0]  # every sample is at the same step\n"
            "    while t < stop:\n"
            "        full = False\n"
            "        for b in range(pos.shape[0]):\n"
            f"            if {full}:\n"
            "                full = True\n"
            "        if full:\n"
            "            break\n"
            "        for sample in prange(pos.shape[0]):\n"
            "            b = np.int64(sample)\n"
            f"{step}\n"
            f"{end}\n"
            "        t += 1\n"
            "    for b in range(pos.shape[0]):\n"
            "        pos[b] = t\n"
        )

    def _block(self, sections, indent: int) -> str:
        lines = []
        for section in sections:
            lines.append(f"# --- {section} ---")
            lines.extend(self._sections[section] or ["pass"])
        return textwrap.indent("\n".join(lines), " " * indent)

    def _sharded_body(self) -> str:
        """Steps outside; ``(sample, shard)`` pairs in ``prange``; serial joins per sample (module docstring)."""
        k = self.shards
        full = " or ".join(f"({c})" for c in self._stops) or "False"
        pairs = (
            f"        for job in prange(pos.shape[0] * {k}):\n"
            f"            b = np.int64(job) // {k}\n"
            f"            sh = np.int64(job) % {k}\n"
        )
        serial = "        for sample in range(pos.shape[0]):\n            b = np.int64(sample)\n"
        body = (
            "    t = pos[0]  # every sample is at the same step\n"
            "    while t < stop:\n"
            "        full = False\n"
            "        for b in range(pos.shape[0]):\n"
            f"            if {full}:\n"
            "                full = True\n"
            "        if full:\n"
            "            break\n"
            + pairs
            + self._block(("deliver", "neurons"), 12)
            + "\n"
            + serial
            + self._block(("gather", "emit"), 12)
            + "\n"
        )
        if self._sections["emit_shard"]:
            body += pairs + self._block(("emit_shard",), 12) + "\n"
        body += serial + self._block(("learn", "record"), 12) + "\n"
        return body + ("        t += 1\n    for b in range(pos.shape[0]):\n        pos[b] = t\n")

    def _window_body(self) -> str:
        """Windows of at most ``window`` steps: one parallel region per window, then a serial join per step.

        Inside the region each ``(sample, shard)`` pair steps its block through the window (``deliver``,
        ``neurons``, ``record_shard``, ``outbox``); after it, step by step, each sample's spike lists come
        back from the outbox (``inbox``), are joined and enter the queues (``gather``, ``emit``) and are
        recorded (``learn``, ``record``). Correct for any window ``<= d_min`` (module docstring).
        """
        k, w = self.shards, self.window
        full = " or ".join(f"({c})" for c in self._window_stops) or "False"
        stops = (
            f"        n_steps = min({w}, stop - tw)\n"
            "        while True:  # a window that could overflow a buffer: return to drain it, or shorten it\n"
            "            full = False\n"
            "            for b in range(pos.shape[0]):\n"
            f"                if {full}:\n"
            "                    full = True\n"
            "            if not full or n_steps == 1 or tw > t_entry:\n"
            "                break\n"
            "            n_steps = n_steps // 2\n"
            "        if full:\n"
            "            break\n"
            "        tw_end = tw + n_steps\n"
        )
        region = (
            f"        for job in prange(pos.shape[0] * {k}):\n"
            f"            b = np.int64(job) // {k}\n"
            f"            sh = np.int64(job) % {k}\n"
            "            for t in range(tw, tw_end):\n"
            + self._block(("deliver", "neurons", "record_shard", "outbox"), 16)
            + "\n"
        )
        join = (
            "        for t in range(tw, tw_end):\n"
            "            for sample in range(pos.shape[0]):\n"
            "                b = np.int64(sample)\n"
            + self._block(("inbox", "gather", "emit", "learn", "record"), 16)
            + "\n"
        )
        return (
            "    tw = pos[0]  # every sample is at the same step\n"
            "    t_entry = tw\n"
            "    while tw < stop:\n"
            + stops
            + region
            + join
            + "        tw = tw_end\n    for b in range(pos.shape[0]):\n        pos[b] = tw\n"
        )

    def kernel_name(self, parallel: bool, fastmath: bool = False) -> str:
        """``run_chunk_{parallel,serial}[_lockstep]``, ``run_chunk_sharded{K}`` or ``run_chunk_sharded{K}_w{W}``,
        then ``_fastmath`` for a fastmath kernel: caches never mix."""
        suffix = "_fastmath" if fastmath else ""
        if self.window > 1:
            return f"run_chunk_sharded{self.shards}_w{self.window}{suffix}"
        if self.shards > 1:
            return f"run_chunk_sharded{self.shards}{suffix}"
        return (
            ("run_chunk_parallel" if parallel else "run_chunk_serial") + ("_lockstep" if self.lockstep else "") + suffix
        )

    def compile(self, parallel: bool = True, fastmath: bool = False):
        """Import the generated module and return the jitted chunk function.

        ``parallel`` runs the samples on Numba's threads; a batch of one
        sample gets a serial kernel instead (measured 0.86x the time of the
        parallel one on CUBA, where the thread pool only adds overhead).
        Each kind has its own function name, so their caches never mix.
        ``fastmath`` compiles the kernel with :data:`FASTMATH_FLAGS` and
        calls the fastmath variants of the functions that have one.
        """
        name = self.kernel_name(parallel, fastmath)
        funcs = self._funcs
        if fastmath:
            funcs = {
                k: fn.fastmath_variant(FASTMATH_FLAGS) if callable(getattr(fn, "fastmath_variant", None)) else fn
                for k, fn in funcs.items()
            }
        options = dict(KERNEL_OPTIONS, parallel=parallel, fastmath=sorted(FASTMATH_FLAGS) if fastmath else False)
        module = load_module(
            self.source(name), funcs, "chunk_fastmath" if fastmath else "chunk", options=repr(sorted(options.items()))
        )
        jitted = f"{name}_jit"
        if not hasattr(module, jitted):
            options["fastmath"] = set(options["fastmath"]) if fastmath else False
            setattr(module, jitted, njit(**options)(getattr(module, name)))
        return getattr(module, jitted)
