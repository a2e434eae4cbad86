"""Monitors: spikes, state traces and population rates, in memory and streamed to HDF5."""
from .spike import SpikeMonitor
from .state import PopulationRateMonitor, StateMonitor

__all__ = ["SpikeMonitor", "StateMonitor", "PopulationRateMonitor"]
