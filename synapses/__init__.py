"""Synapses: sparse projections, connectors and delay-queue kernels."""
from .connectors import AllToAll, Bernoulli, Connector, FixedInDegree, FixedOutDegree, FromArrays, FromMatrix, OneToOne
from .projection import Projection

__all__ = ["AllToAll", "Bernoulli", "Connector", "FixedInDegree", "FixedOutDegree", "FromArrays", "FromMatrix",
           "OneToOne", "Projection"]
