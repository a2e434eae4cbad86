"""Readout: a leaky integrator without spikes, MODELS.md 3.5.

Per neuron, at step ``t``::

    y[t] = kappa*y[t-1] + I[t]           # kappa = exp(-dt/tau_out) when tau_out is given

Integrate is ``y = kappa*y``, deliver ``y = y + I``; there is no threshold,
reset or spike (``spiking = False``): record ``y`` with a StateMonitor. Used
as the output layer in training (the losses of MODELS.md 4 read ``y``).

=========== ======= ==== ==============================================
name        default unit meaning
=========== ======= ==== ==============================================
kappa       --      1    decay per step, in [0, 1]
tau_out     --      ms   time constant, > 0 (instead of kappa)
=========== ======= ==== ==============================================

Exactly one of ``kappa`` and ``tau_out`` is required. Receptor: ``I``.
State: ``y`` (initial 0).
"""
from __future__ import annotations

from .base import NeuronModel, updates
from .lif import check_decay, check_positive, decay_from, require_one_of


class Readout(NeuronModel):
    """Leaky integrator output layer (MODELS.md 3.5); see the module docstring."""

    state = {"y": 0.0}
    params = {"kappa": None, "tau_out": None}
    receptors = ("I",)
    spiking = False

    def __init__(self, n, **kwargs):
        super().__init__(n, **kwargs)
        require_one_of(self.model, self.param_values, "kappa", "tau_out")

    def check(self, values):
        check_decay(values, "kappa", self.model)
        check_positive(values, "tau_out", self.model)

    def derive(self, values, dt):
        return {"kappa": decay_from(values, "kappa", "tau_out", dt, self.model)}

    @updates("y")
    def integrate(y, kappa):
        return kappa * y

    @updates("y")
    def deliver(y, I):
        return y + I
