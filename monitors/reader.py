"""Reading back spikesim recordings (the layout is described in :mod:`monitors.sonata`).

The readers take a path, open the file read-only, copy what was asked for into
numpy arrays and close the file again, so they also work on the file of a run
that is still writing (each append is flushed) or that was interrupted.  They
read plain SONATA files from other simulators too (no ``sample_ids``: every
spike is sample 0; a soma report: one element per node).

Functions
---------
``list_populations(path)``
    Names of the populations with spikes or reports.
``load_spikes(path, population=None, sample=None) -> SpikeData``
``load_report(path, population=None, variable=None, sample=None) -> Trace``
``file_info(path) -> dict``
    Everything ``spikesim info`` prints.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

__all__ = [
    "SpikeData",
    "Trace",
    "list_populations",
    "list_variables",
    "load_spikes",
    "load_report",
    "file_info",
    "read_network",
]

_SORTING_NAMES = {0: "none", 1: "by_id", 2: "by_time"}


def _open(path) -> h5py.File:
    """Open ``path`` read-only: in SWMR mode first (a running or killed run), else plainly."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike; got {path!r} ({type(path).__name__})")
    if not os.path.exists(path):
        raise FileNotFoundError(f"recording file {str(path)!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"recording file {str(path)!r} is a directory")
    try:
        return h5py.File(path, "r", swmr=True)
    except (OSError, RuntimeError):
        pass  # not written in SWMR mode (finished, older or foreign file): open plainly
    try:
        return h5py.File(path, "r")
    except (OSError, RuntimeError) as exc:
        raise OSError(f"cannot open {str(path)!r} as an HDF5 recording: {_first_line(exc)}") from exc


def _damaged_as_oserror(func):
    """Turn HDF5's RuntimeError on a damaged file into an OSError naming the file."""

    @functools.wraps(func)
    def wrapper(path, *args, **kwargs):
        try:
            return func(path, *args, **kwargs)
        except RuntimeError as exc:
            raise OSError(f"cannot read {str(path)!r}: the file is damaged ({_first_line(exc)})") from exc

    return wrapper


def _first_line(exc) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _attr(obj, key, default=None):
    if key not in obj.attrs:
        return default
    value = obj.attrs[key]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _names(f, group: str) -> list[str]:
    return sorted(f[group].keys()) if group in f else []


def _pick(names: list[str], wanted, what: str, path) -> str:
    if wanted is None:
        if len(names) == 1:
            return names[0]
        if not names:
            raise ValueError(f"{str(path)!r} holds no {what}")
        raise ValueError(f"{str(path)!r} holds {what} of several populations {tuple(names)}; pass population=<name>")
    if not isinstance(wanted, str):
        raise TypeError(f"population must be a str; got {wanted!r}")
    if wanted not in names:
        raise ValueError(f"population must be one of {tuple(names)} for the {what} in {str(path)!r}; got {wanted!r}")
    return wanted


def _check_sample(sample, batch_size: int):
    if sample is None:
        return None
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)):
        raise TypeError(f"sample must be an int or None; got {sample!r}")
    if not 0 <= int(sample) < batch_size:
        raise ValueError(f"sample must lie in [0, {batch_size}) (the file's batch_size); got {sample}")
    return int(sample)


@dataclass(frozen=True)
class SpikeData:
    """Spikes of one population, one entry per spike, in file order.

    Attributes
    ----------
    timestamps : ndarray of float64, shape (k,)
        Spike times in ms.
    node_ids : ndarray of uint64, shape (k,)
    sample_ids : ndarray of uint32, shape (k,)
        Sample of each spike (all 0 in a batch-1 or plain SONATA file).
    polarity : ndarray of int8, shape (k,)
        +1 or -1 (all +1 for unipolar models).
    population : str
    n_nodes : int or None
        Neurons in the population (None for a foreign file that does not say).
    batch_size : int
    samples : tuple of int
        The samples this object covers (all of them, or the one asked for).
    dt : float or None
        The run's step in ms (root ``dt``), if the file has it.
    duration : float or None
        The run's duration in ms (root ``duration``), if the file has it.
    sorting : str
        The file's ``sorting`` attribute.
    """

    timestamps: np.ndarray
    node_ids: np.ndarray
    sample_ids: np.ndarray
    polarity: np.ndarray
    population: str = ""
    n_nodes: int | None = None
    batch_size: int = 1
    samples: tuple = field(default=(0,))
    dt: float | None = None
    duration: float | None = None
    sorting: str = "none"
    n_recorded: int | None = None
    samples_recorded: int | None = None
    t_start: float | None = None
    t_end: float | None = None

    def rate_hz(self) -> float | None:
        """Mean rate: spikes per recorded neuron, per covered sample, per second of the recorded span.

        The span is what the run recorded (``t_start`` .. ``t_end``: its end
        step, not the planned duration), the neurons those the monitor
        watched (``n_recorded``). None when either is unknown or zero.
        """
        n = self.n_recorded if self.n_recorded is not None else self.n_nodes
        if self.t_end is None or n is None:
            return None
        span = self.t_end - (self.t_start or 0.0)
        samples = len(self.samples)
        if span <= 0 or n <= 0 or samples <= 0:
            return None
        return len(self) / (n * samples * span / 1000.0)

    def __len__(self) -> int:
        return int(self.timestamps.shape[0])

    def steps(self, dt: float | None = None) -> np.ndarray:
        """Step index of every spike, ``round(timestamp / dt)`` (int64)."""
        dt = self._dt(dt)
        return np.rint(self.timestamps / dt).astype(np.int64)

    def _dt(self, dt):
        dt = self.dt if dt is None else dt
        if dt is None:
            raise ValueError("dt is not stored in the file; pass dt=<ms>")
        if not (
            isinstance(dt, (int, float, np.integer, np.floating))
            and not isinstance(dt, bool)
            and math.isfinite(dt)
            and dt > 0
        ):
            raise ValueError(f"dt must be a finite number > 0 (ms); got {dt!r}")
        return float(dt)

    def raster(
        self, dt: float | None = None, n_steps: int | None = None, n_nodes: int | None = None, dtype=np.int8
    ) -> np.ndarray:
        """Dense spike array of shape ``(n_steps, len(samples), n_nodes)``.

        Entry ``[t, j, i]`` is the polarity (+1, or -1 for a negative LIB
        spike) of neuron ``i`` at step ``t = round(timestamp / dt)`` in sample
        ``samples[j]``, and 0 where it did not spike.

        Parameters
        ----------
        dt : float, optional
            Step in ms; the file's ``dt`` by default.
        n_steps : int, optional
            Steps to cover; by default ``round(duration / dt)`` when the file
            has a duration, else one past the last spike.
        n_nodes : int, optional
            The population's size by default.
        """
        dt = self._dt(dt)
        steps = self.steps(dt)
        if n_steps is None:
            if self.duration is not None:
                n_steps = int(round(self.duration / dt))
            else:
                n_steps = int(steps.max()) + 1 if steps.size else 0
            if steps.size:
                n_steps = max(n_steps, int(steps.max()) + 1)
        if n_nodes is None:
            if self.n_nodes is None:
                n_nodes = int(self.node_ids.max()) + 1 if self.node_ids.size else 0
            else:
                n_nodes = int(self.n_nodes)
        out = np.zeros((n_steps, len(self.samples), n_nodes), dtype=dtype)
        if steps.size:
            if steps.min() < 0 or steps.max() >= n_steps:
                raise ValueError(
                    f"spikes fall at steps [{int(steps.min())}, {int(steps.max())}], "
                    f"outside [0, {n_steps}) (n_steps = {n_steps})"
                )
            if int(self.node_ids.max()) >= n_nodes:
                raise ValueError(f"node id {int(self.node_ids.max())} does not fit n_nodes = {n_nodes}")
            col = np.searchsorted(np.asarray(self.samples), self.sample_ids)
            out[steps, col, self.node_ids.astype(np.int64)] = self.polarity
        return out

    def counts(self) -> np.ndarray:
        """Spikes per neuron summed over the covered samples, shape ``(n_nodes,)``."""
        n = self.n_nodes if self.n_nodes is not None else (int(self.node_ids.max()) + 1 if len(self) else 0)
        return np.bincount(self.node_ids.astype(np.int64), minlength=n)


@dataclass(frozen=True)
class Trace:
    """Recorded values of one variable of one population.

    Attributes
    ----------
    data : ndarray, shape (rows, batch_size, n) or (rows, n)
        ``(rows, batch_size, n)`` when all samples were loaded, ``(rows, n)``
        when one ``sample`` was asked for (like indexing ``[:, sample]``).
    times : ndarray of float64, shape (rows,)
        Time in ms of every row (``start + row * step``).
    node_ids : ndarray of uint64, shape (n,)
    variable, unit, population : str
    samples : tuple of int
    """

    data: np.ndarray
    times: np.ndarray
    node_ids: np.ndarray
    variable: str = ""
    unit: str = ""
    population: str = ""
    samples: tuple = field(default=(0,))


@_damaged_as_oserror
def list_populations(path) -> list[str]:
    """Sorted names of every population with spikes or a report in ``path``."""
    with _open(path) as f:
        return sorted(set(_names(f, "spikes")) | set(_report_populations(f)))


@_damaged_as_oserror
def list_variables(path, population: str) -> list[str]:
    """Recorded variables of ``population``, the one of the recording's own report first."""
    with _open(path) as f:
        pop = _pick(_report_populations(f), population, "reports", path)
        return _variables(f, pop)


def _report_files(f) -> dict:
    """variable -> (file name, populations) of the report files linked from ``/report_files`` (format 3)."""
    if "report_files" not in f:
        return {}
    index = f["report_files"]
    out = {}
    for var in index:
        link = index.get(var, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            pops = json.loads(_attr(index, var, "[]"))
            out[var] = (link.filename, [str(p) for p in pops])
    return out


def _report_populations(f) -> list[str]:
    pops = set(_names(f, "report"))
    for _, populations in _report_files(f).values():
        pops.update(populations)
    return sorted(pops)


def _variables(f, pop: str) -> list[str]:
    out = []
    grp = f["report"][pop] if "report" in f and pop in f["report"] else None
    if grp is not None and "data" in grp:
        first = _attr(grp["data"], "variable")
        out.append("data" if first is None else first)  # "data": a foreign SONATA report's only variable
    if grp is not None and "variables" in grp:  # format 2: the other variables in the recording
        out += [v for v in sorted(grp["variables"].keys()) if v not in out]
    out += [v for v, (_, pops) in _report_files(f).items() if pop in pops and v not in out]
    return out


def _committed_spikes(g) -> int:
    """Spikes to trust in group ``g``: the ``n_spikes`` commit count when present.

    Without one (a foreign SONATA file) the datasets must have equal lengths.
    """
    lengths = {name: g[name].shape[0] for name in ("timestamps", "node_ids", "sample_ids", "polarity") if name in g}
    if "n_spikes" in g.attrs:
        k = int(_attr(g, "n_spikes"))
        short = {n: m for n, m in lengths.items() if m < k}
        if short:
            raise ValueError(f"{g.name}: n_spikes = {k} but datasets are shorter: {short}")
        return k
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{g.name}: datasets have different lengths {lengths}")
    return lengths["timestamps"]


def _committed_rows(data, time) -> int:
    """Rows of a report to trust: those that ``mapping/time`` covers (at most the extent)."""
    start, stop, step = (float(x) for x in time)
    return min(data.shape[0], max(0, int(round((stop - start) / step))))


@_damaged_as_oserror
def load_spikes(path, population: str | None = None, sample: int | None = None) -> SpikeData:
    """Spikes of one population (and one sample, or all).

    Parameters
    ----------
    path : str or os.PathLike
    population : str, optional
        Needed when the file has spikes of several populations.
    sample : int, optional
        Keep only this sample's spikes.

    Returns
    -------
    SpikeData
    """
    with _open(path) as f:
        pop = _pick(_names(f, "spikes"), population, "spikes", path)
        g = f["spikes"][pop]
        batch = int(_attr(g, "batch_size", _attr(f, "batch_size", 1)))
        sample = _check_sample(sample, batch)
        k = _committed_spikes(g)
        ts = g["timestamps"][:k].astype(np.float64, copy=False)
        ids = g["node_ids"][:k].astype(np.uint64, copy=False)
        samples = (
            g["sample_ids"][:k].astype(np.uint32, copy=False) if "sample_ids" in g else np.zeros(k, dtype=np.uint32)
        )
        pol = g["polarity"][:k].astype(np.int8, copy=False) if "polarity" in g else np.ones(k, dtype=np.int8)
        if sample is not None:
            keep = samples == sample
            ts, ids, samples, pol = ts[keep], ids[keep], samples[keep], pol[keep]
        n_nodes = _attr(g, "n_nodes")
        sorting = _attr(g, "sorting", 0)
        return SpikeData(
            timestamps=ts,
            node_ids=ids,
            sample_ids=samples,
            polarity=pol,
            population=pop,
            n_nodes=None if n_nodes is None else int(n_nodes),
            batch_size=batch,
            samples=tuple(range(batch)) if sample is None else (sample,),
            dt=_attr(f, "dt"),
            duration=_attr(f, "duration"),
            sorting=_SORTING_NAMES.get(int(sorting), str(sorting)) if not isinstance(sorting, str) else sorting,
            n_recorded=_opt_int(_attr(g, "n_recorded", n_nodes)),
            samples_recorded=_opt_int(_attr(g, "samples_recorded", batch)),
            t_start=_recorded_span(f)[0],
            t_end=_recorded_span(f)[1],
        )


def _report_group(stack: contextlib.ExitStack, f, pop: str, variable: str | None, path):
    """``(group, variable)``: the report group of ``pop.variable``, opening its report file on ``stack``."""
    names = _variables(f, pop)
    if variable is None:
        variable = names[0]
    elif not isinstance(variable, str):
        raise TypeError(f"variable must be a str or None; got {variable!r}")
    elif variable not in names:
        raise ValueError(
            f"variable must be one of {tuple(names)} for population {pop!r} in {str(path)!r}; got {variable!r}"
        )
    grp = f["report"][pop] if "report" in f and pop in f["report"] else None
    if grp is not None and "variables" in grp and variable in grp["variables"]:
        return grp["variables"][variable], variable  # format 2
    if grp is not None and "data" in grp and variable == names[0]:
        return grp, variable
    name, _ = _report_files(f)[variable]
    side = Path(path).parent / name
    if not side.exists():
        raise FileNotFoundError(
            f"report file {str(side)!r} of variable {variable!r} (linked from "
            f"{str(path)!r}) does not exist; keep it beside the recording"
        )
    return stack.enter_context(_open(side))["report"][pop], variable


def _values(g, rows: int, n: int, batch: int, sample: int | None) -> np.ndarray:
    """The committed rows of ``g``: the exact ``data_float64`` when there is one, else ``data``."""
    data = g["data_float64"] if "data_float64" in g else g["data"]
    if sample is None:
        return data[:rows].reshape(rows, n, batch).transpose(0, 2, 1).copy()
    return data[:rows, sample::batch] if rows else np.zeros((0, n), dtype=data.dtype)


@_damaged_as_oserror
def load_report(path, population: str | None = None, variable: str | None = None, sample: int | None = None) -> Trace:
    """Recorded trace of one variable of one population.

    Parameters
    ----------
    path : str or os.PathLike
    population : str, optional
        Needed when several populations have reports.
    variable : str, optional
        The population's first recorded variable by default.
    sample : int, optional
        Load only this sample; ``data`` is then ``(rows, n)``.

    Returns
    -------
    Trace
    """
    with _open(path) as f, contextlib.ExitStack() as stack:
        pop = _pick(_report_populations(f), population, "reports", path)
        g, variable = _report_group(stack, f, pop, variable, path)
        data = g["data"]
        mapping = g["mapping"]
        node_ids = mapping["node_ids"][()].astype(np.uint64, copy=False)
        ptr = mapping["index_pointers"][()].astype(np.int64)
        n = node_ids.shape[0]
        if ptr.shape[0] != n + 1:
            raise ValueError(f"{g.name}/mapping/index_pointers must have {n + 1} entries; got {ptr.shape[0]}")
        per_node = np.diff(ptr)
        batch = int(per_node[0]) if n else 1
        if n and (np.any(per_node != batch) or ptr[0] != 0):
            raise ValueError(
                f"{g.name}: nodes have different element counts {np.unique(per_node)}; "
                "only one element per node and sample is supported"
            )
        stored_batch = _attr(data, "batch_size")
        if stored_batch is not None and int(stored_batch) != batch:
            raise ValueError(f"{g.name}: data says batch_size {stored_batch}, mapping says {batch}")
        sample = _check_sample(sample, batch)
        time = mapping["time"][()]
        start, step = float(time[0]), float(time[2])
        rows = _committed_rows(data, time)
        times = start + step * np.arange(rows, dtype=np.float64)
        values = _values(g, rows, n, batch, sample)
        return Trace(
            data=values,
            times=times,
            node_ids=node_ids,
            variable=variable,
            unit=str(_attr(data, "units", "")),
            population=pop,
            samples=tuple(range(batch)) if sample is None else (sample,),
        )


def _opt_int(value):
    return None if value is None else int(value)


def _recorded_span(f) -> tuple:
    """``(t_start, t_end)`` in ms of what the run recorded, or ``(None, None)``.

    The end is the latest of the evidence in the file: the ``end_step`` the
    run wrote when it stopped, the committed rows of the ``/rates`` groups and
    of the reports (a running or killed run has not written its end step
    yet); a file without any (format 1) falls back to its ``duration``.
    """
    dt = _attr(f, "dt")
    if dt is None:
        return None, None
    start = int(_attr(f, "start_step", 0) or 0)
    ends = []
    if "end_step" in f.attrs:
        ends.append(int(_attr(f, "end_step")))
    for g in f["rates"].values() if "rates" in f else ():
        if isinstance(g, h5py.Group) and "counts" in g:
            rows = min(int(g["counts"].shape[0]), int(_attr(g, "n_rows", g["counts"].shape[0])))
            ends.append(start + rows)
    if not ends:
        duration = _attr(f, "duration")
        return (start * dt, start * dt + duration) if duration is not None else (None, None)
    return start * dt, max(ends) * dt


@_damaged_as_oserror
def read_network(path) -> dict | None:
    """The network description (decoded JSON) stored in ``path``, or None."""
    with _open(path) as f:
        return _network(f)


def _network(f):
    text = _attr(f, "network")
    if text is None:
        return None
    if isinstance(text, str) and text.startswith("@/"):
        text = f[text[1:]][()]
        text = text.decode("utf-8") if isinstance(text, bytes) else str(text)
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return {"raw": str(text)}


@_damaged_as_oserror
def file_info(path) -> dict:
    """Summary of a recording: run metadata, spikes and reports per population.

    Returns
    -------
    dict
        ``path``, ``format``, ``format_version``, ``spikesim_version``,
        ``completed``, ``stop_reason``, ``dt``, ``seed``, ``batch_size``,
        ``duration`` (ms), ``network`` (decoded JSON or None), ``spikes``
        (population -> ``n_spikes``, ``n_nodes``, ``batch_size``,
        ``rate_hz`` (spikes per *recorded* neuron per second per recorded
        sample, over the recorded span: from the start step to the end step
        the run reached, not the planned ``duration``), ``n_recorded``,
        ``recorded_ms``, ``t_first``/``t_last`` (ms), ``sorting``, ``bipolar``,
        ``n_negative``) and ``reports`` (population -> variable -> ``rows``,
        ``n_nodes``, ``batch_size``, ``unit``, ``dtype``, ``time`` [start,
        stop, step] ms, ``file``: the report file's name when the variable
        has its own, else None); ``rates`` (population -> ``rows``, ``columns``,
        ``units`` of the ``/rates`` groups that ``monitors.recording`` adds).
    """
    with _open(path) as f:
        info = {
            "path": str(path),
            "format": _attr(f, "format"),
            "format_version": _attr(f, "format_version"),
            "spikesim_version": _attr(f, "spikesim_version"),
            "created_utc": _attr(f, "created_utc"),
            "completed": None if "completed" not in f.attrs else bool(_attr(f, "completed")),
            "stop_reason": _attr(f, "stop_reason") or None,
            "dt": _attr(f, "dt"),
            "seed": _attr(f, "seed"),
            "batch_size": _attr(f, "batch_size"),
            "duration": _attr(f, "duration"),
            "network": _network(f),
            "spikes": {},
            "reports": {},
            "rates": {},
        }
        for pop in _names(f, "spikes"):
            g = f["spikes"][pop]
            ts = g["timestamps"]
            k = _committed_spikes(g)
            n_nodes = _attr(g, "n_nodes")
            batch = int(_attr(g, "batch_size", info["batch_size"] or 1))
            sorting = _attr(g, "sorting", 0)
            entry = {
                "n_spikes": k,
                "n_nodes": None if n_nodes is None else int(n_nodes),
                "batch_size": batch,
                "sorting": _SORTING_NAMES.get(int(sorting), str(sorting)),
                "bipolar": bool(_attr(g, "bipolar", "polarity" in g)),
                "t_first": None,
                "t_last": None,
                "rate_hz": None,
                "n_negative": 0,
            }
            if k:
                if entry["sorting"] == "by_time":
                    entry["t_first"], entry["t_last"] = float(ts[0]), float(ts[k - 1])
                else:
                    t = ts[:k]
                    entry["t_first"], entry["t_last"] = float(t.min()), float(t.max())
            if "polarity" in g and k:
                entry["n_negative"] = int(np.count_nonzero(g["polarity"][:k] < 0))
            n_rec = _attr(g, "n_recorded", n_nodes)
            samples = int(_attr(g, "samples_recorded", batch))
            t0, t1 = _recorded_span(f)
            entry["n_recorded"] = None if n_rec is None else int(n_rec)
            entry["recorded_ms"] = None if t1 is None else t1 - t0
            if t1 is not None and t1 > t0 and n_rec and samples:
                entry["rate_hz"] = k / (int(n_rec) * samples * ((t1 - t0) / 1000.0))
            info["spikes"][pop] = entry
        for pop in _report_populations(f):
            info["reports"][pop] = {}
            for var in _variables(f, pop):
                with contextlib.ExitStack() as stack:
                    g, _ = _report_group(stack, f, pop, var, path)
                    d = g["data"]
                    ptr = g["mapping"]["index_pointers"]
                    n = int(g["mapping"]["node_ids"].shape[0])
                    info["reports"][pop][var] = {
                        "rows": _committed_rows(d, g["mapping"]["time"][()]),
                        "n_nodes": n,
                        "batch_size": int(ptr[1] - ptr[0]) if n else 1,
                        "unit": str(_attr(d, "units", "")),
                        "dtype": str((g["data_float64"] if "data_float64" in g else d).dtype),
                        "time": [float(x) for x in g["mapping"]["time"][()]],
                        "file": None if g.file.filename == f.filename else os.path.basename(g.file.filename),
                    }
        if "rates" in f:  # written by monitors.recording (PopulationRateMonitor), not SONATA
            info["rates"] = {}
            for pop, g in f["rates"].items():
                if isinstance(g, h5py.Group) and "counts" in g:
                    c = g["counts"]
                    rows = int(c.shape[0])
                    if "n_rows" in g.attrs:  # the commit count (monitors.sonata.RateWriter)
                        rows = min(rows, int(_attr(g, "n_rows")))
                    info["rates"][pop] = {
                        "rows": rows,
                        "columns": int(c.shape[1]) if c.ndim > 1 else 1,
                        "units": str(_attr(g, "units", "")),
                    }
        return info
