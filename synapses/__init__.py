"""Everything that feeds a receptor: projections, connectors, delay queues and stimuli.

Names are imported on first use: importing the package loads none of its modules.
"""

from simcore.base.lazy import lazy_attributes

#: where each public name lives (imported on first use: :mod:`simcore.base.lazy`)
_WHERE = {
    "AllToAll": ".connectors",
    "Bernoulli": ".connectors",
    "Connector": ".connectors",
    "FixedInDegree": ".connectors",
    "FixedOutDegree": ".connectors",
    "FromArrays": ".connectors",
    "FromMatrix": ".connectors",
    "OneToOne": ".connectors",
    "DelayQueue": ".delays",
    "Static": ".model",
    "SynapseModel": ".model",
    "updates": ".model",
    "TsodyksMarkram": ".short_term",
    "STDP": ".stdp",
    "TripletSTDP": ".triplet",
    "Projection": ".projection",
    "ACSource": ".stimuli",
    "CurrentInput": ".stimuli",
    "DCSource": ".stimuli",
    "InhomogeneousPoissonInput": ".stimuli",
    "NoisyCurrent": ".stimuli",
    "PoissonInput": ".stimuli",
    "StepCurrent": ".stimuli",
    "StepCurrentSource": ".stimuli",
    "Stimulus": ".stimuli",
}

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)
