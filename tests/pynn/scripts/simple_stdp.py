"""One synapse with pair STDP, in the style of PyNN's examples/simple_STDP.py.

    python simple_stdp.py SIMULATOR [additive|multiplicative]

A spike source fires once at 10 ms into a neuron driven to fire by a second, strong input at
15 ms; the plastic synapse (delay 1 ms) sees the pre spike arrive before the post spike, so it is
potentiated. Prints the post spike times and the final weight as JSON.
"""

import json
import sys
from importlib import import_module

sim = import_module(f"pyNN.{sys.argv[1]}")
rule = sys.argv[2] if len(sys.argv) > 2 else "additive"

sim.setup(timestep=0.1, min_delay=1.0)
pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0]), label="pre")
kick = sim.Population(1, sim.SpikeSourceArray(spike_times=[15.0]), label="kick")
post = sim.Population(1, sim.IF_cond_exp(tau_refrac=2.0), label="post")
if rule == "additive":
    wdep = sim.AdditiveWeightDependence(w_min=0.0, w_max=0.02)
else:
    wdep = sim.MultiplicativeWeightDependence(w_min=0.0, w_max=0.02)
stdp = sim.STDPMechanism(
    timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.012),
    weight_dependence=wdep,
    weight=0.005,
    delay=1.0,
    dendritic_delay_fraction=0.0,
)
plastic = sim.Projection(pre, post, sim.AllToAllConnector(), stdp, receptor_type="excitatory")
sim.Projection(
    kick, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.2, delay=1.0), receptor_type="excitatory"
)
post.record(["spikes", "v"])
sim.run(60.0)
spikes = post.get_data().segments[0].spiketrains[0]
print(
    json.dumps(
        {
            "post_spikes": [float(t) for t in spikes.magnitude],
            "weight": float(plastic.get("weight", format="list", with_address=False)[0]),
        }
    )
)
sim.end()
