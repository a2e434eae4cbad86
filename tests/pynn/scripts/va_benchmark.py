"""A Vogels-Abbott network (Brette et al. 2007, benchmarks 1 and 2), scaled down, in the style of
PyNN's examples/VAbenchmarks.py.

    python va_benchmark.py SIMULATOR [COBA|CUBA] [N] [TSTOP] [I_OFFSET] [SEED]

SIMULATOR names a PyNN backend module: "nest" imports pyNN.nest, "spikesim" pyNN.spikesim
(register it first: sys.modules["pyNN.spikesim"] = simcore.pynn). Prints the rates as JSON.

As VAbenchmarks.py, COBA starts with a kick of 20 Poisson sources (100 Hz for 50 ms, 0.1 uS,
p = 0.01). Without drive (I_OFFSET = 0 nA) the scaled network's activity then lives for a
random time and dies (at 0.1 to over 1 s, in NEST as in spikesim, depending on the seed), so
its mean rate is no property of the simulator. I_OFFSET (nA, every cell's i_offset; 0.2 nA =
Brian2's COBA drive of 20 mV at g_L = 10 nS) keeps it in a stationary state. SEED is the
backend's ``rng_seed`` (the Poisson kick); the network is drawn from NumpyRNG(98765).
"""

import json
import sys

import numpy as np
from importlib import import_module

simulator_name = sys.argv[1]
benchmark = sys.argv[2] if len(sys.argv) > 2 else "COBA"
n_cells = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
tstop = float(sys.argv[4]) if len(sys.argv) > 4 else 500.0
i_offset = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
seed = int(sys.argv[6]) if len(sys.argv) > 6 else 12345
sim = import_module(f"pyNN.{simulator_name}")
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: E402

dt, delay = 0.1, 0.2
r_ei = 4.0
pconn = 0.02 * 4000 / n_cells  # keeps the in-degree of the 4000-cell network
n_exc = int(r_ei * n_cells / (1 + r_ei))
n_inh = n_cells - n_exc
cell_params = {
    "tau_m": 20.0,
    "tau_syn_E": 5.0,
    "tau_syn_I": 10.0,
    "v_rest": -60.0,
    "v_reset": -60.0,
    "v_thresh": -50.0,
    "cm": 0.2,
    "tau_refrac": 5.0,
    "i_offset": i_offset,
}
if benchmark == "COBA":
    celltype = sim.IF_cond_exp
    cell_params.update(e_rev_E=0.0, e_rev_I=-80.0)
    w_exc, w_inh = 4e-3, 51e-3  # uS
else:
    celltype = sim.IF_curr_exp
    cell_params["v_rest"] = -49.0  # CUBA: drive from a rest above threshold
    w_exc, w_inh = 0.27, -4.5  # nA

sim.setup(timestep=dt, min_delay=delay, max_delay=1.0, rng_seed=seed)
rng = NumpyRNG(seed=98765)
exc = sim.Population(n_exc, celltype(**cell_params), label="Excitatory_Cells")
inh = sim.Population(n_inh, celltype(**cell_params), label="Inhibitory_Cells")
v_init = RandomDistribution("uniform", low=-60.0, high=-50.0, rng=rng)
exc.initialize(v=v_init)
inh.initialize(v=v_init)

connector = sim.FixedProbabilityConnector(pconn, rng=rng)
exc_syn = sim.StaticSynapse(weight=w_exc, delay=delay)
inh_syn = sim.StaticSynapse(weight=w_inh, delay=delay)
projections = [
    sim.Projection(exc, exc, connector, exc_syn, receptor_type="excitatory"),
    sim.Projection(exc, inh, connector, exc_syn, receptor_type="excitatory"),
    sim.Projection(inh, exc, connector, inh_syn, receptor_type="inhibitory"),
    sim.Projection(inh, inh, connector, inh_syn, receptor_type="inhibitory"),
]
if benchmark == "COBA":  # a short kick of Poisson input starts the activity (VAbenchmarks.py's)
    ext = sim.Population(20, sim.SpikeSourcePoisson(rate=100.0, start=0.0, duration=50.0), label="expoisson")
    ext_syn = sim.StaticSynapse(weight=0.1, delay=delay)
    ext_conn = sim.FixedProbabilityConnector(0.01, rng=rng)
    for cells in (exc, inh):
        projections.append(sim.Projection(ext, cells, ext_conn, ext_syn, receptor_type="excitatory"))
exc.record("spikes")
inh.record("spikes")
exc[:2].record("v")

sim.run(tstop)

exc_data = exc.get_data()
inh_data = inh.get_data()
v = exc_data.segments[0].filter(name="v")[0]
result = {
    "simulator": simulator_name,
    "benchmark": benchmark,
    "n_cells": n_cells,
    "tstop": tstop,
    "n_synapses": sum(p.size() for p in projections),
    "exc_rate": exc.mean_spike_count() * 1000.0 / tstop,
    "inh_rate": inh.mean_spike_count() * 1000.0 / tstop,
    "exc_spikes": sum(len(st) for st in exc_data.segments[0].spiketrains),
    "exc_counts_per_100ms": [
        int(c)
        for c in np.histogram(
            np.concatenate([np.asarray(st) for st in exc_data.segments[0].spiketrains] + [np.zeros(0)]),
            bins=max(1, int(tstop // 100)),
            range=(0.0, tstop),
        )[0]
    ],
    "v_units": str(v.units.dimensionality),
    "v_shape": list(v.shape),
}
print(json.dumps(result))
sim.end()
