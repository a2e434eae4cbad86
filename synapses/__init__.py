"""Everything that feeds a receptor: projections, connectors, delay queues and stimuli."""

from .connectors import AllToAll, Bernoulli, Connector, FixedInDegree, FixedOutDegree, FromArrays, FromMatrix, OneToOne
from .delays import DelayQueue
from .model import Static, SynapseModel, updates
from .short_term import TsodyksMarkram
from .stdp import STDP
from .triplet import TripletSTDP
from .projection import Projection
from .stimuli import (
    ACSource,
    CurrentInput,
    DCSource,
    InhomogeneousPoissonInput,
    NoisyCurrent,
    PoissonInput,
    StepCurrent,
    StepCurrentSource,
    Stimulus,
)

__all__ = [
    "ACSource",
    "DCSource",
    "InhomogeneousPoissonInput",
    "NoisyCurrent",
    "StepCurrentSource",
    "AllToAll",
    "Bernoulli",
    "Connector",
    "CurrentInput",
    "DelayQueue",
    "FixedInDegree",
    "FixedOutDegree",
    "FromArrays",
    "FromMatrix",
    "OneToOne",
    "PoissonInput",
    "Projection",
    "STDP",
    "Static",
    "StepCurrent",
    "Stimulus",
    "SynapseModel",
    "TripletSTDP",
    "TsodyksMarkram",
    "updates",
]
