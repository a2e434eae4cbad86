"""Monitors: spikes, state traces and population rates, in memory and streamed to HDF5."""

from .base import Monitor
from .spike import SpikeMonitor
from .state import PopulationRateMonitor, StateMonitor
from .weights import WeightMonitor

__all__ = ["Monitor", "SpikeMonitor", "StateMonitor", "PopulationRateMonitor", "WeightMonitor"]
