"""Neuron models: the model API (:mod:`neurons.base`) and the built-in models."""
from .base import NeuronModel, updates
from .lif import LIF
from .lif_bio import LIFBio
from .sources import PoissonGroup, SpikeArraySource

__all__ = ["NeuronModel", "updates", "LIF", "LIFBio", "PoissonGroup", "SpikeArraySource"]
from .alif import ALIF
from .lib import LIB
from .readout import Readout

__all__ += ["ALIF", "LIB", "Readout"]
