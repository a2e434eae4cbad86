"""spikesim: a clock-based, mini-batched spiking network simulator with Numba kernels.

One import gives the whole public API::

    import simcore as sc
    net = sc.Network()
    pop = net.add(sc.LIF(100, tau_mem=20.0, threshold=1.0))

The floor plan (docs/architecture.md; checked by import-linter with the contracts in ``pyproject.toml``):

* ``simcore.base``, the ground floor: errors, clock, random streams,
  distributions, parameter specs, the component protocol, the schedule and
  code generation. It imports no other spikesim package.
* ``synapses`` (projections, delay queues, stimuli: everything that feeds a
  receptor), ``neurons`` (the model API and the models) and ``monitors``,
  built on the ground floor.
* the roof: ``simcore.network``, ``simcore.builtin``, ``simcore.cli``,
  ``simcore.grad`` (dense BPTT mode) and ``simcore.tasks``.

The ground floor lives inside this package, so Python runs this file before
any ground-floor module, also when ``neurons`` is imported first. Names of
the ground floor are therefore imported here at once, and the names of the
floors above (which import the ground floor) on first use: importing
``neurons`` alone never pulls in the network, and no import order can fail.
"""

import importlib

from simcore.base.clock import ms_to_steps
from simcore.base.component import Component
from simcore.base.distributions import Distribution, Exponential, LogNormal, Normal, Uniform
from simcore.base.errors import SpikesimWarning
from simcore.base.params import Choice, Decay, Param, ParamSpec
from simcore.base.schedule import PHASES

__version__ = "0.1.0"

#: public names of the floors above the ground floor, by module
_ABOVE = {
    "neurons": (
        "NeuronModel",
        "updates",
        "LIF",
        "LIFBio",
        "ALIF",
        "LIB",
        "Readout",
        "PoissonGroup",
        "SpikeArraySource",
        "Izhikevich",
        "AdEx",
        "Linear",
        "LIFCondExp",
        "LIFCondAlpha",
        "LIFCurrAlpha",
        "AdExCondExp",
        "HHCondExp",
    ),
    "synapses": (
        "Projection",
        "Connector",
        "AllToAll",
        "OneToOne",
        "Bernoulli",
        "FixedInDegree",
        "FixedOutDegree",
        "FromArrays",
        "FromMatrix",
        "DelayQueue",
        "Stimulus",
        "CurrentInput",
        "StepCurrent",
        "PoissonInput",
        "SynapseModel",
        "Static",
        "STDP",
        "TripletSTDP",
        "TsodyksMarkram",
        "DCSource",
        "StepCurrentSource",
        "NoisyCurrent",
        "ACSource",
        "InhomogeneousPoissonInput",
    ),
    "monitors": ("Monitor", "SpikeMonitor", "StateMonitor", "PopulationRateMonitor", "WeightMonitor"),
    "simcore.network": ("Network", "RunStopped"),
}
_WHERE = {name: module for module, names in _ABOVE.items() for name in names}

#: subpackages reached as ``simcore.grad`` (dense BPTT mode), ``simcore.tasks`` and ``simcore.builtin``
_SUBMODULES = ("grad", "tasks", "builtin")

__all__ = sorted(_WHERE) + [
    "Choice",
    "Component",
    "Decay",
    "Distribution",
    "Exponential",
    "LogNormal",
    "Normal",
    "PHASES",
    "Param",
    "ParamSpec",
    "SpikesimWarning",
    "Uniform",
    "__version__",
    "ms_to_steps",
]


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
