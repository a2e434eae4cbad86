"""Speed of a user-defined model against the built-in LIF, per neuron-step.

Runs the built-in :class:`simcore.LIF` and the user-defined
:class:`simcore.Izhikevich` (written with the public model API
only) in the same process, on the same network shape: one population of
``n`` neurons, batch ``B``, a constant StepCurrent, no synapses and no
monitors, so the time is the neuron update of the generated kernel. The JIT
is warmed first (compile time reported apart), then each model runs
``steps`` steps ``repeats`` times (state reset between runs); the median is
reported in ns per neuron-step, with the Izhikevich/LIF ratio.

Usage::

    python benchmarks/bench_models.py [--n 10000] [--batch 8] [--steps 10000] [--repeats 3]
                                      [--models LIF,Izhikevich,AdEx,ALIF,LIB]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numba
import numpy as np

import simcore as sc

MODELS = {
    # (population factory, StepCurrent amplitude, dt in ms)
    "LIF": (lambda n: sc.LIF(n, tau_mem=20.0, threshold=1.0), 0.01, 0.1),
    "Izhikevich": (lambda n: sc.Izhikevich(n, a=0.02, b=0.2, c=-65.0, d=8.0), 10.0, 0.1),
    "AdEx": (lambda n: sc.AdEx(n), 800.0, 0.1),
    "ALIF": (lambda n: sc.ALIF(n, tau_mem=20.0, tau_adapt=200.0, threshold=1.0, b_adapt=0.05), 0.01, 0.1),
    "LIB": (lambda n: sc.LIB.single_trace(n, alpha=0.9, beta=0.95, theta=1.0, gamma=0.9, rec_weight=-0.05), 0.01, 0.1),
}


def bench(model: str, n: int, batch: int, steps: int, repeats: int) -> dict:
    factory, amplitude, dt = MODELS[model]
    net = sc.Network(f"bench_{model}")
    pop = net.add(factory(n))
    net.add(sc.StepCurrent(pop, amplitude))
    net.build(batch_size=batch, dt=dt, seed=1)
    compile_s = net.warmup()
    times = []
    for _ in range(repeats):
        net.reset()
        t0 = time.perf_counter()
        net.run(steps=steps)
        times.append(time.perf_counter() - t0)
    run_s = statistics.median(times)
    return {
        "model": model,
        "compile_s": compile_s,
        "run_s": run_s,
        "runs_s": times,
        "ns_per_neuron_step": run_s / (n * batch * steps) * 1e9,
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="LIF,Izhikevich")
    args = ap.parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in models:
        if m not in MODELS:
            ap.error(f"--models: {m!r} is not one of {sorted(MODELS)}")
    print(
        f"# {platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads), numpy {np.__version__}"
    )
    print(f"# n={args.n} batch={args.batch} steps={args.steps} repeats={args.repeats} (median), float64")
    results = {}
    for m in models:
        r = bench(m, args.n, args.batch, args.steps, args.repeats)
        results[m] = r
        print(
            f"{m:12s} compile/load {r['compile_s']:7.2f} s   run {r['run_s']:7.3f} s   "
            f"{r['ns_per_neuron_step']:6.3f} ns/neuron-step   runs {[round(x, 3) for x in r['runs_s']]}"
        )
    if "LIF" in results:
        base = results["LIF"]["ns_per_neuron_step"]
        for m, r in results.items():
            if m != "LIF":
                print(f"ratio {m}/LIF per neuron-step: {r['ns_per_neuron_step'] / base:.3f}")
    return results


if __name__ == "__main__":
    main()
