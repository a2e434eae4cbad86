"""Stream a network's monitors into one HDF5 file during ``Network.run(out=...)``.

Flushed blocks are gathered and written to the file (see :mod:`monitors.sonata`
for the layout) once they hold ``WRITE_EVENTS`` values or ``WRITE_SECONDS`` of
wall time has passed, and always when the run ends, completes or fails: each
write costs a fixed number of HDF5 calls, so writing every chunk would cost
more than the simulation of a small network. A block is written before it
has waited ``WRITE_SECONDS``: when the next chunk is expected (from the time
between the last two chunks) to arrive later than that, the pending blocks
are written at once. A run that raises or is interrupted (Python exception,
KeyboardInterrupt) leaves every completed chunk in the file, with
``completed = False``; a process killed outright (SIGKILL) loses at most the
last ``WRITE_SECONDS`` of wall time.

Writes run on a background thread (started by a run's first write, ended
when the run ends), off the critical path: the gathered
blocks of a write go into a bounded queue (``QUEUE_WRITES`` writes) and the
thread appends them to the file while the next chunk runs (the kernel
releases the GIL); the run waits only when the queue is full, or, when
chunks take longer than ``WRITE_SECONDS`` each, until a chunk's write is done
(waiting then costs little next to the chunk, and a reader or a SIGKILL
finds the chunk on disk as before). A write
failure on the thread is raised in the main thread at the next chunk
boundary (the first block of the next chunk), or when the run ends or the
recording closes, whichever comes first: the file is sealed as before and
the run stops with the same :class:`monitors.sonata.RecordingWriteError`.
Ending a run, closing (after an exception, SIGINT or SIGTERM too) and every
metadata update first wait until the queue is written, so nothing gathered
is lost and the file's layout is the one written by a single thread.

The file is opened under an exclusive writer lock (``<file>.lock``, see
:class:`monitors.sonata.WriterLock`), every group and dataset the run needs
is created when the Recorder opens it, and the file is then switched to
HDF5 SWMR mode: readers (``monitors.reader``, ``spikesim info``) open it
while it grows. A write failure (disk full, I/O error) raises
:class:`monitors.sonata.RecordingWriteError` out of the run; the file keeps
every block written before.

How a monitor is recorded
    The Recorder asks the monitor, never its class: a monitor declares
    ``record_kind`` (``"spikes"``, ``"states"`` or ``"rates"``, the kinds
    of :data:`SINKS`), or provides ``make_record_sink(recording_file, recorder)``
    returning an object with ``append(items)`` (the gathered items of one
    write) that creates its datasets when called; it then sends items with
    ``recorder.write_block(monitor, item, n_values)``. A monitor with
    neither is not recorded (logged).

=========================== ==================================================
monitor                     in the file
=========================== ==================================================
SpikeMonitor                ``/spikes/<population>`` (SONATA), ``sample_ids``
                            when B > 1, ``polarity`` for bipolar models
StateMonitor                one SONATA report per variable: the file's first
                            variable in ``/report/<population>``, each other
                            one in its own file ``<stem>.<variable>.h5``
                            (linked from ``/report_files``); ``data`` float32,
                            ``data_float64`` too in float64 runs
PopulationRateMonitor       ``/rates/<population>/counts`` ``(steps, B)``
                            spikes per step, with ``steps`` and attributes
=========================== ==================================================
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import numpy as np

from .sonata import RecordingFile, package_version

logger = logging.getLogger(__name__)

UNITS = {"v": "mV", "V_m": "mV", "g": "mV", "ref": "steps"}
#: write gathered blocks once they hold this many values ...
WRITE_EVENTS = 1 << 20
#: ... or before the oldest of them has waited this long (wall seconds)
WRITE_SECONDS = 1.0
#: writes waiting for the background thread before the run waits for it
QUEUE_WRITES = 4


def _unique(name: str, alt: str, taken) -> str:
    return name if name not in taken else alt


class _SpikeSink:
    """``/spikes/<population>`` of a monitor with ``record_kind = "spikes"``."""

    def __init__(self, rec, mon):
        pop = mon.population
        group = _unique(pop.name, mon.name, rec.file._spike_writers)
        self.dt = rec.dt
        self.writer = rec.file.spike_writer(
            group,
            pop.n,
            batch_size=rec.batch_size,
            bipolar=bool(getattr(pop, "bipolar", False)),
            n_recorded=len(mon.neuron_ids),
            samples_recorded=len(mon.sample_ids),
        )

    def append(self, blocks) -> None:
        from .spike import SpikeBlock

        block = SpikeBlock.concatenate(blocks)
        self.writer.append(
            block.steps * self.dt, block.neurons, block.samples, block.polarity if self.writer.bipolar else None
        )


class _StateSink:
    """One report per variable of a monitor with ``record_kind = "states"``."""

    def __init__(self, rec, mon):
        pop = mon.population
        every = int(mon.every)
        start = -(-int(rec.network.t) // every) * every  # first recorded step of this run
        taken = {p for p, _ in rec.file._report_writers}
        name = _unique(pop.name, mon.name, taken)
        dtype = np.float32 if np.dtype(rec.network.ctx.dtype) == np.float32 else np.float64
        self.writers = {}
        for var in mon.variables:
            unit = UNITS.get(var, "mV" if var.startswith(("g_", "V_")) else "")
            self.writers[var] = rec.file.report_writer(
                name,
                var,
                mon.neuron_ids,
                rec.dt,
                start_step=start,
                every=every,
                batch_size=len(mon.sample_ids),
                unit=unit,
                dtype=dtype,
            )

    def append(self, items) -> None:
        for var, writer in self.writers.items():
            blocks = [block[var] for _, block in items]
            writer.append(blocks[0] if len(blocks) == 1 else np.concatenate(blocks))


class _RateSink:
    """``/rates/<population>`` of a monitor with ``record_kind = "rates"``."""

    def __init__(self, rec, mon):
        name = _unique(mon.population.name, mon.name, rec.file._rate_writers)
        self.writer = rec.file.rate_writer(name, mon.n_neurons, len(mon.sample_ids))

    def append(self, items) -> None:
        self.writer.append(np.concatenate([s for s, _ in items]), np.concatenate([c for _, c in items]))


#: record kinds a monitor may declare (``monitor.record_kind``) -> sink class
SINKS = {"spikes": _SpikeSink, "states": _StateSink, "rates": _RateSink}


class _WriterThread(threading.Thread):
    """Runs the recording's writes in order; after a failure it drops the rest and keeps the exception."""

    def __init__(self, path):
        super().__init__(name=f"spikesim-recorder {path}", daemon=True)
        self.jobs: queue.Queue = queue.Queue(maxsize=QUEUE_WRITES)
        #: the exception of the first failed write (``None``: every write so far succeeded)
        self.error: BaseException | None = None

    def run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                if self.error is None:
                    job()
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                self.error = exc
            finally:
                self.jobs.task_done()

    def wait_idle(self) -> None:
        """Until every queued write ran; a signal during the wait is raised after the queue is empty."""
        interrupted = None
        while True:
            try:
                with self.jobs.all_tasks_done:
                    while self.jobs.unfinished_tasks:
                        self.jobs.all_tasks_done.wait(0.1)
                break
            except BaseException as exc:  # KeyboardInterrupt, RunStopped: finish writing first
                interrupted = interrupted or exc
        if interrupted is not None:
            raise interrupted


def _make_sink(rec, mon):
    """The sink of ``mon``: its own ``make_record_sink``, else the one of its ``record_kind``."""
    make = getattr(mon, "make_record_sink", None)
    if callable(make):
        return make(rec.file, rec)
    kind = getattr(mon, "record_kind", None)
    if kind is None:
        logger.warning(
            "monitor %r declares no record_kind and no make_record_sink: not recorded", getattr(mon, "name", mon)
        )
        return None
    if kind not in SINKS:
        raise ValueError(
            f"record_kind of monitor {getattr(mon, 'name', mon)!r} must be one of {tuple(SINKS)}; got {kind!r}"
        )
    if kind == "states" and len(mon.neuron_ids) == 0:
        logger.info("monitor %r records no neuron: no report written", mon.name)
        return None
    return SINKS[kind](rec, mon)


class Recorder:
    """Attach every monitor of ``network`` to a new :class:`RecordingFile` at ``path``."""

    def __init__(self, network, path, *, overwrite=False, compression=None, duration_steps: int = 0, opener=None):
        ctx = network.ctx
        metadata = {
            "dt": ctx.dt,
            "seed": ctx.seed,
            "batch_size": ctx.batch_size,
            "duration": duration_steps * ctx.dt,
            "start_step": network.t,
            "end_step": network.t,
            "dtype": np.dtype(ctx.dtype).name,
            "network": network.describe(),
            "spikesim_version": package_version(),
        }
        self.file = RecordingFile(path, overwrite=overwrite, compression=compression, metadata=metadata, opener=opener)
        self.network = network
        self.dt = ctx.dt
        self.batch_size = ctx.batch_size
        self._sinks: dict = {}  # id(monitor) -> sink
        self._pending: dict = {}  # id(monitor) -> [items]
        self._pending_values = 0
        self._oldest = self._chunk_time = time.perf_counter()
        self._chunk, self._write_chunk = None, None
        self._slow_chunks = False
        self._writer = None
        self._error_raised = False
        try:
            for mon in network.monitors:
                sink = _make_sink(self, mon)
                if sink is not None:
                    self._sinks[id(mon)] = sink
                    mon.sinks.append(self)
            self.file.start_swmr()  # every dataset exists: from now on appends only
        except BaseException:
            self._detach()
            self.file.close(completed=False, stop_reason="RecorderSetupError")
            raise

    # ----- sinks called by the monitors: gather
    def write_block(self, mon, item, values: int) -> None:
        """Gather ``item`` of ``mon`` (``values`` numbers); write when enough waits or time is up."""
        if id(mon) not in self._sinks:
            return
        now = time.perf_counter()
        chunk = int(self.network.t)  # the monitors flush a chunk after the network's t moved on
        if chunk != self._chunk:
            self._raise_failure()  # a chunk boundary: a write that failed on the thread stops the run
            self._new_chunk(chunk, now)
        if not self._pending:
            self._oldest = now
        self._pending.setdefault(id(mon), []).append(item)
        self._pending_values += values
        if self._write_chunk == chunk or self._pending_values >= WRITE_EVENTS:
            self.write_pending()
            if self._slow_chunks:  # chunks slower than WRITE_SECONDS: on disk before the run goes on
                self.drain()

    def _new_chunk(self, chunk: int, now: float) -> None:
        """Decide, on the first block of a chunk, whether this chunk is written at once.

        It is when the oldest pending block would otherwise wait longer than
        ``WRITE_SECONDS``: until the next chunk, expected one chunk period
        (the time between the last two chunks) from now.
        """
        period, self._chunk_time, self._chunk = now - self._chunk_time, now, chunk
        self._slow_chunks = period >= WRITE_SECONDS
        age = now - self._oldest if self._pending else 0.0
        self._write_chunk = chunk if age + period >= WRITE_SECONDS else None

    def write_spikes(self, mon, block) -> None:
        self.write_block(mon, block, len(block))

    def write_states(self, mon, steps, block: dict) -> None:
        self.write_block(mon, (steps, block), sum(v.size for v in block.values()))

    def write_rates(self, mon, steps, counts) -> None:
        self.write_block(mon, (steps, counts), counts.size)

    def write_pending(self) -> None:
        """Queue every gathered item for the background thread: one append per dataset, then a flush.

        Waits only when ``QUEUE_WRITES`` writes are queued already; raises
        the failure of an earlier write instead of queueing more.
        """
        self._raise_failure()
        pending, self._pending, self._pending_values = self._pending, {}, 0
        sinks, file = self._sinks, self.file

        def write() -> None:
            for key, items in pending.items():
                sinks[key].append(items)
            file.flush()

        if self._writer is None or not self._writer.is_alive():  # one thread per run: none is left between runs
            self._writer = _WriterThread(self.file.path)
            self._writer.start()
        self._writer.jobs.put(write)

    def drain(self) -> None:
        """Wait until the background thread wrote everything queued; raise its failure, if any."""
        if self._writer is not None:
            self._writer.wait_idle()
        self._raise_failure()

    def _raise_failure(self) -> None:
        """Raise (once) the exception of a write that failed on the background thread."""
        if self._writer is not None and self._writer.error is not None and not self._error_raised:
            self._error_raised = True
            raise self._writer.error

    def _stop_writer(self) -> None:
        """Write what is queued, then end the background thread."""
        if self._writer is None or not self._writer.is_alive():
            return
        self._writer.wait_idle()
        self._writer.jobs.put(None)
        self._writer.join()

    def _detach(self) -> None:
        for mon in self.network.monitors:
            if self in mon.sinks:
                mon.sinks.remove(self)

    def begin_run(self, steps: int) -> None:
        """A later run continues this recording: ``completed`` is False again until it ends."""
        if self.file.closed or self.file.failed is not None:
            raise ValueError(f"the recording {str(self.file.path)!r} is closed; pass out= to start a new one")
        self.drain()
        planned = float(self.file.h5.attrs.get("duration", 0.0)) + steps * self.dt
        self.file.set_completed(False)
        self.file.update_metadata(duration=planned)

    def end_run(self) -> None:
        """A run ended normally: write what waits, record the end step and ``completed``; stay open."""
        self.write_pending()
        self._stop_writer()  # everything written; no thread waits between runs
        self._raise_failure()
        self.file.update_metadata(end_step=int(self.network.t))
        self.file.set_completed(True)

    @property
    def closed(self) -> bool:
        return self.file.closed

    def close(self, completed: bool, stop_reason: str | None = None) -> None:
        """Detach from the monitors, write what waits and close the file with ``completed``.

        After a write failure nothing more is written (the file keeps every
        earlier commit) and ``completed`` stays False. Everything queued for
        the background thread is written first; a failure of the thread
        that was not raised yet is raised after the file is closed.
        """
        self._detach()
        if self.file.closed:
            self._stop_writer()
            return
        try:
            try:
                self._stop_writer()  # every queued write reaches the file (or fails) before anything else
            finally:
                if self.file.failed is None and (self._writer is None or self._writer.error is None):
                    pending, self._pending, self._pending_values = self._pending, {}, 0
                    for key, items in pending.items():
                        self._sinks[key].append(items)
                    self.file.flush()
                    self.file.update_metadata(end_step=int(self.network.t))
        finally:
            self.file.close(completed=completed, stop_reason=stop_reason)
        self._raise_failure()
