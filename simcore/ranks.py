"""One network split over MPI ranks: each rank steps a block of every population (docs/contract.md §6).

Started as ``mpiexec -n R python -m mpi4py script.py`` where the script calls :func:`run` (``-m mpi4py`` makes
an exception that a rank does not catch abort the whole job instead of leaving the others waiting)::

    import simcore as sc
    from simcore import ranks

    net = sc.builtin.brunel(1.0)
    merged = ranks.run(net, 1000.0, seed=1)        # the same call on every rank
    if merged is not None:                         # rank 0: every monitor's results, as one process gives them
        print(merged["spikes_exc"]["neurons"].size)

Nothing is detected from the environment: an MPI-launched script runs split only where it calls :func:`run`
(``simcore.mpi.run_batch_parallel`` splits samples instead, and a plain ``Network.run`` stays one process);
mpi4py is imported only by :func:`run`. :func:`run_threads` runs the same split with ranks as threads of one
process (no MPI), for checks.

**Split.** Rank ``r`` of ``R`` owns the neurons ``r*N//R <= i < (r+1)*N//R`` of every population of ``N`` neurons,
the cut rule of the thread shards (:mod:`simcore.base.shards`), and every synapse that ends on them. Every rank
builds only its part from the same seed (:func:`simcore.base.parts.building_part`: each projection draws every
row as one process does and keeps only the synapses onto the rank's neurons, in their stored order, with their
weights and delays), so connectivity and weights are those of one process whatever ``R``, and the build peak is
the rank's synapses; the run holds them, the full state arrays (only the rank's block is stepped) and full
delay queues (one entry per spiking source).

**Checkpoints.** ``store=path`` writes, when the run ends, the one-process checkpoint of that step (rank 0 joins
what every rank owns: :mod:`simcore.rankstate`); ``restore=path`` loads a checkpoint of any rank count, or of one
process, before the run (``ValueError`` before any step when it does not fit the network).

**Window.** Let ``d_min`` be the smallest delay of any synapse, in steps. A rank runs windows of ``W <= d_min``
steps (``exchange_every``; default ``max(1, d_min // 3)``) of the generated kernel with phase 5 deferred:
stimuli, queues and phases 1-4 of its block, then its spike lists go to an outbox
(:mod:`simcore.base.kernels.exchange`) that is sent to every other rank when the window ends. The spikes of
window ``k`` enter the queues after window ``k + lag`` (``lag = d_min // W - 1``), step by step, each
population's list joined in rank order (= ascending neuron order, the unsplit list). A spike of step
``t0 + w`` of a window starting at ``t0`` has delay ``d >= d_min >= (lag + 1) * W``, so it is due at
``t0 + w + d >= t0 + (lag + 1) * W``, after the window in which it is entered, and the ring of ``max(d) + 1``
slots has emptied every slot it lands in; each queue slot then lists its sources in the order of one process
(by emission step, then source), and each target sums its inputs in that order (docs/contract.md §2): spikes
and states are identical, bit for bit, for any ``R``. The lag lets a rank fall ``lag`` windows behind before
the others wait for it.

**Exchange.** Point to point (``Isend`` to every other rank, ``Iprobe``/``Recv`` from each) on a duplicate of
the communicator (``Idup``), polled with a deadline (waiting ranks sleep after 20 us, so they leave the core to
the rank they wait for): a rank that does not answer within ``timeout`` seconds makes the
others raise :class:`ExchangeTimeout` naming it (never a hang). A rank that raises (or dies) before the run
stops the others the same way.

**Monitors.** Each rank records its own neurons: spike monitors list only the rank's spikes, state monitors hold
the rank's block correctly (other columns are stale), rate monitors count the rank's spikes. At the end of
:func:`run`, rank 0 gathers them and returns ``{monitor: results}`` as one process gives them (spikes ordered by
step, sample, neuron; state columns from each neuron's owner; rate counts summed); with ``out=``, rank 0 writes
that one recording file (:mod:`monitors.recording`, readable by ``monitors.reader`` and libsonata).

Refused, with ``ValueError`` before any work: more ranks than neurons, ``exchange_every`` above ``d_min``,
zero-delay projections (``d_min = 0``), plastic projections, populations that draw random numbers in their
phase functions (they cannot be split: :mod:`simcore.base.shards`), monitors other than spike, state and rate.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import secrets
import threading
import time

import numpy as np

from simcore.base.codegen import KERNEL_OPTIONS, KernelBuilder, load_module
from simcore.base.errors import check_int, check_real
from simcore.base.kernels.exchange import inbox_take, outbox_put, rank_block_csr
from simcore.base.parts import building_part
from simcore.base.shards import NotShardable, bounds
from simcore.network import Network
from simcore.rankstate import merge_rank_results

log = logging.getLogger("spikesim")

#: seconds a rank waits for another's spikes before it gives up (a dead or hung rank)
DEFAULT_TIMEOUT = 120.0
#: monitor kinds that record per rank and merge (monitors.*.record_kind)
MERGEABLE = ("spikes", "states", "rates")
#: the MPI tag of spike messages on the duplicated communicator
_TAG = 17
#: one lock for kernel generation: rank threads of :func:`run_threads` share the module cache
_COMPILE = threading.Lock()


class ExchangeTimeout(RuntimeError):
    """A rank did not send its spikes of a window in time (it died, hung, or failed); ``ranks`` lists them."""

    def __init__(self, ranks: list, window: int, timeout: float):
        self.ranks = list(ranks)
        super().__init__(
            f"no answer from rank(s) {self.ranks} in exchange {window} within {timeout:g} s: the rank failed, "
            "hung or was killed (see its output); stopping this rank too"
        )


# ----- validation (before any work)
def check_ranks(net: Network, ranks: int) -> int:
    """``ranks`` validated: an int ``>= 1`` and at most the network's neurons (``ValueError`` naming both)."""
    ranks = check_int(ranks, "ranks", minimum=1)
    n = sum(p.n for p in net.populations)
    if ranks > n:
        raise ValueError(
            f"ranks={ranks} is more than the network's {n} neurons; a network split over ranks needs at most "
            f"one rank per neuron: run it on at most {n} ranks"
        )
    return ranks


def check_splittable(net: Network) -> None:
    """``ValueError`` naming what cannot run split over ranks (checked on the unbuilt network too)."""
    zero = [p.name for p in net.projections if p.zero_delay]
    if zero:
        raise ValueError(
            f"projections {zero} have zero delay (d_min = 0): a network split over ranks needs every delay "
            ">= 1 step, since ranks exchange spikes only after each step's emission"
        )
    plastic = [p.name for p in net.projections if not p.is_static]
    if plastic:
        raise ValueError(
            f"projections {plastic} have plastic synapses; a network split over ranks supports static "
            "synapses only (as thread shards do)"
        )
    other = [m.name for m in net.monitors if getattr(m, "record_kind", None) not in MERGEABLE]
    if other:
        raise ValueError(f"monitors {other} cannot record per rank; split runs merge only {MERGEABLE} monitors")


def d_min(net: Network) -> int:
    """The smallest delay, in steps, of any synapse of the built network (sources without synapses ignored)."""
    smallest = None
    for proj in net.projections:
        if proj.part is not None:  # a rank's part: the whole network's smallest delay, recorded at the build
            d = proj.part.d_min
            if d is not None:
                smallest = d if smallest is None else min(smallest, d)
            continue
        if proj.n_synapses == 0:
            continue
        if proj.ring is not None:
            d = int(proj.ring.delays.min())
        else:
            has_row = np.diff(proj.indptr) > 0
            d = int(proj.queue.delays[has_row].min())
        smallest = d if smallest is None else min(smallest, d)
    return 1 if smallest is None else smallest  # no synapse: nothing crosses; exchange every step


def check_exchange_every(exchange_every, dmin: int) -> int:
    """The window length: ``d_min`` by default, else an int in ``[1, d_min]``."""
    if exchange_every is None:
        return dmin
    exchange_every = check_int(exchange_every, "exchange_every", minimum=1)
    if exchange_every > dmin:
        raise ValueError(
            f"exchange_every={exchange_every} steps is above d_min={dmin} steps, the smallest delay of the "
            f"network: a spike would be due before it reached its target's rank; use at most {dmin}"
        )
    return exchange_every


# ----- the rank's part of the network
def keep_rank_synapses(net: Network, rank: int, ranks: int) -> None:
    """Drop every synapse whose target is not on ``rank`` (order within rows kept; weights, per-synapse delays too).

    Projections built as this rank's part (:func:`simcore.base.parts.building_part`) hold only those already.
    """
    for proj in net.projections:
        if proj.part is not None and proj.part[:2] == (rank, ranks):
            continue
        limits = bounds(proj.post.n, ranks)
        indptr, keep = rank_block_csr(proj.indptr, proj.indices.astype(np.int64), limits[rank], limits[rank + 1])
        proj.indptr = np.ascontiguousarray(indptr)
        proj.indices = np.ascontiguousarray(proj.indices[keep])
        proj.initial_weights = np.ascontiguousarray(proj.initial_weights[keep])
        proj._weights_array = proj.initial_weights
        if proj.ring is not None:
            proj.ring.delays = np.ascontiguousarray(proj.ring.delays[keep])
        proj._sharded = None


class RankKernelBuilder(KernelBuilder):
    """A sharded builder (``R`` shards) whose kernel steps only shard ``rank`` and defers phase 5.

    Its module defines two functions of the same arguments: ``run_chunk_rank{R}`` (steps of the window: stops,
    deliver, neurons, gather, outbox, record) and ``emit_window_rank{R}`` (for each step of the window:
    every rank's spikes into the populations' lists, then the emit and per-shard emit sections).
    """

    def __init__(self, dt: float, ranks: int, rank: int):
        super().__init__(dt, shards=ranks)
        self.rank = rank
        self.sh = self.arg(int(rank), "rank_sh")
        self._outbox: list[str] = []
        self._inbox: list[str] = []

    def exchange(
        self,
        spikes: list,
        rx: np.ndarray,
        ob_n: np.ndarray,
        cursor: np.ndarray,
        w0: np.ndarray,
        stride: int,
        header: int,
        nb: int,
    ) -> None:
        """Outbox and inbox code for ``spikes`` (the ``PopulationArrays`` of each exchanged population, in order).

        ``rx``: every rank's part, rank ``r``'s from ``r * stride`` (``header`` counts, then triples); ``ob_n``:
        the next free position of this rank's triples; ``cursor``: each rank's next unread triple; ``w0``: the
        first step of the window; ``nb``: the batch size.
        """
        n_pops = len(spikes)
        rx_, ob_, cur, w0_ = (
            self.arg(a, h) for a, h in ((rx, "rank_rx"), (ob_n, "rank_ob_n"), (cursor, "rank_cursor"), (w0, "rank_w0"))
        )
        put, take = self.func(outbox_put, "outbox_put"), self.func(inbox_take, "inbox_take")
        part = self.arg(int(self.rank * stride), "rank_part")
        stride, header = self.arg(int(stride), "rank_stride"), self.arg(int(header), "rank_header")
        nb = self.nb = self.arg(int(nb), "rank_nb")
        for p, arrays in enumerate(spikes):
            lists = ", ".join(
                self.arg(a, f"rank_x{p}")
                for a in (arrays.spike_idx, arrays.spike_code, arrays.spike_val, arrays.spike_cnt)
            )
            self._outbox.append(f"{put}(t - {w0_}[0], b, {p}, {n_pops}, {nb}, {lists}, {rx_}, {part}, {ob_})")
            self._inbox.append(f"{take}(t - base, b, {p}, {n_pops}, {nb}, {rx_}, {stride}, {cur}, {lists})")
        self._inbox_reset = f"for r_ in range({self.shards}):\n    {cur}[r_] = r_ * {stride} + {header}"

    def source(self, name: str = "run_chunk") -> str:
        params = ", ".join(["pos", "base", "stop"] + [n for n, _ in self._args])
        head = '"""Generated by spikesim.simcore.ranks; do not edit."""\n\n\n'
        return (
            head
            + f"def {name}({params}):\n"
            + self._steps_body()
            + f"\n\ndef {name.replace('run_chunk', 'emit_window')}({params}):\n"
            + self._emit_body()
        )

    def _lines(self, title: str, lines: list, indent: int) -> str:
        import textwrap

        return textwrap.indent("\n".join([f"# --- {title} ---"] + (lines or ["pass"])), " " * indent)

    def _steps_body(self) -> str:
        full = " or ".join(f"({c})" for c in self._stops) or "False"
        serial = "        for sample in range(pos.shape[0]):\n            b = np.int64(sample)\n"
        return (
            f"    sh = np.int64({self.sh})\n"
            "    t = pos[0]  # every sample is at the same step\n"
            "    while t < stop:\n"
            "        full = False\n"
            "        for b in range(pos.shape[0]):\n"
            f"            if {full}:\n"
            "                full = True\n"
            "        if full:\n"
            "            break\n"
            + serial
            + self._block(("deliver", "neurons", "gather"), 12)
            + "\n"
            + self._lines("outbox", self._outbox, 12)
            + "\n"
            + serial
            + self._block(("learn", "record"), 12)
            + "\n        t += 1\n    for b in range(pos.shape[0]):\n        pos[b] = t\n"
        )

    def _emit_body(self) -> str:
        """Steps ``base <= t < stop`` of the window: spike lists from every rank, then phase 5 (``pos`` unused)."""
        return (
            f"    sh = np.int64({self.sh})\n"
            + "    "
            + self._inbox_reset.replace("\n", "\n    ")
            + "\n    for t in range(base, stop):\n"
            f"        for sample in range({self.nb}):\n"
            "            b = np.int64(sample)\n"
            + self._lines("inbox", self._inbox, 12)
            + "\n"
            + self._block(("emit", "emit_shard"), 12)
            + "\n"
        )

    def kernel_name(self, parallel: bool = False, fastmath: bool = False) -> str:
        return f"run_chunk_rank{self.shards}"

    def compile(self, parallel: bool = False, fastmath: bool = False):
        """The two jitted functions ``(steps, emit_window)``, serial (one thread per rank), cached by Numba."""
        name = self.kernel_name()
        options = dict(KERNEL_OPTIONS, parallel=False, fastmath=False)
        with _COMPILE:
            module = load_module(self.source(name), self._funcs, "ranks", options=repr(sorted(options.items())))
            out = []
            for fn in (name, name.replace("run_chunk", "emit_window")):
                jitted = f"{fn}_jit"
                if not hasattr(module, jitted):
                    setattr(module, jitted, _njit(options)(getattr(module, fn)))
                out.append(getattr(module, jitted))
        return tuple(out)


def _njit(options):
    from numba import njit

    return njit(**options)


# ----- one rank's run
class RankRun:
    """The part of a built network that rank ``rank`` of ``ranks`` steps, and its windows (module docstring).

    ``exchange.start(rx, stride, length)`` sends ``rx[rank*stride : rank*stride + length]`` to every other
    rank; ``exchange.finish()`` fills their parts of the oldest started ``rx`` (:class:`MPIExchange`,
    :class:`ThreadExchange`).
    """

    def __init__(self, net: Network, rank: int, ranks: int, exchange, exchange_every=None):
        ctx = net.ctx
        self.net, self.rank, self.ranks, self.exchange = net, rank, ranks, exchange
        self.d_min = d_min(net)
        default = max(1, self.d_min // 3)  # about three windows per d_min: two windows of slack (run)
        self.window = check_exchange_every(default if exchange_every is None else exchange_every, self.d_min)
        keep_rank_synapses(net, rank, ranks)
        net._kernel = None  # the one-process kernel would read the rank's synapses only
        senders = [p for p in net.populations if any(q.pre is p for q in net.projections)]
        B, W, P = ctx.batch_size, self.window, len(senders)
        self.header = W * B * P
        most = sum(int(np.diff(bounds(p.n, ranks)).max()) for p in senders)
        self.stride = self.header + 3 * W * B * most
        self.rx = np.zeros(ranks * self.stride, dtype=np.float64)
        self.ob_n, self.cursor, self.w0 = (np.zeros(k, dtype=np.int64) for k in (1, ranks, 1))
        kb = RankKernelBuilder(ctx.dt, ranks, rank)
        try:
            for comp in net._in_emit_order():
                comp.emit(kb)
        except NotShardable as exc:
            raise ValueError(f"this network cannot be split over ranks: {exc}") from None
        if kb.lockstep:
            raise ValueError("this network cannot be split over ranks: it steps its samples in lockstep")
        kb.exchange([p.runtime for p in senders], self.rx, self.ob_n, self.cursor, self.w0, self.stride, self.header, B)
        t0 = time.perf_counter()
        self.step_fn, self.emit_fn = kb.compile()
        # lag + 1 exchange buffers: a window steps into one while the others' spikes are still on their way
        self.rxs = (self.rx,) + tuple(np.zeros_like(self.rx) for _ in range(self.lag))
        self.argsets = tuple(tuple(rx if a is self.rx else a for a in kb.arg_values) for rx in self.rxs)
        self.source = kb.source(kb.kernel_name())
        self.compile_seconds = time.perf_counter() - t0
        self.exchanges, self.exchange_seconds = 0, 0.0

    @property
    def lag(self) -> int:
        """Windows a window's spikes may wait before they enter the queues: ``(lag + 1) * window <= d_min``."""
        return self.d_min // self.window - 1

    def run(self, n: int) -> None:
        """``n`` steps from ``net.t``: chunks (monitors flush after each) of windows of at most ``window`` steps.

        Window ``k`` steps and sends its spikes, then the spikes of window ``k - lag`` enter the queues: they are
        due at least ``d_min >= (lag + 1) * window`` steps after their window began, so not before window ``k``
        ends (module docstring); a rank may then fall behind the others by ``lag`` windows before they wait for
        it. Every spike is entered before the run returns.
        """
        net = self.net
        end = net.t + n
        pos = np.full(net.ctx.batch_size, net.t, dtype=np.int64)
        t_start, cpu_start, start_step = time.perf_counter(), time.thread_time(), net.t
        self.exchange_seconds, pending = 0.0, collections.deque()
        while net.t < end:
            base, chunk_end = net.t, min(net.t + net.chunk_steps, end)
            t = base
            while t < chunk_end:
                t_next = min(t + self.window, chunk_end)
                args = self.argsets[self.exchanges % len(self.argsets)]
                self._step(pos, base, t, t_next, args)
                pending.append((t, t_next, args))
                if len(pending) > self.lag:
                    self._emit(pos, *pending.popleft())
                t = t_next
            net.t = chunk_end
            for comp in net.components:
                comp.after_chunk(base, chunk_end)
        while pending:
            self._emit(pos, *pending.popleft())
        for comp in net.components:
            comp.finish_run()
        net.last_run = {
            "steps": net.t - start_step,
            "seconds": time.perf_counter() - t_start,
            "cpu_seconds": time.thread_time() - cpu_start,  # this rank's CPU time, waiting excluded
            "exchange_seconds": self.exchange_seconds,
        }

    def _step(self, pos: np.ndarray, base: int, t0: int, t1: int, args: tuple) -> None:
        """Steps ``t0 <= t < t1`` of the rank's block (spikes to the outbox of ``args``), then send them."""
        part = self.rank * self.stride
        self.w0[0], self.ob_n[0] = t0, part + self.header
        while True:
            self.step_fn(pos, base, t1, *args)
            if pos.min() == t1:
                break
            for comp in self.net.components:
                comp.after_kernel()
        x0 = time.perf_counter()
        self.exchange.start(self.rxs[self.exchanges % len(self.rxs)], self.stride, int(self.ob_n[0]) - part)
        self.exchange_seconds += time.perf_counter() - x0
        self.exchanges += 1

    def _emit(self, pos: np.ndarray, t0: int, t1: int, args: tuple) -> None:
        """Every rank's spikes of steps ``t0 <= t < t1`` (the oldest exchange still open) into the queues."""
        x0 = time.perf_counter()
        self.exchange.finish()
        self.exchange_seconds += time.perf_counter() - x0
        self.emit_fn(pos, t0, t1, *args)


# ----- exchanges
class MPIExchange:
    """Every rank's part of ``rx`` to every other rank, point to point, polled with a deadline of ``timeout`` s."""

    def __init__(self, comm, timeout: float = DEFAULT_TIMEOUT):
        from mpi4py import MPI

        self.MPI = MPI
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.timeout = timeout
        self.count = 0
        self.open: collections.deque = collections.deque()  # exchanges started, not finished: (rx, stride, sends)
        self.comm, req = comm.Idup()  # our messages never meet the user's; a rank that never comes is timed out
        pause = _Pause(timeout)
        while not req.Test():
            if not pause.wait():
                raise ExchangeTimeout([r for r in range(self.size) if r != self.rank], "setup", timeout)

    def start(self, rx: np.ndarray, stride: int, length: int) -> None:
        """Send ``rx[rank*stride : rank*stride + length]`` to every other rank; :meth:`finish` receives theirs."""
        MPI, comm, me = self.MPI, self.comm, self.rank
        mine = rx[me * stride : me * stride + length]
        sends = [comm.Isend([mine, MPI.DOUBLE], dest=r, tag=_TAG) for r in range(self.size) if r != me]
        self.open.append((rx, stride, sends))

    def finish(self) -> None:
        """Receive every other rank's part of the oldest open exchange into its ``rx``; wait for our sends."""
        MPI, comm, me = self.MPI, self.comm, self.rank
        rx, stride, sends = self.open.popleft()
        others = [r for r in range(self.size) if r != me]
        waiting, status = set(others), MPI.Status()
        pause = _Pause(self.timeout)
        while waiting:
            for r in sorted(waiting):
                if comm.Iprobe(source=r, tag=_TAG, status=status):
                    n = status.Get_count(MPI.DOUBLE)
                    comm.Recv([rx[r * stride : r * stride + n], MPI.DOUBLE], source=r, tag=_TAG)
                    waiting.discard(r)
            if waiting and not pause.wait():
                raise ExchangeTimeout(sorted(waiting), self.count, self.timeout)
        while not MPI.Request.Testall(sends):
            if not pause.wait():
                raise ExchangeTimeout(others, self.count, self.timeout)
        self.count += 1

    def gather(self, obj):
        """``obj`` of every rank on rank 0 (``None`` elsewhere), polled with the same deadline."""
        me = self.rank
        if me != 0:
            req = self.comm.isend(obj, dest=0, tag=_TAG + 1)
            pause = _Pause(self.timeout)
            while not req.Test():
                if not pause.wait():
                    raise ExchangeTimeout([0], self.count, self.timeout)
            return None
        out, status, pause = [obj] + [None] * (self.size - 1), self.MPI.Status(), _Pause(self.timeout)
        waiting = set(range(1, self.size))
        while waiting:
            for r in sorted(waiting):
                if self.comm.Iprobe(source=r, tag=_TAG + 1, status=status):
                    out[r] = self.comm.recv(source=r, tag=_TAG + 1)
                    waiting.discard(r)
            if waiting and not pause.wait():
                raise ExchangeTimeout(sorted(waiting), self.count, self.timeout)
        return out


class _Pause:
    """Polling with a deadline: a few polls in the first 20 us, then sleeps growing from 50 us to 1 ms.

    Sleeping early matters on a busy machine: a rank that spins while it waits takes the core from the rank it
    waits for (measured: spinning up to 1 ms per exchange made a rank of two cost as much CPU as the whole
    network on one).
    """

    def __init__(self, timeout: float):
        self.start = time.monotonic()
        self.deadline = self.start + timeout

    def wait(self) -> bool:
        now = time.monotonic()
        if now > self.deadline:
            return False
        waited = now - self.start
        if waited > 2e-5:
            time.sleep(min(1e-3, max(5e-5, waited / 4)))
        return True


class ThreadGroup:
    """``ranks`` ranks as threads of one process (:func:`run_threads`): parts handed over between two barriers."""

    def __init__(self, ranks: int, timeout: float = DEFAULT_TIMEOUT):
        self.ranks, self.timeout = ranks, timeout
        self.barrier = threading.Barrier(ranks, timeout=timeout)
        self.parts: list = [None] * ranks
        self.failed: dict = {}

    def exchange_of(self, rank: int) -> "ThreadExchange":
        return ThreadExchange(self, rank)


class ThreadExchange:
    """Rank ``rank``'s side of a :class:`ThreadGroup`."""

    def __init__(self, group: ThreadGroup, rank: int):
        self.group, self.rank, self.count = group, rank, 0

    def _meet(self) -> None:
        try:
            self.group.barrier.wait()
        except threading.BrokenBarrierError:
            silent = sorted(self.group.failed) or [r for r in range(self.group.ranks) if r != self.rank]
            raise ExchangeTimeout(silent, self.count, self.group.timeout) from None

    def start(self, rx: np.ndarray, stride: int, length: int) -> None:
        """The whole exchange at once (threads share memory; nothing is in flight)."""
        g, me = self.group, self.rank
        g.parts[me] = rx[me * stride : me * stride + length]
        self._meet()  # every part published
        for r, part in enumerate(g.parts):
            if r != me:
                rx[r * stride : r * stride + part.size] = part
        self._meet()  # every part copied before anyone writes its next one
        self.count += 1

    def finish(self) -> None:
        """Nothing left: :meth:`start` did it all."""

    def gather(self, obj):
        g = self.group
        g.parts[self.rank] = obj
        self._meet()
        out = list(g.parts) if self.rank == 0 else None
        self._meet()
        return out


# ----- merging what the ranks recorded
class _RunCollector:
    """A monitor sink that keeps what this run recorded (for the joined file), in ``export_results`` form."""

    def __init__(self, net: Network):
        self.net = net
        self.items: dict = {m.name: [] for m in net.monitors}
        for mon in net.monitors:
            mon.sinks.append(self)

    def write_spikes(self, mon, block) -> None:
        self.items[mon.name].append(block)

    def write_states(self, mon, steps, block: dict) -> None:
        self.items[mon.name].append((steps, block))

    def write_rates(self, mon, steps, counts) -> None:
        self.items[mon.name].append((steps, counts))

    def detach(self) -> None:
        for mon in self.net.monitors:
            if self in mon.sinks:
                mon.sinks.remove(self)

    def results(self) -> dict:
        out = {}
        for mon in self.net.monitors:
            items = self.items[mon.name]
            if mon.record_kind == "spikes":
                from monitors.spike import SpikeBlock

                blk = SpikeBlock.concatenate(items)
                out[mon.name] = {f: getattr(blk, f) for f in SpikeBlock.__slots__}
            elif mon.record_kind == "rates":
                steps = np.concatenate([s for s, _ in items]) if items else np.zeros(0, np.int64)
                counts = np.concatenate([c for _, c in items]) if items else np.zeros((0, 0), np.int64)
                out[mon.name] = {"steps": steps, "counts": counts}
            else:
                out[mon.name] = {"steps": np.concatenate([s for s, _ in items]) if items else np.zeros(0, np.int64)}
                empty = np.zeros((0, len(mon.sample_ids), len(mon.neuron_ids)), dtype=self.net.ctx.dtype)
                for v in mon.variables:
                    out[mon.name][f"var.{v}"] = np.concatenate([b[v] for _, b in items]) if items else empty
        return out


def write_joined(net: Network, run_results: dict, path, *, overwrite: bool, compression, steps: int, start: int):
    """Rank 0: one recording file of this run's merged results, as one process writes it (monitors.recording)."""
    from monitors.recording import Recorder
    from monitors.spike import SpikeBlock

    t_end, net.t = net.t, start
    try:
        rec = Recorder(net, path, overwrite=overwrite, compression=compression, duration_steps=steps)
    finally:
        net.t = t_end
    rec._detach()  # fed below with the merged results, not by this rank's monitors
    try:
        for mon in net.monitors:
            res = run_results[mon.name]
            if mon.record_kind == "spikes":
                if res["steps"].size:
                    rec.write_spikes(mon, SpikeBlock(*(res[f] for f in SpikeBlock.__slots__)))
            elif mon.record_kind == "rates":
                if res["steps"].size:
                    rec.write_rates(mon, res["steps"], res["counts"])
            elif res["steps"].size:
                rec.write_states(mon, res["steps"], {v: res[f"var.{v}"] for v in mon.variables})
        rec.end_run()
    except BaseException:
        rec.close(completed=False, stop_reason="write failed")
        raise
    rec.close(completed=True)


# ----- entry points
def run(
    net: Network,
    duration: float | None = None,
    *,
    steps: int | None = None,
    batch_size: int | None = None,
    dt: float | None = None,
    seed: int | None = None,
    dtype=None,
    chunk_steps: int | None = None,
    exchange_every: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    out=None,
    overwrite: bool = False,
    compression=None,
    store=None,
    restore=None,
    comm=None,
):
    """Run ``net`` split over the ranks of ``comm`` (default ``MPI.COMM_WORLD``); every rank calls it alike.

    The first call builds the network (``batch_size``, ``dt``, ``seed``, ``dtype``, ``chunk_steps`` as in
    :meth:`Network.build`; a ``seed`` of ``None`` is drawn on rank 0 and sent to all); later calls continue
    (``run(a); run(b)`` equals ``run(a + b)``). Returns, on rank 0, ``{monitor: results}`` of everything the
    monitors recorded so far, merged as one process records it; ``None`` on the other ranks. ``out``: rank 0
    writes this run's merged recording there (one file, as ``Network.run(out=...)`` writes it). ``store``: rank 0
    writes the checkpoint of the step the run ends at there (the one-process format; ``overwrite`` as for
    ``out``); ``restore``: a checkpoint (of any rank count, or of one process) loaded before the run, its
    settings used to build when not given. One rank runs the network in-process (``Network.run(threads=1)``).
    """
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError("simcore.ranks.run needs mpi4py and an MPI library: pip install 'spikesim[mpi]'") from exc
    comm = MPI.COMM_WORLD if comm is None else comm
    rank, size = comm.Get_rank(), comm.Get_size()
    plan = _plan(net, size, duration, steps, dt, exchange_every, timeout, out, overwrite, store, restore)
    if seed is None and net.ctx is None and restore is None:  # (the plan is the same on every rank)
        seed = comm.bcast(secrets.randbits(32) if rank == 0 else None, root=0)
    state = getattr(net, "_rank_run", None)
    exchange = state.exchange if state is not None else MPIExchange(comm, timeout)
    return _run_rank(net, rank, size, exchange, plan, batch_size, seed, dtype, chunk_steps, out, overwrite, compression)


def run_threads(build, ranks: int, duration: float | None = None, **kwargs) -> dict:
    """Run the network ``build()`` makes split over ``ranks`` ranks that are threads of this process.

    The same code path as :func:`run` with :class:`ThreadExchange` instead of MPI (a check of the split
    without ``mpiexec``; each rank builds its own copy). Keywords as :func:`run` (without ``comm``); returns
    rank 0's merged results. An error on any rank is raised here.
    """
    ranks = check_int(ranks, "ranks", minimum=1)
    nets = [build() for _ in range(ranks)]
    timeout = kwargs.pop("timeout", DEFAULT_TIMEOUT)
    steps = kwargs.pop("steps", None)
    exchange_every = kwargs.pop("exchange_every", None)
    plan = _plan(
        nets[0],
        ranks,
        duration,
        steps,
        kwargs.get("dt"),
        exchange_every,
        timeout,
        kwargs.get("out"),
        kwargs.get("overwrite", False),
        kwargs.get("store"),
        kwargs.get("restore"),
    )
    group = ThreadGroup(ranks, timeout)
    results: list = [None] * ranks
    seed = kwargs.get("seed")
    if seed is None and nets[0].ctx is None and plan["restore"] is None:  # one seed for all, or networks differ
        seed = secrets.randbits(32)

    def one(r: int) -> None:
        try:
            results[r] = _run_rank(
                nets[r],
                r,
                ranks,
                group.exchange_of(r),
                plan,
                kwargs.get("batch_size"),
                seed,
                kwargs.get("dtype"),
                kwargs.get("chunk_steps"),
                kwargs.get("out"),
                kwargs.get("overwrite", False),
                kwargs.get("compression"),
            )
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            group.failed[r] = exc
            group.barrier.abort()

    threads = [threading.Thread(target=one, args=(r,), name=f"rank-{r}") for r in range(ranks)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if group.failed:
        first = min(group.failed, key=lambda r: isinstance(group.failed[r], ExchangeTimeout))
        raise group.failed[first]
    return results[0]


def _plan(
    net, ranks, duration, steps, dt, exchange_every, timeout, out=None, overwrite=False, store=None, restore=None
) -> dict:
    """Every argument checked before any work, on every rank (``out``, ``store`` and ``restore`` on a file system
    they share)."""
    from monitors.sonata import check_writable
    from simcore import checkpoint
    from simcore.base.clock import check_dt, duration_to_steps

    for path in (out, store):
        if path is not None:
            check_writable(path, overwrite)
    saved = None if restore is None else checkpoint.settings(restore)
    if saved is not None and net.ctx is None and dt is None:
        dt = saved["dt"]
    ranks = check_ranks(net, ranks)
    check_splittable(net)
    for pop in net.populations:
        if any({"uniform", "normal"} & set(fn.arg_names) for fn in pop.phase_functions().values()):
            raise ValueError(
                f"population {pop.name!r} ({pop.model}) draws random numbers in its phase functions; "
                "it cannot be split over ranks (a varying number of draws per neuron)"
            )
    if exchange_every is not None:
        check_int(exchange_every, "exchange_every", minimum=1)  # its bound d_min is checked once built
    timeout = check_real(timeout, "timeout", minimum=0.0)
    step_dt = net.ctx.dt if net.ctx is not None else check_dt(0.1 if dt is None else dt)
    n = duration_to_steps(duration, steps, step_dt)
    return {
        "steps": n,
        "ranks": ranks,
        "exchange_every": exchange_every,
        "timeout": timeout,
        "dt": dt,
        "store": store,
        "restore": restore,
        "saved": saved,
    }


def _run_rank(net, rank, ranks, exchange, plan, batch_size, seed, dtype, chunk_steps, out, overwrite, compression):
    """Build (first call), restore, split, run ``plan['steps']``, gather and merge on rank 0, store; rank 0's
    merged results."""
    if net.ctx is None:
        saved = plan.get("saved") or {}
        with building_part(rank, ranks) if ranks > 1 else contextlib.nullcontext():
            net.build(
                batch_size=saved.get("batch_size", 1) if batch_size is None else batch_size,
                dt=0.1 if plan.get("dt") is None else plan["dt"],
                seed=saved.get("seed") if seed is None else seed,
                dtype=saved.get("dtype", "float64") if dtype is None else dtype,
                chunk_steps=chunk_steps,
            )
    else:
        net._check_same(batch_size=batch_size, seed=seed, dtype=dtype)
    if plan.get("restore") is not None:
        restore_rank(net, plan["restore"], rank, ranks)
    if ranks == 1:
        return _run_one(net, plan, out, overwrite, compression)
    state = getattr(net, "_rank_run", None)
    if state is None:
        full = net.describe()
        state = net._rank_run = RankRun(net, rank, ranks, exchange, plan["exchange_every"])
        state.describe_full = full
    elif plan["exchange_every"] not in (None, state.window):
        raise ValueError(
            f"exchange_every={plan['exchange_every']} differs from the first run's {state.window}; it is fixed by "
            "the first run"
        )
    start, collector = net.t, _RunCollector(net) if out is not None else None
    try:
        state.run(plan["steps"])
    finally:
        if collector is not None:
            collector.detach()
    parts = exchange.gather({m.name: m.export_results() for m in net.monitors})
    run_parts = exchange.gather(collector.results()) if collector is not None else None
    if plan.get("store") is not None:
        store_rank(net, exchange, plan["store"], rank, ranks, overwrite)
    if rank != 0:
        return None
    if run_parts is not None:
        describe, net.describe = net.describe, lambda: state.describe_full
        try:
            write_joined(
                net,
                merge_rank_results(net, run_parts),
                out,
                overwrite=overwrite,
                compression=compression,
                steps=plan["steps"],
                start=start,
            )
        finally:
            net.describe = describe
    return merge_rank_results(net, parts)


def _run_one(net, plan, out, overwrite, compression) -> dict:
    """One rank: the one-process run itself (its checkpoint too)."""
    net.run(steps=plan["steps"], threads=1, out=out, overwrite=overwrite, compression=compression)
    if out is not None:
        net.close()
    if plan.get("store") is not None:
        net.store(plan["store"], overwrite=overwrite)
    return {m.name: m.export_results() for m in net.monitors}


# ----- checkpoints of split runs (simcore.rankstate)
def restore_rank(net, path, rank: int, ranks: int) -> None:
    """Load the checkpoint ``path`` (of one process or of a split run, any rank count) into rank ``rank``'s
    part of ``net``: checked against the network (``ValueError`` naming what differs) before any step."""
    from simcore import checkpoint, rankstate

    state = checkpoint.load(net, path)
    net.import_state(state if ranks == 1 else rankstate.for_rank(net, state, rank))


def store_rank(net, exchange, path, rank: int, ranks: int, overwrite: bool) -> None:
    """Every rank sends its part to rank 0, which writes the one-process checkpoint ``path`` (simcore.rankstate)."""
    from simcore import checkpoint, rankstate

    parts = exchange.gather(rankstate.rank_part(net, rank, ranks))
    if rank == 0:
        checkpoint.write(net, rankstate.join(net, parts), path, overwrite=overwrite)
