"""Neuron models: the model API (:mod:`neurons.base`) and the built-in models."""

from .adex import AdEx
from .adex_cond import AdExCondExp
from .alif import ALIF
from .base import NeuronModel, updates
from .hh import HHCondExp
from .izhikevich import Izhikevich
from .lib import LIB
from .lif import LIF
from .lif_alpha import LIFCurrAlpha
from .lif_bio import LIFBio
from .linear import Linear
from .lif_cond import LIFCondAlpha, LIFCondExp
from .readout import Readout
from .sources import PoissonGroup, SpikeArraySource

__all__ = [
    "Linear",
    "ALIF",
    "AdEx",
    "AdExCondExp",
    "HHCondExp",
    "Izhikevich",
    "LIB",
    "LIF",
    "LIFBio",
    "LIFCondAlpha",
    "LIFCondExp",
    "LIFCurrAlpha",
    "NeuronModel",
    "PoissonGroup",
    "Readout",
    "SpikeArraySource",
    "updates",
]
