"""Case ``recording``: CUBA with every spike and some voltages streamed to HDF5, against no recording."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile

from benchmarks.machine import PeakRSS
from benchmarks.records import record, target
from benchmarks.timing import TimedNetwork, check_repeats

NAME = "recording"

#: sizes of the full mode
FULL = {"n": 4000, "duration_ms": 10000.0, "repeats": 3, "state_neurons": 100}

#: sizes of the quick mode
QUICK = {"n": 4000, "duration_ms": 1000.0, "repeats": 5, "state_neurons": 100}


def _recorded(n: int, state_neurons: int, keep: bool):
    """``cuba(record=True)`` plus a StateMonitor of ``v`` of ``state_neurons`` excitatory neurons (0: none)."""
    import simcore as sc
    from simcore.builtin import cuba

    net = cuba(n, record=True, keep_in_memory=keep)
    exc = net.population("exc")
    if state_neurons > 0:
        net.add(sc.StateMonitor(exc, "v", neurons=range(min(state_neurons, exc.n)), keep_in_memory=keep, name="v_exc"))
    return net


def _pct(value: float, base: float) -> float:
    return 100.0 * (value - base) / base


def _overheads(base: TimedNetwork, rec: TimedNetwork, in_memory: TimedNetwork, duration_ms: float) -> dict:
    """The recorded run's summary plus every overhead figure (see :func:`run`)."""
    b, r = base.summary(duration_ms, key="wall_s"), rec.summary(duration_ms, key="wall_s")
    m = in_memory.summary(duration_ms, key="wall_s")
    b_loop, r_loop = base.summary(duration_ms)["run_s"], rec.summary(duration_ms)["run_s"]
    return dict(
        r,
        baseline_run_s=b["run_s"],
        baseline_run_s_all=b["run_s_all"],
        overhead_pct=_pct(r["run_s"], b["run_s"]),
        loop_run_s=r_loop,
        baseline_loop_run_s=b_loop,
        overhead_loop_pct=_pct(r_loop, b_loop),
        file_open_close_s=float(statistics.median(x["wall_s"] - x["seconds"] for x in rec.runs)),
        in_memory_run_s=m["run_s"],
        overhead_in_memory_pct=_pct(m["run_s"], b["run_s"]),
        overhead_cpu_pct=_pct(r["run_cpu_s"], b["run_cpu_s"]),
        events_per_s=r["synaptic_events"] / r["run_s"] if r["run_s"] > 0 else None,
    )


def run(
    n: int = 4000,
    duration_ms: float = 1000.0,
    repeats: int = 5,
    state_neurons: int = 100,
    out_dir: str | None = None,
    dtype: str = "float64",
    seed: int = 1,
) -> list[dict]:
    """CUBA with every spike and ``v`` of ``state_neurons`` neurons streamed to HDF5, vs no recording.

    Recorded: ``cuba(record=True, keep_in_memory=False)`` (a SpikeMonitor and
    a PopulationRateMonitor per population) plus a ``StateMonitor(exc, "v",
    neurons=range(state_neurons), keep_in_memory=False)``, run with
    ``out=<file>``; baseline: ``cuba(record=False)``. The runs alternate;
    times are the wall time of the whole ``run`` call (the file's creation
    and closing included), median of ``repeats``; ``overhead_pct`` (the
    target) compares those. For diagnosis: ``overhead_loop_pct`` (stepping
    loops only), ``overhead_cpu_pct`` (process CPU time) and
    ``overhead_in_memory_pct`` (the same monitors keeping everything in
    memory, no file: the monitors' cost in the kernel without HDF5). A fourth network records the spikes
    alone to the file (``overhead_spikes_only_pct``). The targets are the issue's: all spikes at most
    10 %, all spikes plus ``v`` of ``state_neurons`` neurons every step at most 25 %.
    """
    from simcore.builtin import cuba

    repeats = check_repeats(repeats)
    tmp = tempfile.mkdtemp(prefix="spikesim_rec_", dir=out_dir)
    try:
        with PeakRSS() as mem:
            base = TimedNetwork(cuba(n, record=False), dtype=dtype, seed=seed, count_spikes=False)
            rec = TimedNetwork(_recorded(n, state_neurons, False), dtype=dtype, seed=seed, count_spikes=False)
            in_memory = TimedNetwork(_recorded(n, state_neurons, True), dtype=dtype, seed=seed, count_spikes=False)
            spikes_only = TimedNetwork(_recorded(n, 0, False), dtype=dtype, seed=seed, count_spikes=False)
            path = os.path.join(tmp, "recording.h5")
            for _ in range(repeats):
                base.run_once(duration_ms)
                rec.run_once(duration_ms, out=path)
                in_memory.run_once(duration_ms)
                spikes_only.run_once(duration_ms, out=os.path.join(tmp, "spikes.h5"))
            mem.read()
            file_bytes = os.path.getsize(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    fields = _overheads(base, rec, in_memory, duration_ms)
    spikes_s = spikes_only.summary(duration_ms, key="wall_s")["run_s"]
    fields["spikes_only_run_s"] = spikes_s
    fields["overhead_spikes_only_pct"] = _pct(spikes_s, fields["baseline_run_s"])
    params = {
        "n": n,
        "duration_ms": float(duration_ms),
        "batch": 1,
        "dt_ms": 0.1,
        "dtype": dtype,
        "seed": seed,
        "repeats": repeats,
        "state_neurons": state_neurons,
    }
    notes = [
        (
            f"overhead {fields['overhead_pct']:+.1f}% vs {fields['baseline_run_s']:.3g} s unrecorded "
            f"(loop only {fields['overhead_loop_pct']:+.1f}%, CPU time {fields['overhead_cpu_pct']:+.1f}%, "
            f"same monitors in memory {fields['overhead_in_memory_pct']:+.1f}%), file {file_bytes / 1e6:.3g} MB; "
            f"spikes only {fields['overhead_spikes_only_pct']:+.1f}%"
        )
    ]
    return [
        record(
            NAME,
            f"n={n} T={float(duration_ms):g}ms",
            params,
            **fields,
            file_bytes=file_bytes,
            peak_rss_bytes=mem.bytes,
            peak_rss_scope=mem.scope,
            notes=notes,
            targets=[
                target("recording all spikes to HDF5: overhead", fields["overhead_spikes_only_pct"], 10.0, "<=", "%"),
                target(
                    f"recording all spikes plus v of {state_neurons} neurons every step: overhead",
                    fields["overhead_pct"],
                    25.0,
                    "<=",
                    "%",
                ),
            ],
        )
    ]
