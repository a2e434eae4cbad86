"""A small recorded network run in a child process by the recording regression tests.

``python _child_net.py PATH SLEEP_S N_CHUNKS`` runs 100-step chunks; after
every chunk it prints ``chunk <t> <wall time>`` and sleeps ``SLEEP_S`` seconds (so a
parent can read or kill it at a known moment).
"""

import sys
import time

import simcore as sc


def small_network():
    """40 LIF neurons driven by Poisson input; spikes, rate and two traces monitored."""
    net = sc.Network("child")
    pop = net.add(
        sc.LIFBio(
            40,
            E_L=-60.0,
            V_th=-50.0,
            V_reset=-60.0,
            tau_m=10.0,
            t_ref=1.0,
            tau_syn={"exc": 3.0},
            init={"v": sc.Uniform(-60.0, -50.0)},
            name="pop",
        )
    )
    net.add(sc.PoissonInput(pop, n_inputs=400, rate=50.0, weight=0.3))
    net.add(sc.SpikeMonitor(pop, keep_in_memory=False))
    net.add(sc.PopulationRateMonitor(pop, keep_in_memory=False))
    net.add(sc.StateMonitor(pop, ("v", "g_exc"), neurons=[0, 5], every=2, keep_in_memory=False))
    return net


def main(path, sleep_s, n_chunks):
    net = small_network()
    net.build(batch_size=2, dt=0.1, seed=3, chunk_steps=100)
    net.warmup()

    def pace(network):
        print(f"chunk {network.t} {time.time()!r}", flush=True)
        time.sleep(sleep_s)

    net.run(steps=100 * n_chunks, out=path, callback=pace)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
