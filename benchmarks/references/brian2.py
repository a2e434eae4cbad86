"""The benchmark models in Brian2: CUBA and Brunel's model A, timed like spikesim.

Run in a child process by the suite (:func:`benchmarks.references.run_reference`)::

    python -m benchmarks.references.brian2 --case cuba --kwargs '{"target": "runtime"}' --json out.json

or call the functions directly. Each returns a flat dict: ``simulator``
(``"brian2"``), ``model``, ``target`` (``cpp_standalone``, ``runtime``,
``cython``), ``threads``, ``build_s``, ``compile_s``, ``run_s`` (median of
``repeats`` timed runs, see :func:`_time_runs`), ``run_s_all``, ``spikes``
and ``mean_rate_hz`` of one run, ``n_neurons``, ``n_synapses``,
``synaptic_events`` (``sum_i spikes_i * outdeg_i``, exact), ``duration_ms``,
``dt_ms``, ``versions``. They raise :class:`ReferenceUnavailable` when Brian2
cannot be imported; Brian2 is imported inside the functions only.

The models take their parameters from :mod:`simcore.builtin` through
:mod:`benchmarks.references.params`:

*CUBA* is Brian2's ``examples/CUBA.py`` (Brette et al. 2007, benchmark 2)
with :data:`simcore.builtin.CUBA`'s values: ``dv/dt = (ge + gi - (v -
El))/taum`` (unless refractory), exponential ``ge``/``gi``, threshold ``v >
Vt``, reset ``v = Vr``, random connectivity ``p``, ``v(0) = Vr + rand()*(Vt -
Vr)``. The only change from the example is the synaptic delay (CUBA's
``delay``, one step): the example has none, which in Brian2's schedule
delivers a spike within the step it was emitted; spikesim requires ``d >=
1`` (docs/contract.md §2). With that delay Brian2's schedule (state update,
threshold, synapses, reset) is the contract's (docs/contract.md §1 and §3.2):
input to ``ge``/``gi`` lands after the threshold, which only reads ``v``.

*COBA* is benchmark 1 of Brette et al. (2007) as Brian2's COBA benchmark
script writes it, with :data:`simcore.builtin.COBA`'s values
(:func:`~benchmarks.references.params.coba_params`): ``dv/dt =
(ge*(Ee-v) + gi*(Ei-v) - (v-El) + I)/taum`` (unless refractory), exponential
``ge``/``gi`` in units of the leak conductance, method ``exponential_euler``,
the rest as CUBA (same delay change).

*COBAHH* is Brian2's ``examples/COBAHH.py`` (Brette et al. 2007, benchmark 3)
with :data:`simcore.builtin.COBAHH`'s values (in pF, nS, mV, ms, which are
the example's area-scaled values), method ``exponential_euler``, threshold
``v > -20 mV``, refractory 3 ms, no reset, ``v0 = El + (randn()*5 - 5) mV``,
``ge0 = (randn()*1.5 + 4)*10 nS``, ``gi0 = (randn()*12 + 20)*10 nS``, and CUBA's
delay change.

*Brunel* is NEST's ``brunel_delta_nest.py`` as :func:`simcore.builtin.brunel`
builds it (sizes, in-degrees, weights, ``V_reset``, drive: see
:func:`~benchmarks.references.params.brunel_params`). Deviations from NEST:
Brian2 delivers synaptic input after the threshold of the step it arrives in,
NEST before it (spikes act one step later in Brian2); Brian2 ends
refractoriness one step earlier than ``iaf_psc_delta`` (docs/contract.md §3.2
states the same difference for ``iaf_psc_exp``). Input arriving during
refractoriness is discarded in both (NEST's ``refractory_input = False``).

Brian2 2.9.0 with NumPy >= 2.4: Brian2 2.9.0 (the last release for Python
3.11) reads ``numpy.ndarray.ptp`` while importing, a method NumPy 2.4
removed. :func:`import_brian2` compiles that one module
(``brian2.units.fundamentalunits``) from its source with ``np.ndarray.ptp``
replaced by ``np.ptp`` (same result for an array), only when NumPy lacks
``ndarray.ptp`` and the installed source still contains that expression;
nothing on disk is changed.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from benchmarks.references.common import (
    ReferenceUnavailable,
    base_versions,
    check_int,
    check_positive,
    check_steps,
    dist_version,
    main_for,
    run_times,
    synaptic_events,
)
from benchmarks.references.params import brunel_params, coba_params, cobahh_params, cuba_params

__all__ = [
    "CASES",
    "TARGETS",
    "ReferenceUnavailable",
    "brian2_brunel",
    "brian2_coba",
    "brian2_coba_network_arrays",
    "brian2_coba_spikes",
    "brian2_cobahh",
    "brian2_cobahh_network_arrays",
    "brian2_cuba",
    "brian2_cuba_network_arrays",
    "brian2_cuba_spikes",
    "brian2_plastic",
    "brunel_indegree_arrays",
    "import_brian2",
    "main",
]

#: Brian2 targets: the C++ standalone device, the runtime device with numpy
#: (alias ``"numpy"``) or Cython code generation
TARGETS = ("cpp_standalone", "runtime", "numpy", "cython")


# --------------------------------------------------------------------------
# Importing Brian2 (with the NumPy 2.4 shim)
# --------------------------------------------------------------------------

_FU_MODULE = "brian2.units.fundamentalunits"
_PTP_OLD = "wrap_function_keep_dimensions(np.ndarray.ptp)"
_PTP_NEW = "wrap_function_keep_dimensions(np.ptp)"


class _PatchedSourceLoader(importlib.machinery.SourceFileLoader):
    """Loads one module from its source with one expression replaced."""

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        with open(path, encoding="utf-8") as f:
            source = f.read().replace(_PTP_OLD, _PTP_NEW)
        return compile(source, path, "exec", dont_inherit=True)


class _Brian2NumpyCompatFinder(importlib.abc.MetaPathFinder):
    """Meta-path finder giving ``brian2.units.fundamentalunits`` the loader above."""

    def find_spec(self, fullname, path, target=None):
        if fullname != _FU_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            return spec
        spec.loader = _PatchedSourceLoader(fullname, spec.origin)
        return spec


def _needs_ptp_shim() -> bool:
    if hasattr(np.ndarray, "ptp") or "brian2" in sys.modules:
        return False
    top = importlib.util.find_spec("brian2")
    if top is None or not top.submodule_search_locations:
        return False
    src = os.path.join(list(top.submodule_search_locations)[0], "units", "fundamentalunits.py")
    try:
        with open(src, encoding="utf-8") as f:
            return _PTP_OLD in f.read()
    except OSError:
        return False


def _forget_brian2() -> None:
    for name in [m for m in sys.modules if m == "brian2" or m.startswith("brian2.")]:
        del sys.modules[name]


def import_brian2():
    """Import brian2 (with the NumPy 2.4 shim when needed) or raise :class:`ReferenceUnavailable`."""
    if sys.modules.get("brian2") is not None:
        return sys.modules["brian2"]
    try:
        needs_shim = _needs_ptp_shim()
    except (ImportError, ValueError) as exc:
        raise ReferenceUnavailable(f"brian2 is not installed ({exc}); pip install brian2") from exc
    finder = _Brian2NumpyCompatFinder() if needs_shim else None
    if finder is not None:
        sys.meta_path.insert(0, finder)
    try:
        import brian2
    except ImportError as exc:
        raise ReferenceUnavailable(f"brian2 cannot be imported: {exc}; pip install brian2") from exc
    except AttributeError as exc:
        _forget_brian2()
        raise ReferenceUnavailable(
            f"brian2 {dist_version('brian2')} does not import with numpy {np.__version__}: {exc}"
        ) from exc
    finally:
        if finder is not None:
            sys.meta_path.remove(finder)
    # brian2_cuba_network_arrays builds objects it never runs; threads > 1
    # warns that OpenMP is "not yet well tested" on every build
    brian2.BrianLogger.suppress_name("unused_brian_object")
    brian2.BrianLogger.suppress_name("openmp")
    return brian2


# --------------------------------------------------------------------------
# Argument checks (before Brian2 is imported)
# --------------------------------------------------------------------------


def _check_target(target: str) -> str:
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}; got {target!r}")
    return "runtime" if target == "numpy" else target


def _check_threads(threads, target: str) -> int:
    threads = check_int("threads", threads)
    if target != "cpp_standalone" and threads != 1:
        raise ValueError(f"threads = {threads} needs target='cpp_standalone'; Brian2's {target!r} target is serial")
    return threads


def _check_run(duration_ms, dt_ms, repeats) -> int:
    check_positive("duration_ms", duration_ms)
    check_positive("dt_ms", dt_ms)
    return check_int("repeats", repeats)


# --------------------------------------------------------------------------
# Devices and timing
# --------------------------------------------------------------------------


class _Session:
    """Selects the device/target for one model and restores Brian2's state after.

    cpp_standalone: a fresh temporary project directory (unless
    ``directory``), the device reinitialised (several builds can happen in
    one process), ``openmp_threads = 0`` for one thread (serial code, no
    OpenMP) or ``threads`` otherwise. Runtime targets: ``codegen.target`` is
    ``numpy`` or ``cython``; with ``fresh_cython_cache`` Cython compiles into
    a new temporary cache directory (removed after).
    """

    def __init__(self, b2, target, threads, directory=None, fresh_cython_cache=False):
        self.b2, self.target, self.threads = b2, target, threads
        self.user_directory, self.directory = directory, None
        self.fresh_cython_cache = bool(fresh_cython_cache) and target == "cython"
        self.cython_cache = None
        self._saved_prefs = {}

    def _set_pref(self, name, value):
        self._saved_prefs[name] = self.b2.prefs[name]
        self.b2.prefs[name] = value

    def __enter__(self):
        b2 = self.b2
        if self.target == "cpp_standalone":
            self.directory = self.user_directory or tempfile.mkdtemp(prefix="spikesim_brian2_")
            self._set_pref("devices.cpp_standalone.openmp_threads", 0 if self.threads == 1 else int(self.threads))
            b2.set_device("cpp_standalone", build_on_run=False, directory=self.directory)
            b2.get_device().reinit()
            b2.get_device().activate(build_on_run=False, directory=self.directory)
        else:
            self._set_pref("codegen.target", "numpy" if self.target == "runtime" else "cython")
            if self.fresh_cython_cache:
                self.cython_cache = tempfile.mkdtemp(prefix="spikesim_cython_")
                self._set_pref("codegen.runtime.cython.cache_dir", self.cython_cache)
        return self

    def __exit__(self, *exc):
        if self.target == "cpp_standalone":
            from brian2.devices.device import reset_device

            self.b2.get_device().reinit()
            reset_device()
            if self.user_directory is None and self.directory is not None:
                shutil.rmtree(self.directory, ignore_errors=True)
        for name, value in self._saved_prefs.items():
            self.b2.prefs[name] = value
        if self.cython_cache is not None:
            shutil.rmtree(self.cython_cache, ignore_errors=True)
        return False

    def compile_flags(self) -> str:
        flags = " ".join(self.b2.prefs["codegen.cpp.extra_compile_args_gcc"])
        return {"cpp_standalone": flags, "cython": "cython, " + flags}.get(self.target, "numpy (no compilation)")


def _time_runs(b2, session, net, duration, namespace, build_s, repeats):
    """Warm up, then run ``net`` for ``duration`` ``repeats`` times; returns (build_s, compile_s, times, extra).

    cpp_standalone: ``net.run`` only records the run (added to ``build_s``);
    ``device.build(run=False)`` generates the C++ project and compiles it
    (``compile_s``); the binary then runs ``repeats`` times (each from its
    start, so every run is the same simulation) and each run's time is
    Brian2's own timer of the simulation loop inside the binary
    (``last_run_info``): ``std::clock()``, the process's CPU time, on one
    thread (``run_clock = "cpu"``; :func:`benchmarks.records.compare` then
    compares it with spikesim's CPU time), ``omp_get_wtime()`` with OpenMP;
    ``binary_s`` is the median wall time of the whole binary (creating
    synapses, drawing initial values, writing results).

    runtime/cython: ``net.store()``, a warm-up ``net.run(dt)`` (code
    generation and, for Cython, compilation or a load from Brian2's on-disk
    cache) timed as ``compile_s``, then ``repeats`` times ``net.restore()``
    and a timed ``net.run(duration)`` (it still creates its code objects, as
    every runtime ``run()`` call does).
    """
    extra, times = {}, []
    if session.target == "cpp_standalone":
        t0 = time.perf_counter()
        net.run(duration, namespace=namespace)
        build_s += time.perf_counter() - t0
        dev = b2.get_device()
        t0 = time.perf_counter()
        dev.build(directory=session.directory, compile=True, run=False, with_output=False)
        compile_s = time.perf_counter() - t0
        binary = []
        for _ in range(repeats):
            dev.run(directory=session.directory, with_output=False)
            times.append(float(dev._last_run_time))
            binary.append(float(dev.timers["run_binary"]))
        extra.update(binary_s=float(np.median(binary)), make_s=float(dev.timers["compile"]["make"]))
        # Brian2's loop timer is std::clock() (process CPU time) without OpenMP, omp_get_wtime() with it
        extra["run_clock"] = "cpu" if session.threads == 1 else "wall"
    else:
        net.store("before_warmup")
        t0 = time.perf_counter()
        net.run(_first_clock_dt(net), namespace=namespace)
        compile_s = time.perf_counter() - t0
        for _ in range(repeats):
            net.restore("before_warmup")
            t0 = time.perf_counter()
            net.run(duration, namespace=namespace)
            times.append(time.perf_counter() - t0)
    return build_s, compile_s, times, extra


def _first_clock_dt(net):
    for obj in net.objects:
        clock = getattr(obj, "clock", None)
        if clock is not None:
            return clock.dt
    raise RuntimeError("network has no clocked object")


def _result(b2, model, target, threads, timing, spikes_exc, spikes_inh, duration_ms, dt_ms, **fields) -> dict:
    """The flat result dict shared by the models."""
    build_s, compile_s, times, extra = timing
    T = duration_ms / 1000.0
    n_exc, n_inh = fields.pop("n_exc"), fields.pop("n_inh")
    spikes = spikes_exc + spikes_inh
    versions = dict(base_versions(), brian2=b2.__version__)
    return dict(
        simulator="brian2",
        model=model,
        target=target,
        threads=int(threads),
        build_s=build_s,
        compile_s=compile_s,
        **run_times(times),
        spikes=spikes,
        mean_rate_hz=spikes / (n_exc + n_inh) / T,
        n_neurons=n_exc + n_inh,
        rate_exc_hz=spikes_exc / n_exc / T,
        rate_inh_hz=spikes_inh / n_inh / T,
        synaptic_events_method="exact",
        duration_ms=float(duration_ms),
        dt_ms=float(dt_ms),
        versions=versions,
        **fields,
        **extra,
    )


# --------------------------------------------------------------------------
# CUBA
# --------------------------------------------------------------------------

_CUBA_EQS = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""


def _cuba_namespace(b2, p) -> dict:
    ms, mV = b2.ms, b2.mV
    return {
        "taum": p["taum"] * ms,
        "taue": p["taue"] * ms,
        "taui": p["taui"] * ms,
        "Vt": p["Vt"] * mV,
        "Vr": p["Vr"] * mV,
        "El": p["El"] * mV,
        "we": p["we"] * mV,
        "wi": p["wi"] * mV,
    }


def _cuba_objects(b2, p, clock, namespace, delay_ms, arrays=None):
    """NeuronGroup, two Synapses and a SpikeMonitor of the CUBA network.

    ``arrays`` None: connectivity and v(0) drawn by Brian2 as in the example
    (``connect('i<N_exc', p=p)``, ``v = Vr + rand()*(Vt - Vr)``); otherwise
    taken from the dict of :func:`brian2_cuba_network_arrays`.
    """
    P = b2.NeuronGroup(
        p["N"],
        _CUBA_EQS,
        threshold="v>Vt",
        reset="v = Vr",
        refractory=p["t_ref"] * b2.ms,
        method="exact",
        clock=clock,
        namespace=namespace,
        name="cuba_neurons",
    )
    Ce = b2.Synapses(P, P, on_pre="ge += we", delay=delay_ms * b2.ms, clock=clock, namespace=namespace, name="cuba_exc")
    Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=delay_ms * b2.ms, clock=clock, namespace=namespace, name="cuba_inh")
    if arrays is None:
        P.v = "Vr + rand() * (Vt - Vr)"
        Ce.connect(f"i<{p['N_exc']}", p=p["p"])
        Ci.connect(f"i>={p['N_exc']}", p=p["p"])
    else:
        P.v = np.asarray(arrays["v0"], dtype=np.float64) * b2.mV
        Ce.connect(i=np.asarray(arrays["i_exc"]), j=np.asarray(arrays["j_exc"]))
        Ci.connect(i=np.asarray(arrays["i_inh"]), j=np.asarray(arrays["j_inh"]))
    P.ge = 0 * b2.mV
    P.gi = 0 * b2.mV
    return P, Ce, Ci, b2.SpikeMonitor(P, name="cuba_spikes")


def _check_delay(delay_ms, dt_ms) -> float:
    delay_ms = cuba_params()["delay"] if delay_ms is None else delay_ms
    check_positive("delay_ms", delay_ms)
    check_steps("delay_ms", delay_ms, dt_ms)
    return float(delay_ms)


def brian2_cuba(
    duration_ms=1000.0,
    target="cpp_standalone",
    seed=1,
    delay_ms=None,
    dt_ms=0.1,
    threads=1,
    repeats=1,
    directory=None,
    fresh_cython_cache=False,
) -> dict:
    """Build, run and time Brian2's CUBA example with :data:`simcore.builtin.CUBA`'s parameters.

    Parameters
    ----------
    duration_ms : float
        Simulated time of one run (ms).
    target : {"cpp_standalone", "runtime", "numpy", "cython"}
        Brian2 target (``"numpy"`` is an alias of ``"runtime"``); timing in :func:`_time_runs`.
    seed : int
        ``brian2.seed(seed)``: fixes connectivity and v(0) for a given target
        (Brian2's random streams differ between targets).
    delay_ms : float, optional
        Synaptic delay (ms), >= one step; default CUBA's ``delay``.
    dt_ms : float
        Time step (ms).
    threads : int
        OpenMP threads for cpp_standalone (1: serial code); runtime targets accept 1 only.
    repeats : int
        Timed runs after the warm-up; ``run_s`` is their median.
    directory : str, optional
        cpp_standalone project directory to use (kept); default a temporary one.
    fresh_cython_cache : bool
        For ``target="cython"``: compile into an empty temporary cache, so that
        ``compile_s`` is a first compile.

    Returns
    -------
    dict
        The keys of the module docstring, plus ``binary_s`` and ``make_s`` for
        cpp_standalone, ``compile_flags``, ``rate_exc_hz``, ``rate_inh_hz``, ``delay_ms``.
    """
    target = _check_target(target)
    threads = _check_threads(threads, target)
    repeats = _check_run(duration_ms, dt_ms, repeats)
    delay_ms = _check_delay(delay_ms, dt_ms)
    p = cuba_params()
    b2 = import_brian2()
    with _Session(b2, target, threads, directory, fresh_cython_cache) as session:
        t0 = time.perf_counter()
        b2.seed(seed)
        clock = b2.Clock(dt=dt_ms * b2.ms, name="cuba_clock")
        ns = _cuba_namespace(b2, p)
        P, Ce, Ci, mon = _cuba_objects(b2, p, clock, ns, delay_ms)
        net = b2.Network(P, Ce, Ci, mon)
        timing = _time_runs(b2, session, net, duration_ms * b2.ms, ns, time.perf_counter() - t0, repeats)
        i_spk = np.asarray(mon.i[:], dtype=np.int64)
        i_exc, i_inh = np.asarray(Ce.i[:], dtype=np.int64), np.asarray(Ci.i[:], dtype=np.int64)
        flags = session.compile_flags()
    outdeg = np.bincount(i_exc, minlength=p["N"]) + np.bincount(i_inh, minlength=p["N"])
    n_exc_spk = int(np.count_nonzero(i_spk < p["N_exc"]))
    return _result(
        b2,
        "cuba",
        target,
        threads,
        timing,
        n_exc_spk,
        int(i_spk.size) - n_exc_spk,
        duration_ms,
        dt_ms,
        n_exc=p["N_exc"],
        n_inh=p["N_inh"],
        n_synapses=int(i_exc.size + i_inh.size),
        synaptic_events=synaptic_events(i_spk, outdeg),
        delay_ms=delay_ms,
        compile_flags=flags,
    )


def brian2_cuba_network_arrays(seed=1, delay_ms=None, dt_ms=0.1) -> dict:
    """The synapses and initial voltages Brian2 draws for CUBA, for a cross-check.

    Brian2 (runtime device, numpy target, ``brian2.seed(seed)``) draws the
    network exactly as :func:`brian2_cuba` does with ``target="runtime"``;
    nothing is simulated here.

    Returns
    -------
    dict
        ``i_exc, j_exc`` (int64, source and target of each excitatory synapse),
        ``i_inh, j_inh``, ``v0`` (float64, mV, (N,)), ``params``
        (:func:`~benchmarks.references.params.cuba_params`), ``delay_ms``,
        ``dt_ms``, ``seed``, and ``run``: a callable ``run(duration_ms=200.0,
        target="runtime") -> (i, t_ms)`` simulating exactly these synapses and
        voltages in Brian2 (:func:`brian2_cuba_spikes`).
    """
    check_positive("dt_ms", dt_ms)
    delay_ms = _check_delay(delay_ms, dt_ms)
    p = cuba_params()
    b2 = import_brian2()
    with _Session(b2, "runtime", 1):
        b2.seed(seed)
        clock = b2.Clock(dt=dt_ms * b2.ms, name="cuba_clock")
        P, Ce, Ci, mon = _cuba_objects(b2, p, clock, _cuba_namespace(b2, p), delay_ms)
        b2.Network(P, Ce, Ci, mon)  # owned by a network: no "never included" warning
        arrays = {
            "i_exc": np.array(Ce.i[:], dtype=np.int64),
            "j_exc": np.array(Ce.j[:], dtype=np.int64),
            "i_inh": np.array(Ci.i[:], dtype=np.int64),
            "j_inh": np.array(Ci.j[:], dtype=np.int64),
            "v0": np.array(P.v[:] / b2.mV, dtype=np.float64),
        }
    arrays.update(params=p, delay_ms=delay_ms, dt_ms=float(dt_ms), seed=seed)

    def run(duration_ms=200.0, target="runtime"):
        return brian2_cuba_spikes(arrays, duration_ms=duration_ms, target=target)

    arrays["run"] = run
    return arrays


def brian2_cuba_spikes(arrays, duration_ms=200.0, target="runtime"):
    """Simulate CUBA in Brian2 with given synapses and v(0); return its spikes ``(i, t_ms)``.

    ``arrays`` is the dict of :func:`brian2_cuba_network_arrays` (keys
    ``i_exc, j_exc, i_inh, j_inh, v0``; ``delay_ms`` and ``dt_ms`` default
    to CUBA's delay and 0.1). ``target`` is a runtime target. Returns the
    neuron index (int64) and time (ms, float64, ``n*dt`` for step ``n``) of
    every spike, sorted by time and within a step by neuron index.
    """
    target = _check_target(target)
    if target == "cpp_standalone":
        raise ValueError("target must be a runtime target ('runtime', 'numpy', 'cython'); got 'cpp_standalone'")
    check_positive("duration_ms", duration_ms)
    p = cuba_params()
    for key in ("i_exc", "j_exc", "i_inh", "j_inh", "v0"):
        if key not in arrays:
            raise ValueError(f"arrays lacks key {key!r}; expected the dict of brian2_cuba_network_arrays")
    if np.shape(arrays["v0"]) != (p["N"],):
        raise ValueError(f"arrays['v0'] must have shape ({p['N']},); got {np.shape(arrays['v0'])}")
    delay_ms = float(arrays.get("delay_ms", p["delay"]))
    dt_ms = float(arrays.get("dt_ms", 0.1))
    b2 = import_brian2()
    with _Session(b2, target, 1):
        clock = b2.Clock(dt=dt_ms * b2.ms, name="cuba_clock")
        ns = _cuba_namespace(b2, p)
        P, Ce, Ci, mon = _cuba_objects(b2, p, clock, ns, delay_ms, arrays=arrays)
        b2.Network(P, Ce, Ci, mon).run(duration_ms * b2.ms, namespace=ns)
        return np.array(mon.i[:], dtype=np.int64), np.array(mon.t[:] / b2.ms, dtype=np.float64)


# --------------------------------------------------------------------------
# COBA (conductance-based LIF, exponential Euler)
# --------------------------------------------------------------------------

_COBA_EQS = """
dv/dt  = (ge*(Ee-v) + gi*(Ei-v) - (v-El) + I)/taum : volt (unless refractory)
dge/dt = -ge/taue : 1
dgi/dt = -gi/taui : 1
"""


def _coba_namespace(b2, p) -> dict:
    ms, mV = b2.ms, b2.mV
    return {
        "taum": p["taum"] * ms,
        "taue": p["taue"] * ms,
        "taui": p["taui"] * ms,
        "Vt": p["Vt"] * mV,
        "Vr": p["Vr"] * mV,
        "El": p["El"] * mV,
        "Ee": p["Ee"] * mV,
        "Ei": p["Ei"] * mV,
        "I": p["I"] * mV,
        "we": p["we"],
        "wi": p["wi"],
    }


def _coba_objects(b2, p, clock, namespace, delay_ms, arrays=None):
    """NeuronGroup, two Synapses and a SpikeMonitor of COBA (``arrays`` as in :func:`_cuba_objects`)."""
    P = b2.NeuronGroup(
        p["N"],
        _COBA_EQS,
        threshold="v>Vt",
        reset="v = Vr",
        refractory=p["t_ref"] * b2.ms,
        method="exponential_euler",
        clock=clock,
        namespace=namespace,
        name="coba_neurons",
    )
    Ce = b2.Synapses(P, P, on_pre="ge += we", delay=delay_ms * b2.ms, clock=clock, namespace=namespace, name="coba_exc")
    Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=delay_ms * b2.ms, clock=clock, namespace=namespace, name="coba_inh")
    _connect_va(b2, P, Ce, Ci, p, arrays)
    P.ge = 0
    P.gi = 0
    return P, Ce, Ci, b2.SpikeMonitor(P, name="coba_spikes")


def _connect_va(b2, P, Ce, Ci, p, arrays) -> None:
    """Vogels-Abbott connectivity and ``v0 ~ U(Vr, Vt)`` drawn by Brian2, or taken from ``arrays``."""
    if arrays is None:
        P.v = "Vr + rand() * (Vt - Vr)"
        Ce.connect(f"i<{p['N_exc']}", p=p["p"])
        Ci.connect(f"i>={p['N_exc']}", p=p["p"])
    else:
        P.v = np.asarray(arrays["v0"], dtype=np.float64) * b2.mV
        Ce.connect(i=np.asarray(arrays["i_exc"]), j=np.asarray(arrays["j_exc"]))
        Ci.connect(i=np.asarray(arrays["i_inh"]), j=np.asarray(arrays["j_inh"]))


def _run_va(b2, session, p, objects, namespace, model, seed, dt_ms, delay_ms, duration_ms, repeats):
    """Build, time and summarise a Vogels-Abbott style network (COBA) drawn by Brian2."""
    t0 = time.perf_counter()
    b2.seed(seed)
    clock = b2.Clock(dt=dt_ms * b2.ms, name=f"{model}_clock")
    ns = namespace(b2, p)
    P, Ce, Ci, mon = objects(b2, p, clock, ns, delay_ms)
    net = b2.Network(P, Ce, Ci, mon)
    timing = _time_runs(b2, session, net, duration_ms * b2.ms, ns, time.perf_counter() - t0, repeats)
    i_spk = np.asarray(mon.i[:], dtype=np.int64)
    i_exc, i_inh = np.asarray(Ce.i[:], dtype=np.int64), np.asarray(Ci.i[:], dtype=np.int64)
    outdeg = np.bincount(i_exc, minlength=p["N"]) + np.bincount(i_inh, minlength=p["N"])
    n_exc_spk = int(np.count_nonzero(i_spk < p["N_exc"]))
    return _result(
        b2,
        model,
        session.target,
        session.threads,
        timing,
        n_exc_spk,
        int(i_spk.size) - n_exc_spk,
        duration_ms,
        dt_ms,
        n_exc=p["N_exc"],
        n_inh=p["N_inh"],
        n_synapses=int(i_exc.size + i_inh.size),
        synaptic_events=synaptic_events(i_spk, outdeg),
        delay_ms=delay_ms,
        compile_flags=session.compile_flags(),
    )


def brian2_coba(
    duration_ms=1000.0,
    target="cpp_standalone",
    seed=1,
    delay_ms=None,
    dt_ms=0.1,
    threads=1,
    repeats=1,
    directory=None,
    fresh_cython_cache=False,
) -> dict:
    """Build, run and time Brian2's COBA with :data:`simcore.builtin.COBA`'s parameters.

    Arguments and result as :func:`brian2_cuba` (``model`` ``"coba"``).
    """
    target = _check_target(target)
    threads = _check_threads(threads, target)
    repeats = _check_run(duration_ms, dt_ms, repeats)
    delay_ms = _check_delay(delay_ms, dt_ms)
    b2 = import_brian2()
    with _Session(b2, target, threads, directory, fresh_cython_cache) as session:
        return _run_va(
            b2,
            session,
            coba_params(),
            _coba_objects,
            _coba_namespace,
            "coba",
            seed,
            dt_ms,
            delay_ms,
            duration_ms,
            repeats,
        )


def brian2_coba_network_arrays(seed=1, delay_ms=None, dt_ms=0.1) -> dict:
    """The synapses and initial voltages Brian2 draws for COBA; as :func:`brian2_cuba_network_arrays`.

    ``run(duration_ms=200.0, target="runtime", record_v=())`` simulates them
    (:func:`brian2_coba_spikes`).
    """
    check_positive("dt_ms", dt_ms)
    delay_ms = _check_delay(delay_ms, dt_ms)
    p = coba_params()
    b2 = import_brian2()
    with _Session(b2, "runtime", 1):
        b2.seed(seed)
        clock = b2.Clock(dt=dt_ms * b2.ms, name="coba_clock")
        P, Ce, Ci, mon = _coba_objects(b2, p, clock, _coba_namespace(b2, p), delay_ms)
        b2.Network(P, Ce, Ci, mon)
        arrays = {
            "i_exc": np.array(Ce.i[:], dtype=np.int64),
            "j_exc": np.array(Ce.j[:], dtype=np.int64),
            "i_inh": np.array(Ci.i[:], dtype=np.int64),
            "j_inh": np.array(Ci.j[:], dtype=np.int64),
            "v0": np.array(P.v[:] / b2.mV, dtype=np.float64),
        }
    arrays.update(params=p, delay_ms=delay_ms, dt_ms=float(dt_ms), seed=seed)

    def run(duration_ms=200.0, target="runtime", record_v=()):
        return brian2_coba_spikes(arrays, duration_ms=duration_ms, target=target, record_v=record_v)

    arrays["run"] = run
    return arrays


def brian2_coba_spikes(arrays, duration_ms=200.0, target="runtime", record_v=()):
    """Simulate COBA in Brian2 with given synapses and v(0); return ``(i, t_ms)`` or ``(i, t_ms, v)``.

    As :func:`brian2_cuba_spikes`; with ``record_v`` (neuron indices) also the
    membrane potentials ``(steps, len(record_v))`` in mV, recorded at the end of
    each step (``when="end"``: after the reset, as spikesim's StateMonitor).
    """
    target = _check_target(target)
    if target == "cpp_standalone":
        raise ValueError("target must be a runtime target ('runtime', 'numpy', 'cython'); got 'cpp_standalone'")
    check_positive("duration_ms", duration_ms)
    p = coba_params()
    delay_ms = float(arrays.get("delay_ms", p["delay"]))
    dt_ms = float(arrays.get("dt_ms", 0.1))
    b2 = import_brian2()
    with _Session(b2, target, 1):
        clock = b2.Clock(dt=dt_ms * b2.ms, name="coba_clock")
        ns = _coba_namespace(b2, p)
        P, Ce, Ci, mon = _coba_objects(b2, p, clock, ns, delay_ms, arrays=arrays)
        objs = [P, Ce, Ci, mon]
        vmon = None
        if len(record_v):
            vmon = b2.StateMonitor(P, "v", record=np.asarray(record_v), when="end", name="coba_v")
            objs.append(vmon)
        b2.Network(*objs).run(duration_ms * b2.ms, namespace=ns)
        out = (np.array(mon.i[:], dtype=np.int64), np.array(mon.t[:] / b2.ms, dtype=np.float64))
        if vmon is not None:
            out += (np.array(vmon.v[:] / b2.mV, dtype=np.float64).T,)
        return out


# --------------------------------------------------------------------------
# COBAHH (Hodgkin-Huxley, exponential Euler)
# --------------------------------------------------------------------------

_COBAHH_EQS = """
dv/dt = (gl*(El-v) + ge*(Ee-v) + gi*(Ei-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK))/Cm : volt
dm/dt = alpha_m*(1-m) - beta_m*m : 1
dn/dt = alpha_n*(1-n) - beta_n*n : 1
dh/dt = alpha_h*(1-h) - beta_h*h : 1
dge/dt = -ge*(1./taue) : siemens
dgi/dt = -gi*(1./taui) : siemens
alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
"""


def _cobahh_namespace(b2, p) -> dict:
    ms, mV, nS, pF = b2.ms, b2.mV, b2.nS, b2.pF
    return {
        "Cm": p["C_m"] * pF,
        "gl": p["g_L"] * nS,
        "El": p["E_L"] * mV,
        "EK": p["E_K"] * mV,
        "ENa": p["E_Na"] * mV,
        "g_na": p["g_Na"] * nS,
        "g_kd": p["g_K"] * nS,
        "VT": p["V_T"] * mV,
        "taue": p["tau_syn_ex"] * ms,
        "taui": p["tau_syn_in"] * ms,
        "Ee": p["E_ex"] * mV,
        "Ei": p["E_in"] * mV,
        "we": p["w_exc"] * nS,
        "wi": p["w_inh"] * nS,
        "V_spike": p["V_spike"] * mV,
    }


def _cobahh_objects(b2, p, clock, namespace, delay_ms, arrays=None):
    """NeuronGroup, two Synapses and a SpikeMonitor of COBAHH (``arrays``: synapses and ``v0, ge0, gi0``)."""
    P = b2.NeuronGroup(
        p["N"],
        _COBAHH_EQS,
        threshold="v > V_spike",
        refractory=p["t_ref"] * b2.ms,
        method="exponential_euler",
        clock=clock,
        namespace=namespace,
        name="cobahh_neurons",
    )
    Ce = b2.Synapses(
        P, P, on_pre="ge += we", delay=delay_ms * b2.ms, clock=clock, namespace=namespace, name="cobahh_exc"
    )
    Ci = b2.Synapses(
        P, P, on_pre="gi += wi", delay=delay_ms * b2.ms, clock=clock, namespace=namespace, name="cobahh_inh"
    )
    if arrays is None:
        (v_m, v_s), (e_m, e_s), (i_m, i_s) = p["v0"], p["g_ex0"], p["g_in0"]
        P.v = f"({v_m} + randn()*{v_s})*mV"
        P.ge = f"({e_m} + randn()*{e_s})*nS"
        P.gi = f"({i_m} + randn()*{i_s})*nS"
        Ce.connect(f"i<{p['N_exc']}", p=p["p"])
        Ci.connect(f"i>={p['N_exc']}", p=p["p"])
    else:
        P.v = np.asarray(arrays["v0"], dtype=np.float64) * b2.mV
        P.ge = np.asarray(arrays["ge0"], dtype=np.float64) * b2.nS
        P.gi = np.asarray(arrays["gi0"], dtype=np.float64) * b2.nS
        Ce.connect(i=np.asarray(arrays["i_exc"]), j=np.asarray(arrays["j_exc"]))
        Ci.connect(i=np.asarray(arrays["i_inh"]), j=np.asarray(arrays["j_inh"]))
    return P, Ce, Ci, b2.SpikeMonitor(P, name="cobahh_spikes")


def brian2_cobahh(
    duration_ms=1000.0,
    target="cpp_standalone",
    seed=1,
    delay_ms=None,
    dt_ms=0.1,
    threads=1,
    repeats=1,
    directory=None,
    fresh_cython_cache=False,
) -> dict:
    """Build, run and time Brian2's COBAHH with :data:`simcore.builtin.COBAHH`'s parameters (as :func:`brian2_cuba`)."""
    target = _check_target(target)
    threads = _check_threads(threads, target)
    repeats = _check_run(duration_ms, dt_ms, repeats)
    delay_ms = _check_delay(delay_ms, dt_ms)
    b2 = import_brian2()
    with _Session(b2, target, threads, directory, fresh_cython_cache) as session:
        return _run_va(
            b2,
            session,
            cobahh_params(),
            _cobahh_objects,
            _cobahh_namespace,
            "cobahh",
            seed,
            dt_ms,
            delay_ms,
            duration_ms,
            repeats,
        )


def brian2_cobahh_network_arrays(seed=1, delay_ms=None, dt_ms=0.1) -> dict:
    """Synapses and initial ``v0`` (mV), ``ge0``, ``gi0`` (nS) Brian2 draws for COBAHH, and ``run(duration_ms)``.

    ``run(duration_ms=200.0, target="runtime", record_v=())`` simulates exactly
    these in Brian2 and returns ``(i, t_ms)`` or ``(i, t_ms, v)`` as
    :func:`brian2_coba_spikes`.
    """
    check_positive("dt_ms", dt_ms)
    delay_ms = _check_delay(delay_ms, dt_ms)
    p = cobahh_params()
    b2 = import_brian2()
    with _Session(b2, "runtime", 1):
        b2.seed(seed)
        clock = b2.Clock(dt=dt_ms * b2.ms, name="cobahh_clock")
        P, Ce, Ci, mon = _cobahh_objects(b2, p, clock, _cobahh_namespace(b2, p), delay_ms)
        b2.Network(P, Ce, Ci, mon)
        arrays = {
            "i_exc": np.array(Ce.i[:], dtype=np.int64),
            "j_exc": np.array(Ce.j[:], dtype=np.int64),
            "i_inh": np.array(Ci.i[:], dtype=np.int64),
            "j_inh": np.array(Ci.j[:], dtype=np.int64),
            "v0": np.array(P.v[:] / b2.mV, dtype=np.float64),
            "ge0": np.array(P.ge[:] / b2.nS),
            "gi0": np.array(P.gi[:] / b2.nS),
        }
    arrays.update(params=p, delay_ms=delay_ms, dt_ms=float(dt_ms), seed=seed)

    def run(duration_ms=200.0, target="runtime", record_v=()):
        return _simulate_arrays(_cobahh_objects, _cobahh_namespace, p, "cobahh", arrays, duration_ms, target, record_v)

    arrays["run"] = run
    return arrays


def _simulate_arrays(objects, namespace, p, model, arrays, duration_ms, target, record_v):
    """Run a network built from ``arrays`` in a Brian2 runtime target; ``(i, t_ms)`` or ``(i, t_ms, v)``."""
    target = _check_target(target)
    if target == "cpp_standalone":
        raise ValueError("target must be a runtime target ('runtime', 'numpy', 'cython'); got 'cpp_standalone'")
    check_positive("duration_ms", duration_ms)
    b2 = import_brian2()
    with _Session(b2, target, 1):
        clock = b2.Clock(dt=float(arrays.get("dt_ms", 0.1)) * b2.ms, name=f"{model}_clock")
        ns = namespace(b2, p)
        P, Ce, Ci, mon = objects(b2, p, clock, ns, float(arrays.get("delay_ms", p["delay"])), arrays=arrays)
        objs = [P, Ce, Ci, mon]
        if len(record_v):
            objs.append(b2.StateMonitor(P, "v", record=np.asarray(record_v), when="end", name=f"{model}_v"))
        b2.Network(*objs).run(duration_ms * b2.ms, namespace=ns)
        out = (np.array(mon.i[:], dtype=np.int64), np.array(mon.t[:] / b2.ms, dtype=np.float64))
        if len(record_v):
            out += (np.array(objs[-1].v[:] / b2.mV, dtype=np.float64).T,)
        return out


# --------------------------------------------------------------------------
# Brunel (delta synapses)
# --------------------------------------------------------------------------


def brunel_indegree_arrays(scale=1.0, seed=1) -> dict:
    """Fixed in-degree presynaptic indices for the Brian2 Brunel network.

    For every target ``j`` in ``0..N-1``, ``CE`` sources drawn uniformly with
    replacement from ``0..NE-1`` and ``CI`` from ``NE..N-1``
    (``np.random.default_rng(seed)``), like NEST's ``fixed_indegree`` with its
    defaults (multapses and autapses allowed). Returns ``i_exc, j_exc, i_inh,
    j_inh`` (int64; ``j`` ascending, each target repeated CE resp. CI times)
    and the parameters of :func:`~benchmarks.references.params.brunel_params`.
    """
    s = brunel_params(scale)
    rng = np.random.default_rng(seed)
    N, NE, CE, CI = s["N"], s["NE"], s["CE"], s["CI"]
    i_exc = rng.integers(0, NE, size=(N, CE), dtype=np.int64).ravel()
    i_inh = rng.integers(NE, N, size=(N, CI), dtype=np.int64).ravel()
    j_exc = np.repeat(np.arange(N, dtype=np.int64), CE)
    j_inh = np.repeat(np.arange(N, dtype=np.int64), CI)
    return dict(i_exc=i_exc, j_exc=j_exc, i_inh=i_inh, j_inh=j_inh, **s)


def _brunel_objects(b2, arr, clock, ns, stdp=False):
    """NeuronGroup, the two recurrent Synapses, the Poisson drive and a SpikeMonitor.

    With ``stdp`` the excitatory synapses into excitatory targets are a third
    Synapses object with additive all-to-all STDP (:data:`_STDP_MODEL`), the
    delay on the pre pathway only (as spikesim's, docs/contract.md §3.7).
    """
    ms = b2.ms
    G = b2.NeuronGroup(
        arr["N"],
        "dv/dt = -(v - E_L)/tau_m : volt (unless refractory)",
        threshold="v >= V_th",
        reset="v = V_reset",
        refractory=arr["t_ref"] * ms,
        method="exact",
        clock=clock,
        namespace=ns,
        name="brunel_neurons",
    )
    G.v = arr["V_m"] * b2.mV
    Se = b2.Synapses(
        G,
        G,
        on_pre="v_post += J*int(not_refractory_post)",
        delay=arr["delay"] * ms,
        clock=clock,
        namespace=ns,
        name="brunel_exc",
    )
    Si = b2.Synapses(
        G,
        G,
        on_pre="v_post += J_in*int(not_refractory_post)",
        delay=arr["delay"] * ms,
        clock=clock,
        namespace=ns,
        name="brunel_inh",
    )
    extra = ()
    if stdp:
        into_exc = arr["j_exc"] < arr["NE"]
        Sp = b2.Synapses(G, G, clock=clock, namespace=ns, name="brunel_stdp", **_STDP_MODEL)
        Sp.connect(i=arr["i_exc"][into_exc], j=arr["j_exc"][into_exc])
        Sp.w = "J"
        Sp.pre.delay = arr["delay"] * ms
        Se.connect(i=arr["i_exc"][~into_exc], j=arr["j_exc"][~into_exc])
        extra = (Sp,)
    else:
        Se.connect(i=arr["i_exc"], j=arr["j_exc"])
    Si.connect(i=arr["i_inh"], j=arr["j_inh"])
    ext = b2.PoissonInput(G, "v", N=arr["n_ext"], rate=arr["nu_ext_hz"] * b2.Hz, weight="J_ext*int(not_refractory)")
    return (G, Se, Si, *extra, ext, b2.SpikeMonitor(G, name="brunel_spikes"))


#: additive all-to-all pair STDP with hard bounds, as spikesim's :class:`synapses.STDP`: deliver ``w``,
#: then depress by the post trace at an arrival; raise the post trace, then potentiate at a post spike
_STDP_MODEL = {
    "model": "w : volt\ndapre/dt = -apre/tau_pre : volt (event-driven)\n"
    "dapost/dt = -apost/tau_post : volt (event-driven)",
    "on_pre": "v_post += w*int(not_refractory_post)\napre += A_pre\nw = clip(w + apost, w_min, w_max)",
    "on_post": "apost += A_post\nw = clip(w + apre, w_min, w_max)",
}


def brian2_brunel(
    duration_ms=1000.0,
    scale=1.0,
    target="cpp_standalone",
    seed=1,
    threads=1,
    dt_ms=0.1,
    repeats=1,
    directory=None,
    fresh_cython_cache=False,
) -> dict:
    """Build, run and time :func:`simcore.builtin.brunel`'s network in Brian2.

    ``dv/dt = -(v - E_L)/tau_m`` (unless refractory), threshold ``v >= V_th``
    (``iaf_psc_delta``'s test), reset ``v = V_reset``, method ``exact``.
    Recurrent synapses ``on_pre: v += J_r*int(not_refractory_post)`` with the
    delay, from :func:`brunel_indegree_arrays`; the drive is
    ``PoissonInput(N=n_ext, rate=nu_ext_hz, weight='J_ext*int(not_refractory)')``
    (each neuron its own trains, as NEST's ``poisson_generator`` gives each
    target its own train). The ``int(not_refractory)`` factor discards input
    during refractoriness as ``iaf_psc_delta`` does.

    ``duration_ms``, ``dt_ms``, ``repeats``, ``target``, ``threads``,
    ``directory``, ``fresh_cython_cache``: as :func:`brian2_cuba`; ``scale``
    as :func:`simcore.builtin.brunel`; ``seed`` seeds the in-degree arrays and
    ``brian2.seed``. For cpp_standalone ``build_s`` covers drawing the arrays
    and declaring the objects; creating the synapses happens inside the
    binary (``binary_s``), not in ``run_s``. Returns the keys of the module
    docstring plus ``rate_exc_hz``, ``rate_inh_hz``, ``external_events``
    (expected Poisson inputs of one run), ``scale``, ``V_reset``.
    """
    return _brian2_brunel(duration_ms, scale, target, seed, threads, dt_ms, repeats, directory, fresh_cython_cache)


def brian2_plastic(
    duration_ms=1000.0,
    scale=1.0,
    target="cpp_standalone",
    seed=1,
    threads=1,
    dt_ms=0.1,
    repeats=1,
    directory=None,
    fresh_cython_cache=False,
    stdp=None,
) -> dict:
    """:func:`brian2_brunel`'s network with additive STDP on the excitatory-to-excitatory synapses.

    ``stdp``: spikesim's :class:`synapses.STDP` parameters (``A_pre``,
    ``A_post``, ``tau_pre``, ``tau_post``, ``w_min``, ``w_max``; weights and
    amplitudes in mV), written as Brian2's STDP example with event-driven
    (exact) traces, all-to-all pairing, hard bounds and the delay on the pre
    pathway (pairs timed at the synapse, as spikesim's). The other arguments
    and the timing as :func:`brian2_brunel`; adds ``mean_weight_initial`` and
    ``mean_weight_final`` (mV, every plastic synapse, after one run).
    """
    if not isinstance(stdp, dict):
        raise TypeError(f"stdp must be a dict of STDP parameters; got {stdp!r}")
    need = ("A_pre", "A_post", "tau_pre", "tau_post", "w_min", "w_max")
    if any(k not in stdp for k in need):
        raise ValueError(f"stdp needs {need}; got {sorted(stdp)}")
    return _brian2_brunel(
        duration_ms, scale, target, seed, threads, dt_ms, repeats, directory, fresh_cython_cache, stdp=stdp
    )


def _brian2_brunel(
    duration_ms, scale, target, seed, threads, dt_ms, repeats, directory, fresh_cython_cache, stdp=None
) -> dict:
    """:func:`brian2_brunel` and :func:`brian2_plastic` (with ``stdp``)."""
    target = _check_target(target)
    threads = _check_threads(threads, target)
    repeats = _check_run(duration_ms, dt_ms, repeats)
    s = brunel_params(scale)
    check_steps("delay", s["delay"], dt_ms)
    b2 = import_brian2()
    ms, mV = b2.ms, b2.mV
    with _Session(b2, target, threads, directory, fresh_cython_cache) as session:
        t0 = time.perf_counter()
        arr = brunel_indegree_arrays(scale, seed)
        b2.seed(seed)
        clock = b2.Clock(dt=dt_ms * ms, name="brunel_clock")
        ns = {
            "tau_m": s["tau_m"] * ms,
            "E_L": s["E_L"] * mV,
            "V_th": s["V_th"] * mV,
            "V_reset": s["V_reset"] * mV,
            "J": s["J"] * mV,
            "J_in": s["J_in"] * mV,
            "J_ext": s["J_ext"] * mV,
        }
        if stdp is not None:
            ns.update({k: float(stdp[k]) * mV for k in ("A_pre", "A_post", "w_min", "w_max")})
            ns.update(tau_pre=float(stdp["tau_pre"]) * ms, tau_post=float(stdp["tau_post"]) * ms)
        net = b2.Network(*_brunel_objects(b2, arr, clock, ns, stdp=stdp is not None))
        mon = net["brunel_spikes"]
        timing = _time_runs(b2, session, net, duration_ms * ms, ns, time.perf_counter() - t0, repeats)
        idx = np.asarray(mon.i[:], dtype=np.int64)
        weights = {}
        if stdp is not None:
            w = np.asarray(net["brunel_stdp"].w[:] / mV, dtype=np.float64)
            weights = {"mean_weight_initial": float(s["J"]), "mean_weight_final": float(w.mean())}
        flags = session.compile_flags()
    outdeg = np.bincount(arr["i_exc"], minlength=s["N"]) + np.bincount(arr["i_inh"], minlength=s["N"])
    n_exc_spk = int(np.count_nonzero(idx < s["NE"]))
    return _result(
        b2,
        "brunel_delta" if stdp is None else "brunel_delta_stdp",
        target,
        threads,
        timing,
        n_exc_spk,
        int(idx.size) - n_exc_spk,
        duration_ms,
        dt_ms,
        n_exc=s["NE"],
        n_inh=s["NI"],
        n_synapses=int(arr["i_exc"].size + arr["i_inh"].size),
        synaptic_events=synaptic_events(idx, outdeg),
        external_events=int(round(s["N"] * s["p_rate_hz"] * duration_ms / 1000.0)),
        scale=float(scale),
        V_reset=s["V_reset"],
        compile_flags=flags,
        **weights,
    )


#: the cases ``python -m benchmarks.references.brian2 --case NAME`` runs
CASES = {
    "cuba": brian2_cuba,
    "brunel": brian2_brunel,
    "plastic": brian2_plastic,
    "coba": brian2_coba,
    "cobahh": brian2_cobahh,
}


def main(argv=None) -> int:
    """``python -m benchmarks.references.brian2 --case {cuba,brunel} [--kwargs JSON] --json FILE``."""
    return main_for("brian2", CASES, argv)


if __name__ == "__main__":
    sys.exit(main())


def brian2_stdp_spikes(inputs, n_out, w0, i, j, *, delay_steps=1, dt_ms=0.1, duration_ms=100.0, stdp=None, neuron=None):
    """Simulate pair STDP (additive, all-to-all) in Brian2 from given input spikes and synapses.

    ``inputs``: ``(steps, sources)`` 0/1 raster driving a SpikeGeneratorGroup;
    ``n_out`` LIF targets ``dv/dt = (ge - (v - E_L))/tau_m``, ``dge/dt =
    -ge/tau_e`` (exact integration, threshold ``v > V_th``, reset ``V_reset``,
    refractory ``t_ref``); synapses ``i -> j`` with initial weights ``w0``
    (mV), event-driven traces, the delay on the pre pathway only (docs/contract.md
    §3.7). Returns ``(spike_i, spike_step, w_final)`` with weights in synapse order.
    """
    b2 = import_brian2()
    stdp = {
        "A_pre": 0.01,
        "A_post": -0.0105,
        "tau_pre": 20.0,
        "tau_post": 20.0,
        "w_min": 0.0,
        "w_max": 1.0,
        **(stdp or {}),
    }
    neuron = {
        "E_L": -60.0,
        "V_th": -50.0,
        "V_reset": -60.0,
        "tau_m": 10.0,
        "tau_e": 5.0,
        "t_ref": 2.0,
        **(neuron or {}),
    }
    steps, n_in = np.shape(inputs)
    src_step, src_i = np.nonzero(np.asarray(inputs))
    with _Session(b2, "numpy", 1):
        clock = b2.Clock(dt=dt_ms * b2.ms, name="stdp_clock")
        ns = {
            "E_L": neuron["E_L"] * b2.mV,
            "V_th": neuron["V_th"] * b2.mV,
            "V_reset": neuron["V_reset"] * b2.mV,
            "tau_m": neuron["tau_m"] * b2.ms,
            "tau_e": neuron["tau_e"] * b2.ms,
            "taupre": stdp["tau_pre"] * b2.ms,
            "taupost": stdp["tau_post"] * b2.ms,
            "Apre": stdp["A_pre"],
            "Apost": stdp["A_post"],
            "wmin": stdp["w_min"],
            "wmax": stdp["w_max"],
        }
        G = b2.SpikeGeneratorGroup(n_in, src_i, src_step * dt_ms * b2.ms, clock=clock, name="stdp_in")
        P = b2.NeuronGroup(
            n_out,
            "dv/dt = (ge - (v - E_L))/tau_m : volt (unless refractory)\ndge/dt = -ge/tau_e : volt",
            threshold="v > V_th",
            reset="v = V_reset",
            refractory=neuron["t_ref"] * b2.ms,
            method="exact",
            clock=clock,
            namespace=ns,
            name="stdp_out",
        )
        P.v = neuron["E_L"] * b2.mV
        S = b2.Synapses(
            G,
            P,
            "w : 1\ndapre/dt = -apre/taupre : 1 (event-driven)\ndapost/dt = -apost/taupost : 1 (event-driven)",
            on_pre="ge_post += w*mV\napre += Apre\nw = clip(w + apost, wmin, wmax)",
            on_post="apost += Apost\nw = clip(w + apre, wmin, wmax)",
            clock=clock,
            namespace=ns,
            name="stdp_syn",
        )
        S.connect(i=np.asarray(i), j=np.asarray(j))
        S.w = np.asarray(w0, dtype=np.float64)
        S.pre.delay = np.asarray(delay_steps) * dt_ms * b2.ms  # one value, or one per synapse (connect order)
        mon = b2.SpikeMonitor(P, name="stdp_mon")
        net = b2.Network(G, P, S, mon)
        net.run(duration_ms * b2.ms)
        order = np.lexsort((np.asarray(S.j[:]), np.asarray(S.i[:])))
        return (
            np.asarray(mon.i[:], dtype=np.int64),
            np.round(np.asarray(mon.t / b2.ms) / dt_ms).astype(np.int64),
            np.asarray(S.w[:], dtype=np.float64)[order],
        )
