"""Single cells of every PyNN standard cell type under every current source, on any PyNN backend.

    python single_cells.py SIMULATOR CELLTYPE [TSTOP]

SIMULATOR as in va_benchmark.py; CELLTYPE a PyNN standard cell type name (IF_cond_exp,
EIF_cond_exp_isfa_ista, HH_cond_exp, Izhikevich, ...). One population of three cells per current
source (dc, step, ac, noisy); the source is injected into the view cells[1:3] (cell 0 gets
nothing). Prints JSON: per source, every cell's spike times (ms) and v every 0.1 ms.
"""

import json
import sys
from importlib import import_module

import numpy as np

simulator_name, celltype_name = sys.argv[1], sys.argv[2]
tstop = float(sys.argv[3]) if len(sys.argv) > 3 else 200.0
sim = import_module(f"pyNN.{simulator_name}")

#: amplitudes (nA) that make each cell type fire a few times in 200 ms
AMPLITUDE = {"Izhikevich": 0.01, "HH_cond_exp": 0.5, "EIF_cond_exp_isfa_ista": 1.0}
amp = AMPLITUDE.get(celltype_name, 1.0)
sources = {
    "dc": lambda: sim.DCSource(amplitude=amp, start=20.0, stop=150.0),
    "step": lambda: sim.StepCurrentSource(times=[20.0, 80.0, 120.0], amplitudes=[amp, 0.5 * amp, 1.5 * amp]),
    "ac": lambda: sim.ACSource(start=20.0, stop=180.0, amplitude=0.5 * amp, offset=amp, frequency=10.0, phase=0.0),
    "noisy": lambda: sim.NoisyCurrentSource(mean=amp, stdev=0.5 * amp, start=20.0, stop=180.0, dt=0.1),
}

sim.setup(timestep=0.1, min_delay=0.1, rng_seed=7)
populations = {}
for name, make in sources.items():
    cells = sim.Population(3, getattr(sim, celltype_name)(), label=f"cells_{name}")
    make().inject_into(cells[1:3])
    cells.record(["spikes", "v"])
    populations[name] = cells
sim.run(tstop)
result = {"simulator": simulator_name}
for name, cells in populations.items():
    seg = cells.get_data().segments[0]
    v = seg.filter(name="v")[0]
    result[name] = {
        "spikes": [np.asarray(st.rescale("ms").magnitude, dtype=float).round(4).tolist() for st in seg.spiketrains],
        "v": np.asarray(v.rescale("mV").magnitude, dtype=float)[: int(round(tstop / 0.1))].T.round(6).tolist(),
    }
print(json.dumps(result))
sim.end()
