"""spikesim: a clock-based, mini-batched spiking network simulator with Numba kernels.

One import gives the whole public API::

    import simcore as sc
    net = sc.Network()
    pop = net.add(sc.LIF(100, tau_mem=20.0, threshold=1.0))
    ...
"""
from neurons import LIF, LIFBio, NeuronModel, PoissonGroup, SpikeArraySource, updates
from monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
from synapses import (AllToAll, Bernoulli, Connector, FixedInDegree, FixedOutDegree, FromArrays, FromMatrix,
                      OneToOne, Projection)

from .clock import ms_to_steps
from .delays import DelayQueue
from .distributions import Distribution, Exponential, LogNormal, Normal, Uniform
from .errors import SpikesimWarning
from .network import Network
from .schedule import PHASES
from .stimuli import CurrentInput, PoissonInput, StepCurrent

__version__ = "0.1.0"

__all__ = [
    "Network", "NeuronModel", "updates", "LIF", "LIFBio", "PoissonGroup", "SpikeArraySource",
    "Projection", "Connector", "AllToAll", "OneToOne", "Bernoulli", "FixedInDegree", "FixedOutDegree",
    "FromArrays", "FromMatrix", "CurrentInput", "StepCurrent", "PoissonInput",
    "SpikeMonitor", "StateMonitor", "PopulationRateMonitor",
    "Distribution", "Uniform", "Normal", "LogNormal", "Exponential",
    "DelayQueue", "PHASES", "ms_to_steps", "SpikesimWarning", "__version__",
]
