"""Streaming HDF5 recording in the SONATA layout.

One :class:`RecordingFile` holds everything a run records: spikes and state
traces of any number of populations, and the metadata that explains the run.
Writers append blocks to chunked, resizable datasets and flush the file after
every block, so memory stays flat however long the run is, and an exception,
a ``KeyboardInterrupt`` or even a ``SIGKILL`` between two appends leaves a file
that opens cleanly and holds every block appended so far.

File layout
-----------
Everything SONATA asks for is there, so that SONATA readers (libsonata, bmtk)
read a batch-1 file as a plain SONATA spike + report file::

    /                               attributes: magic = 0x0A7A (uint32),
                                    version = [0, 1] (uint32[2]), and the
                                    spikesim metadata below
    /spikes/<population>/           attributes: sorting (enum {none=0,
                                    by_id=1, by_time=2}), n_nodes, batch_size,
                                    bipolar, n_spikes (commit count)
        timestamps   float64 (n_spikes,)   attribute units = "ms"
        node_ids     uint64  (n_spikes,)
        sample_ids   uint32  (n_spikes,)   only when batch_size > 1
        polarity     int8    (n_spikes,)   only for bipolar (LIB) populations
    /report/<population>/           the report of the file's *first* recorded
                                    variable (see "Reports" below)
        data         float32 (n_rows, n_nodes * batch_size)   attributes
                                    units, variable, batch_size, layout and,
                                    beside a data_float64, exact
        data_float64 float64 (same shape)   only for float64 runs: the exact
                                    values (attributes units, variable)
        mapping/node_ids        uint64 (n_nodes,)     attribute sorted (uint8)
        mapping/index_pointers  uint64 (n_nodes + 1,)
        mapping/element_ids     uint32 (n_nodes * batch_size,)
        mapping/time            float64 [start, stop, step]  attribute units = "ms"
    /report_files/<variable>        HDF5 external link to "/report" of the
                                    variable's own report file; attribute
                                    <variable> of /report_files: JSON list of
                                    the populations recorded there

Reports (one SONATA report file per variable)
    A SONATA report is one variable, in a file of its own holding
    ``/report/<population>/{data, mapping}`` for each population that records
    it (libsonata's ``ElementReportReader``/``SomaReportReader`` list the
    groups under ``/report`` as populations).  So the variable of the first
    :meth:`RecordingFile.report_writer` call is reported in the recording
    itself, which stays one plain SONATA spike + report file when a single
    variable is recorded (the usual case), and every other variable is a
    complete SONATA report file beside it, ``<stem>.<variable><suffix>``
    (:func:`report_file_path`: ``run.h5`` records ``g_e`` in
    ``run.g_e.h5``).  The recording links each of them from
    ``/report_files`` (relative names: keep the files together), and
    :mod:`monitors.reader` finds them there.  A report file has the root
    ``magic``/``version``/``format``/``format_version`` attributes, ``variable``
    and ``recording`` (the main file's name); it is written under its own
    writer lock, switched to SWMR with the recording, and sealed with it on a
    write failure.
    Format 2 kept every variable in the recording, the others under
    ``/report/<population>/variables/<variable>``, a group no SONATA reader
    looks for; :mod:`monitors.reader` still reads those files.

Batches (how the sample index is stored)
    * Spikes: a ``sample_ids`` dataset beside ``node_ids`` (the SONATA way of
      adding a column).  A batch-1 file has no ``sample_ids`` and is plain
      SONATA; a reader finding none takes every spike to be of sample 0.  A
      SONATA reader given a batch-B file sees the spikes of all samples
      together (nothing is lost: ``sample_ids`` tells them apart).
    * Reports: each recorded node has ``batch_size`` *elements*, one per
      sample, and ``element_ids`` holds the sample index.  Columns of ``data``
      are node-major: column ``i * batch_size + b`` is node ``node_ids[i]`` in
      sample ``b``, and ``index_pointers = [0, B, 2B, ..., n*B]``.  With B = 1
      this is exactly a SONATA soma report (one element, id 0, per node); with
      B > 1 libsonata's ``ElementReportReader`` returns ``(node_id, sample)``
      pairs.

Sorting
    Each appended spike block is put in time order (a stable sort on the
    timestamps, so equal times keep the order they came in: by sample, then
    node, for blocks built from a ``(T, B, N)`` raster).  ``sorting`` stays
    ``by_time`` while every block starts no earlier than the previous block
    ended, and drops for good to ``none`` as soon as one does not; it never
    claims an order the data do not have.

Metadata (root attributes)
    ``dt`` (ms), ``seed`` (absent when the run had none), ``batch_size``,
    ``duration`` (ms), ``spikesim_version``, ``network`` (JSON: populations
    with model and parameters, projections with connector, size and delays),
    ``format`` = ``"spikesim-sonata"``, ``format_version``, ``created_utc``,
    ``completed`` (False from the moment the file is opened until
    ``close(completed=True)``) and, when a run stops on an exception,
    ``stop_reason``.  Other keys given in ``metadata`` are stored as
    attributes too (JSON text for lists and dicts).

Report data type
    libsonata reads ``data`` only as float32 (``report_reader.cpp`` raises
    "DataType of dataset 'data' should be Float32" otherwise), so ``data`` is
    always float32.  A float64 run (``report_writer(..., dtype=float64)``)
    also keeps its exact values in ``data_float64`` beside it, appended and
    committed (by ``mapping/time``) together with ``data``;
    :mod:`monitors.reader` returns those.  (Format 2 wrote float64 ``data``,
    which libsonata refused.)

Crash safety (formats 2 and 3)
    The file is written with format bounds v1.10 .. v1.14 under an exclusive
    writer lock (``<file>.lock`` holding the writer's PID, see
    :class:`WriterLock`); a second writer fails at once and never truncates
    it.  :meth:`RecordingFile.start_swmr` switches it to HDF5 SWMR once every
    dataset exists (in the report files too), so readers open it (``swmr=True``, as
    :mod:`monitors.reader` does) while it grows.  A writer killed with
    SIGKILL leaves the superblock's "open for write" flags set: the file then
    opens in SWMR read mode (``monitors.reader``, ``spikesim info``) and holds
    every flushed block; plain readers need ``h5clear -s`` (or
    :func:`repair_status_flags`).  A write failure (ENOSPC, EIO) raises
    :class:`RecordingWriteError`, seals the file at that moment (later HDF5
    writes go nowhere) and clears the flags on close, so every reader opens
    it with all commits made before.  Every append is committed in two
    flushed steps: first the data, then a commit count that readers trust
    over the dataset extents: the ``n_spikes`` attribute of
    ``/spikes/<population>``, ``n_rows`` of ``/rates/<name>`` and, for
    reports, ``mapping/time`` (its stop gives the committed rows, and
    libsonata reads rows only up to it).
    Format 1 (earlier files, still read) used the earliest format bounds
    without SWMR; the measurements below are of that format.
    Measured by SIGKILLing a writer that appends without pause, at random
    moments: uncompressed, 70 of 70 files opened and held exactly the
    committed blocks; with gzip 15 of 20 (lzf 13 of 15), the others opened
    but one chunk failed its read, because HDF5 rewrites a growing compressed
    chunk at a new file address and may reuse the old space before the next
    flush (the fletcher32 checksum turns this into a read error rather than
    wrong numbers).  Python exceptions raised
    inside an append (``KeyboardInterrupt`` included) roll the datasets back
    to their length before that append, so all datasets of a population
    always have the same length.

Sources relied on
    * SONATA developer guide, "Output file formats" (AllenInstitute/sonata,
      ``docs/SONATA_DEVELOPER_GUIDE.md``): spike file and frame-oriented
      report layout, root ``magic``/``version``, ``mapping/time`` open on the
      right.
    * libsonata ``src/report_reader.cpp`` (BlueBrain / openbraininstitute
      libsonata), which wins where it differs from the guide: ``timestamps``
      must carry a ``units`` attribute; ``sorting`` is read as an HDF5 enum
      {none, by_id, by_time}; ``index_pointers`` must have ``len(node_ids) +
      1`` entries (the guide says ``N_nodes``); ``element_ids`` is uint32;
      ``data`` must be float32; ``mapping/time`` and ``data`` need ``units``;
      ``mapping/node_ids`` may carry a ``sorted`` uint8 attribute.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import io
import json
import logging
import math
import os
import struct
from pathlib import Path

import h5py
import numpy as np

__all__ = [
    "RecordingFile",
    "RecordingLockedError",
    "RecordingWriteError",
    "WriterLock",
    "check_writable",
    "repair_status_flags",
    "SpikeWriter",
    "RateWriter",
    "ReportWriter",
    "SORTING_DTYPE",
    "SORTING",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "package_version",
    "report_file_path",
]

logger = logging.getLogger(__name__)

FORMAT_NAME = "spikesim-sonata"
FORMAT_VERSION = 3  # 2: SWMR, v1.10+ format bounds, commit counts of rates; 3: one report file per variable,
#                      data always float32 (+ data_float64)
SONATA_MAGIC = 0x0A7A
SONATA_VERSION = (0, 1)

#: Values of the SONATA ``sorting`` enum (libsonata ``Sorting``).
SORTING = {"none": 0, "by_id": 1, "by_time": 2}
#: The HDF5 enum type of the ``sorting`` attribute.
SORTING_DTYPE = h5py.enum_dtype(SORTING, basetype=np.uint8)

COMPRESSIONS = (None, "gzip", "lzf")
_TARGET_CHUNK_BYTES = 256 * 1024
_LIBVER = ("v110", "v114")  # see RecordingFile._open
_SPIKE_CHUNK = 16384  # elements per chunk of the 1-D spike datasets
_RESERVED_ROOT = {
    "magic",
    "version",
    "format",
    "format_version",
    "created_utc",
    "completed",
    "stop_reason",
    "spikesim_version",
}


def package_version() -> str:
    """spikesim's version: installed metadata, else the source tree's pyproject."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("spikesim")
        except PackageNotFoundError:
            pass
    except ImportError:  # pragma: no cover
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        import tomllib

        with open(pyproject, "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except Exception:  # noqa: BLE001 - any failure means "unknown"
        return "unknown"


def _json_default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot encode {type(obj).__name__} in the network JSON: {obj!r}")


def _check_name(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str; got {value!r} ({type(value).__name__})")
    if not value or "/" in value or value in (".", ".."):
        raise ValueError(f"{name} must be a non-empty name without '/'; got {value!r}")
    return value


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return value


def _check_positive_float(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {value!r} ({type(value).__name__})")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0; got {value}")
    return value


def _int_array(values, name: str, k: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {arr.shape}")
    if k is not None and arr.shape[0] != k:
        raise ValueError(f"{name} must have shape ({k},) like timestamps_ms; got {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers; got dtype {arr.dtype}")
    return arr


class RecordingLockedError(OSError):
    """Another process is writing this recording (its writer lock is held)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.errno = errno.EAGAIN


class RecordingWriteError(OSError):
    """Writing to the recording failed (disk full, I/O error); earlier commits are kept.

    ``errno`` is the failed write's (``ENOSPC``, ``EIO``, ...) when known.
    """

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.errno = code


def _lock_path(path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".lock")


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"


class WriterLock:
    """Exclusive writer lock of a recording: ``fcntl.flock`` on the sidecar ``<file>.lock``.

    The lock file holds the writer's PID.  The kernel drops a ``flock`` when
    its process dies, so the lock of a killed writer is taken over at once
    (its stale lock file is simply reused).  Taken *before* the HDF5 file is
    opened or truncated, so a second writer never touches a file in use.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.lock_path = _lock_path(path)
        self._fd = None

    def acquire(self) -> "WriterLock":
        """Take the lock or raise :class:`RecordingLockedError` naming the holder's PID."""
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise type(exc)(
                    exc.errno,
                    f"cannot write recording {str(self.path)!r}: cannot create its "
                    f"lock file {str(self.lock_path)!r}: {exc.strerror}",
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = _read_pid(fd)
                os.close(fd)
                raise RecordingLockedError(
                    f"recording file {str(self.path)!r} is being written by process {pid} "
                    f"(lock {str(self.lock_path)!r}); wait for it to finish or stop it"
                ) from None
            try:  # the holder may have removed the lock file between our open and flock: retry
                same = os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Remove the lock file and drop the lock (no-op when not held)."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.lock_path)
        os.close(self._fd)
        self._fd = None

    @staticmethod
    def holder(path) -> str | None:
        """PID (text) of the process holding ``path``'s lock, or None when it is free."""
        try:
            fd = os.open(_lock_path(path), os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(fd)
        finally:
            os.close(fd)
        return None


def check_writable(path, overwrite: bool) -> None:
    """Raise the error a recording to ``path`` would meet, before any work is done.

    Checks, in order: another writer holds the file (:class:`RecordingLockedError`),
    the path is a directory (``IsADirectoryError``), it exists without
    ``overwrite`` (``FileExistsError``), its directory is missing
    (``FileNotFoundError``) or not writable (``PermissionError``).
    """
    path = Path(path)
    pid = WriterLock.holder(path)
    if pid is not None:
        raise RecordingLockedError(
            f"recording file {str(path)!r} is being written by process {pid} (lock {str(_lock_path(path))!r})"
        )
    _check_path(path, overwrite)


def _check_path(path: Path, overwrite: bool) -> None:
    """The checks of :func:`check_writable` but the lock's."""
    if path.is_dir():
        raise IsADirectoryError(f"recording file {str(path)!r} is a directory")
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"recording file {str(path)!r} already exists; pass overwrite=True (--overwrite) to replace it"
        )
    parent = path.parent
    if not parent.is_dir():
        raise FileNotFoundError(f"directory {str(parent)!r} of recording file does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PermissionError(f"recording file {str(path)!r} is not writable")


class _SealableIO(io.RawIOBase):
    """A binary file object for h5py's ``fileobj`` driver that can be sealed.

    Once :meth:`seal` is called (after a write failed) writes are dropped, so
    whatever HDF5 still writes while closing cannot touch the file on disk:
    it stays as it was at the failure.
    """

    def __init__(self, raw):
        super().__init__()
        self._raw = raw
        self._sealed = False
        self._pos = 0

    def readable(self):
        return True  # noqa: E704

    def writable(self):
        return True  # noqa: E704

    def seekable(self):
        return True  # noqa: E704

    def seek(self, pos, whence=0):
        if self._sealed:
            self._pos = pos if whence == 0 else self._pos + pos
            return self._pos
        return self._raw.seek(pos, whence)

    def tell(self):
        return self._pos if self._sealed else self._raw.tell()

    def readinto(self, buf):
        if self._sealed:
            return 0
        data = self._raw.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def write(self, data):
        if self._sealed:
            self._pos += len(data)
            return len(data)
        return self._raw.write(data)

    def truncate(self, size=None):
        return size if self._sealed else self._raw.truncate(size)

    def flush(self):
        if not self._sealed:
            self._raw.flush()

    def seal(self) -> None:
        """Drop every later write, then close the underlying file."""
        self._pos = self._raw.tell() if not self._raw.closed else 0
        self._sealed = True
        with contextlib.suppress(Exception):
            self._raw.close()


_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF


def _lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle``: HDF5's metadata checksum."""
    m = 0xFFFFFFFF
    n = len(data)
    a = b = c = (0xDEADBEEF + n + initval) & m
    i = 0
    while n > 12:
        a = (a + int.from_bytes(data[i : i + 4], "little")) & m
        b = (b + int.from_bytes(data[i + 4 : i + 8], "little")) & m
        c = (c + int.from_bytes(data[i + 8 : i + 12], "little")) & m
        a = ((a - c) & m) ^ _rot(c, 4)
        c = (c + b) & m  # noqa: E702
        b = ((b - a) & m) ^ _rot(a, 6)
        a = (a + c) & m  # noqa: E702
        c = ((c - b) & m) ^ _rot(b, 8)
        b = (b + a) & m  # noqa: E702
        a = ((a - c) & m) ^ _rot(c, 16)
        c = (c + b) & m  # noqa: E702
        b = ((b - a) & m) ^ _rot(a, 19)
        a = (a + c) & m  # noqa: E702
        c = ((c - b) & m) ^ _rot(b, 4)
        b = (b + a) & m  # noqa: E702
        n -= 12
        i += 12
    if n == 0:
        return c
    tail = data[i:] + bytes(12 - n)
    a = (a + int.from_bytes(tail[0:4], "little")) & m
    b = (b + int.from_bytes(tail[4:8], "little")) & m
    c = (c + int.from_bytes(tail[8:12], "little")) & m
    for x, y, k in (
        ("c", "b", 14),
        ("a", "c", 11),
        ("b", "a", 25),
        ("c", "b", 16),
        ("a", "c", 4),
        ("b", "a", 14),
        ("c", "b", 24),
    ):
        v = {"a": a, "b": b, "c": c}
        v[x] = ((v[x] ^ v[y]) - _rot(v[y], k)) & m
        a, b, c = v["a"], v["b"], v["c"]
    return c


def repair_status_flags(path) -> bool:
    """Make a file left open by a failed writer readable by every HDF5 reader (like ``h5clear -s``).

    Clears the superblock's "open for write" flags and, when the file is
    shorter than the end-of-file address the superblock records (a write
    failed at the end of the file), lowers that address to the file's size.
    Only a version 2/3 superblock at offset 0 is handled.  Returns True when
    the superblock was changed.  Nothing else in the file is touched: readers
    trust the commit counts (``n_spikes``, ``mapping/time``, ``n_rows``).
    """
    with open(path, "r+b") as fh:
        sb = bytearray(fh.read(48))
        if len(sb) < 48 or sb[:8] != _HDF5_SIGNATURE or sb[8] not in (2, 3) or sb[9] != 8:
            return False
        eof = struct.unpack_from("<Q", sb, 28)[0]
        size = os.fstat(fh.fileno()).st_size
        if sb[11] == 0 and eof <= size:
            return False
        sb[11] = 0
        struct.pack_into("<Q", sb, 28, min(eof, size))
        struct.pack_into("<I", sb, 44, _lookup3(bytes(sb[:44])))
        fh.seek(0)
        fh.write(sb)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def _seal(f: h5py.File, fileobj) -> None:
    """Make every later HDF5 write to ``f`` go nowhere (the file on disk stays as it is)."""
    if fileobj is not None:
        fileobj.seal()
        return
    try:
        fd = f.id.get_vfd_handle()
    except Exception:  # noqa: BLE001 - a driver without a file descriptor
        return
    nul = os.open(os.devnull, os.O_RDWR)
    try:
        os.dup2(nul, fd)
    finally:
        os.close(nul)


def _remove_old(path: Path) -> None:
    """Unlink an existing regular file at ``path`` before it is created again (``overwrite=True``).

    Creating over it would truncate it, and ext4 (``auto_da_alloc``) starts
    writing back a file that was truncated and rewritten when it is closed,
    synchronously: closing a 120 MB recording then took 40-55 ms, a new
    file none. A symbolic link is left alone (the file it points to is
    truncated and written, as before); unlinking a hard link leaves the
    other names with the old content.
    """
    if path.is_file() and not path.is_symlink():
        path.unlink()


def _open_h5(path: Path, opener):
    """Create ``path`` for writing: ``(h5py.File, _SealableIO or None)``."""
    # Format bounds v1.10 .. v1.14: SWMR (start_swmr) needs at least v1.10,
    # and HDF5 1.14 readers (libsonata's wheels) cannot read objects in
    # newer formats (libver="latest" under HDF5 2.x).  No chunk cache: every
    # write flushes, so a cache saves nothing, and its buffers fragment
    # the C heap (measured: +24 MiB of RSS over 1000 appends with h5py's
    # default 1 MiB cache, +0 without).
    if opener is None:
        _remove_old(path)
        return h5py.File(path, "w", libver=_LIBVER, rdcc_nbytes=0), None
    fileobj = _SealableIO(opener(path))
    return h5py.File(fileobj, "w", libver=_LIBVER, rdcc_nbytes=0), fileobj


def _sonata_root(f: h5py.File) -> None:
    f.attrs["magic"] = np.uint32(SONATA_MAGIC)
    f.attrs["version"] = np.array(SONATA_VERSION, dtype=np.uint32)
    f.attrs["format"] = FORMAT_NAME
    f.attrs["format_version"] = np.int64(FORMAT_VERSION)


def report_file_path(path, variable: str) -> Path:
    """The SONATA report file of ``variable`` beside the recording ``path``: ``<stem>.<variable><suffix>``.

    ``run.h5`` records its second variable ``g_e`` in ``run.g_e.h5`` (see
    "Reports" in the module docstring).
    """
    path = Path(path)
    return path.with_name(f"{path.stem}.{variable}{path.suffix or '.h5'}")


class _ReportFile:
    """The SONATA report file of one variable beside a recording, written under its own lock."""

    def __init__(self, rf: "RecordingFile", variable: str):
        self.path = report_file_path(rf.path, variable)
        self.variable = variable
        self.lock = WriterLock(self.path).acquire()
        self.file = self.fileobj = None
        try:
            _check_path(self.path, rf._overwrite)
            self.file, self.fileobj = _open_h5(self.path, rf._opener)
            _sonata_root(self.file)
            self.file.attrs["variable"] = variable
            self.file.attrs["recording"] = rf.path.name  # the main file, in the same directory
            self.file.require_group("report")
            self.file.flush()
        except BaseException:
            if self.file is not None and self.file.id.valid:
                self.file.close()
            self.lock.release()
            raise


class RecordingFile:
    """An HDF5 file, in the SONATA layout, that a run records into.

    Parameters
    ----------
    path : str or os.PathLike
        File to create.
    overwrite : bool, default False
        Replace an existing file.  Without it an existing ``path`` raises
        ``FileExistsError``.
    compression : {None, "gzip", "lzf"}
        Filter for every dataset the writers create (``gzip`` at level 4,
        with the byte shuffle filter and fletcher32 checksums).  None, the
        default, is also the safest against a hard kill (see "Crash safety"
        in the module docstring) and the only one every SONATA reader
        reads (libsonata's wheel has no gzip filter; lzf is h5py's own);
        ``h5repack -f GZIP=4`` compresses a finished file.
    metadata : dict, optional
        Root attributes.  Known keys: ``dt`` (ms), ``seed`` (int or None),
        ``batch_size`` (int >= 1, default 1), ``duration`` (ms), ``network``
        (dict, JSON-encoded; or a JSON string).  Other keys are stored as
        attributes (lists and dicts as JSON text).

    Notes
    -----
    Use as a context manager: leaving the block normally closes the file with
    ``completed=True``; leaving it on an exception closes it with
    ``completed=False`` and the exception's type in ``stop_reason``.

    Examples
    --------
    >>> with RecordingFile("run.h5", metadata={"dt": 1.0, "batch_size": 2}) as rf:  # doctest: +SKIP
    ...     sw = rf.spike_writer("rec", n_nodes=100)
    ...     sw.append(t_ms, node_ids, sample_ids)
    """

    def __init__(self, path, overwrite: bool = False, compression=None, metadata: dict | None = None, *, opener=None):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike; got {path!r} ({type(path).__name__})")
        if not isinstance(overwrite, bool):
            raise TypeError(f"overwrite must be a bool; got {overwrite!r}")
        if compression not in COMPRESSIONS:
            raise ValueError(f"compression must be one of {COMPRESSIONS}; got {compression!r}")
        if opener is not None and not callable(opener):
            raise TypeError(f"opener must be callable (path -> binary file object) or None; got {opener!r}")
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict; got {type(metadata).__name__}")
        self.path = Path(path)
        self.compression = compression
        self.batch_size = _check_int(metadata.get("batch_size", 1), "metadata['batch_size']", 1)
        dt = metadata.get("dt")
        self.dt = None if dt is None else _check_positive_float(dt, "metadata['dt']")
        attrs = self._root_attrs(metadata)  # validate everything before touching the disk
        self._spike_writers: dict[str, SpikeWriter] = {}
        self._report_writers: dict[tuple[str, str], ReportWriter] = {}
        self._rate_writers: dict[str, RateWriter] = {}
        self._overwrite = overwrite
        self._opener = opener
        self._main_variable: str | None = None  # the variable whose report is in this file
        self._report_files: dict[str, _ReportFile] = {}  # every other variable: its own file
        self.failed: BaseException | None = None
        self._fileobj = None
        self._closed = False
        self._lock = WriterLock(self.path)
        self._lock.acquire()  # before the file is checked, opened or truncated
        try:
            _check_path(self.path, overwrite)
            self._file, self._fileobj = _open_h5(self.path, opener)
            self._init_root(metadata, attrs)
        except BaseException:
            if getattr(self, "_file", None) is not None and self._file.id.valid:
                self._file.close()
            self._lock.release()
            raise

    def _init_root(self, metadata: dict, attrs: dict) -> None:
        f = self._file
        _sonata_root(f)
        f.attrs["spikesim_version"] = str(metadata.get("spikesim_version", package_version()))
        f.attrs["created_utc"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        f.attrs["completed"] = False
        f.attrs["stop_reason"] = ""  # created now: SWMR forbids new attributes later
        for key, value in attrs.items():
            self._set_attr(key, value)
        f.require_group("spikes")
        f.require_group("report")
        f.flush()

    # ------------------------------------------------------------------ SWMR and failures
    @property
    def swmr(self) -> bool:
        """True once :meth:`start_swmr` has switched the file to SWMR writing."""
        return bool(self._file.swmr_mode) if self._file.id.valid else False

    def start_swmr(self) -> None:
        """Switch to SWMR writing: readers may open the file (``swmr=True``) while it grows.

        From now on only appends are possible: every writer must have been
        created before (no new group, dataset or root attribute).
        """
        self._check_open()
        for f in self._h5_files():
            f.flush()
            f.swmr_mode = True

    def _h5_files(self) -> list:
        """This file and the report files of its other variables."""
        return [self._file] + [r.file for r in self._report_files.values()]

    @contextlib.contextmanager
    def _writing(self):
        """Run HDF5 writes; a failure (ENOSPC, EIO, ...) seals the file and raises RecordingWriteError."""
        if self.failed is not None:
            raise RecordingWriteError(
                errno.EIO, f"recording {str(self.path)!r} failed earlier ({self.failed}); nothing more is written"
            )
        try:
            yield
        except (OSError, RuntimeError) as exc:
            self._fail(exc)
            code = getattr(exc, "errno", None) or errno.EIO
            raise RecordingWriteError(
                code, f"writing recording {str(self.path)!r} failed: {exc}; everything committed before is kept"
            ) from exc

    def _fail(self, exc: BaseException) -> None:
        """Freeze the file as it is on disk: later writes of HDF5 (closing) go nowhere."""
        self.failed = exc
        logger.error("recording %s: write failed (%s); sealing the file", self.path, exc)
        _seal(self._file, self._fileobj)
        for r in self._report_files.values():
            _seal(r.file, r.fileobj)

    # ------------------------------------------------------------------ metadata
    @staticmethod
    def _root_attrs(metadata: dict) -> dict:
        out = {}
        for key, value in metadata.items():
            if not isinstance(key, str) or not key:
                raise TypeError(f"metadata keys must be non-empty str; got {key!r}")
            if key in _RESERVED_ROOT and key != "spikesim_version":
                raise ValueError(f"metadata key {key!r} is reserved by the file format")
            if key == "spikesim_version":
                continue
            if key == "seed":
                if value is None:
                    continue
                seed = _check_int(value, "metadata['seed']", 0)
                out[key] = np.int64(seed) if seed < 2**63 else (np.uint64(seed) if seed < 2**64 else str(seed))
            elif key == "batch_size":
                out[key] = np.int64(_check_int(value, "metadata['batch_size']", 1))
            elif key == "dt":
                if value is not None:
                    out[key] = np.float64(_check_positive_float(value, "metadata['dt']"))
            elif key == "duration":
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                    raise TypeError(f"metadata['duration'] must be a number (ms); got {value!r}")
                if not (math.isfinite(float(value)) and float(value) >= 0):
                    raise ValueError(f"metadata['duration'] must be a finite number >= 0 (ms); got {value!r}")
                out[key] = np.float64(value)
            elif key == "network":
                out[key] = value if isinstance(value, str) else json.dumps(value, default=_json_default)
            else:
                out[key] = RecordingFile._plain(key, value)
        return out

    @staticmethod
    def _plain(key, value):
        if value is None:
            return "null"
        if isinstance(value, (str, bool, int, float, np.generic)):
            return value
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            return value
        try:
            return json.dumps(value, default=_json_default)
        except TypeError as exc:
            raise TypeError(f"metadata[{key!r}] cannot be stored: {exc}") from None

    def _set_attr(self, key, value):
        # Attributes are written with the default (earliest) format bounds, so
        # one holds at most 64 KiB; a longer text (a big network description)
        # goes to a dataset under /metadata and the attribute names it.
        if isinstance(value, str) and len(value.encode("utf-8")) > 60000:
            grp = self._file.require_group("metadata")
            if key in grp:
                del grp[key]
            grp.create_dataset(key, data=value, dtype=h5py.string_dtype())
            self._file.attrs[key] = f"@/metadata/{key}"
        elif key in self._file.attrs:
            self._file.attrs.modify(key, value)
        else:
            if self.swmr:
                raise ValueError(
                    f"metadata key {key!r} must be given when the file is created: "
                    "a file in SWMR mode cannot get new attributes"
                )
            self._file.attrs[key] = value

    def set_completed(self, completed: bool) -> None:
        """Set the ``completed`` flag without closing (a network's later run continues the file)."""
        self._check_open()
        with self._writing():
            self._file.attrs.modify("completed", bool(completed))
            self._file.flush()

    def update_metadata(self, **attrs) -> None:
        """Set or replace root attributes (same rules as ``metadata``), then flush."""
        self._check_open()
        with self._writing():
            for key, value in self._root_attrs(attrs).items():
                self._set_attr(key, value)
            self._file.flush()

    # ------------------------------------------------------------------ writers
    def spike_writer(
        self,
        population: str,
        n_nodes: int,
        batch_size: int | None = None,
        bipolar: bool = False,
        n_recorded: int | None = None,
        samples_recorded: int | None = None,
    ) -> "SpikeWriter":
        """Create the spike datasets of ``population`` and return their writer.

        Parameters
        ----------
        population : str
            Population name (group ``/spikes/<population>``).
        n_nodes : int
            Neurons in the population; node ids are ``0 .. n_nodes-1``.
        batch_size : int, optional
            Samples per run; the file's ``batch_size`` by default.
        bipolar : bool, default False
            The population emits signed spikes (LIB): a ``polarity`` int8
            dataset is written beside ``node_ids``.
        n_recorded, samples_recorded : int, optional
            Neurons and samples the monitor watches (``n_nodes`` and
            ``batch_size`` by default): rates are spikes per *recorded*
            neuron and sample (attributes of the same names).
        """
        self._check_not_swmr()
        population = _check_name(population, "population")
        if population in self._spike_writers or population in self._file["spikes"]:
            raise ValueError(f"population {population!r} already has a spike writer in {str(self.path)!r}")
        n_nodes = _check_int(n_nodes, "n_nodes", 1)
        batch_size = self.batch_size if batch_size is None else _check_int(batch_size, "batch_size", 1)
        if not isinstance(bipolar, (bool, np.bool_)):
            raise TypeError(f"bipolar must be a bool; got {bipolar!r}")
        n_recorded = n_nodes if n_recorded is None else _check_int(n_recorded, "n_recorded", 0)
        samples_recorded = (
            batch_size if samples_recorded is None else _check_int(samples_recorded, "samples_recorded", 0)
        )
        w = SpikeWriter(self, population, n_nodes, batch_size, bool(bipolar))
        w._group.attrs["n_recorded"] = np.int64(n_recorded)
        w._group.attrs["samples_recorded"] = np.int64(samples_recorded)
        self._spike_writers[population] = w
        self._file.flush()
        return w

    def report_writer(
        self,
        population: str,
        variable: str,
        node_ids,
        dt_ms: float,
        start_step: int = 0,
        every: int = 1,
        batch_size: int | None = None,
        unit: str = "",
        dtype=np.float32,
    ) -> "ReportWriter":
        """Create a state-trace report of ``population.variable`` and return its writer.

        Parameters
        ----------
        population, variable : str
            Names.  The first variable recorded in the file is reported in
            it (``/report/<population>``); every other variable in its own
            SONATA report file (:func:`report_file_path`), created now.
        node_ids : array_like of int, shape (n,)
            Recorded neurons (distinct, >= 0), in the column order of the
            blocks that will be appended.
        dt_ms : float
            Simulation step in ms.
        start_step : int, default 0
            Step of the first recorded row.
        every : int, default 1
            Record every ``every``-th step; the report's time step is
            ``every * dt_ms``.
        batch_size : int, optional
            Samples; the file's ``batch_size`` by default.
        unit : str
            Unit of the variable (``"mV"``, ``""`` for dimensionless ML-form
            state); stored in the ``units`` attribute of ``data``.
        dtype : {numpy.float32, numpy.float64}
            Type of the values.  ``data`` is always float32 (what libsonata
            reads); float64 values are also kept exactly in ``data_float64``.
        """
        self._check_not_swmr()
        population = _check_name(population, "population")
        variable = _check_name(variable, "variable")
        if (population, variable) in self._report_writers:
            raise ValueError(
                f"variable {variable!r} of population {population!r} is already recorded in {str(self.path)!r}"
            )
        ids = _int_array(node_ids, "node_ids")
        if ids.size == 0:
            raise ValueError("node_ids must name at least one neuron; got an empty array")
        if ids.min() < 0:
            raise ValueError(f"node_ids must be >= 0; got {int(ids.min())}")
        if np.unique(ids).size != ids.size:
            raise ValueError("node_ids must be distinct; got repeated ids")
        dt_ms = _check_positive_float(dt_ms, "dt_ms")
        start_step = _check_int(start_step, "start_step", 0)
        every = _check_int(every, "every", 1)
        batch_size = self.batch_size if batch_size is None else _check_int(batch_size, "batch_size", 1)
        if not isinstance(unit, str):
            raise TypeError(f"unit must be a str; got {unit!r}")
        dtype = np.dtype(dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be one of (float32, float64); got {dtype}")
        h5 = self._report_h5(variable)
        w = ReportWriter(
            self, h5, population, variable, ids.astype(np.uint64), dt_ms, start_step, every, batch_size, unit, dtype
        )
        self._report_writers[(population, variable)] = w
        if h5 is not self._file:
            index = self._file["report_files"]
            pops = json.loads(index.attrs[variable]) if variable in index.attrs else []
            index.attrs[variable] = json.dumps(pops + [population])
            h5.flush()
        self._file.flush()
        return w

    def _report_h5(self, variable: str) -> h5py.File:
        """The file that holds the reports of ``variable``: this one for the first variable
        recorded, else the variable's own report file (created now, linked from ``/report_files``)."""
        if self._main_variable is None:
            self._main_variable = variable
        if variable == self._main_variable:
            return self._file
        if variable not in self._report_files:
            side = _ReportFile(self, variable)
            self._report_files[variable] = side
            index = self._file.require_group("report_files")
            index[variable] = h5py.ExternalLink(side.path.name, "/report")
        return self._report_files[variable].file

    def rate_writer(self, name: str, n_neurons: int, columns: int) -> "RateWriter":
        """Create ``/rates/<name>`` (per-step spike counts, ``columns`` samples) and return its writer."""
        self._check_not_swmr()
        name = _check_name(name, "name")
        if name in self._rate_writers:
            raise ValueError(f"rates {name!r} already have a writer in {str(self.path)!r}")
        n_neurons = _check_int(n_neurons, "n_neurons", 0)
        columns = _check_int(columns, "columns", 0)
        if self.dt is None:
            raise ValueError("rate_writer needs the file's dt: pass metadata={'dt': ...}")
        w = RateWriter(self, name, n_neurons, columns, self.dt)
        self._rate_writers[name] = w
        self._file.flush()
        return w

    def table_writer(self, path: str, columns: dict, attrs: dict | None = None) -> "TableWriter":
        """Create the group ``path`` with a ``steps`` dataset and one growing dataset per column.

        ``columns`` maps a column name to ``(row_shape, dtype)``; every append
        adds rows to all of them at once (for monitors that are not SONATA:
        weights, a user's own). Returns the :class:`TableWriter`.
        """
        self._check_not_swmr()
        grp = self._file.require_group(path)
        for key, value in (attrs or {}).items():
            grp.attrs[key] = value
        return TableWriter(self, grp, columns)

    # ------------------------------------------------------------------ file
    @property
    def h5(self) -> h5py.File:
        """The open ``h5py.File`` (for reading; write through the writers)."""
        self._check_open()
        return self._file

    @property
    def closed(self) -> bool:
        return self._closed or not bool(self._file.id.valid)

    def _check_not_swmr(self):
        self._check_open()
        if self.swmr:
            raise ValueError(
                f"recording file {str(self.path)!r} is in SWMR mode: every writer must be created before start_swmr()"
            )

    def _check_open(self):
        if not self._file.id.valid:
            raise ValueError(f"recording file {str(self.path)!r} is closed")

    def _dataset_kwargs(self) -> dict:
        # fletcher32 checksums with compression: a chunk damaged by a hard kill
        # (see "Crash safety") is reported as unreadable, never decoded to garbage
        if self.compression == "gzip":
            return {"compression": "gzip", "compression_opts": 4, "shuffle": True, "fletcher32": True}
        if self.compression == "lzf":
            return {"compression": "lzf", "shuffle": True, "fletcher32": True}
        return {}

    def flush(self) -> None:
        """Write everything buffered by HDF5 to disk."""
        self._check_open()
        with self._writing():
            for f in self._h5_files():
                f.flush()

    def close(self, completed: bool, stop_reason: str | None = None, **attrs) -> None:
        """Set ``completed`` (and optional root attributes), flush, close and release the lock.

        Closing twice is a no-op.  ``stop_reason`` (e.g. ``"KeyboardInterrupt"``)
        is stored when given.  After a write failure nothing more is written:
        the file keeps ``completed = False`` and every commit made before the
        failure, and its "open for write" flags are cleared
        (:func:`repair_status_flags`) so that any HDF5 reader opens it.
        """
        if self.closed:
            self._release_locks()
            return
        self._closed = True
        if self.failed is not None:
            self._close_failed()
            return
        try:
            with self._writing():
                for w in self._all_writers():
                    w._sync()
                if attrs:
                    for key, value in self._root_attrs(attrs).items():
                        self._set_attr(key, value)
                if stop_reason is not None:
                    self._file.attrs.modify("stop_reason", str(stop_reason))
                self._file.attrs.modify("completed", bool(completed))
                for f in self._h5_files():
                    f.flush()
        except RecordingWriteError:
            self._close_failed()
            raise
        try:
            for f in reversed(self._h5_files()):
                f.close()
        finally:
            self._release_locks()

    def _release_locks(self) -> None:
        for r in self._report_files.values():
            r.lock.release()
        self._lock.release()

    def _all_writers(self) -> list:
        return (
            list(self._spike_writers.values()) + list(self._report_writers.values()) + list(self._rate_writers.values())
        )

    def _close_failed(self) -> None:
        try:
            files = [(self._file, self.path)] + [(r.file, r.path) for r in self._report_files.values()]
            for f, path in files:
                try:
                    f.close()
                except Exception as exc:  # noqa: BLE001 - the file is sealed; closing may still complain
                    logger.warning("recording %s: closing after the failure: %s", path, exc)
                try:
                    repair_status_flags(path)
                except OSError as exc:
                    logger.warning("recording %s: could not clear the write flags: %s", path, exc)
        finally:
            self._release_locks()

    def __enter__(self) -> "RecordingFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close(completed=True)
        else:
            self.close(completed=False, stop_reason=exc_type.__name__)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"RecordingFile({str(self.path)!r}, {state})"


class TableWriter:
    """Appends rows to ``steps`` and the column datasets of one group (see :meth:`RecordingFile.table_writer`).

    The group attribute ``n_rows`` is the commit count.
    """

    def __init__(self, rf: "RecordingFile", grp, columns: dict):
        self._rf, self._group = rf, grp
        kw = rf._dataset_kwargs()
        grp.attrs["n_rows"] = np.int64(0)
        self._steps = grp.create_dataset("steps", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(4096,), **kw)
        self._columns = {}
        for name, (row_shape, dtype) in columns.items():
            row_shape = tuple(int(x) for x in row_shape)
            rows = max(1, min(4096, (1 << 20) // max(1, int(np.prod(row_shape)) * np.dtype(dtype).itemsize)))
            self._columns[name] = grp.create_dataset(
                name,
                shape=(0, *row_shape),
                maxshape=(None, *row_shape),
                dtype=dtype,
                chunks=(rows, *[max(1, x) for x in row_shape]),
                **kw,
            )
        self.n_rows = 0

    def append(self, steps, values: dict) -> None:
        """Append rows: ``steps`` ``(rows,)`` and ``values[column]`` ``(rows, *row_shape)``; flush."""
        self._rf._check_open()
        steps = _int_array(steps, "steps")
        if steps.shape[0] == 0:
            return
        pairs = [(self._steps, steps)] + [
            (self._columns[k], np.asarray(v, dtype=self._columns[k].dtype)) for k, v in values.items()
        ]
        with self._rf._writing():
            _append_rows(pairs, self.n_rows)
            self._rf._file.flush()
            self._group.attrs.modify("n_rows", np.int64(self.n_rows + steps.shape[0]))
        self.n_rows += steps.shape[0]


def _append_rows(datasets_and_values, n_old: int) -> None:
    """Grow each 1-D or row-major dataset to ``n_old + rows`` and write its block.

    On any exception (``KeyboardInterrupt`` included) every dataset is shrunk
    back to ``n_old`` before re-raising, so the datasets of one group always
    have equal lengths.
    """
    try:
        for dset, values in datasets_and_values:
            k = values.shape[0]
            dset.resize(n_old + k, axis=0)
            dset[n_old : n_old + k] = values
    except BaseException:
        for dset, _ in datasets_and_values:
            try:
                if dset.shape[0] != n_old:
                    dset.resize(n_old, axis=0)
            except Exception:  # noqa: BLE001 - best effort while re-raising
                logger.exception("could not roll back %s", dset.name)
        raise


class SpikeWriter:
    """Appends spikes of one population to ``/spikes/<population>``.

    Created by :meth:`RecordingFile.spike_writer`.  Attributes ``n_spikes``
    (written so far) and ``sorting`` (``"by_time"`` or ``"none"``).
    """

    def __init__(self, rf: RecordingFile, population: str, n_nodes: int, batch_size: int, bipolar: bool):
        self._rf = rf
        self.population = population
        self.n_nodes = n_nodes
        self.batch_size = batch_size
        self.bipolar = bipolar
        grp = rf._file["spikes"].create_group(population)
        self._group = grp
        kw = rf._dataset_kwargs()
        kw.update(shape=(0,), maxshape=(None,), chunks=(_SPIKE_CHUNK,))
        self._ts = grp.create_dataset("timestamps", dtype=np.float64, **kw)
        self._ts.attrs["units"] = "ms"
        self._ids = grp.create_dataset("node_ids", dtype=np.uint64, **kw)
        self._samples = grp.create_dataset("sample_ids", dtype=np.uint32, **kw) if batch_size > 1 else None
        self._pol = grp.create_dataset("polarity", dtype=np.int8, **kw) if bipolar else None
        grp.attrs["n_nodes"] = np.uint64(n_nodes)
        grp.attrs["batch_size"] = np.int64(batch_size)
        grp.attrs["bipolar"] = bool(bipolar)
        grp.attrs["n_spikes"] = np.uint64(0)
        self.sorting = "by_time"
        grp.attrs.create("sorting", SORTING["by_time"], dtype=SORTING_DTYPE)
        self._last_t = -math.inf
        self.n_spikes = 0

    def append(self, timestamps_ms, node_ids, sample_ids=None, polarity=None) -> None:
        """Append one block of spikes and flush the file.

        Parameters
        ----------
        timestamps_ms : array_like of float, shape (k,)
            Spike times in ms (``step * dt``).
        node_ids : array_like of int, shape (k,)
            Neuron indices in ``[0, n_nodes)``.
        sample_ids : array_like of int, shape (k,), optional
            Sample indices in ``[0, batch_size)``; may be omitted only when
            ``batch_size == 1``.
        polarity : array_like of int, shape (k,), optional
            +1 or -1 per spike; required for a bipolar writer, and for a
            unipolar one it may only be None or all +1.

        Notes
        -----
        The block is stored in time order (stable sort on time).  ``sorting``
        turns to ``none`` for good if the block starts before the end of the
        previous one.
        """
        self._rf._check_open()
        t = np.asarray(timestamps_ms, dtype=np.float64)
        if t.ndim != 1:
            raise ValueError(f"timestamps_ms must be 1-D; got shape {t.shape}")
        k = t.shape[0]
        if k and not np.all(np.isfinite(t)):
            raise ValueError("timestamps_ms must be finite")
        ids = _int_array(node_ids, "node_ids", k)
        if k and (ids.min() < 0 or ids.max() >= self.n_nodes):
            bad = ids[(ids < 0) | (ids >= self.n_nodes)][0]
            raise ValueError(
                f"node_ids must lie in [0, {self.n_nodes}) for population {self.population!r}; got {int(bad)}"
            )
        if sample_ids is None:
            if self.batch_size != 1:
                raise ValueError(
                    f"sample_ids is required for population {self.population!r} (batch_size = {self.batch_size})"
                )
            samples = None
        else:
            samples = _int_array(sample_ids, "sample_ids", k)
            if k and (samples.min() < 0 or samples.max() >= self.batch_size):
                bad = samples[(samples < 0) | (samples >= self.batch_size)][0]
                raise ValueError(f"sample_ids must lie in [0, {self.batch_size}); got {int(bad)}")
        if polarity is None:
            if self.bipolar:
                raise ValueError(f"polarity is required for the bipolar population {self.population!r}")
            pol = None
        else:
            pol = _int_array(polarity, "polarity", k)
            if k and not np.all((pol == 1) | (pol == -1)):
                raise ValueError("polarity must hold only +1 and -1")
            if not self.bipolar and k and np.any(pol != 1):
                raise ValueError(
                    f"population {self.population!r} was declared unipolar (bipolar=False) but polarity holds -1"
                )
        if k == 0:
            return
        if k > 1 and np.any(t[1:] < t[:-1]):
            order = np.argsort(t, kind="stable")
            t = t[order]
            ids = ids[order]
            samples = None if samples is None else samples[order]
            pol = None if pol is None else pol[order]
        blocks = [(self._ts, t), (self._ids, ids.astype(np.uint64, copy=False))]
        if self._samples is not None:
            blocks.append((self._samples, samples.astype(np.uint32, copy=False)))
        if self._pol is not None:
            blocks.append((self._pol, pol.astype(np.int8, copy=False)))
        if self.sorting == "by_time" and t[0] < self._last_t:
            self.sorting = "none"
            with self._rf._writing():
                self._group.attrs.modify("sorting", np.uint8(SORTING["none"]))
        with self._rf._writing():
            _append_rows(blocks, self.n_spikes)
            self._rf._file.flush()  # the data first ...
            self._group.attrs.modify("n_spikes", np.uint64(self.n_spikes + k))  # ... then the commit count
            self._rf._file.flush()
        self.n_spikes += k
        self._last_t = max(self._last_t, float(t[-1]))

    def _sync(self) -> None:
        """Make datasets and commit count agree with what this writer committed (used by close)."""
        for d in (self._ts, self._ids, self._samples, self._pol):
            if d is not None and d.shape[0] != self.n_spikes:
                d.resize(self.n_spikes, axis=0)
        self._group.attrs["n_spikes"] = np.uint64(self.n_spikes)

    def __repr__(self) -> str:
        return (
            f"SpikeWriter({self.population!r}, n_nodes={self.n_nodes}, batch_size={self.batch_size}, "
            f"bipolar={self.bipolar}, n_spikes={self.n_spikes})"
        )


class ReportWriter:
    """Appends rows of one state variable to a SONATA report group.

    Created by :meth:`RecordingFile.report_writer`.  ``n_rows`` counts the
    rows written so far; ``times`` is ``mapping/time`` = [start, stop, step]
    in ms, stop exclusive.
    """

    def __init__(
        self,
        rf: RecordingFile,
        h5: h5py.File,
        population,
        variable,
        node_ids,
        dt_ms,
        start_step,
        every,
        batch_size,
        unit,
        dtype,
    ):
        self._rf = rf
        self._h5 = h5
        self.population = population
        self.variable = variable
        self.node_ids = node_ids
        self.dt_ms = dt_ms
        self.start_step = start_step
        self.every = every
        self.batch_size = batch_size
        self.unit = unit
        self.dtype = dtype
        n = node_ids.shape[0]
        self.n_elements = n
        ncol = n * batch_size
        grp = h5["report"].create_group(population)  # one variable per file: a new group
        # chunk: about _TARGET_CHUNK_BYTES, whole rows when they fit
        col_chunk = min(ncol, max(1, _TARGET_CHUNK_BYTES // dtype.itemsize))
        row_chunk = max(1, _TARGET_CHUNK_BYTES // (col_chunk * dtype.itemsize))
        kw = rf._dataset_kwargs()
        kw.update(shape=(0, ncol), maxshape=(None, ncol), chunks=(row_chunk, col_chunk))
        data = grp.create_dataset("data", dtype=np.float32, **kw)  # what libsonata reads
        data.attrs["units"] = unit
        data.attrs["variable"] = variable
        data.attrs["batch_size"] = np.int64(batch_size)
        data.attrs["layout"] = "node-major: column i*batch_size + b is node_ids[i] in sample b"
        self._exact = None
        if dtype != np.float32:  # nothing lost: the exact values beside the float32 ones
            exact = grp.create_dataset("data_float64", dtype=dtype, **kw)
            exact.attrs["units"] = unit
            exact.attrs["variable"] = variable
            data.attrs["exact"] = "data_float64"
            self._exact = exact
        mapping = grp.create_group("mapping")
        ds = mapping.create_dataset("node_ids", data=node_ids, dtype=np.uint64)
        ds.attrs["sorted"] = np.uint8(bool(np.all(node_ids[1:] > node_ids[:-1])))
        mapping.create_dataset("index_pointers", data=np.arange(0, ncol + 1, batch_size, dtype=np.uint64))
        mapping.create_dataset("element_ids", data=np.tile(np.arange(batch_size, dtype=np.uint32), n))
        tm = mapping.create_dataset("time", data=self._time_triplet(0), dtype=np.float64)
        tm.attrs["units"] = "ms"
        self._data = data
        self._time = tm
        self.n_rows = 0

    def _time_triplet(self, n_rows: int) -> np.ndarray:
        start = self.start_step * self.dt_ms
        stop = (self.start_step + n_rows * self.every) * self.dt_ms
        return np.array([start, stop, self.every * self.dt_ms], dtype=np.float64)

    @property
    def times(self) -> np.ndarray:
        """``[start, stop, step]`` in ms of the rows written so far."""
        return self._time_triplet(self.n_rows)

    def append(self, block) -> None:
        """Append recorded rows and flush the file.

        Parameters
        ----------
        block : array_like of float, shape (rows, batch_size, n_elements)
            Values of consecutive recorded steps (time-major, as recordings
            are everywhere in spikesim).
        """
        self._rf._check_open()
        a = np.asarray(block)
        expect = (self.batch_size, self.n_elements)
        if a.ndim != 3 or a.shape[1:] != expect:
            raise ValueError(
                f"block for {self.population}.{self.variable} must have shape "
                f"(rows, {expect[0]}, {expect[1]}) = (rows, batch_size, n_elements); "
                f"got {a.shape}"
            )
        if a.dtype.kind not in "biuf":
            raise TypeError(f"block must hold numbers; got dtype {a.dtype}")
        rows = a.shape[0]
        if rows == 0:
            return
        flat = np.ascontiguousarray(a.transpose(0, 2, 1), dtype=self.dtype).reshape(rows, -1)
        with self._rf._writing():
            _append_rows(self._row_blocks(flat), self.n_rows)
            self._h5.flush()  # the data first, then mapping/time (the commit count of rows)
            try:
                self._time[...] = self._time_triplet(self.n_rows + rows)
            except BaseException:
                for d in self._datasets():
                    d.resize(self.n_rows, axis=0)
                self._time[...] = self._time_triplet(self.n_rows)
                raise
            self._h5.flush()
        self.n_rows += rows

    def _row_blocks(self, flat: np.ndarray) -> list:
        if self._exact is None:
            return [(self._data, flat)]
        with np.errstate(over="ignore"):  # beyond float32's range: inf there, exact in data_float64
            return [(self._data, flat.astype(np.float32)), (self._exact, flat)]

    def _datasets(self) -> list:
        return [self._data] if self._exact is None else [self._data, self._exact]

    def _sync(self) -> None:
        """Make ``data`` and ``mapping/time`` agree with the committed rows (used by close)."""
        for d in self._datasets():
            if d.shape[0] != self.n_rows:
                d.resize(self.n_rows, axis=0)
        self._time[...] = self._time_triplet(self.n_rows)

    def __repr__(self) -> str:
        return (
            f"ReportWriter({self.population!r}, {self.variable!r}, n_elements={self.n_elements}, "
            f"batch_size={self.batch_size}, n_rows={self.n_rows})"
        )


class RateWriter:
    """Appends per-step spike counts of one population to ``/rates/<name>`` (not SONATA).

    Created by :meth:`RecordingFile.rate_writer`.  ``counts`` is ``(rows,
    columns)`` int64 (spikes per step of each recorded sample) and ``steps``
    the step of each row; the group attribute ``n_rows`` is the commit count.
    """

    def __init__(self, rf: RecordingFile, name: str, n_neurons: int, columns: int, dt_ms: float):
        self._rf = rf
        self.name = name
        self.columns = columns
        grp = rf._file.require_group("rates").create_group(name)
        grp.attrs["n_neurons"] = np.int64(n_neurons)
        grp.attrs["dt"] = np.float64(dt_ms)
        grp.attrs["units"] = "spikes per step"
        grp.attrs["n_rows"] = np.int64(0)
        kw = rf._dataset_kwargs()
        self._counts = grp.create_dataset(
            "counts", shape=(0, columns), maxshape=(None, columns), dtype=np.int64, chunks=(4096, max(columns, 1)), **kw
        )
        self._steps = grp.create_dataset("steps", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(4096,), **kw)
        self._group = grp
        self.n_rows = 0

    def append(self, steps, counts) -> None:
        """Append ``counts`` ``(rows, columns)`` of the steps ``steps`` ``(rows,)`` and flush."""
        self._rf._check_open()
        steps = _int_array(steps, "steps")
        counts = np.asarray(counts)
        if counts.shape != (steps.shape[0], self.columns):
            raise ValueError(
                f"counts for rates {self.name!r} must have shape ({steps.shape[0]}, "
                f"{self.columns}) = (len(steps), columns); got {counts.shape}"
            )
        rows = steps.shape[0]
        if rows == 0:
            return
        with self._rf._writing():
            _append_rows(
                [
                    (self._counts, counts.astype(np.int64, copy=False)),
                    (self._steps, steps.astype(np.int64, copy=False)),
                ],
                self.n_rows,
            )
            self._rf._file.flush()
            self._group.attrs.modify("n_rows", np.int64(self.n_rows + rows))
            self._rf._file.flush()
        self.n_rows += rows

    def _sync(self) -> None:
        for d in (self._counts, self._steps):
            if d.shape[0] != self.n_rows:
                d.resize(self.n_rows, axis=0)

    def __repr__(self) -> str:
        return f"RateWriter({self.name!r}, columns={self.columns}, n_rows={self.n_rows})"
