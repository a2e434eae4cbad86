"""spikesim: a clock-based, mini-batched spiking network simulator with Numba kernels.

One import gives the whole public API::

    import simcore as sc
    net = sc.Network()
    pop = net.add(sc.LIF(100, tau_mem=20.0, threshold=1.0))

Names are resolved on first use (PEP 562), so importing any one package of
spikesim (``neurons``, ``synapses``, ``monitors``) never needs the others
first and no import order can form a cycle.
"""
import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "neurons": ("NeuronModel", "updates", "LIF", "LIFBio", "ALIF", "LIB", "Readout", "PoissonGroup",
                "SpikeArraySource"),
    "neurons.izhikevich": ("Izhikevich",),
    "neurons.adex": ("AdEx",),
    "synapses": ("Projection", "Connector", "AllToAll", "OneToOne", "Bernoulli", "FixedInDegree",
                 "FixedOutDegree", "FromArrays", "FromMatrix"),
    "monitors": ("SpikeMonitor", "StateMonitor", "PopulationRateMonitor"),
    "simcore.network": ("Network",),
    "simcore.stimuli": ("CurrentInput", "StepCurrent", "PoissonInput"),
    "simcore.distributions": ("Distribution", "Uniform", "Normal", "LogNormal", "Exponential"),
    "simcore.delays": ("DelayQueue",),
    "simcore.schedule": ("PHASES",),
    "simcore.clock": ("ms_to_steps",),
    "simcore.errors": ("SpikesimWarning",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

#: subpackages reached as ``simcore.grad`` (dense BPTT mode) and ``simcore.tasks`` (task generators)
_SUBMODULES = ("grad", "tasks", "builtin")

__all__ = sorted(_WHERE) + ["__version__"]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"simcore.{name}")
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'simcore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
