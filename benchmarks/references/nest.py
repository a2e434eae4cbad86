"""Brunel's model A in NEST (``brunel_delta_nest.py``) and the COBA benchmark, timed like spikesim.

Run in a child process by the suite (:func:`benchmarks.references.run_reference`)::

    python -m benchmarks.references.nest --case brunel --kwargs '{"scale": 0.2}' --json out.json

or call :func:`nest_brunel` / :func:`nest_coba` directly. It returns the flat dict of
:mod:`benchmarks.references.brian2` (``simulator`` ``"nest"``, ``target``
``"nest"``) and raises :class:`ReferenceUnavailable` when NEST cannot be
imported; NEST is imported inside the function only (importing it is slow
and prints).

The network is :func:`simcore.builtin.brunel`'s at the requested scale
(:func:`~benchmarks.references.params.brunel_params`): ``iaf_psc_delta``
neurons with its neuron parameters, ``V_reset`` included (10 mV, Brunel's
value, where NEST's example script ships 0 mV), ``fixed_indegree``
connections (multapses and autapses allowed, NEST's defaults) of weight
``J`` and ``J_in`` with the builtin's delay, and one ``poisson_generator``
of rate ``n_ext * nu_ext_hz`` whose independent train reaches every neuron
with weight ``J_ext``.

COBA (:func:`nest_coba`) is :func:`simcore.builtin.coba`'s network with
``iaf_cond_exp`` cells (:data:`simcore.builtin.COBA`'s parameters under the
same names), ``V_m(0) ~ U(V_reset, V_th)``, ``pairwise_bernoulli`` connections
of probability ``p`` (autapses allowed, as Brian2's ``connect(p=...)``), weight
``w_exc`` from the excitatory and ``-w_inh`` from the inhibitory cells (NEST
routes a negative weight to ``g_in``), and the builtin's delay. NEST integrates
``iaf_cond_exp`` with adaptive RK45 (GSL) and keeps a neuron refractory one step
longer than spikesim and Brian2 (docs/contract.md §3.2), so only rates compare.

COBAHH (:func:`nest_cobahh`) is :func:`simcore.builtin.cobahh`'s network with
``hh_cond_exp_traub`` cells (:data:`simcore.builtin.COBAHH`'s parameters, its
``t_ref`` of 3 ms), ``V_m`` drawn from COBAHH's normal distribution, gating
variables 0 (as Brian2's example), connections as COBA's. NEST cannot set the
initial conductances (they start at 0, where COBAHH draws them), integrates
with RK45 and detects a spike at the peak of ``V_m`` above ``V_T + 30 mV``
(Brian2: ``v > -20 mV``), so its rates are close to, not equal to, Brian2's
and spikesim's.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from benchmarks.references.common import (
    ReferenceUnavailable,
    base_versions,
    check_int,
    check_positive,
    check_steps,
    main_for,
    run_times,
    synaptic_events,
)
from benchmarks.references.params import brunel_params, coba_params, cobahh_params

__all__ = [
    "CASES",
    "ReferenceUnavailable",
    "import_nest",
    "main",
    "nest_brunel",
    "nest_coba",
    "nest_cobahh",
    "nest_plastic",
    "stdp_synapse_params",
]


def import_nest():
    """Import NEST quietly or raise :class:`ReferenceUnavailable`."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except ImportError as exc:
        raise ReferenceUnavailable(f"nest cannot be imported: {exc}; pip install nest-simulator") from exc
    return nest


def _build(nest, s: dict, dt_ms: float, threads: int, seed: int, stdp: dict | None = None):
    """Reset NEST's kernel and create the network; returns (excitatory, inhibitory, spike recorder).

    With ``stdp`` (:func:`stdp_synapse_params`) the excitatory-to-excitatory
    synapses are ``stdp_synapse`` (model ``"plastic"``), the neurons get the
    post trace's ``tau_minus``, and the excitatory sources connect to each
    population by its own ``fixed_indegree`` call.
    """
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.resolution = float(dt_ms)
    nest.local_num_threads = int(threads)
    nest.rng_seed = int(seed)
    nest.print_time = False
    params = {
        "C_m": s["C_m"],
        "tau_m": s["tau_m"],
        "t_ref": s["t_ref"],
        "E_L": s["E_L"],
        "V_reset": s["V_reset"],
        "V_m": s["V_m"],
        "V_th": s["V_th"],
    }
    if stdp is not None:
        params["tau_minus"] = stdp["tau_minus"]
    nodes_ex = nest.Create("iaf_psc_delta", s["NE"], params=params)
    nodes_in = nest.Create("iaf_psc_delta", s["NI"], params=params)
    noise = nest.Create("poisson_generator", params={"rate": s["p_rate_hz"]})
    recorder = nest.Create("spike_recorder")
    nest.CopyModel("static_synapse", "excitatory", {"weight": s["J"], "delay": s["delay"]})
    nest.CopyModel("static_synapse", "inhibitory", {"weight": s["J_in"], "delay": s["delay"]})
    everyone = nodes_ex + nodes_in
    nest.Connect(
        noise, everyone, syn_spec={"synapse_model": "static_synapse", "weight": s["J_ext"], "delay": s["delay"]}
    )
    nest.Connect(everyone, recorder)
    exc_rule = {"rule": "fixed_indegree", "indegree": s["CE"]}
    if stdp is None:
        nest.Connect(nodes_ex, everyone, exc_rule, "excitatory")
    else:
        synapse = {k: v for k, v in stdp.items() if k != "tau_minus"}
        nest.CopyModel("stdp_synapse", "plastic", dict(synapse, weight=s["J"], delay=s["delay"]))
        nest.Connect(nodes_ex, nodes_ex, exc_rule, "plastic")
        nest.Connect(nodes_ex, nodes_in, exc_rule, "excitatory")
    nest.Connect(nodes_in, everyone, {"rule": "fixed_indegree", "indegree": s["CI"]}, "inhibitory")
    return nodes_ex, nodes_in, recorder


def _recurrent_synapses(nest, s: dict) -> int:
    models = ("excitatory", "inhibitory") + (("plastic",) if "plastic" in nest.synapse_models else ())
    n_syn = sum(int(nest.GetDefaults(m)["num_connections"]) for m in models)
    if n_syn != s["N"] * (s["CE"] + s["CI"]):
        raise RuntimeError(f"NEST made {n_syn} recurrent synapses; expected {s['N'] * (s['CE'] + s['CI'])}")
    return n_syn


def _first_run_spikes(recorder, first_id: int, duration_ms: float, dt_ms: float) -> np.ndarray:
    """Indices (0..N-1, excitatory first) of the neurons that spiked during the first timed run."""
    events = recorder.get("events")
    senders = np.asarray(events["senders"], dtype=np.int64)
    times = np.asarray(events["times"], dtype=np.float64)
    return senders[times <= duration_ms + dt_ms / 2] - first_id


def nest_brunel(duration_ms=1000.0, scale=1.0, threads=1, seed=1, dt_ms=0.1, repeats=1) -> dict:
    """Build, run and time :func:`simcore.builtin.brunel`'s network in NEST.

    Timing: ``build_s`` from ``ResetKernel`` to the last ``Connect`` (the
    example's "Building time"); ``compile_s`` is ``nest.Prepare`` (NEST is
    compiled ahead; Prepare builds the presynaptic tables, NEST's warm-up);
    then ``repeats`` timed ``nest.Run(duration_ms)``, ``run_s`` their median;
    ``cleanup_s`` is ``nest.Cleanup``. NEST cannot reset a network's state,
    so the runs follow one another: the first starts from ``V_m(0)`` as
    spikesim's runs do, the later ones in the network's ongoing activity.
    ``spikes``, ``mean_rate_hz`` and ``synaptic_events`` are those of the
    first run (the same simulated interval as spikesim's); ``spikes_per_run``
    lists every run's.

    One ``spike_recorder`` records every neuron, in memory, so that
    ``spikes`` is exact. ``synaptic_events`` is its expected value given the
    spikes: with fixed in-degree a source's mean out-degree is ``N*CE/NE``
    (excitatory) or ``N*CI/NI`` (inhibitory); the exact out-degrees are not
    fetched because PyNEST 3.10's ``GetConnections`` makes one Python object
    per synapse (tens of GB at scale 1). ``synaptic_events_method`` says
    ``"expected"``.

    Parameters
    ----------
    duration_ms : float
        Simulated time of one run (ms).
    scale : float
        As :func:`simcore.builtin.brunel` (1: 12 500 neurons).
    threads : int
        ``nest.local_num_threads``.
    seed : int
        ``nest.rng_seed`` (connectivity and Poisson input), in [1, 2**31).
    dt_ms : float
        ``nest.resolution`` (ms).
    repeats : int
        Timed runs.
    """
    check_positive("duration_ms", duration_ms)
    check_positive("dt_ms", dt_ms)
    threads = check_int("threads", threads)
    seed = check_int("seed", seed, 1, 2**31)
    repeats = check_int("repeats", repeats)
    s = brunel_params(scale)
    check_steps("delay", s["delay"], dt_ms)
    nest = import_nest()

    t0 = time.perf_counter()
    nodes_ex, _, recorder = _build(nest, s, dt_ms, threads, seed)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Prepare()
    compile_s = time.perf_counter() - t0
    times, per_run = [], []
    for _ in range(repeats):
        before = int(recorder.get("n_events"))
        t0 = time.perf_counter()
        nest.Run(float(duration_ms))
        times.append(time.perf_counter() - t0)
        per_run.append(int(recorder.get("n_events")) - before)
    t0 = time.perf_counter()
    nest.Cleanup()
    cleanup_s = time.perf_counter() - t0
    return _result(
        nest,
        s,
        recorder,
        int(nodes_ex[0].global_id),
        duration_ms,
        dt_ms,
        threads,
        build_s=build_s,
        compile_s=compile_s,
        times=times,
        cleanup_s=cleanup_s,
        spikes_per_run=per_run,
    )


def stdp_synapse_params(stdp: dict) -> dict:
    """spikesim's additive all-to-all :class:`synapses.STDP` parameters as NEST's ``stdp_synapse``'s.

    NEST writes the additive rule (``mu_plus = mu_minus = 0``) on the weight
    in units of ``Wmax``: a post spike adds ``lambda * Wmax * K_plus``, an
    arrival subtracts ``alpha * lambda * Wmax * K_minus``, with traces of +1
    per spike, clipped to ``[0, Wmax]``. So ``Wmax = w_max``, ``lambda =
    A_pre / w_max``, ``alpha = -A_post / A_pre``, ``tau_plus = tau_pre``; the
    post trace's ``tau_minus = tau_post`` is a parameter of the target
    neuron in NEST. ``stdp`` needs ``w_min = 0`` (NEST's lower bound) and
    ``A_pre > 0``.
    """
    need = ("A_pre", "A_post", "tau_pre", "tau_post", "w_min", "w_max")
    missing = [k for k in need if k not in stdp]
    if missing:
        raise ValueError(f"stdp lacks {missing}; it needs {need}")
    if stdp["w_min"] != 0.0 or not stdp["A_pre"] > 0 or not stdp["w_max"] > 0:
        raise ValueError(f"stdp_synapse needs w_min = 0, A_pre > 0 and w_max > 0; got {stdp}")
    return {
        "Wmax": float(stdp["w_max"]),
        "lambda": float(stdp["A_pre"]) / float(stdp["w_max"]),
        "alpha": -float(stdp["A_post"]) / float(stdp["A_pre"]),
        "mu_plus": 0.0,
        "mu_minus": 0.0,
        "tau_plus": float(stdp["tau_pre"]),
        "tau_minus": float(stdp["tau_post"]),
    }


#: at most this many excitatory sources have their plastic weights read (PyNEST makes an object per synapse)
WEIGHT_SAMPLE_SOURCES = 400


def _mean_plastic_weight(nest, nodes_ex) -> tuple[float, int]:
    """Mean weight of the ``"plastic"`` synapses of every ``k``-th excitatory source (at most
    :data:`WEIGHT_SAMPLE_SOURCES` sources); returns (mean, synapses read)."""
    step = max(1, -(-len(nodes_ex) // WEIGHT_SAMPLE_SOURCES))
    weights = np.asarray(
        nest.GetConnections(source=nodes_ex[::step], synapse_model="plastic").get("weight"), dtype=np.float64
    )
    return float(weights.mean()), int(weights.size)


def nest_plastic(duration_ms=1000.0, scale=1.0, threads=1, seed=1, dt_ms=0.1, repeats=1, stdp=None) -> dict:
    """:func:`nest_brunel`'s network with ``stdp_synapse`` on the excitatory-to-excitatory synapses.

    ``stdp``: spikesim's :class:`synapses.STDP` parameters (additive,
    all-to-all, hard bounds), mapped by :func:`stdp_synapse_params`. Timing
    as :func:`nest_brunel`. ``mean_weight_initial`` and
    ``mean_weight_final`` (mV) are the mean over the plastic synapses of a
    sample of sources (``weight_sample_synapses`` of them), read after the
    first run, so after ``duration_ms`` of learning as spikesim's.

    Two conventions differ from spikesim's (docs/plasticity.md): NEST takes
    the whole delay as dendritic (a pair is timed from the emission of the
    pre spike and the post spike plus the delay, where spikesim times it from
    the arrival and the post spike: pairs are shifted by twice the delay), and
    NEST applies a potentiation lazily, at the synapse's next pre spike, so
    its final weights lack the potentiation of post spikes after each
    synapse's last pre spike.
    """
    check_positive("duration_ms", duration_ms)
    check_positive("dt_ms", dt_ms)
    threads = check_int("threads", threads)
    seed = check_int("seed", seed, 1, 2**31)
    repeats = check_int("repeats", repeats)
    if not isinstance(stdp, dict):
        raise TypeError(f"stdp must be a dict of STDP parameters; got {stdp!r}")
    syn = stdp_synapse_params(stdp)
    s = brunel_params(scale)
    check_steps("delay", s["delay"], dt_ms)
    if not 0 <= s["J"] <= syn["Wmax"]:
        raise ValueError(f"the initial weight J = {s['J']} mV must lie in [0, w_max = {syn['Wmax']}]")
    nest = import_nest()

    t0 = time.perf_counter()
    nodes_ex, _, recorder = _build(nest, s, dt_ms, threads, seed, stdp=syn)
    build_s = time.perf_counter() - t0
    w0, _ = _mean_plastic_weight(nest, nodes_ex)
    t0 = time.perf_counter()
    nest.Prepare()
    compile_s = time.perf_counter() - t0
    times, per_run, w1, n_read = [], [], None, 0
    for _ in range(repeats):
        before = int(recorder.get("n_events"))
        t0 = time.perf_counter()
        nest.Run(float(duration_ms))
        times.append(time.perf_counter() - t0)
        per_run.append(int(recorder.get("n_events")) - before)
        if w1 is None:
            w1, n_read = _mean_plastic_weight(nest, nodes_ex)
    t0 = time.perf_counter()
    nest.Cleanup()
    cleanup_s = time.perf_counter() - t0
    out = _result(
        nest,
        s,
        recorder,
        int(nodes_ex[0].global_id),
        duration_ms,
        dt_ms,
        threads,
        build_s=build_s,
        compile_s=compile_s,
        times=times,
        cleanup_s=cleanup_s,
        spikes_per_run=per_run,
        mean_weight_initial=w0,
        mean_weight_final=w1,
        weight_sample_synapses=n_read,
        stdp_synapse=syn,
    )
    return dict(out, model="brunel_delta_stdp")


def _result(nest, s, recorder, first_id, duration_ms, dt_ms, threads, *, times, **fields) -> dict:
    """The flat result dict of :func:`nest_brunel`, from the recorder's events of the first run."""
    idx = _first_run_spikes(recorder, first_id, duration_ms, dt_ms)
    spikes, n_exc_spk = int(idx.size), int(np.count_nonzero(idx < s["NE"]))
    T = duration_ms / 1000.0
    events = n_exc_spk * s["N"] * s["CE"] / s["NE"] + (spikes - n_exc_spk) * s["N"] * s["CI"] / s["NI"]
    return dict(
        simulator="nest",
        model="brunel_delta",
        target="nest",
        threads=int(threads),
        **run_times(times),
        spikes=spikes,
        mean_rate_hz=spikes / s["N"] / T,
        n_neurons=s["N"],
        n_synapses=_recurrent_synapses(nest, s),
        synaptic_events=int(round(events)),
        synaptic_events_method="expected",
        external_events=int(round(s["N"] * s["p_rate_hz"] * T)),
        rate_exc_hz=n_exc_spk / s["NE"] / T,
        rate_inh_hz=(spikes - n_exc_spk) / s["NI"] / T,
        duration_ms=float(duration_ms),
        dt_ms=float(dt_ms),
        scale=s["scale"],
        V_reset=s["V_reset"],
        versions=dict(base_versions(), nest=str(nest.__version__)),
        **fields,
    )


def _coba_build(nest, p: dict, dt_ms: float, threads: int, seed: int):
    """Reset NEST's kernel and create COBA; returns (neurons, spike recorder)."""
    _kernel(nest, dt_ms, threads, seed)
    cells = nest.Create("iaf_cond_exp", p["N"], params=p["nest"])
    cells.V_m = nest.random.uniform(p["Vr"], p["Vt"])
    return cells, _va_connect(nest, cells, p)


def _cobahh_build(nest, p: dict, dt_ms: float, threads: int, seed: int):
    """Reset NEST's kernel and create COBAHH; returns (neurons, spike recorder)."""
    _kernel(nest, dt_ms, threads, seed)
    names = (
        "C_m",
        "g_L",
        "E_L",
        "g_Na",
        "g_K",
        "E_Na",
        "E_K",
        "V_T",
        "t_ref",
        "E_ex",
        "E_in",
        "tau_syn_ex",
        "tau_syn_in",
    )
    cells = nest.Create("hh_cond_exp_traub", p["N"], params={k: p[k] for k in names})
    cells.V_m = nest.random.normal(*p["v0"])
    cells.set(Act_m=0.0, Inact_h=0.0, Act_n=0.0)  # as Brian2's example; NEST's own start is the equilibrium
    return cells, _va_connect(nest, cells, p)


def _va_connect(nest, cells, p: dict):
    """COBA's connectivity (pairwise Bernoulli, autapses allowed) and a spike recorder; returns the recorder."""
    recorder = nest.Create("spike_recorder")
    nest.Connect(cells, recorder)
    exc, inh = cells[: p["N_exc"]], cells[p["N_exc"] :]
    rule = {"rule": "pairwise_bernoulli", "p": p["p"], "allow_autapses": True}
    nest.Connect(exc, cells, rule, {"synapse_model": "static_synapse", "weight": p["w_exc"], "delay": p["delay"]})
    nest.Connect(inh, cells, rule, {"synapse_model": "static_synapse", "weight": -p["w_inh"], "delay": p["delay"]})
    return recorder


def _kernel(nest, dt_ms, threads, seed) -> None:
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.resolution = float(dt_ms)
    nest.local_num_threads = int(threads)
    nest.rng_seed = int(seed)
    nest.print_time = False


def _timed_runs(nest, recorder, duration_ms, repeats) -> tuple:
    """``nest.Prepare``, ``repeats`` timed ``nest.Run``, ``nest.Cleanup``: (compile_s, times, per_run, cleanup_s)."""
    t0 = time.perf_counter()
    nest.Prepare()
    compile_s = time.perf_counter() - t0
    times, per_run = [], []
    for _ in range(repeats):
        before = int(recorder.get("n_events"))
        t0 = time.perf_counter()
        nest.Run(float(duration_ms))
        times.append(time.perf_counter() - t0)
        per_run.append(int(recorder.get("n_events")) - before)
    t0 = time.perf_counter()
    nest.Cleanup()
    return compile_s, times, per_run, time.perf_counter() - t0


def nest_coba(duration_ms=1000.0, threads=1, seed=1, dt_ms=0.1, repeats=1) -> dict:
    """Build, run and time :func:`simcore.builtin.coba`'s network in NEST (module docstring).

    Timing and arguments as :func:`nest_brunel`; ``synaptic_events`` is exact
    (``sum_i spikes_i * outdeg_i`` from the connections, 320 000 of them).
    """
    return _nest_va("coba", _coba_build, coba_params(), duration_ms, threads, seed, dt_ms, repeats)


def nest_cobahh(duration_ms=1000.0, threads=1, seed=1, dt_ms=0.1, repeats=1) -> dict:
    """Build, run and time :func:`simcore.builtin.cobahh`'s network in NEST (module docstring); as :func:`nest_coba`."""
    return _nest_va("cobahh", _cobahh_build, cobahh_params(), duration_ms, threads, seed, dt_ms, repeats)


def _nest_va(model, build, p, duration_ms, threads, seed, dt_ms, repeats) -> dict:
    """Check the arguments, build with ``build``, time the runs; the flat result dict."""
    check_positive("duration_ms", duration_ms)
    check_positive("dt_ms", dt_ms)
    threads = check_int("threads", threads)
    seed = check_int("seed", seed, 1, 2**31)
    repeats = check_int("repeats", repeats)
    check_steps("delay", p["delay"], dt_ms)
    nest = import_nest()
    t0 = time.perf_counter()
    cells, recorder = build(nest, p, dt_ms, threads, seed)
    build_s = time.perf_counter() - t0
    conns = nest.GetConnections(source=cells, target=cells)
    outdeg = np.bincount(np.asarray(conns.get("source"), dtype=np.int64) - int(cells[0].global_id), minlength=p["N"])
    compile_s, times, per_run, cleanup_s = _timed_runs(nest, recorder, duration_ms, repeats)
    idx = _first_run_spikes(recorder, int(cells[0].global_id), duration_ms, dt_ms)
    n_exc_spk, T = int(np.count_nonzero(idx < p["N_exc"])), duration_ms / 1000.0
    return dict(
        simulator="nest",
        model=model,
        target="nest",
        threads=int(threads),
        **run_times(times),
        spikes=int(idx.size),
        mean_rate_hz=idx.size / p["N"] / T,
        n_neurons=p["N"],
        n_synapses=int(outdeg.sum()),
        synaptic_events=synaptic_events(idx, outdeg),
        synaptic_events_method="exact",
        rate_exc_hz=n_exc_spk / p["N_exc"] / T,
        rate_inh_hz=(idx.size - n_exc_spk) / p["N_inh"] / T,
        duration_ms=float(duration_ms),
        dt_ms=float(dt_ms),
        build_s=build_s,
        compile_s=compile_s,
        cleanup_s=cleanup_s,
        spikes_per_run=per_run,
        versions=dict(base_versions(), nest=str(nest.__version__)),
    )


#: the cases ``python -m benchmarks.references.nest --case NAME`` runs
CASES = {"brunel": nest_brunel, "plastic": nest_plastic, "coba": nest_coba, "cobahh": nest_cobahh}


def main(argv=None) -> int:
    """``python -m benchmarks.references.nest --case brunel [--kwargs JSON] --json FILE``."""
    return main_for("nest", CASES, argv)


if __name__ == "__main__":
    sys.exit(main())
