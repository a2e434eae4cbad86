"""LIF neuron in ML form (docs/contract.md §3.1): see :class:`LIF` for its equations and parameters."""

from __future__ import annotations

import numpy as np

from simcore.base.params import Choice, Decay, Param, ParamSpec
from .base import NeuronModel, compile_phase, updates

#: reset modes of the ML-form models (docs/contract.md §3.1), shared with the dense mode
RESETS = ("subtract", "zero", "none")

#: the LIF's parameters, for the event engine and the dense mode (simcore.grad.LIFLayer) alike
LIF_SPEC = ParamSpec(
    Decay("tau_mem", "beta", 20.0, "membrane"),
    Param("threshold", 1.0, "1", "firing threshold", "positive"),
    Choice("reset", RESETS, "subtract", "what a spike does to u"),
)


def decay_from(values: dict, decay: str, tau: str, dt: float, model: str) -> np.ndarray:
    """``decay`` given directly, or ``exp(-dt/tau)``; exactly one of the two."""
    has_decay, has_tau = decay in values, tau in values
    if has_decay == has_tau:
        raise ValueError(f"{model} needs exactly one of {decay} or {tau}; got {'both' if has_decay else 'neither'}")
    if has_decay:
        return values[decay]
    return np.exp(-dt / values[tau])


class MLMembrane(NeuronModel):
    """What the ML-form models share: ``u = beta*u`` then ``u = u + I``, a reset chosen by name.

    Subclasses set ``resets``: reset mode -> compiled reset function.
    """

    receptors = ("I",)
    resets: dict = {}

    @property
    def reset_mode(self) -> str:
        return self.options["reset"]

    def phase_functions(self):
        fns = dict(self._phase_functions)
        fns["reset"] = self.resets[self.reset_mode]
        return fns

    @updates("u")
    def integrate(u, beta):
        return beta * u

    @updates("u")
    def deliver(u, I):
        return u + I


class LIF(MLMembrane):
    """Leaky integrate-and-fire, ML form (docs/contract.md §3.1).

    Per neuron, at step ``t``::

        u[t] = beta * u[t-1] + I[t]          # beta = exp(-dt/tau_mem) when tau_mem is given
        s[t] = H(u[t] - threshold)           # H(x) = 1 if x >= 0
        reset "subtract": u[t] -= threshold * s[t]
        reset "zero":     u[t] *= (1 - s[t])
        reset "none":     no change

    Integrate is ``u = beta*u`` and deliver ``u = u + I`` with ``I`` the summed
    input of the step: together one multiply and one add, as the dense mode
    (``simcore.grad.LIFLayer``, same parameters) does. Receptor: ``I``
    (dimensionless input per step). State: ``u`` (initial 0). Spikes carry
    the value 1.
    """

    state = {"u": 0.0}
    spec = LIF_SPEC

    def derive(self, values, dt):
        return {"beta": decay_from(values, "beta", "tau_mem", dt, self.model), "threshold": values["threshold"]}

    def threshold(u, threshold):
        return 1.0 if u >= threshold else 0.0

    @updates("u")
    def reset(u, threshold):
        return u - threshold


@updates("u")
def _reset_zero(u):
    return u * 0.0


@updates("u")
def reset_none(u):
    """The 'none' reset of every ML-form model."""
    return u


RESET_NONE = compile_phase("MLMembrane", "reset", reset_none)
LIF.resets = {
    "subtract": LIF._phase_functions["reset"],
    "zero": compile_phase("LIF", "reset", _reset_zero),
    "none": RESET_NONE,
}
