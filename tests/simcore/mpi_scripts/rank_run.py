"""Run by tests/simcore/test_ranks.py under ``mpiexec -n R``: networks split over ranks (simcore.ranks).

Usage: ``rank_run.py MODE OUTDIR``. MODE ``ok``: each network of :data:`CASES` runs as ``run(a); run(b, out=...)``
and rank 0 writes the merged results to ``OUTDIR/<case>.npz`` and the joined recording of the second run to
``OUTDIR/<case>.h5``; ``ckpt_store``: ``run(a, store=OUTDIR/<case>.ck.h5)`` of mixed and brunel;
``ckpt_restore``: ``run(b, restore=...)`` of them, rank 0 writing ``OUTDIR/<case>.restored.npz``; ``hang``:
rank 1 sleeps before its first exchange (the others must stop with ``ExchangeTimeout``, never hang);
``raise``: rank 1 raises in its build. Run as ``python -m mpi4py rank_run.py ...``: an exception a rank does
not catch aborts the job.
"""

import os
import sys
import time

import numpy as np

import simcore as sc
from simcore import ranks
from simcore.builtin import brunel, cuba

SEED = 11
#: steps of the two runs (run(a); run(b)): the split falls inside an exchange window
STEPS = (97, 143)


def mixed():
    """Uneven blocks (61 neurons), a spike array source of 2 neurons (some rank has none), per-source,
    per-synapse and per-target delays, a Poisson drive, a state monitor."""
    net = sc.Network()
    pop = net.add(
        sc.LIFBio(
            61,
            E_L=-60.0,
            V_th=-50.0,
            V_reset=-60.0,
            tau_m=10.0,
            t_ref=2.0,
            tau_syn={"exc": 3.0, "inh": 6.0},
            init={"v": sc.Uniform(-60.0, -50.0)},
            name="pop",
        )
    )
    rng = np.random.default_rng(5)
    src = net.add(sc.SpikeArraySource(2, (rng.random((400, 2)) < 0.05).astype(float), name="src"))
    net.connect(src, pop, sc.Bernoulli(0.6), weight=sc.Uniform(1.0, 3.0), receptor="exc", delay=sc.Uniform(0.3, 1.0))
    net.connect(pop, pop, sc.FixedInDegree(6), weight=-1.0, receptor="inh", delay=sc.Uniform(0.3, 1.0), name="rec")
    net.connect(
        pop,
        pop,
        sc.Bernoulli(0.1),
        weight=sc.Normal(1.0, 0.3),
        receptor="exc",
        delay=sc.Uniform(0.4, 0.9),
        delay_per="synapse",
        name="syn_delays",
    )
    net.connect(
        pop,
        pop,
        sc.Bernoulli(0.05),
        weight=0.7,
        receptor="exc",
        delay=sc.Uniform(0.5, 1.2),
        delay_per="target",
        name="dendritic",
    )
    net.add(sc.PoissonInput(pop, n_inputs=400, rate=50.0, weight=0.3, receptor="exc"))
    net.add(sc.SpikeMonitor(pop, name="spikes"))
    net.add(sc.SpikeMonitor(src, name="src_spikes"))
    net.add(sc.StateMonitor(pop, "v", neurons=[0, 20, 21, 40, 60], every=3, name="v"))
    net.add(sc.PopulationRateMonitor(pop, name="rate"))
    return net


#: name -> (builder, dtype, batch)
CASES = {
    "mixed": (mixed, "float64", 1),
    "mixed32": (mixed, "float32", 2),
    "cuba": (lambda: cuba(250, delay=0.2), "float32", 1),
    "brunel": (lambda: brunel(0.04), "float64", 1),
}


def reference(case: str, out=None) -> dict:
    """The one-process run of ``case`` (``run(a); run(b, out=out)``): its monitors' results."""
    build, dtype, batch = CASES[case]
    net = build()
    net.run(steps=STEPS[0], seed=SEED, dtype=dtype, batch_size=batch, threads=1)
    net.run(steps=STEPS[1], threads=1, out=out)
    net.close()
    return {m.name: m.export_results() for m in net.monitors}


def main(mode: str, outdir: str) -> None:
    from mpi4py import MPI

    rank = MPI.COMM_WORLD.Get_rank()
    if mode == "ok":
        for case, (build, dtype, batch) in CASES.items():
            net = build()
            ranks.run(net, steps=STEPS[0], seed=SEED, dtype=dtype, batch_size=batch)
            merged = ranks.run(net, steps=STEPS[1], out=os.path.join(outdir, f"{case}.h5"))
            if rank == 0:
                flat = {f"{m}/{k}": v for m, res in merged.items() for k, v in res.items()}
                np.savez(os.path.join(outdir, f"{case}.npz"), **flat)
        return
    if mode in ("ckpt_store", "ckpt_restore"):  # run(a) stored on one rank count, run(b) restored on another
        for case in ("mixed", "brunel"):
            build, dtype, batch = CASES[case]
            path = os.path.join(outdir, f"{case}.ck.h5")
            if mode == "ckpt_store":
                ranks.run(build(), steps=STEPS[0], seed=SEED, dtype=dtype, batch_size=batch, store=path)
                continue
            merged = ranks.run(build(), steps=STEPS[1], restore=path)
            if rank == 0:
                flat = {f"{m}/{k}": v for m, res in merged.items() for k, v in res.items()}
                np.savez(os.path.join(outdir, f"{case}.restored.npz"), **flat)
        return
    # run as ``python -m mpi4py rank_run.py``: an exception a rank does not catch aborts the whole job
    if mode == "raise" and rank == 1:
        raise RuntimeError("a build that fails on rank 1")
    net = mixed()
    net.build(seed=SEED)
    if mode == "hang" and rank == 1:
        time.sleep(120)
    ranks.run(net, steps=50, timeout=3.0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
