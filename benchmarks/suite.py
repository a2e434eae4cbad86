"""spikesim's benchmark suite: six benchmarks, reference simulators, targets.

Run it as ``python -m benchmarks [NAME ...] [--quick] [--json FILE]``
(``docs/benchmarks.md`` explains every benchmark and target). Each benchmark
is a function ``bench_<name>(**sizes) -> list[dict]`` returning JSON-ready
records; the runner (:func:`main`) picks the sizes of the quick or the full
mode (:data:`QUICK`, :data:`FULL`), prints one table row per record, appends
the records to a JSON Lines file and ends with a PASS/FAIL table of the
targets. The smoke tests call the same functions with tiny sizes.

How time is measured (the same for every benchmark of spikesim itself):

* ``build_s``: wall time of ``net.build`` (connectivity, initial state,
  buffers); ``compile_s``: ``net.warmup()``, which generates the network's
  kernel and compiles it or loads it from Numba's cache, without stepping.
* ``run_s``: the median over ``repeats`` of ``net.last_run["seconds"]`` (the
  wall time of the stepping loop of one ``net.run``); between repeats
  ``net.reset()`` redraws the initial state from the seed and empties the
  delay queues, keeping the connectivity, so every repeat is the same run.
* ``spikes`` and ``mean_rate_hz`` come from a :class:`~monitors
  .PopulationRateMonitor` per population (one integer per step and sample),
  added to the otherwise unrecorded network; ``events_per_s`` is the number
  of synaptic events the projections delivered during one run divided by
  ``run_s``.
* ``run_cpu_s``: the median CPU time of this process (all threads) during
  a run; at batch 1 (one busy thread) ``run_cpu_s`` well below ``run_s``
  means that other processes took the core, i.e. that the timing is
  inflated by the machine's load.
* ``peak_rss_bytes``: the peak resident set size of this process while the
  benchmark ran: the kernel's high-water mark (``VmHWM``) is reset through
  ``/proc/self/clear_refs`` at the start (Linux); where that is not possible
  the process-wide peak is reported and ``peak_rss_scope`` says so.

Reference simulators (Brian2, NEST) run through :mod:`benchmarks.reference`
in child processes with a memory cap (:func:`run_reference`); a reference
that is not installed is reported as skipped, one that fails as an error,
and neither stops the suite. Speed ratios are
``reference run_s / spikesim run_s`` (above 1: spikesim is faster).
"""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

#: benchmarks in the order the runner runs them
NAMES = ("cuba", "brunel", "batch", "scale", "startup", "recording")

#: a reference's mean rate must agree with ours within this fraction
RATE_TOLERANCE = 0.10

#: parameters of each benchmark in the full mode (the issue's sizes)
FULL = {
    "cuba": dict(durations_ms=(1000.0, 10000.0), n=4000, repeats=5,
                 brian2_targets=("cpp_standalone", "runtime", "cython")),
    "brunel": dict(scale=1.0, duration_ms=1000.0, repeats=3, references=("nest", "brian2_cpp_standalone")),
    "batch": dict(batches=(1, 4, 16, 64, 256), n=4000, duration_ms=1000.0, repeats=3, n_single=64),
    "scale": dict(n=100_000, in_degree=1000, duration_ms=1000.0, repeats=1),
    "startup": dict(n=4000, repeats=3),
    "recording": dict(n=4000, duration_ms=10000.0, repeats=3, state_neurons=100),
}

#: parameters of the quick mode (under two minutes, references included)
QUICK = {
    "cuba": dict(durations_ms=(1000.0,), n=4000, repeats=5,
                 brian2_targets=("cpp_standalone", "runtime", "cython")),
    "brunel": dict(scale=0.2, duration_ms=500.0, repeats=3, references=("nest",)),
    "batch": dict(batches=(1, 4, 16, 64), n=4000, duration_ms=250.0, repeats=2, n_single=64),
    "scale": dict(n=10_000, in_degree=1000, duration_ms=500.0, repeats=1),
    "startup": dict(n=4000, repeats=2),
    "recording": dict(n=4000, duration_ms=1000.0, repeats=5, state_neurons=100),
}


# ---------------------------------------------------------------------------
# Machine, versions, memory
# ---------------------------------------------------------------------------

def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_versions() -> dict:
    """Versions of Python, spikesim and the packages the benchmarks depend on."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("spikesim", "numpy", "numba", "llvmlite", "scipy", "h5py", "brian2", "nest-simulator"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def machine_info() -> dict:
    """CPU model, cores, Numba threads, memory, OS and load: what the numbers depend on."""
    import numba

    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    mem = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    return {
        "cpu": cpu_model(), "cores": os.cpu_count(), "cores_usable": affinity,
        "numba_threads": numba.get_num_threads(), "numba_threading_layer": _threading_layer(),
        "memory_bytes": mem, "platform": platform.platform(), "load_average": load,
        "hostname": platform.node(),
    }


def _threading_layer() -> str | None:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter of this process (Linux >= 4.0); False if impossible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int:
    """Peak resident set size of this process since the last :func:`reset_peak_rss`, in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


class PeakRSS:
    """Context manager: ``with PeakRSS() as m: ...`` then ``m.bytes`` and ``m.scope``."""

    def __enter__(self):
        gc.collect()  # networks are reference cycles: free the previous benchmark's before resetting the peak
        self.scope = "benchmark" if reset_peak_rss() else "process"
        self.bytes = None
        return self

    def read(self) -> int:
        self.bytes = peak_rss_bytes()
        return self.bytes

    def __exit__(self, *exc):
        if self.bytes is None:
            self.read()
        return False


# ---------------------------------------------------------------------------
# Targets and reference comparisons
# ---------------------------------------------------------------------------

def target(name: str, value, threshold: float, op: str, unit: str = "", note: str = "") -> dict:
    """One target: ``value op threshold`` with ``op`` in ``('>=', '<=', '<')``; ``passed`` None if no value."""
    ops = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}
    if op not in ops:
        raise ValueError(f"op must be one of {tuple(ops)}; got {op!r}")
    ok = None if value is None or (isinstance(value, float) and math.isnan(value)) else bool(ops[op](value, threshold))
    return {"name": name, "value": value, "op": op, "threshold": threshold, "unit": unit, "passed": ok,
            "note": note}


_REFERENCE_CACHE: dict = {}

#: a reference simulator runs in a child process with at most this much memory
#: (address space): at most 12 GiB and half the machine's memory
REFERENCE_MEMORY_BYTES = None

#: seconds one reference run may take before it is stopped and reported as an error
REFERENCE_TIMEOUT_S = 1200.0

_REFERENCE_CHILD = """
import json, sys, traceback
fn_name, kwargs = sys.argv[1], json.loads(sys.argv[2])
try:
    import benchmarks.reference as reference
except Exception as exc:
    print("REFERENCE " + json.dumps({"status": "skipped",
                                     "reason": "benchmarks.reference cannot be imported: %s" % exc}))
    sys.exit(0)
fn = getattr(reference, fn_name, None)
unavailable = getattr(reference, "ReferenceUnavailable", ImportError)
if fn is None:
    out = {"status": "skipped", "reason": "benchmarks.reference has no %s()" % fn_name}
else:
    try:
        out = dict(fn(**kwargs), status="ok")
    except unavailable as exc:
        out = {"status": "skipped", "reason": str(exc) or type(exc).__name__}
    except MemoryError as exc:
        out = {"status": "error", "reason": "MemoryError: the reference exceeded its memory cap"}
    except Exception as exc:
        out = {"status": "error", "reason": "%s: %s" % (type(exc).__name__, exc),
               "traceback": traceback.format_exc(limit=5)}
print("REFERENCE " + json.dumps(out, default=lambda x: x.item() if hasattr(x, "item") else str(x)))
"""


def _reference_memory_cap() -> int:
    if REFERENCE_MEMORY_BYTES is not None:
        return int(REFERENCE_MEMORY_BYTES)
    total = machine_info()["memory_bytes"] or 16 * 2**30
    return int(min(12 * 2**30, total // 2))


def run_reference(function: str, **kwargs) -> dict:
    """Call ``benchmarks.reference.<function>(**kwargs)`` in a child process, once per argument set.

    The child runs with its address space capped (:func:`_reference_memory_cap`)
    and a time limit (:data:`REFERENCE_TIMEOUT_S`), so a reference that grows
    without bound fails alone instead of exhausting the machine; the child
    also keeps Brian2's device and NEST's kernel state out of this process.
    Returns the reference's dict with ``status`` ``"ok"``, or ``{"status":
    "skipped" | "error", "reason": ...}``: the simulator or the function is
    missing (skipped) or the call failed (error). Never raises. Results are
    cached for the session.
    """
    key = (function, tuple(sorted(kwargs.items())))
    if key in _REFERENCE_CACHE:
        return _REFERENCE_CACHE[key]
    cap = _reference_memory_cap()

    def limit():  # in the child, before exec
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYNEST_QUIET="1")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", _REFERENCE_CHILD, function, json.dumps(kwargs)],
                              cwd=root, env=env, capture_output=True, text=True, timeout=REFERENCE_TIMEOUT_S,
                              preexec_fn=limit if sys.platform.startswith("linux") else None)
    except subprocess.TimeoutExpired:
        result = {"status": "error", "reason": f"timed out after {REFERENCE_TIMEOUT_S:g} s"}
    else:
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("REFERENCE ")]
        if lines:
            result = json.loads(lines[-1][len("REFERENCE "):])
        else:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            why = "killed by signal %d" % -proc.returncode if proc.returncode < 0 else f"exit {proc.returncode}"
            result = {"status": "error", "reason": f"reference process {why} (memory cap {cap / 2**30:.1f} GiB): "
                                                   + " | ".join(tail)}
    result = dict(result, function=function, arguments=kwargs, process_wall_s=time.perf_counter() - t0,
                  memory_cap_bytes=cap)
    _REFERENCE_CACHE[key] = result
    return result


def compare(ours: dict, ref: dict, label: str, *, scale_time: float = 1.0) -> dict:
    """Put a reference run next to ours: speed ratio and mean-rate agreement.

    ``speedup = ref run_s * scale_time / our run_s`` (above 1: we are faster);
    ``rate_check`` is ``"OK"`` when the mean rates differ by at most
    :data:`RATE_TOLERANCE` of the reference's, else ``"MISMATCH"``.
    """
    out = {"label": label, "status": ref.get("status"), "reason": ref.get("reason")}
    if ref.get("status") != "ok":
        return out
    ref_run = float(ref["run_s"]) * scale_time
    out.update(run_s=ref_run, build_s=ref.get("build_s"), compile_s=ref.get("compile_s"),
               mean_rate_hz=ref.get("mean_rate_hz"), spikes=ref.get("spikes"),
               synaptic_events=ref.get("synaptic_events"), versions=ref.get("versions"),
               threads=ref.get("threads"), target=ref.get("target"), simulator=ref.get("simulator"),
               speedup=ref_run / ours["run_s"] if ours.get("run_s") else None)
    if scale_time != 1.0:
        out["note"] = f"reference run time scaled by {scale_time:g} from a {ref['duration_ms']:g} ms run"
    ours_rate, ref_rate = ours.get("mean_rate_hz"), ref.get("mean_rate_hz")
    if ours_rate is not None and ref_rate:
        diff = abs(ours_rate - ref_rate) / ref_rate
        out.update(rate_rel_diff=diff, rate_check="OK" if diff <= RATE_TOLERANCE else "MISMATCH")
    else:
        out["rate_check"] = None
    return out


def _speedup(cmp: dict | None):
    return None if cmp is None or cmp.get("status") != "ok" else cmp.get("speedup")


# ---------------------------------------------------------------------------
# Timing spikesim networks
# ---------------------------------------------------------------------------

class TimedNetwork:
    """A built, warmed-up network whose runs are timed; see the module docstring.

    Parameters
    ----------
    net : simcore.Network
        Not yet built.
    batch_size, dt, seed, dtype
        As :meth:`simcore.Network.build` (``dt`` in ms).
    count_spikes : bool
        Add a PopulationRateMonitor to every population that has none, to
        count spikes (one int per step and sample).
    """

    def __init__(self, net, *, batch_size: int = 1, dt: float = 0.1, seed: int = 1, dtype="float64",
                 count_spikes: bool = True):
        from simcore import PopulationRateMonitor

        self.net = net
        if count_spikes:
            watched = {id(m.population) for m in net.monitors if isinstance(m, PopulationRateMonitor)}
            for pop in list(net.populations):
                if pop.spiking and id(pop) not in watched:
                    net.add(PopulationRateMonitor(pop, name=f"bench_rate_{pop.name}"))
        self.rate_monitors = [m for m in net.monitors if isinstance(m, PopulationRateMonitor)]
        t0 = time.perf_counter()
        net.build(batch_size=batch_size, dt=dt, seed=seed, dtype=dtype)
        self.build_s = time.perf_counter() - t0
        self.compile_s = net.warmup()
        self.batch_size, self.dt = batch_size, dt
        self.runs: list[dict] = []

    @property
    def n_neurons(self) -> int:
        return sum(p.n for p in self.net.populations)

    def run_once(self, duration_ms: float, out=None) -> dict:
        """Reset (after the first run), run ``duration_ms`` once; returns that run's figures.

        ``seconds`` is the stepping loop (``last_run``), ``wall_s`` the whole
        ``run`` call (with ``out``: opening, writing and closing the file).
        """
        from simcore.builtin import synaptic_events

        net = self.net
        if net.t > 0:
            net.reset()
        for m in net.monitors:
            if hasattr(m, "reset"):
                m.reset()
        events0 = synaptic_events(net)
        c0 = time.process_time()
        t0 = time.perf_counter()
        if out is None:
            net.run(duration_ms)
        else:
            net.run(duration_ms, out=out, overwrite=True)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
        spikes = sum(int(m.counts.sum()) for m in self.rate_monitors) if self.rate_monitors else None
        run = {"seconds": float(net.last_run["seconds"]), "wall_s": wall, "cpu_s": cpu,
               "steps": int(net.last_run["steps"]),
               "spikes": spikes, "events": synaptic_events(net) - events0}
        self.runs.append(run)
        return run

    def summary(self, duration_ms: float, *, key: str = "seconds") -> dict:
        """Median run time over the runs so far and the figures of the standard record."""
        if not self.runs:
            raise RuntimeError("no run yet; call run_once first")
        times = [r[key] for r in self.runs]
        run_s = float(statistics.median(times))
        last = self.runs[-1]
        spikes = last["spikes"]
        n, B = self.n_neurons, self.batch_size
        rate = None if spikes is None else spikes / (n * B * duration_ms / 1000.0)
        return {
            "build_s": self.build_s, "build_internal_s": float(self.net.build_seconds),
            "compile_s": float(self.compile_s), "run_s": run_s, "run_s_min": float(min(times)), "run_s_all": times,
            "repeats": len(times),
            "run_cpu_s": float(statistics.median(r["cpu_s"] for r in self.runs)),
            "steps": last["steps"], "spikes": spikes, "mean_rate_hz": rate,
            "synaptic_events": last["events"],
            "events_per_s": last["events"] / run_s if run_s > 0 else None,
            "n_neurons": n, "n_synapses": int(self.net.n_synapses),
            "spikes_identical_across_repeats": len({r["spikes"] for r in self.runs}) == 1,
        }


def time_network(net, duration_ms: float, *, repeats: int = 3, batch_size: int = 1, dt: float = 0.1,
                 seed: int = 1, dtype="float64") -> tuple[dict, TimedNetwork]:
    """Build, warm up and run ``net`` ``repeats`` times; returns (summary, TimedNetwork)."""
    tn = TimedNetwork(net, batch_size=batch_size, dt=dt, seed=seed, dtype=dtype)
    for _ in range(_check_repeats(repeats)):
        tn.run_once(duration_ms)
    return tn.summary(duration_ms), tn


def _check_repeats(repeats) -> int:
    if not isinstance(repeats, (int, np.integer)) or isinstance(repeats, bool) or repeats < 1:
        raise ValueError(f"repeats must be an int >= 1; got {repeats!r}")
    return int(repeats)


def record(benchmark: str, parameters: dict, **fields) -> dict:
    """A JSON record: benchmark, parameters, machine info, versions, then the figures."""
    rec = {"benchmark": benchmark, "parameters": parameters, "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                     time.gmtime())}
    rec.update(fields)
    for key in ("compile_s", "build_s", "run_s", "spikes", "mean_rate_hz", "events_per_s", "peak_rss_bytes"):
        rec.setdefault(key, None)  # every record has the standard keys; None where not measured
    rec.setdefault("references", [])
    rec.setdefault("targets", [])
    rec["machine"] = machine_info()
    rec["versions"] = package_versions()
    return rec


def bare_bound(summary: dict, dt: float, dtype: str, max_steps: int = 10000) -> dict:
    """:func:`benchmarks.bare_csr.bare_delivery_rate` for the CSR size and rate of a run.

    ``n_pre = n_post =`` the network's neurons, ``k_out = synapses / neurons``
    (rounded), ``rate_per_step =`` the measured mean rate times ``dt``, at
    most ``max_steps`` steps. Returns ``{"status": "skipped", ...}`` when
    bare_csr is missing.
    """
    try:
        bare_csr = importlib.import_module("benchmarks.bare_csr")
        fn = bare_csr.bare_delivery_rate
    except (ImportError, AttributeError) as exc:
        return {"status": "skipped", "reason": f"benchmarks.bare_csr.bare_delivery_rate unavailable: {exc}"}
    n = int(summary["n_neurons"])
    k_out = int(round(summary["n_synapses"] / n))
    rate = summary.get("mean_rate_hz") or 0.0
    steps = int(min(summary["steps"], max_steps))
    try:
        bare = fn(n, n, k_out, min(1.0, rate * dt / 1000.0), steps, dtype=np.dtype(dtype).type, repeats=3)
    except Exception as exc:
        return {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
    ours = summary.get("events_per_s")
    return {"status": "ok", "bare_events_per_s": bare["events_per_s"], "ours_events_per_s": ours,
            "ratio": ours / bare["events_per_s"] if ours and bare["events_per_s"] else None,
            "n_pre": n, "k_out": k_out, "rate_per_step": rate * dt / 1000.0, "steps": steps,
            "dtype": np.dtype(dtype).name}


# ---------------------------------------------------------------------------
# Network builders
# ---------------------------------------------------------------------------

def brunel_like(n: int = 100_000, in_degree: int = 1000, *, exc_fraction: float = 0.8, J: float = 0.1,
                g: float = 5.0, eta: float = 2.0, delay: float = 1.5, V_reset: float = 10.0):
    """Brunel (2000) model A with ``n`` neurons and a fixed in-degree ``in_degree``.

    As :func:`simcore.builtin.brunel` (``iaf_psc_delta`` neurons: tau_m = 20
    ms, V_th = 20 mV, t_ref = 2 ms, delta synapses, J = 0.1 mV, g = 5,
    delay 1.5 ms) but sized freely: ``n_exc = round(exc_fraction*n)``; each
    neuron receives ``C_E = round(exc_fraction*in_degree)`` excitatory and
    ``in_degree - C_E`` inhibitory inputs (multapses and autapses allowed) and
    ``C_E`` external Poisson inputs at ``eta * nu_th``, ``nu_th = V_th / (J
    C_E tau_m)``. No monitor. With n = 10^5 and in-degree 1000 it holds 10^8
    synapses.
    """
    import simcore as sc

    n = int(n)
    in_degree = int(in_degree)
    n_exc = int(round(exc_fraction * n))
    n_inh = n - n_exc
    c_exc = int(round(exc_fraction * in_degree))
    c_inh = in_degree - c_exc
    if min(n_exc, n_inh, c_exc, c_inh) < 1:
        raise ValueError(f"n = {n}, in_degree = {in_degree} leave an empty population or in-degree "
                         f"(n_exc {n_exc}, n_inh {n_inh}, C_E {c_exc}, C_I {c_inh}); use n, in_degree >= 5")
    tau_m, V_th = 20.0, 20.0
    nu_ext_hz = eta * V_th / (J * c_exc * tau_m) * 1000.0
    net = sc.Network("brunel_like")
    params = dict(E_L=0.0, V_th=V_th, V_reset=V_reset, tau_m=tau_m, t_ref=2.0, delta=("syn",), init={"v": 0.0})
    exc = net.add(sc.LIFBio(n_exc, name="exc", **params))
    inh = net.add(sc.LIFBio(n_inh, name="inh", **params))
    for pop in (exc, inh):
        net.add(sc.PoissonInput(pop, n_inputs=c_exc, rate=nu_ext_hz, weight=J, name=f"drive_{pop.name}"))
    for pre, k, w in ((exc, c_exc, J), (inh, c_inh, -g * J)):
        for post in (exc, inh):
            net.connect(pre, post, sc.FixedInDegree(k, allow_self=True, allow_multiple=True), weight=w,
                        delay=delay, name=f"{pre.name}_{post.name}")
    return net


def bytes_per_synapse(net) -> float:
    """``sum(weights.nbytes + indices.nbytes + indptr.nbytes) / synapses`` over the projections."""
    total = sum(p.weights.nbytes + p.indices.nbytes + p.indptr.nbytes for p in net.projections)
    return total / max(1, net.n_synapses)


# ---------------------------------------------------------------------------
# The benchmarks
# ---------------------------------------------------------------------------

def bench_cuba(durations_ms=(1000.0, 10000.0), n: int = 4000, repeats: int = 5,
               brian2_targets=("cpp_standalone", "runtime", "cython"), reference_duration_ms: float = 1000.0,
               bare: bool = True, dtype: str = "float64", seed: int = 1) -> list[dict]:
    """CUBA (Vogels & Abbott 2005, Brian2's example) at batch 1, one record per duration.

    References (Brian2 targets in ``brian2_targets``) run only for the
    duration ``reference_duration_ms`` and only at ``n = 4000`` (their size);
    ``bare`` adds the bare-loop delivery bound for the first duration.
    """
    from simcore.builtin import cuba

    records = []
    for i, duration in enumerate(durations_ms):
        duration = float(duration)
        with PeakRSS() as mem:
            summary, _ = time_network(cuba(n, record=False), duration, repeats=repeats, dtype=dtype, seed=seed)
            mem.read()
        params = {"n": n, "duration_ms": duration, "batch": 1, "dt_ms": 0.1, "dtype": dtype, "seed": seed,
                  "repeats": repeats}
        refs, targets = [], []
        if n == 4000 and duration == float(reference_duration_ms):
            for tgt in brian2_targets:
                ref = run_reference("brian2_cuba", duration_ms=duration, target=tgt, seed=seed, delay_ms=0.1)
                refs.append(compare(summary, ref, f"brian2 {tgt}"))
            by = {r["label"]: r for r in refs}
            if duration == 1000.0:
                targets.append(target("cuba 1 s: speed-up vs Brian2 cpp_standalone",
                                      _speedup(by.get("brian2 cpp_standalone")), 1.0, ">=", "x"))
                fast_runtime = by.get("brian2 cython")
                if _speedup(fast_runtime) is None:
                    fast_runtime = by.get("brian2 runtime")
                targets.append(target("cuba 1 s: speed-up vs Brian2 runtime "
                                      f"({(fast_runtime or {}).get('label', 'n/a').split()[-1]})",
                                      _speedup(fast_runtime), 3.0, ">=", "x"))
        extra = {}
        if bare and i == 0:
            extra["delivery_bound"] = bare_bound(summary, 0.1, dtype)
            ratio = extra["delivery_bound"].get("ratio")
            targets.append(target("cuba: delivery vs bare CSR bound", ratio, 0.5, ">=", "x"))
        records.append(record("cuba", params, **summary, peak_rss_bytes=mem.bytes, peak_rss_scope=mem.scope,
                              references=refs, targets=targets, **extra))
    return records


def bench_brunel(scale: float = 1.0, duration_ms: float = 1000.0, repeats: int = 3,
                 references=("nest", "brian2_cpp_standalone"), bare: bool = True, dtype: str = "float64",
                 seed: int = 1) -> list[dict]:
    """Brunel (2000) model A, NEST's brunel_delta example, batch 1.

    ``references`` is any of ``"nest"``, ``"brian2_cpp_standalone"``,
    ``"brian2_runtime"``, ``"brian2_cython"``; they run the same ``scale``
    and ``duration_ms``, and the ``V_reset`` that :func:`simcore.builtin.brunel`
    gives its neurons (read from the built network: 10 mV, Brunel's value,
    where NEST's example script ships 0 mV).
    """
    from simcore.builtin import brunel

    known = ("nest", "brian2_cpp_standalone", "brian2_runtime", "brian2_cython")
    for ref_name in references:
        if ref_name not in known:
            raise ValueError(f"unknown reference {ref_name!r}; choose from {known}")
    with PeakRSS() as mem:
        net = brunel(scale, record=False)
        summary, _ = time_network(net, duration_ms, repeats=repeats, dtype=dtype, seed=seed)
        mem.read()
    resets = np.unique(np.concatenate([np.ravel(p.param_values["V_reset"]) for p in net.populations]))
    if resets.size != 1:
        raise ValueError(f"the brunel network has several V_reset values {resets}; the references take one")
    V_reset = float(resets[0])
    params = {"scale": scale, "duration_ms": float(duration_ms), "batch": 1, "dt_ms": 0.1, "dtype": dtype,
              "seed": seed, "V_reset": V_reset, "repeats": repeats}
    refs = []
    for ref_name in references:
        if ref_name == "nest":
            ref = run_reference("nest_brunel", duration_ms=float(duration_ms), scale=float(scale), threads=1,
                                seed=max(1, seed), V_reset=V_reset)
            refs.append(compare(summary, ref, "nest"))
        else:
            tgt = ref_name[len("brian2_"):]
            ref = run_reference("brian2_brunel", duration_ms=float(duration_ms), scale=float(scale), target=tgt,
                                seed=seed, threads=1, V_reset=V_reset)
            refs.append(compare(summary, ref, f"brian2 {tgt}"))
    by = {r["label"]: r for r in refs}
    size = f"brunel scale {scale:g}"
    targets = []
    if "brian2 cpp_standalone" in by:
        targets.append(target(f"{size}: speed-up vs Brian2 cpp_standalone", _speedup(by["brian2 cpp_standalone"]),
                              3.0, ">=", "x"))
    if "nest" in by:
        targets.append(target(f"{size}: speed-up vs NEST (1 thread)", _speedup(by["nest"]), 5.0, ">=", "x"))
    extra = {}
    if bare:
        extra["delivery_bound"] = bare_bound(summary, 0.1, dtype)
        targets.append(target(f"{size}: delivery vs bare CSR bound", extra["delivery_bound"].get("ratio"),
                              0.5, ">=", "x"))
    return [record("brunel", params, **summary, peak_rss_bytes=mem.bytes, peak_rss_scope=mem.scope,
                   references=refs, targets=targets, **extra)]


def bench_batch(batches=(1, 4, 16, 64, 256), n: int = 4000, duration_ms: float = 1000.0, repeats: int = 3,
                n_single: int = 64, target_batch: int = 64, brian2: bool = True, dtype: str = "float64",
                seed: int = 1) -> list[dict]:
    """CUBA at several batch sizes: run time per sample; one record per batch size.

    Samples of a batch share the connectivity and differ in initial state and
    noise; Numba's threads split the batch. The record of ``target_batch``
    also holds ``n_single`` consecutive batch-1 runs of the same network
    (``net.reset()`` between them; total of their run times, scaled to
    ``target_batch`` runs if ``n_single`` differs) and, with ``brian2``,
    ``target_batch`` times one Brian2 cpp_standalone run of 1 s (the cuba
    benchmark's, scaled by ``duration_ms / 1000`` when the durations differ).
    """
    import numba

    from simcore.builtin import cuba

    records = []
    base = None
    for B in batches:
        with PeakRSS() as mem:
            summary, tn = time_network(cuba(n, record=False), duration_ms, repeats=repeats, batch_size=int(B),
                                       dtype=dtype, seed=seed)
            mem.read()
        per_sample = summary["run_s"] / B
        if B == 1:
            base = (summary, tn)
        params = {"n": n, "batch": int(B), "duration_ms": float(duration_ms), "dt_ms": 0.1, "dtype": dtype,
                  "seed": seed, "repeats": repeats, "numba_threads": numba.get_num_threads()}
        fields = dict(summary, run_s_per_sample=per_sample, peak_rss_bytes=mem.bytes, peak_rss_scope=mem.scope)
        refs, targets = [], []
        if B == target_batch:
            if base is None:
                summary1, tn1 = time_network(cuba(n, record=False), duration_ms, repeats=1, dtype=dtype, seed=seed)
            else:
                summary1, tn1 = base
            singles = [tn1.run_once(duration_ms)["seconds"] for _ in range(int(n_single))]
            single_total = float(sum(singles)) * target_batch / n_single
            fields.update(single_runs=int(n_single), single_runs_total_s=float(sum(singles)),
                          single_runs_equivalent_s=single_total,
                          batch_vs_single_runs=summary["run_s"] / single_total)
            targets.append(target(f"batch {B}: run time / {target_batch} batch-1 runs",
                                  fields["batch_vs_single_runs"], 0.5, "<=", "x"))
            if brian2 and n == 4000:
                ref = run_reference("brian2_cuba", duration_ms=1000.0, target="cpp_standalone", seed=seed,
                                    delay_ms=0.1)
                cmp = compare(dict(summary, run_s=summary["run_s"] / B), ref, "brian2 cpp_standalone (one run)",
                              scale_time=float(duration_ms) / 1000.0)
                refs.append(cmp)
                value = None
                if cmp.get("status") == "ok":
                    value = summary["run_s"] / (target_batch * cmp["run_s"])
                    fields["vs_brian2_cpp_runs"] = value
                targets.append(target(f"batch {B}: run time / {target_batch} Brian2 cpp_standalone runs",
                                      value, 0.4, "<=", "x"))
        records.append(record("batch", params, **fields, references=refs, targets=targets))
    return records


def bench_scale(n: int = 100_000, in_degree: int = 1000, duration_ms: float = 1000.0, repeats: int = 1,
                dtype: str = "float32", seed: int = 1) -> list[dict]:
    """A Brunel-like network of ``n`` neurons with in-degree ``in_degree`` (:func:`brunel_like`).

    Reports build time, bytes per synapse of the CSR arrays (weights,
    indices, row pointers), delay-queue bytes, run time and peak RSS.
    """
    with PeakRSS() as mem:
        summary, tn = time_network(brunel_like(n, in_degree), duration_ms, repeats=repeats, dtype=dtype, seed=seed)
        mem.read()
    net = tn.net
    bps = bytes_per_synapse(net)
    queue_bytes = sum(p.queue.nbytes for p in net.projections)
    params = {"n": n, "in_degree": in_degree, "duration_ms": float(duration_ms), "batch": 1, "dt_ms": 0.1,
              "dtype": dtype, "seed": seed, "repeats": repeats}
    size = f"scale {n:.0e} neurons x {in_degree}"
    targets = [target(f"{size}: bytes per synapse", bps, 10.0, "<=", "B"),
               target(f"{size}: build time", summary["build_s"], 60.0, "<", "s")]
    return [record("scale", params, **summary, bytes_per_synapse=bps, queue_bytes=int(queue_bytes),
                   peak_rss_bytes=mem.bytes, peak_rss_scope=mem.scope, targets=targets)]


_STARTUP_CHILD = """
import json, time
t0 = time.perf_counter()
import simcore
from simcore.builtin import cuba
t1 = time.perf_counter()
net = cuba({n}, record=False)
net.build(batch_size=1, dt=0.1, seed=1)
t2 = time.perf_counter()
compile_s = net.warmup()
t3 = time.perf_counter()
net.run(steps=1)
t4 = time.perf_counter()
print("STARTUP " + json.dumps({{"import_s": t1 - t0, "build_s": t2 - t1, "compile_s": compile_s,
                               "warmup_s": t3 - t2, "step_s": t4 - t3}}))
"""


def _startup_once(n: int, env: dict, timeout: float) -> dict:
    code = _STARTUP_CHILD.format(n=int(n))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True,
                          timeout=timeout)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"start-up child failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("STARTUP ")]
    if not line:
        raise RuntimeError(f"start-up child printed no timing; stdout: {proc.stdout[-500:]!r}")
    return dict(json.loads(line[-1][len("STARTUP "):]), wall_s=wall)


def bench_startup(n: int = 4000, repeats: int = 3, timeout: float = 300.0, cold: bool = True) -> list[dict]:
    """Seconds from a cold interpreter to the first step, with an empty and a warm cache.

    A child ``python -c`` imports simcore, builds CUBA (``n`` neurons), warms
    up and runs one step; ``wall_s`` is the parent's wall clock around the
    whole child. Empty cache: ``NUMBA_CACHE_DIR`` and ``SPIKESIM_CACHE_DIR``
    point to a fresh temporary folder (so Numba compiles every kernel, the
    library's included); warm: the same folders again, ``repeats`` times
    (median). With ``cold=False`` only the warm runs are made, in the
    caches of the current environment (the first may compile what is not
    cached there yet; ``cold_s`` is then None). One record with ``cold_s``
    and ``warm_s``.
    """
    repeats = _check_repeats(repeats)
    tmp = tempfile.mkdtemp(prefix="spikesim_startup_")
    try:
        env = dict(os.environ)
        if cold:
            env.update(NUMBA_CACHE_DIR=os.path.join(tmp, "numba"), SPIKESIM_CACHE_DIR=os.path.join(tmp, "spikesim"))
        first = _startup_once(n, env, timeout) if cold else None
        warm = [_startup_once(n, env, timeout) for _ in range(repeats)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    warm_s = float(statistics.median(w["wall_s"] for w in warm))
    cold_s = None if first is None else first["wall_s"]
    params = {"n": n, "repeats": repeats, "cold": cold, "python": sys.executable}
    targets = [target("start-up to first step, warm cache", warm_s, 3.0, "<", "s"),
               target("start-up to first step, empty cache", cold_s, 20.0, "<", "s")]
    ref = first or warm[0]
    return [record("startup", params, cold_s=cold_s, warm_s=warm_s, cold=first, warm=warm,
                   compile_s=ref["compile_s"], build_s=ref["build_s"], run_s=None,
                   warm_s_all=[w["wall_s"] for w in warm],
                   peak_rss_bytes=None, peak_rss_scope="child processes, not measured", targets=targets)]


def bench_recording(n: int = 4000, duration_ms: float = 1000.0, repeats: int = 5, state_neurons: int = 100,
                    out_dir: str | None = None, dtype: str = "float64", seed: int = 1) -> list[dict]:
    """CUBA with every spike and ``v`` of ``state_neurons`` neurons streamed to HDF5, vs no recording.

    Recorded: ``cuba(record=True, keep_in_memory=False)`` (a SpikeMonitor and
    a PopulationRateMonitor per population) plus a ``StateMonitor(exc, "v",
    neurons=range(state_neurons), keep_in_memory=False)``, run with
    ``out=<file>``; baseline: ``cuba(record=False)``, nothing recorded. The
    runs alternate; times are the wall time of the whole ``run`` call (the
    file's creation and closing included), median of ``repeats``;
    ``overhead_pct`` (the target) compares those. For diagnosis the record
    also holds ``overhead_loop_pct`` (stepping loops only, HDF5 writes between
    chunks included), ``overhead_cpu_pct`` (process CPU time of the whole
    calls, less sensitive to other processes' load than wall time) and
    ``overhead_in_memory_pct``: the same monitors
    keeping everything in memory, no file, which separates the monitors' cost
    in the kernel from the cost of writing HDF5.
    """
    import simcore as sc
    from simcore.builtin import cuba

    def recorded(keep: bool):
        net = cuba(n, record=True, keep_in_memory=keep)
        exc = net.population("exc")
        if state_neurons > 0:  # 0: spikes only
            net.add(sc.StateMonitor(exc, "v", neurons=range(min(state_neurons, exc.n)), keep_in_memory=keep,
                                    name="v_exc"))
        return net

    repeats = _check_repeats(repeats)
    tmp = tempfile.mkdtemp(prefix="spikesim_rec_", dir=out_dir)
    try:
        with PeakRSS() as mem:
            base = TimedNetwork(cuba(n, record=False), dtype=dtype, seed=seed, count_spikes=False)
            rec = TimedNetwork(recorded(False), dtype=dtype, seed=seed, count_spikes=False)
            in_memory = TimedNetwork(recorded(True), dtype=dtype, seed=seed, count_spikes=False)
            path = os.path.join(tmp, "recording.h5")
            for _ in range(repeats):
                base.run_once(duration_ms)
                rec.run_once(duration_ms, out=path)
                in_memory.run_once(duration_ms)
            mem.read()
            file_bytes = os.path.getsize(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    b, r = base.summary(duration_ms, key="wall_s"), rec.summary(duration_ms, key="wall_s")
    m = in_memory.summary(duration_ms, key="wall_s")
    overhead = 100.0 * (r["run_s"] - b["run_s"]) / b["run_s"]
    b_loop, r_loop = base.summary(duration_ms)["run_s"], rec.summary(duration_ms)["run_s"]
    r.update(loop_run_s=r_loop, baseline_loop_run_s=b_loop, overhead_loop_pct=100.0 * (r_loop - b_loop) / b_loop,
             file_open_close_s=float(statistics.median(x["wall_s"] - x["seconds"] for x in rec.runs)),
             in_memory_run_s=m["run_s"], overhead_in_memory_pct=100.0 * (m["run_s"] - b["run_s"]) / b["run_s"],
             overhead_cpu_pct=100.0 * (r["run_cpu_s"] - b["run_cpu_s"]) / b["run_cpu_s"])
    params = {"n": n, "duration_ms": float(duration_ms), "batch": 1, "dt_ms": 0.1, "dtype": dtype, "seed": seed,
              "repeats": repeats, "state_neurons": state_neurons}
    fields = dict(r, baseline_run_s=b["run_s"], baseline_run_s_all=b["run_s_all"], overhead_pct=overhead,
                  file_bytes=file_bytes, peak_rss_bytes=mem.bytes, peak_rss_scope=mem.scope)
    fields["events_per_s"] = r["synaptic_events"] / r["run_s"] if r["run_s"] > 0 else None
    return [record("recording", params, **fields,
                   targets=[target("recording: HDF5 streaming overhead", overhead, 15.0, "<", "%")])]


BENCHMARKS = {"cuba": bench_cuba, "brunel": bench_brunel, "batch": bench_batch, "scale": bench_scale,
              "startup": bench_startup, "recording": bench_recording}


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def _fmt(x, spec: str = ".3g", none: str = "-") -> str:
    if x is None:
        return none
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    return format(x, spec)


def _params_text(rec: dict) -> str:
    p = rec["parameters"]
    name = rec["benchmark"]
    if name == "cuba":
        return f"n={p['n']} T={p['duration_ms']:g}ms"
    if name == "brunel":
        return f"scale={p['scale']:g} T={p['duration_ms']:g}ms"
    if name == "batch":
        return f"B={p['batch']} T={p['duration_ms']:g}ms"
    if name == "scale":
        return f"n={p['n']:.0e} k={p['in_degree']} T={p['duration_ms']:g}ms"
    if name == "startup":
        return f"n={p['n']}"
    if name == "recording":
        return f"n={p['n']} T={p['duration_ms']:g}ms"
    return json.dumps(p)


HEADER = (f"{'benchmark':<10} {'parameters':<26} {'build s':>8} {'compile s':>9} {'run s':>8} {'spikes':>9} "
          f"{'rate Hz':>8} {'events/s':>9} {'RSS MB':>7}  notes")


def format_row(rec: dict) -> str:
    """One table row for a record, then one indented line per reference or bound."""
    name = rec["benchmark"]
    rss = rec.get("peak_rss_bytes")
    notes = []
    if rec.get("run_cpu_s") and rec.get("run_s"):
        notes.append(f"cpu/wall {rec['run_cpu_s'] / rec['run_s']:.2f}")
    if name == "batch":
        notes.append(f"{_fmt(rec.get('run_s_per_sample'))} s/sample")
        if "batch_vs_single_runs" in rec:
            notes.append(f"{rec['single_runs']} batch-1 runs {rec['single_runs_total_s']:.3g} s "
                         f"(ratio {rec['batch_vs_single_runs']:.3g})")
    if name == "scale":
        notes.append(f"{rec['bytes_per_synapse']:.3g} B/synapse, {rec['n_synapses']:.3g} synapses")
    if name == "startup":
        notes.append(f"cold {_fmt(rec['cold_s'])} s, warm {rec['warm_s']:.3g} s (wall, to first step)")
    if name == "recording":
        notes.append(f"overhead {rec['overhead_pct']:+.1f}% vs {rec['baseline_run_s']:.3g} s unrecorded "
                     f"(loop only {rec['overhead_loop_pct']:+.1f}%, CPU time {rec['overhead_cpu_pct']:+.1f}%, "
                     f"same monitors in memory "
                     f"{rec['overhead_in_memory_pct']:+.1f}%), file {rec['file_bytes'] / 1e6:.3g} MB")
    lines = [f"{name:<10} {_params_text(rec):<26} {_fmt(rec.get('build_s'), '8.3f'):>8} "
             f"{_fmt(rec.get('compile_s'), '9.3f'):>9} {_fmt(rec.get('run_s'), '8.4f'):>8} "
             f"{_fmt(rec.get('spikes'), 'd'):>9} {_fmt(rec.get('mean_rate_hz'), '8.2f'):>8} "
             f"{_fmt(rec.get('events_per_s'), '9.3g'):>9} {_fmt(None if rss is None else rss / 2**20, '7.0f'):>7}  "
             + "; ".join(notes)]
    for ref in rec.get("references", []):
        if ref.get("status") != "ok":
            lines.append(f"{'':<12}vs {ref['label']}: {ref['status'].upper()} ({ref.get('reason')})")
            continue
        rate = ref.get("mean_rate_hz")
        lines.append(f"{'':<12}vs {ref['label']}: run {ref['run_s']:.4g} s, speed-up x{ref['speedup']:.3g}; "
                     f"rate {_fmt(rate, '.2f')} Hz vs ours {_fmt(rec.get('mean_rate_hz'), '.2f')} Hz "
                     f"{ref.get('rate_check') or ''}" + (f" [{ref['note']}]" if ref.get("note") else ""))
    bound = rec.get("delivery_bound")
    if bound:
        if bound.get("status") == "ok":
            lines.append(f"{'':<12}delivery: {_fmt(bound['ours_events_per_s'])} events/s vs bare CSR bound "
                         f"{_fmt(bound['bare_events_per_s'])} (k_out {bound['k_out']}): ratio {_fmt(bound['ratio'])}")
        else:
            lines.append(f"{'':<12}delivery bound: {bound['status'].upper()} ({bound.get('reason')})")
    return "\n".join(lines)


def format_targets(records: list[dict]) -> str:
    """The final PASS/FAIL/SKIP table of every target in ``records``."""
    rows = [t for rec in records for t in rec.get("targets", [])]
    if not rows:
        return "no targets measured"
    width = max(len(t["name"]) for t in rows)
    out = [f"{'target':<{width}}  {'value':>10}  {'goal':>10}  result"]
    for t in rows:
        verdict = {True: "PASS", False: "FAIL", None: "SKIP"}[t["passed"]]
        out.append(f"{t['name']:<{width}}  {_fmt(t['value'], '10.3g'):>10}  "
                   f"{t['op'] + ' ' + format(t['threshold'], 'g') + ' ' + t['unit']:>10}  {verdict}"
                   + (f"  ({t['note']})" if t.get("note") else ""))
    return "\n".join(out)


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x


def append_json(path: str, records: list[dict]) -> None:
    """Append ``records`` to ``path`` as JSON Lines (one record per line)."""
    with open(path, "a", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(_jsonable(rec)) + "\n")


# ---------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------

def run_suite(names=NAMES, *, quick: bool = False, json_path: str | None = None, references: bool = True,
              echo=print) -> list[dict]:
    """Run the named benchmarks with the quick or full sizes; returns every record.

    Each record is printed (``echo``) and appended to ``json_path`` as soon as
    its benchmark finishes; a benchmark that raises is reported and the suite
    goes on (its error is a record with ``error`` set).
    """
    sizes = QUICK if quick else FULL
    records: list[dict] = []
    echo(HEADER)
    for name in names:
        if name not in BENCHMARKS:
            raise ValueError(f"unknown benchmark {name!r}; choose from {NAMES}")
        kwargs = dict(sizes[name])
        if not references:
            if "brian2_targets" in kwargs:
                kwargs["brian2_targets"] = ()
            if "references" in kwargs:
                kwargs["references"] = ()
            if name == "batch":
                kwargs["brian2"] = False
        t0 = time.perf_counter()
        try:
            recs = BENCHMARKS[name](**kwargs)
        except Exception as exc:
            recs = [record(name, kwargs, error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())]
            echo(f"{name:<10} ERROR {type(exc).__name__}: {exc}")
        else:
            for rec in recs:
                echo(format_row(rec))
        for rec in recs:
            rec["benchmark_wall_s"] = time.perf_counter() - t0
            rec["mode"] = "quick" if quick else "full"
        if json_path:
            append_json(json_path, recs)
        records.extend(recs)
    return records


def main(argv=None) -> int:
    """``python -m benchmarks [NAME ...] [--quick] [--json FILE] [--no-reference]``; exit 1 on an error."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="spikesim's benchmark suite (see docs/benchmarks.md)")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run (default: all of {NAMES})")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under two minutes in all")
    parser.add_argument("--json", metavar="FILE", default=None, help="append the records to FILE (JSON Lines)")
    parser.add_argument("--no-reference", action="store_true", help="skip Brian2 and NEST even when installed")
    args = parser.parse_args(argv)
    for name in args.names:
        if name not in BENCHMARKS:
            parser.error(f"unknown benchmark {name!r}; choose from {', '.join(NAMES)}")
    names = tuple(args.names) or NAMES
    os.environ.setdefault("PYNEST_QUIET", "1")
    m = machine_info()
    print(f"spikesim benchmarks ({'quick' if args.quick else 'full'} mode): {m['cpu']}, {m['cores']} cores, "
          f"numba {package_versions()['numba']} with {m['numba_threads']} threads, load {m['load_average']}")
    t0 = time.perf_counter()
    records = run_suite(names, quick=args.quick, json_path=args.json, references=not args.no_reference)
    print()
    print(format_targets(records))
    print(f"\n{len(records)} records in {time.perf_counter() - t0:.1f} s"
          + (f"; appended to {args.json}" if args.json else ""))
    return 1 if any("error" in r for r in records) else 0
