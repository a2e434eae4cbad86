"""Readout, a leaky integrator (docs/contract.md §3.5): see :class:`Readout`."""

from __future__ import annotations

from simcore.base.params import Decay, ParamSpec
from .base import NeuronModel, updates
from .lif import decay_from

#: the readout's parameters, for the event engine and the dense mode (simcore.grad.ReadoutLayer) alike
READOUT_SPEC = ParamSpec(Decay("tau_out", "kappa", 20.0, "readout"))


class Readout(NeuronModel):
    """Leaky integrator without spikes, the output layer in training (docs/contract.md §3.5).

    Per neuron, at step ``t``::

        y[t] = kappa*y[t-1] + I[t]           # kappa = exp(-dt/tau_out) when tau_out is given

    Integrate is ``y = kappa*y``, deliver ``y = y + I``; there is no threshold,
    reset or spike (``spiking = False``): record ``y`` with a StateMonitor. The
    losses of the dense mode (docs/contract.md §4) read ``y``; its layer
    ``simcore.grad.ReadoutLayer`` takes the same parameters. Receptor: ``I``.
    State: ``y`` (initial 0).
    """

    state = {"y": 0.0}
    spec = READOUT_SPEC
    receptors = ("I",)
    spiking = False

    def derive(self, values, dt):
        return {"kappa": decay_from(values, "kappa", "tau_out", dt, self.model)}

    @updates("y")
    def integrate(y, kappa):
        return kappa * y

    @updates("y")
    def deliver(y, I):
        return y + I
