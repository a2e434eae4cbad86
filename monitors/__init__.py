"""Monitors: spikes, state traces and population rates, in memory and streamed to HDF5.

Names are imported on first use: importing the package loads none of its modules.
"""

from simcore.base.lazy import lazy_attributes

#: the public names of each module (imported on first use: :mod:`simcore.base.lazy`)
__all__, __getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        ".base": ("Monitor",),
        ".spike": ("SpikeMonitor",),
        ".state": (
            "PopulationRateMonitor",
            "StateMonitor",
        ),
        ".weights": ("WeightMonitor",),
    },
)
