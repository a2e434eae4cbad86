"""Everything that feeds a receptor: projections, connectors, delay queues and stimuli.

Names are imported on first use: importing the package loads none of its modules.
"""

from simcore.base.lazy import lazy_attributes

#: the public names of each module (imported on first use: :mod:`simcore.base.lazy`)
__all__, __getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        ".connectors": (
            "AllToAll",
            "Bernoulli",
            "Connector",
            "FixedInDegree",
            "FixedOutDegree",
            "FromArrays",
            "FromMatrix",
            "OneToOne",
        ),
        ".delays": ("DelayQueue",),
        ".model": (
            "Static",
            "SynapseModel",
            "updates",
        ),
        ".short_term": ("TsodyksMarkram",),
        ".stdp": ("STDP",),
        ".triplet": ("TripletSTDP",),
        ".projection": ("Projection",),
        ".stimuli": (
            "ACSource",
            "CurrentInput",
            "DCSource",
            "InhomogeneousPoissonInput",
            "NoisyCurrent",
            "PoissonInput",
            "StepCurrent",
            "StepCurrentSource",
            "Stimulus",
        ),
    },
)
