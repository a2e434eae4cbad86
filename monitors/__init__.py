"""Monitors: spikes, state traces and population rates, in memory and streamed to HDF5.

Names are imported on first use: importing the package loads none of its modules.
"""

from simcore.base.lazy import lazy_attributes

#: where each public name lives (imported on first use: :mod:`simcore.base.lazy`)
_WHERE = {
    "Monitor": ".base",
    "SpikeMonitor": ".spike",
    "PopulationRateMonitor": ".state",
    "StateMonitor": ".state",
    "WeightMonitor": ".weights",
}

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)
