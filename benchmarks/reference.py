"""Reference simulators for spikesim's benchmark suite: Brian2 and NEST.

Each public function builds one published reference model in an outside
simulator, runs it on one thread and returns a flat dict of timings and
counts that the suite can put next to spikesim's own numbers:

==================  =====================================================
key                 meaning
==================  =====================================================
``simulator``       ``"brian2"`` or ``"nest"``
``model``           ``"cuba"`` or ``"brunel_delta"``
``target``          Brian2 target (``cpp_standalone``, ``runtime``,
                    ``cython``) or ``"nest"``
``threads``         threads the simulator was allowed to use
``build_s``         wall time to create neurons and synapses (s)
``compile_s``       code generation + compilation (s); see each function
``run_s``           wall time of the simulation loop alone (s)
``spikes``          spikes of all neurons during the run
``mean_rate_hz``    ``spikes / n_neurons / duration``
``n_neurons``       neurons in the network (generators excluded)
``n_synapses``      recurrent synapses (external input excluded)
``synaptic_events`` recurrent spike deliveries, ``sum_i spikes_i * outdeg_i``
                    (``synaptic_events_method``: ``"exact"``, or for NEST
                    ``"expected"``, see :func:`nest_brunel`)
``duration_ms``     simulated time (ms), ``dt_ms`` the step
``versions``        versions of the simulator, numpy and Python
==================  =====================================================

Every function raises :class:`ReferenceUnavailable` (an ``ImportError``)
when its simulator cannot be imported, so callers can skip. Brian2 and NEST
are imported inside the functions only: importing NEST is slow and prints.

The models
----------
*CUBA* is Brian2's ``examples/CUBA.py`` (Brette et al. 2007, benchmark 2):
4000 LIF neurons (3200 excitatory, 800 inhibitory), current-based
exponential synapses, random connectivity with ``p = 0.02``::

    dv/dt  = (ge + gi - (v - El)) / taum   (unless refractory)
    dge/dt = -ge / taue,   dgi/dt = -gi / taui
    taum = 20 ms, taue = 5 ms, taui = 10 ms, Vt = -50 mV, Vr = -60 mV,
    El = -49 mV, refractory 5 ms, threshold v > Vt, reset v = Vr,
    we = 60*0.27/10 mV = 1.62 mV, wi = -20*4.5/10 mV = -9 mV,
    v(0) = Vr + rand()*(Vt - Vr).

The only change from the example is a synaptic delay (0.1 ms, one step, by
default): the example has none, which in Brian2's schedule delivers a spike
within the step it was emitted; spikesim's contract (docs/contract.md §2)
requires ``d >= 1``. With that delay Brian2's schedule (state update,
threshold, synapses, reset) is the contract's (docs/contract.md §1 and §3.2):
input to ``ge``/``gi`` lands after the threshold, which only reads ``v``.

*Brunel* is NEST's ``pynest/examples/brunel_delta_nest.py`` (Brunel 2000,
model A): ``order = 2500*scale``, ``NE = 4*order``, ``NI = order``,
``CE = int(0.1*NE)``, ``CI = int(0.1*NI)`` (fixed in-degree, multapses and
autapses allowed, as NEST's defaults), ``iaf_psc_delta`` with ``C_m = 1``,
``tau_m = 20 ms``, ``t_ref = 2 ms``, ``E_L = 0``, ``V_th = 20 mV``,
``V_m(0) = 0``, ``J = 0.1 mV``, ``g = 5``, ``J_in = -g*J``, delay 1.5 ms,
``eta = 2``, ``nu_th = V_th/(J*CE*tau_m)``, external Poisson input of rate
``eta*nu_th*CE*1000 Hz`` with weight ``J`` to every neuron, ``dt = 0.1 ms``.
``V_reset`` is 0 mV in the example as shipped with NEST 3.10 (Brunel's
paper uses 10 mV); it is a parameter here, default 0 mV as in the example.

Deviations of the Brian2 Brunel from NEST, all documented where they occur:
Brian2 delivers synaptic input after the threshold of the step it arrives
in, NEST before it (spikes therefore act one step later in Brian2); Brian2
ends refractoriness one step earlier than ``iaf_psc_delta`` (docs/contract.md §3.2
states the same difference for ``iaf_psc_exp``). Input arriving during
refractoriness is discarded in both (NEST's ``refractory_input = False``).

Brian2 2.9.0 with NumPy >= 2.4
------------------------------
Brian2 2.9.0 (the last release for Python 3.11) reads ``numpy.ndarray.ptp``
while importing, a method NumPy 2.4 removed, so ``import brian2`` fails with
``AttributeError``. :func:`_import_brian2` works around it by compiling that
one module (``brian2.units.fundamentalunits``) from its source with
``np.ndarray.ptp`` replaced by ``np.ptp`` (same result for an array). It is
applied only when NumPy lacks ``ndarray.ptp`` and the installed source still
contains that expression; nothing on disk is changed.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import sys
import tempfile
import time

import numpy as np

__all__ = [
    "ReferenceUnavailable",
    "brian2_cuba",
    "brian2_cuba_network_arrays",
    "brian2_cuba_spikes",
    "brian2_brunel",
    "nest_brunel",
    "CUBA_PARAMS",
    "BRUNEL_PARAMS",
]

BRIAN2_TARGETS = ("cpp_standalone", "runtime", "numpy", "cython")

#: Parameters of Brian2's CUBA example (mV, ms).
CUBA_PARAMS = dict(
    N=4000, N_exc=3200, N_inh=800, p=0.02,
    taum=20.0, taue=5.0, taui=10.0, Vt=-50.0, Vr=-60.0, El=-49.0,
    t_ref=5.0, we=60 * 0.27 / 10, wi=-20 * 4.5 / 10,
)

#: Parameters of NEST's brunel_delta_nest.py at scale 1 (mV, ms).
BRUNEL_PARAMS = dict(
    order=2500, epsilon=0.1, g=5.0, eta=2.0, J=0.1, delay=1.5,
    tau_m=20.0, C_m=1.0, V_th=20.0, V_reset=0.0, E_L=0.0, V_m=0.0, t_ref=2.0,
)


class ReferenceUnavailable(ImportError):
    """The reference simulator needed by a benchmark cannot be imported."""


# --------------------------------------------------------------------------
# Imports
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


def _brian2_needs_ptp_shim():
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


def _import_brian2():
    """Import brian2 (with the NumPy 2.4 shim when needed) or raise ReferenceUnavailable."""
    if sys.modules.get("brian2") is not None:
        return sys.modules["brian2"]
    try:
        needs_shim = _brian2_needs_ptp_shim()
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
        for name in [m for m in sys.modules if m == "brian2" or m.startswith("brian2.")]:
            del sys.modules[name]
        raise ReferenceUnavailable(
            f"brian2 {_dist_version('brian2')} does not import with numpy {np.__version__}: {exc}"
        ) from exc
    finally:
        if finder is not None:
            sys.meta_path.remove(finder)
    # brian2_cuba_network_arrays builds objects it never runs; threads > 1
    # warns that OpenMP is "not yet well tested" on every build
    brian2.BrianLogger.suppress_name("unused_brian_object")
    brian2.BrianLogger.suppress_name("openmp")
    return brian2


def _import_nest():
    """Import NEST quietly or raise ReferenceUnavailable."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except ImportError as exc:
        raise ReferenceUnavailable(
            f"nest cannot be imported: {exc}; pip install nest-simulator"
        ) from exc
    return nest


def _dist_version(name):
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001 - metadata may be missing for a source checkout
        return "unknown"


def _base_versions():
    return {
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def _check_positive(name, value):
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")


def _check_steps(name, value_ms, dt_ms):
    """floor(x/dt + 0.5) as in docs/contract.md §2; must be >= 1."""
    steps = int(np.floor(value_ms / dt_ms + 0.5))
    if steps < 1:
        raise ValueError(
            f"{name} {value_ms} ms rounds to {steps} steps at dt = {dt_ms} ms; must be >= 1 step"
        )
    return steps


def _check_target(target):
    if target not in BRIAN2_TARGETS:
        raise ValueError(f"target must be one of {BRIAN2_TARGETS}; got {target!r}")
    return "runtime" if target == "numpy" else target


def _check_threads(threads, target):
    if not isinstance(threads, (int, np.integer)) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be an int >= 1; got {threads!r}")
    if target != "cpp_standalone" and threads != 1:
        raise ValueError(
            f"threads = {threads} needs target='cpp_standalone'; Brian2's {target!r} target is serial"
        )


def _events(src_spikes, outdeg):
    """sum_i spikes_i * outdeg_i as a Python int."""
    counts = np.bincount(np.asarray(src_spikes, dtype=np.int64), minlength=outdeg.size)
    return int(np.dot(counts[: outdeg.size].astype(np.int64), outdeg.astype(np.int64)))


# --------------------------------------------------------------------------
# Brian2 plumbing: standalone device, timing
# --------------------------------------------------------------------------

class _Brian2Session:
    """Selects the device/target for one model and restores Brian2's state after.

    cpp_standalone: a fresh temporary project directory, the device reinitialised
    (so several builds can happen in one process), ``openmp_threads = 0`` for one
    thread (serial code, no OpenMP) or ``threads`` otherwise. Runtime targets:
    ``codegen.target`` is ``numpy`` or ``cython``; with ``fresh_cython_cache``
    Cython compiles into a new temporary cache directory (removed after).
    """

    def __init__(self, b2, target, threads, directory=None, fresh_cython_cache=False):
        self.b2 = b2
        self.target = target
        self.threads = threads
        self.user_directory = directory
        self.directory = None
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
            self._set_pref("devices.cpp_standalone.openmp_threads",
                           0 if self.threads == 1 else int(self.threads))
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
        b2 = self.b2
        if self.target == "cpp_standalone":
            from brian2.devices.device import reset_device

            b2.get_device().reinit()
            reset_device()
            if self.user_directory is None and self.directory is not None:
                shutil.rmtree(self.directory, ignore_errors=True)
        for name, value in self._saved_prefs.items():
            self.b2.prefs[name] = value
        if self.cython_cache is not None:
            shutil.rmtree(self.cython_cache, ignore_errors=True)
        return False

    def compile_flags(self):
        if self.target == "cpp_standalone":
            return " ".join(self.b2.prefs["codegen.cpp.extra_compile_args_gcc"])
        if self.target == "cython":
            return "cython, " + " ".join(self.b2.prefs["codegen.cpp.extra_compile_args_gcc"])
        return "numpy (no compilation)"


def _brian2_time_run(b2, session, net, duration, namespace, build_s):
    """Run ``net`` for ``duration``; return (compile_s, run_s, extra timings).

    cpp_standalone: ``net.run`` only records the run; ``device.build`` then
    generates the C++ project, compiles it (``make``) and runs the binary.
    ``compile_s`` = build wall time minus the binary's wall time (code
    generation + make), ``run_s`` = Brian2's own measurement of the simulation
    loop inside the binary (``device._last_run_time``), ``binary_s`` = the
    binary's wall time, which also includes creating synapses, drawing the
    initial values and writing results.

    runtime/cython: ``net.store()``, a warm-up ``net.run(dt)`` (code
    generation and, for Cython, compilation or a load from Brian2's on-disk
    cache) timed as ``compile_s``, ``net.restore()``, then the timed
    ``net.run(duration)`` as ``run_s`` (it still creates its code objects,
    as every runtime ``run()`` call does).
    """
    extra = {}
    if session.target == "cpp_standalone":
        t0 = time.perf_counter()
        net.run(duration, namespace=namespace)
        build_s += time.perf_counter() - t0
        dev = b2.get_device()
        t0 = time.perf_counter()
        dev.build(directory=session.directory, compile=True, run=True, with_output=False)
        total = time.perf_counter() - t0
        binary_s = float(dev.timers["run_binary"])
        compile_s = total - binary_s
        run_s = float(dev._last_run_time)
        extra.update(binary_s=binary_s, make_s=float(dev.timers["compile"]["make"]))
    else:
        net.store("before_warmup")
        t0 = time.perf_counter()
        net.run(_first_clock_dt(net), namespace=namespace)
        compile_s = time.perf_counter() - t0
        net.restore("before_warmup")
        t0 = time.perf_counter()
        net.run(duration, namespace=namespace)
        run_s = time.perf_counter() - t0
    return build_s, compile_s, run_s, extra


def _first_clock_dt(net):
    for obj in net.objects:
        clock = getattr(obj, "clock", None)
        if clock is not None:
            return clock.dt
    raise RuntimeError("network has no clocked object")


# --------------------------------------------------------------------------
# Brian2 CUBA
# --------------------------------------------------------------------------

def _cuba_namespace(b2, delay_ms):
    ms, mV = b2.ms, b2.mV
    p = CUBA_PARAMS
    return {
        "taum": p["taum"] * ms, "taue": p["taue"] * ms, "taui": p["taui"] * ms,
        "Vt": p["Vt"] * mV, "Vr": p["Vr"] * mV, "El": p["El"] * mV,
        "we": p["we"] * mV, "wi": p["wi"] * mV,
    }


_CUBA_EQS = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""


def _cuba_objects(b2, clock, namespace, delay_ms, arrays=None):
    """NeuronGroup, two Synapses and a SpikeMonitor of the CUBA network.

    ``arrays`` None: connectivity and v(0) drawn by Brian2 as in the example
    (``connect('i<3200', p=0.02)``, ``v = Vr + rand()*(Vt - Vr)``); otherwise
    taken from the dict of :func:`brian2_cuba_network_arrays`.
    """
    p = CUBA_PARAMS
    P = b2.NeuronGroup(p["N"], _CUBA_EQS, threshold="v>Vt", reset="v = Vr",
                       refractory=p["t_ref"] * b2.ms, method="exact", clock=clock,
                       namespace=namespace, name="cuba_neurons")
    Ce = b2.Synapses(P, P, on_pre="ge += we", delay=delay_ms * b2.ms, clock=clock,
                     namespace=namespace, name="cuba_exc")
    Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=delay_ms * b2.ms, clock=clock,
                     namespace=namespace, name="cuba_inh")
    if arrays is None:
        P.v = "Vr + rand() * (Vt - Vr)"
        Ce.connect("i<3200", p=p["p"])
        Ci.connect("i>=3200", p=p["p"])
    else:
        P.v = np.asarray(arrays["v0"], dtype=np.float64) * b2.mV
        Ce.connect(i=np.asarray(arrays["i_exc"]), j=np.asarray(arrays["j_exc"]))
        Ci.connect(i=np.asarray(arrays["i_inh"]), j=np.asarray(arrays["j_inh"]))
    P.ge = 0 * b2.mV
    P.gi = 0 * b2.mV
    mon = b2.SpikeMonitor(P, name="cuba_spikes")
    return P, Ce, Ci, mon


def brian2_cuba(duration_ms=1000.0, target="cpp_standalone", seed=1, delay_ms=0.1,
                dt_ms=0.1, threads=1, directory=None, fresh_cython_cache=False):
    """Build, run and time Brian2's CUBA example.

    Parameters
    ----------
    duration_ms : float
        Simulated time (ms); the example runs 1000 ms.
    target : {"cpp_standalone", "runtime", "numpy", "cython"}
        Brian2 target; ``"runtime"`` (alias ``"numpy"``) is the runtime
        device with numpy code generation, ``"cython"`` the runtime device
        with Cython. Timing method in ``_brian2_time_run``: for
        cpp_standalone ``compile_s`` is code generation + ``make`` (always a
        full compile: a fresh temporary project directory unless
        ``directory`` is given) and ``run_s`` Brian2's own timing of the
        simulation loop inside the binary; for runtime targets ``compile_s``
        is a warm-up run of one step and ``run_s`` the timed ``run`` after
        restoring the network.
    seed : int
        ``brian2.seed(seed)``: fixes connectivity and v(0) for a given target
        (Brian2's random streams differ between targets). With runtime
        targets this also reseeds NumPy's global generator (Brian2 draws from
        it).
    delay_ms : float
        Synaptic delay (ms), >= one step (docs/contract.md §2).
    dt_ms : float
        Time step (ms).
    threads : int
        OpenMP threads for cpp_standalone (1: serial code, no OpenMP);
        runtime targets accept 1 only.
    directory : str, optional
        cpp_standalone project directory to use (kept); default a fresh
        temporary one, removed afterwards.
    fresh_cython_cache : bool
        For ``target="cython"``: compile into an empty temporary cache, so
        that ``compile_s`` is a first compile (in a fresh process; Brian2
        also keeps loaded extensions in memory). Default False: Brian2's
        on-disk cache (``~/.cython/brian_extensions``) is used, and after the
        first call ``compile_s`` is mostly loading from it.

    Returns
    -------
    dict
        The keys of the module docstring, plus ``binary_s`` and ``make_s``
        for cpp_standalone, ``compile_flags``, ``rate_exc_hz`` and
        ``rate_inh_hz``.

    Raises
    ------
    ReferenceUnavailable
        brian2 cannot be imported.
    """
    target = _check_target(target)
    _check_threads(threads, target)
    _check_positive("duration_ms", duration_ms)
    _check_positive("dt_ms", dt_ms)
    _check_positive("delay_ms", delay_ms)
    _check_steps("delay_ms", delay_ms, dt_ms)
    b2 = _import_brian2()
    p = CUBA_PARAMS
    with _Brian2Session(b2, target, threads, directory, fresh_cython_cache) as session:
        t0 = time.perf_counter()
        b2.seed(seed)
        clock = b2.Clock(dt=dt_ms * b2.ms, name="cuba_clock")
        ns = _cuba_namespace(b2, delay_ms)
        P, Ce, Ci, mon = _cuba_objects(b2, clock, ns, delay_ms)
        net = b2.Network(P, Ce, Ci, mon)
        build_s = time.perf_counter() - t0
        build_s, compile_s, run_s, extra = _brian2_time_run(
            b2, session, net, duration_ms * b2.ms, ns, build_s)
        i_spk = np.asarray(mon.i[:], dtype=np.int64)
        i_exc = np.asarray(Ce.i[:], dtype=np.int64)
        i_inh = np.asarray(Ci.i[:], dtype=np.int64)
        flags = session.compile_flags()
    outdeg = np.bincount(i_exc, minlength=p["N"]) + np.bincount(i_inh, minlength=p["N"])
    spikes = int(i_spk.size)
    T = duration_ms / 1000.0
    n_exc_spk = int(np.count_nonzero(i_spk < p["N_exc"]))
    versions = _base_versions()
    versions["brian2"] = b2.__version__
    return dict(
        simulator="brian2", model="cuba", target=target, threads=int(threads),
        build_s=build_s, compile_s=compile_s, run_s=run_s, spikes=spikes,
        mean_rate_hz=spikes / p["N"] / T, n_neurons=p["N"],
        n_synapses=int(i_exc.size + i_inh.size), synaptic_events=_events(i_spk, outdeg),
        synaptic_events_method="exact",
        duration_ms=float(duration_ms), dt_ms=float(dt_ms), delay_ms=float(delay_ms),
        rate_exc_hz=n_exc_spk / p["N_exc"] / T,
        rate_inh_hz=(spikes - n_exc_spk) / p["N_inh"] / T,
        compile_flags=flags, versions=versions, **extra,
    )


def brian2_cuba_network_arrays(seed=1, delay_ms=0.1, dt_ms=0.1):
    """The synapses and initial voltages Brian2 draws for CUBA, for a cross-check.

    Brian2 (runtime device, numpy target, ``brian2.seed(seed)``) draws the
    network exactly as :func:`brian2_cuba` does with ``target="runtime"``;
    nothing is simulated here.

    Returns
    -------
    dict
        ``i_exc, j_exc`` (int64, source and target of each excitatory synapse,
        sources in 0..3199), ``i_inh, j_inh`` (sources in 3200..3999),
        ``v0`` (float64, mV, (4000,)), ``params`` (:data:`CUBA_PARAMS`),
        ``delay_ms``, ``dt_ms``, ``seed``, and ``run``: a callable
        ``run(duration_ms=200.0, target="runtime") -> (i, t_ms)`` that
        simulates exactly these synapses and voltages in Brian2
        (:func:`brian2_cuba_spikes`).
    """
    _check_positive("dt_ms", dt_ms)
    _check_steps("delay_ms", delay_ms, dt_ms)
    b2 = _import_brian2()
    with _Brian2Session(b2, "runtime", 1) as _:
        b2.seed(seed)
        clock = b2.Clock(dt=dt_ms * b2.ms, name="cuba_clock")
        ns = _cuba_namespace(b2, delay_ms)
        P, Ce, Ci, mon = _cuba_objects(b2, clock, ns, delay_ms)
        b2.Network(P, Ce, Ci, mon)  # owned by a network: no "never included" warning
        arrays = dict(
            i_exc=np.array(Ce.i[:], dtype=np.int64), j_exc=np.array(Ce.j[:], dtype=np.int64),
            i_inh=np.array(Ci.i[:], dtype=np.int64), j_inh=np.array(Ci.j[:], dtype=np.int64),
            v0=np.array(P.v[:] / b2.mV, dtype=np.float64),
        )
    arrays.update(params=dict(CUBA_PARAMS), delay_ms=float(delay_ms), dt_ms=float(dt_ms),
                  seed=seed)

    def run(duration_ms=200.0, target="runtime"):
        return brian2_cuba_spikes(arrays, duration_ms=duration_ms, target=target)

    arrays["run"] = run
    return arrays


def brian2_cuba_spikes(arrays, duration_ms=200.0, target="runtime"):
    """Simulate CUBA in Brian2 with given synapses and v(0); return its spikes.

    Parameters
    ----------
    arrays : dict
        As returned by :func:`brian2_cuba_network_arrays` (keys ``i_exc,
        j_exc, i_inh, j_inh, v0``; ``delay_ms`` and ``dt_ms`` default to 0.1).
    duration_ms : float
        Simulated time (ms).
    target : {"runtime", "numpy", "cython"}
        Runtime target. All arithmetic is float64.

    Returns
    -------
    i : ndarray of int64
        Index of the neuron of each spike.
    t_ms : ndarray of float64
        Spike times (ms), multiples of dt; spikes of step ``n`` have
        ``t = n*dt`` (the first step is ``n = 0``). Sorted by time, and
        within a step by neuron index as Brian2 records them.
    """
    target = _check_target(target)
    if target == "cpp_standalone":
        raise ValueError("target must be a runtime target ('runtime', 'numpy', 'cython'); "
                         "got 'cpp_standalone'")
    _check_positive("duration_ms", duration_ms)
    for key in ("i_exc", "j_exc", "i_inh", "j_inh", "v0"):
        if key not in arrays:
            raise ValueError(f"arrays lacks key {key!r}; expected the dict of "
                             "brian2_cuba_network_arrays")
    if np.shape(arrays["v0"]) != (CUBA_PARAMS["N"],):
        raise ValueError(f"arrays['v0'] must have shape ({CUBA_PARAMS['N']},); "
                         f"got {np.shape(arrays['v0'])}")
    delay_ms = float(arrays.get("delay_ms", 0.1))
    dt_ms = float(arrays.get("dt_ms", 0.1))
    b2 = _import_brian2()
    with _Brian2Session(b2, target, 1):
        clock = b2.Clock(dt=dt_ms * b2.ms, name="cuba_clock")
        ns = _cuba_namespace(b2, delay_ms)
        P, Ce, Ci, mon = _cuba_objects(b2, clock, ns, delay_ms, arrays=arrays)
        net = b2.Network(P, Ce, Ci, mon)
        net.run(duration_ms * b2.ms, namespace=ns)
        i = np.array(mon.i[:], dtype=np.int64)
        t_ms = np.array(mon.t[:] / b2.ms, dtype=np.float64)
    return i, t_ms


# --------------------------------------------------------------------------
# Brunel (delta synapses): NEST and Brian2
# --------------------------------------------------------------------------

def _brunel_sizes(scale):
    _check_positive("scale", scale)
    p = BRUNEL_PARAMS
    order = int(round(p["order"] * scale))
    if order < 1:
        raise ValueError(f"scale = {scale} gives order = {order} neurons; need order >= 1")
    NE, NI = 4 * order, order
    CE, CI = int(p["epsilon"] * NE), int(p["epsilon"] * NI)
    if CE < 1 or CI < 1:
        raise ValueError(f"scale = {scale} gives in-degrees CE = {CE}, CI = {CI}; need >= 1")
    nu_th = p["V_th"] / (p["J"] * CE * p["tau_m"])  # spikes per ms per input
    nu_ex = p["eta"] * nu_th
    return dict(order=order, NE=NE, NI=NI, N=NE + NI, CE=CE, CI=CI, nu_th=nu_th, nu_ex=nu_ex,
                p_rate_hz=1000.0 * nu_ex * CE)


def nest_brunel(duration_ms=1000.0, scale=1.0, threads=1, seed=1, V_reset=0.0, dt_ms=0.1):
    """Build, run and time NEST's ``brunel_delta_nest.py`` example.

    Timing: ``build_s`` from ``ResetKernel`` to the last ``Connect`` (as the
    example's "Building time"); ``compile_s`` is 0 (NEST is compiled ahead);
    ``run_s`` is ``nest.Run`` alone, with ``prepare_s`` (``nest.Prepare``,
    which builds the presynaptic tables) and ``cleanup_s`` apart;
    ``simulate_s = prepare_s + run_s + cleanup_s`` is what the example's
    ``nest.Simulate`` timing ("Simulation time") measures.

    Unlike the example (which records 50 neurons per population), one
    ``spike_recorder`` records every neuron, in memory, so that ``spikes``
    is exact. ``synaptic_events`` is its expected value given the spikes:
    with fixed in-degree a source's mean out-degree is ``N*CE/NE``
    (excitatory) or ``N*CI/NI`` (inhibitory), both ``0.1*N``; the exact
    out-degrees are not fetched because PyNEST 3.10's ``GetConnections``
    makes one Python object per synapse (about 2 GB and 5 s per million
    synapses, i.e. tens of GB at scale 1). The spread of the out-degrees
    (relative sd ``1/sqrt(0.1*N)``) averages out over the spiking sources;
    ``synaptic_events_method`` says ``"expected"``.

    Parameters
    ----------
    duration_ms : float
        Simulated time (ms); the example runs 1000 ms.
    scale : float
        ``order = round(2500*scale)``; 1 is the example's 12,500 neurons.
    threads : int
        ``nest.local_num_threads``.
    seed : int
        ``nest.rng_seed`` (connectivity and Poisson input).
    V_reset : float
        Reset potential (mV); the example has 0 mV.
    dt_ms : float
        ``nest.resolution`` (ms); the example has 0.1.

    Returns
    -------
    dict
        The keys of the module docstring plus ``prepare_s``, ``cleanup_s``,
        ``simulate_s``, ``rate_exc_hz``, ``rate_inh_hz``, ``external_events``
        (Poisson inputs received, ``n_neurons*CE*nu_ex*duration``, expected
        value) and ``scale``.

    Raises
    ------
    ReferenceUnavailable
        NEST cannot be imported.
    """
    _check_positive("duration_ms", duration_ms)
    _check_positive("dt_ms", dt_ms)
    if not isinstance(threads, (int, np.integer)) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be an int >= 1; got {threads!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or not 1 <= seed < 2**31:
        raise ValueError(f"seed must be an int in [1, 2**31) for NEST; got {seed!r}")
    s = _brunel_sizes(scale)
    _check_steps("delay", BRUNEL_PARAMS["delay"], dt_ms)
    nest = _import_nest()
    p = BRUNEL_PARAMS

    t0 = time.perf_counter()
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.resolution = float(dt_ms)
    nest.local_num_threads = int(threads)
    nest.rng_seed = int(seed)
    nest.print_time = False
    neuron_params = {"C_m": p["C_m"], "tau_m": p["tau_m"], "t_ref": p["t_ref"], "E_L": p["E_L"],
                     "V_reset": float(V_reset), "V_m": p["V_m"], "V_th": p["V_th"]}
    nodes_ex = nest.Create("iaf_psc_delta", s["NE"], params=neuron_params)
    nodes_in = nest.Create("iaf_psc_delta", s["NI"], params=neuron_params)
    noise = nest.Create("poisson_generator", params={"rate": s["p_rate_hz"]})
    spikes_rec = nest.Create("spike_recorder")
    nest.CopyModel("static_synapse", "excitatory", {"weight": p["J"], "delay": p["delay"]})
    nest.CopyModel("static_synapse", "inhibitory", {"weight": -p["g"] * p["J"], "delay": p["delay"]})
    nest.Connect(noise, nodes_ex, syn_spec="excitatory")
    nest.Connect(noise, nodes_in, syn_spec="excitatory")
    nest.Connect(nodes_ex + nodes_in, spikes_rec)
    nest.Connect(nodes_ex, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": s["CE"]},
                 "excitatory")
    nest.Connect(nodes_in, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": s["CI"]},
                 "inhibitory")
    build_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    nest.Prepare()
    t1 = time.perf_counter()
    nest.Run(float(duration_ms))
    t2 = time.perf_counter()
    nest.Cleanup()
    t3 = time.perf_counter()

    senders = np.asarray(spikes_rec.get("events")["senders"], dtype=np.int64)
    first = int(nodes_ex[0].global_id)
    idx = senders - first  # 0..N-1, excitatory first
    n_syn_ex = int(nest.GetDefaults("excitatory")["num_connections"])
    n_syn_in = int(nest.GetDefaults("inhibitory")["num_connections"])
    # "excitatory" also carries the N noise -> neuron connections
    n_syn = n_syn_ex - s["N"] + n_syn_in
    if n_syn != s["N"] * (s["CE"] + s["CI"]):
        raise RuntimeError(f"NEST made {n_syn} recurrent synapses; expected "
                           f"{s['N'] * (s['CE'] + s['CI'])} (N*(CE+CI))")
    spikes = int(idx.size)
    T = duration_ms / 1000.0
    n_exc_spk = int(np.count_nonzero(idx < s["NE"]))
    versions = _base_versions()
    versions["nest"] = str(nest.__version__)
    return dict(
        simulator="nest", model="brunel_delta", target="nest", threads=int(threads),
        build_s=build_s, compile_s=0.0, run_s=t2 - t1, prepare_s=t1 - t0, cleanup_s=t3 - t2,
        simulate_s=t3 - t0, spikes=spikes, mean_rate_hz=spikes / s["N"] / T,
        n_neurons=s["N"], n_synapses=n_syn,
        synaptic_events=int(round(n_exc_spk * s["N"] * s["CE"] / s["NE"]
                                  + (spikes - n_exc_spk) * s["N"] * s["CI"] / s["NI"])),
        synaptic_events_method="expected",
        external_events=int(round(s["N"] * s["CE"] * s["nu_ex"] * duration_ms)),
        rate_exc_hz=n_exc_spk / s["NE"] / T, rate_inh_hz=(spikes - n_exc_spk) / s["NI"] / T,
        duration_ms=float(duration_ms), dt_ms=float(dt_ms), scale=float(scale),
        n_synapses_nest_total=n_syn_ex + n_syn_in, versions=versions,
    )


def brunel_indegree_arrays(scale=1.0, seed=1):
    """Fixed in-degree presynaptic indices for the Brian2 Brunel network.

    For every target ``j`` in ``0..N-1``, ``CE`` sources drawn uniformly with
    replacement from ``0..NE-1`` and ``CI`` from ``NE..N-1``
    (``np.random.default_rng(seed)``), like NEST's ``fixed_indegree`` with its
    defaults (multapses and autapses allowed).

    Returns
    -------
    dict
        ``i_exc, j_exc, i_inh, j_inh`` (int64; ``j`` ascending, each target
        repeated CE resp. CI times) and the sizes of the model.
    """
    s = _brunel_sizes(scale)
    rng = np.random.default_rng(seed)
    N, NE, CE, CI = s["N"], s["NE"], s["CE"], s["CI"]
    i_exc = rng.integers(0, NE, size=(N, CE), dtype=np.int64).ravel()
    i_inh = rng.integers(NE, N, size=(N, CI), dtype=np.int64).ravel()
    j_exc = np.repeat(np.arange(N, dtype=np.int64), CE)
    j_inh = np.repeat(np.arange(N, dtype=np.int64), CI)
    return dict(i_exc=i_exc, j_exc=j_exc, i_inh=i_inh, j_inh=j_inh, **s)


def brian2_brunel(duration_ms=1000.0, scale=1.0, target="cpp_standalone", seed=1, threads=1,
                  V_reset=0.0, dt_ms=0.1, directory=None, fresh_cython_cache=False):
    """Build, run and time NEST's Brunel delta-synapse network in Brian2.

    ``dv/dt = -(v - E_L)/tau_m (unless refractory)``, threshold ``v >= V_th``
    (``iaf_psc_delta``'s test), reset ``v = V_reset``, refractory 2 ms,
    method ``exact``, ``v(0) = 0``. Recurrent synapses ``on_pre:
    v += J_r*int(not_refractory_post)`` with the 1.5 ms delay, from the fixed
    in-degree arrays of :func:`brunel_indegree_arrays`; the external drive is
    ``PoissonInput(N=CE, rate=nu_ex, weight='J*int(not_refractory)')`` (each
    neuron its own CE Poisson trains of rate ``nu_ex``, as NEST's
    ``poisson_generator`` gives each target its own train of rate
    ``CE*nu_ex``). The ``int(not_refractory)`` factor discards input during
    refractoriness as ``iaf_psc_delta`` does (``refractory_input = False``).
    Known differences from NEST: see the module docstring.

    Timing as :func:`brian2_cuba` (for cpp_standalone ``build_s`` covers
    drawing the arrays and declaring the objects in Python; creating the
    synapses from the arrays happens inside the binary and is in
    ``binary_s``, not in ``run_s``).

    Parameters
    ----------
    duration_ms, scale, seed, V_reset, dt_ms
        As :func:`nest_brunel` (``seed`` seeds the in-degree arrays and
        ``brian2.seed``).
    target, threads, directory, fresh_cython_cache
        As :func:`brian2_cuba`.

    Returns
    -------
    dict
        As :func:`nest_brunel`, without ``prepare_s``/``cleanup_s``/
        ``simulate_s``, with ``binary_s``/``make_s`` for cpp_standalone.
    """
    target = _check_target(target)
    _check_threads(threads, target)
    _check_positive("duration_ms", duration_ms)
    _check_positive("dt_ms", dt_ms)
    s = _brunel_sizes(scale)
    _check_steps("delay", BRUNEL_PARAMS["delay"], dt_ms)
    b2 = _import_brian2()
    p = BRUNEL_PARAMS
    ms, mV = b2.ms, b2.mV
    with _Brian2Session(b2, target, threads, directory, fresh_cython_cache) as session:
        t0 = time.perf_counter()
        arr = brunel_indegree_arrays(scale, seed)
        b2.seed(seed)
        clock = b2.Clock(dt=dt_ms * ms, name="brunel_clock")
        ns = {"tau_m": p["tau_m"] * ms, "E_L": p["E_L"] * mV, "V_th": p["V_th"] * mV,
              "V_reset": float(V_reset) * mV, "J": p["J"] * mV, "J_in": -p["g"] * p["J"] * mV}
        G = b2.NeuronGroup(s["N"], "dv/dt = -(v - E_L)/tau_m : volt (unless refractory)",
                           threshold="v >= V_th", reset="v = V_reset",
                           refractory=p["t_ref"] * ms, method="exact", clock=clock,
                           namespace=ns, name="brunel_neurons")
        G.v = p["V_m"] * mV
        Se = b2.Synapses(G, G, on_pre="v_post += J*int(not_refractory_post)",
                         delay=p["delay"] * ms, clock=clock, namespace=ns, name="brunel_exc")
        Si = b2.Synapses(G, G, on_pre="v_post += J_in*int(not_refractory_post)",
                         delay=p["delay"] * ms, clock=clock, namespace=ns, name="brunel_inh")
        Se.connect(i=arr["i_exc"], j=arr["j_exc"])
        Si.connect(i=arr["i_inh"], j=arr["j_inh"])
        ext = b2.PoissonInput(G, "v", N=s["CE"], rate=s["nu_ex"] * 1000.0 * b2.Hz,
                              weight="J*int(not_refractory)")
        mon = b2.SpikeMonitor(G, name="brunel_spikes")
        net = b2.Network(G, Se, Si, ext, mon)
        build_s = time.perf_counter() - t0
        build_s, compile_s, run_s, extra = _brian2_time_run(
            b2, session, net, duration_ms * ms, ns, build_s)
        idx = np.asarray(mon.i[:], dtype=np.int64)
        flags = session.compile_flags()
    outdeg = (np.bincount(arr["i_exc"], minlength=s["N"])
              + np.bincount(arr["i_inh"], minlength=s["N"]))
    spikes = int(idx.size)
    T = duration_ms / 1000.0
    n_exc_spk = int(np.count_nonzero(idx < s["NE"]))
    versions = _base_versions()
    versions["brian2"] = b2.__version__
    return dict(
        simulator="brian2", model="brunel_delta", target=target, threads=int(threads),
        build_s=build_s, compile_s=compile_s, run_s=run_s, spikes=spikes,
        mean_rate_hz=spikes / s["N"] / T, n_neurons=s["N"],
        n_synapses=int(arr["i_exc"].size + arr["i_inh"].size),
        synaptic_events=_events(idx, outdeg), synaptic_events_method="exact",
        external_events=int(round(s["N"] * s["CE"] * s["nu_ex"] * duration_ms)),
        rate_exc_hz=n_exc_spk / s["NE"] / T, rate_inh_hz=(spikes - n_exc_spk) / s["NI"] / T,
        duration_ms=float(duration_ms), dt_ms=float(dt_ms), scale=float(scale),
        compile_flags=flags, versions=versions, **extra,
    )
