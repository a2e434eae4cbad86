"""Case ``plastic``: Brunel's model A with STDP on the excitatory-to-excitatory synapses, batch 1.

The network is the ``brunel`` case's (:func:`simcore.builtin.brunel`,
``exc_synapse=``) with additive pair STDP, all-to-all pairing and hard bounds
(:class:`synapses.STDP`, docs/contract.md §3.7) on the synapses from
excitatory to excitatory neurons, ``batch="per_sample"``, parameters
:data:`STDP_PARAMS`:

* ``tau_pre = tau_post = 20 ms``; ``w_min = 0``, ``w_max = 0.2 mV`` (twice J);
* ``A_pre = lambda * w_max``, ``A_post = -alpha * lambda * w_max`` with
  ``lambda = 0.002`` and ``alpha = 1.1`` (NEST's ``stdp_synapse``
  parametrisation: its weight changes by ``lambda * Wmax`` per unit of trace).

With these the network stays in its asynchronous irregular state for 1 s:
the uncorrelated pairs depress slightly (``alpha > 1``); at scale 1 the mean
weight falls by about 1 % in 1 s and the rates end about 14 % below the
static network's (32.7 against 37.8 Hz; at scale 0.2, 2 % and 3 %).

Each repeat runs the static network and then the plastic one (same seed,
same connectivity), so the ratio plastic/static is measured in one process,
interleaved. NEST (``stdp_synapse``, one thread) and Brian2 cpp_standalone
run the same plastic network; with ``static_references`` they also run the
static one (the ``brunel`` case's runs: in a full suite the cached results
are reused), giving their own plastic/static ratio.
"""

from __future__ import annotations

import statistics

import numpy as np

from benchmarks.cases.common import check_references, reference_comparisons
from benchmarks.machine import PeakRSS
from benchmarks.records import ratio_of, record, target
from benchmarks.references import run_reference
from benchmarks.timing import TimedNetwork, check_repeats

NAME = "plastic"

#: the STDP learning rate and depression/potentiation ratio, in NEST's terms
LAMBDA, ALPHA, W_MAX = 0.002, 1.1, 0.2

#: the excitatory-to-excitatory STDP of the case, spikesim's names (mV, ms)
STDP_PARAMS = {
    "A_pre": LAMBDA * W_MAX,
    "A_post": -ALPHA * LAMBDA * W_MAX,
    "tau_pre": 20.0,
    "tau_post": 20.0,
    "w_min": 0.0,
    "w_max": W_MAX,
}

#: sizes of the full mode (the issue's)
FULL = {"scale": 1.0, "duration_ms": 1000.0, "repeats": 3, "references": ("nest", "brian2_cpp_standalone")}

#: sizes of the quick mode (NEST only: Brian2's C++ compilation alone takes a minute)
QUICK = {"scale": 0.2, "duration_ms": 500.0, "repeats": 3, "references": ("nest",)}

#: target speed-up per reference
GOALS = {"brian2_cpp_standalone": ("Brian2 cpp_standalone", 2.0), "nest": ("NEST stdp_synapse (1 thread)", 3.0)}

#: the plastic network may cost at most this many times the static one
MAX_PLASTIC_OVER_STATIC = 2.0


def plastic_brunel(scale: float):
    """The case's network: :func:`simcore.builtin.brunel` at ``scale`` with :data:`STDP_PARAMS` on exc -> exc."""
    import simcore as sc
    from simcore.builtin import brunel

    return brunel(scale, record=False, exc_synapse=sc.STDP(**STDP_PARAMS))


def _exc_exc(net):
    return next(p for p in net.projections if p.name == "exc_exc")


def _population_rates(tn: TimedNetwork, duration_ms: float) -> dict:
    """``rate_exc_hz``, ``rate_inh_hz`` of the last run (the case's PopulationRateMonitors)."""
    out = {}
    for m in tn.rate_monitors:
        out[f"rate_{m.population.name}_hz"] = float(m.counts.sum()) / (m.population.n * duration_ms / 1000.0)
    return out


def time_pair(scale: float, duration_ms: float, repeats: int, dtype: str, seed: int) -> tuple[dict, dict, dict]:
    """Static and plastic networks built, warmed up and run alternately ``repeats`` times.

    Both run on one thread (``threads=1``: the static network would
    otherwise split into shards over every core; the plastic one cannot).
    Returns ``(static summary, plastic summary, extra)``; ``extra`` has the
    plastic network's population rates, mean exc -> exc weight before and
    after a run, and the ratio of the median run times.
    """
    repeats = check_repeats(repeats)
    from simcore.builtin import brunel

    static = TimedNetwork(brunel(scale, record=False), dt=0.1, seed=seed, dtype=dtype, threads=1)
    plastic = TimedNetwork(plastic_brunel(scale), dt=0.1, seed=seed, dtype=dtype, threads=1)
    w0 = float(np.mean(_exc_exc(plastic.net).weights))
    for _ in range(repeats):
        static.run_once(duration_ms)
        plastic.run_once(duration_ms)
    s, p = static.summary(duration_ms), plastic.summary(duration_ms)
    ratios = [b["seconds"] / a["seconds"] for a, b in zip(static.runs, plastic.runs)]
    extra = {
        **_population_rates(plastic, duration_ms),
        "mean_weight_initial": w0,
        "mean_weight_final": float(np.mean(_exc_exc(plastic.net).weights)),
        "static_run_s": s["run_s"],
        "static_mean_rate_hz": s["mean_rate_hz"],
        "static_run_s_all": s["run_s_all"],
        "plastic_over_static": p["run_s"] / s["run_s"],
        "plastic_over_static_per_repeat": ratios,
        "plastic_over_static_median_of_pairs": float(statistics.median(ratios)),
    }
    return s, p, extra


def _reference_entries(summary: dict, references, scale, duration_ms, seed, repeats, static_references) -> list:
    """Comparisons with the references' plastic runs, with their mean weights and plastic/static ratios."""
    kwargs = dict(duration_ms=float(duration_ms), scale=float(scale), seed=max(1, seed), threads=1, repeats=repeats)
    comparisons = reference_comparisons(summary, references, "plastic", stdp=dict(STDP_PARAMS), **kwargs)
    for name, c in zip(references, comparisons):
        if c.get("status") != "ok":
            continue
        ref = run_reference(name, "plastic", stdp=dict(STDP_PARAMS), **kwargs)  # cached: the same run
        c.update({k: ref.get(k) for k in ("mean_weight_initial", "mean_weight_final", "rate_exc_hz", "rate_inh_hz")})
        note = f"mean w {ref['mean_weight_initial']:.5g} -> {ref['mean_weight_final']:.5g} mV"
        if static_references:
            static = run_reference(name, "brunel", **kwargs)  # the brunel case's run (cached in a full suite)
            if static.get("status") == "ok":
                c["plastic_over_static"] = float(ref["run_s"]) / float(static["run_s"])
                note += f"; plastic/static x{c['plastic_over_static']:.3g}"
        c["note"] = note
    return comparisons


def run(
    scale: float = 1.0,
    duration_ms: float = 1000.0,
    repeats: int = 3,
    references=("nest", "brian2_cpp_standalone"),
    static_references: bool = True,
    dtype: str = "float64",
    seed: int = 1,
) -> list[dict]:
    """The plastic Brunel network at ``scale``, batch 1, against its static version and the references; one record.

    ``references`` are keys of :data:`benchmarks.references.REFERENCES`
    (``"nest"``, ``"brian2_cpp_standalone"``, ...); they run the same
    ``scale``, ``duration_ms``, ``repeats`` and :data:`STDP_PARAMS` on one
    thread. ``static_references``: also run each reference's static network
    (the ``brunel`` case's) for its plastic/static ratio.
    """
    references = check_references(references)
    with PeakRSS() as mem:
        static, summary, extra = time_pair(scale, duration_ms, repeats, dtype, seed)
        mem.read()
    params = {
        "scale": scale,
        "duration_ms": float(duration_ms),
        "batch": 1,
        "dt_ms": 0.1,
        "dtype": dtype,
        "seed": seed,
        "repeats": repeats,
        "stdp": dict(STDP_PARAMS, pairing="all_to_all", weight_dependence="additive", batch="per_sample"),
        "stdp_nest": {"lambda": LAMBDA, "alpha": ALPHA, "Wmax": W_MAX, "mu_plus": 0.0, "mu_minus": 0.0},
    }
    comparisons = _reference_entries(summary, references, scale, duration_ms, seed, repeats, static_references)
    size = f"plastic brunel scale {scale:g}"
    targets = [
        target(f"{size}: speed-up vs {GOALS[name][0]}", ratio_of(comparisons, name), GOALS[name][1], ">=", "x")
        for name in references
        if name in GOALS
    ]
    targets.append(
        target(f"{size}: plastic / static run time", extra["plastic_over_static"], MAX_PLASTIC_OVER_STATIC, "<=", "x")
    )
    notes = [
        f"static {extra['static_run_s']:.4g} s ({extra['static_mean_rate_hz']:.2f} Hz), "
        f"plastic/static x{extra['plastic_over_static']:.3g}",
        f"exc {extra.get('rate_exc_hz', float('nan')):.2f} Hz, inh {extra.get('rate_inh_hz', float('nan')):.2f} Hz; "
        f"mean w {extra['mean_weight_initial']:.5g} -> {extra['mean_weight_final']:.5g} mV",
    ]
    return [
        record(
            NAME,
            f"scale={scale:g} T={float(duration_ms):g}ms",
            params,
            **summary,
            **extra,
            static_summary=static,
            peak_rss_bytes=mem.bytes,
            peak_rss_scope=mem.scope,
            comparisons=comparisons,
            targets=targets,
            notes=notes,
        )
    ]
