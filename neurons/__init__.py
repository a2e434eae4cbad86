"""Neuron models: the model API (:mod:`neurons.base`) and the built-in models.

Names are imported on first use: importing the package loads none of the models.
"""

from simcore.base.lazy import lazy_attributes

#: where each public name lives (imported on first use: :mod:`simcore.base.lazy`)
_WHERE = {
    "AdEx": ".adex",
    "AdExCondExp": ".adex_cond",
    "ALIF": ".alif",
    "NeuronModel": ".base",
    "updates": ".base",
    "HHCondExp": ".hh",
    "Izhikevich": ".izhikevich",
    "LIB": ".lib",
    "LIF": ".lif",
    "LIFCurrAlpha": ".lif_alpha",
    "LIFBio": ".lif_bio",
    "Linear": ".linear",
    "LIFCondAlpha": ".lif_cond",
    "LIFCondExp": ".lif_cond",
    "Readout": ".readout",
    "PoissonGroup": ".sources",
    "SpikeArraySource": ".sources",
}

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)
