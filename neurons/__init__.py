"""Neuron models: the model API (:mod:`neurons.base`) and the built-in models.

Names are imported on first use: importing the package loads none of the models.
"""

from simcore.base.lazy import lazy_attributes

#: the public names of each module (imported on first use: :mod:`simcore.base.lazy`)
__all__, __getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        ".adex": ("AdEx",),
        ".adex_cond": ("AdExCondExp",),
        ".alif": ("ALIF",),
        ".base": (
            "NeuronModel",
            "updates",
        ),
        ".hh": ("HHCondExp",),
        ".izhikevich": ("Izhikevich",),
        ".lib": ("LIB",),
        ".lif": ("LIF",),
        ".lif_alpha": ("LIFCurrAlpha",),
        ".lif_bio": ("LIFBio",),
        ".linear": ("Linear",),
        ".lif_cond": (
            "LIFCondAlpha",
            "LIFCondExp",
        ),
        ".readout": ("Readout",),
        ".sources": (
            "PoissonGroup",
            "SpikeArraySource",
        ),
    },
)
