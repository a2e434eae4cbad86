"""Deferred against eager potentiation, each against the static network, in one process.

The ``plastic`` case's network (Brunel's model A with STDP on exc -> exc) is
built three times: static, plastic with deferred potentiation (what a run
without a WeightMonitor gets, :class:`synapses.plastic.Deferred`), and
plastic with the eager walk over each spiking target's synapses (forced by
``weights_watched``, as a WeightMonitor would). They run ``--duration`` ms
in turn, ``--repeats`` times, on one thread; printed per round: the CPU time
of each and the two plastic / static ratios, then whether the two plastic
networks ended with the same weights (they must: the deferral is exact).

Run: ``python -m benchmarks.plastic_walks [--scale 1.0] [--duration 300] [--repeats 4]``.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from benchmarks.cases.plastic import plastic_brunel
from benchmarks.timing import TimedNetwork


def exc_exc(net):
    """The plastic projection of the case's network."""
    return next(p for p in net.projections if p.name == "exc_exc")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=300.0, help="ms per run")
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args(argv)
    from simcore.builtin import brunel

    eager_net = plastic_brunel(args.scale)
    exc_exc(eager_net).weights_watched = True  # what a WeightMonitor does: no deferral
    nets = {
        "static": TimedNetwork(brunel(args.scale, record=False), threads=1, seed=1),
        "deferred": TimedNetwork(plastic_brunel(args.scale), threads=1, seed=1),
        "eager": TimedNetwork(eager_net, threads=1, seed=1),
    }
    for r in range(args.repeats):
        cpu = {name: tn.run_once(args.duration)["cpu_s"] for name, tn in nets.items()}
        print(
            f"round {r}: static {cpu['static']:.3f} s, deferred {cpu['deferred']:.3f} s "
            f"({cpu['deferred'] / cpu['static']:.2f}x), eager {cpu['eager']:.3f} s "
            f"({cpu['eager'] / cpu['static']:.2f}x); load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    same = np.array_equal(exc_exc(nets["deferred"].net).weights, exc_exc(nets["eager"].net).weights)
    print(f"deferred and eager weights identical: {same}")


if __name__ == "__main__":
    main()
