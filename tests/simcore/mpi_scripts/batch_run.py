"""Run by tests/simcore/test_mpi.py under ``mpiexec -n R``: a batch-parallel run of ``network``.

Usage: ``batch_run.py MODE BATCH STEPS OUT``. MODE ``ok``: rank 0 writes the merged results to OUT (.npz);
``raise``: rank 1's build raises; ``die``: rank 1 exits at once (``os._exit``) while the others run on.
"""

import os
import sys

import numpy as np

import simcore as sc
from simcore.mpi import RankFailed, run_batch_parallel

SEED = 7


def network(samples=None):
    """Per-sample random initial state, a Poisson group, Poisson drive, per-source and per-synapse delays."""
    net = sc.Network()
    pop = net.add(
        sc.LIFBio(
            60,
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
    src = net.add(sc.PoissonGroup(20, rate=sc.Uniform(20.0, 80.0), name="src"))
    net.connect(src, pop, sc.Bernoulli(0.3), weight=sc.Uniform(1.0, 3.0), receptor="exc", delay_steps=2)
    net.connect(pop, pop, sc.FixedInDegree(6), weight=-1.0, receptor="inh", delay=sc.Uniform(0.1, 1.0))
    net.add(sc.PoissonInput(pop, n_inputs=400, rate=50.0, weight=0.3, receptor="exc"))
    net.add(sc.SpikeMonitor(pop, name="spikes"))
    net.add(sc.SpikeMonitor(src, name="src_spikes"))
    net.add(sc.StateMonitor(pop, "v", neurons=[0, 5, 59], every=7, name="v"))
    return net


def main(mode: str, batch: int, steps: int, out: str) -> None:
    from mpi4py import MPI

    rank = MPI.COMM_WORLD.Get_rank()

    def build(samples):
        if mode == "raise" and rank == 1:
            raise RuntimeError("a build that fails on rank 1")
        if mode == "die" and rank == 1:
            os._exit(3)
        return network(samples)

    try:
        results = run_batch_parallel(build, steps=steps, batch_size=batch, seed=SEED, threads=1)
    except (RankFailed, ValueError) as exc:
        print(f"rank {rank} {type(exc).__name__}: {exc}", flush=True)
        sys.exit(2)
    if rank == 0:
        np.savez(out, **{f"{mon}/{key}": arr for mon, res in results.items() for key, arr in res.items()})


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
