"""LIF neuron in ML form (MODELS.md 3.1).

Equations, per neuron, at step ``t``::

    u[t] = beta * u[t-1] + I[t]          # beta = exp(-dt/tau_mem) when tau_mem is given
    s[t] = H(u[t] - threshold)           # H(x) = 1 if x >= 0
    reset "subtract": u[t] -= threshold * s[t]
    reset "zero":     u[t] *= (1 - s[t])
    reset "none":     no change

Integrate is ``u = beta*u`` and deliver ``u = u + I`` with ``I`` the summed
input of the step: together one multiply and one add, as the dense mode does.

=========== ======= ====== ==========================================
name        default unit   meaning
=========== ======= ====== ==========================================
beta        --      1      membrane decay per step, in [0, 1]
tau_mem     --      ms     membrane time constant (instead of beta)
threshold   1.0     1      firing threshold, > 0
reset       subtract       'subtract', 'zero' or 'none'
=========== ======= ====== ==========================================

Receptor: ``I`` (dimensionless input per step). State: ``u`` (initial 0).
Spikes carry the value 1.
"""
from __future__ import annotations

import numpy as np

from simcore.errors import check_choice
from .base import NeuronModel, compile_phase, updates

RESETS = ("subtract", "zero", "none")


def check_decay(values: dict, name: str, model: str) -> None:
    """A decay must lie in [0, 1]."""
    if name in values:
        arr = values[name]
        if np.any((arr < 0) | (arr > 1)):
            raise ValueError(f"{model}.{name} must lie in [0, 1]; got {arr[(arr < 0) | (arr > 1)][0]}")


def check_positive(values: dict, name: str, model: str) -> None:
    if name in values:
        arr = values[name]
        if np.any(arr <= 0):
            raise ValueError(f"{model}.{name} must be > 0; got {arr[arr <= 0][0]}")


def decay_from(values: dict, decay: str, tau: str, dt: float, model: str) -> np.ndarray:
    """``decay`` given directly, or ``exp(-dt/tau)``; exactly one of the two."""
    has_decay, has_tau = decay in values, tau in values
    if has_decay == has_tau:
        raise ValueError(f"{model} needs exactly one of {decay} or {tau}; got "
                         f"{'both' if has_decay else 'neither'}")
    if has_decay:
        return values[decay]
    return np.exp(-dt / values[tau])


class LIF(NeuronModel):
    """Leaky integrate-and-fire, ML form (MODELS.md 3.1); see the module docstring."""

    state = {"u": 0.0}
    params = {"beta": None, "tau_mem": None, "threshold": 1.0}
    receptors = ("I",)

    def __init__(self, n, *, reset: str = "subtract", **kwargs):
        self.reset_mode = check_choice(reset, RESETS, "reset")
        super().__init__(n, **kwargs)
        if self.param_values["beta"] is None and self.param_values["tau_mem"] is None:
            raise ValueError("LIF needs exactly one of beta or tau_mem; got neither")
        if self.param_values["beta"] is not None and self.param_values["tau_mem"] is not None:
            raise ValueError("LIF needs exactly one of beta or tau_mem; got both")

    def check(self, values):
        check_decay(values, "beta", self.model)
        check_positive(values, "tau_mem", self.model)
        check_positive(values, "threshold", self.model)

    def derive(self, values, dt):
        return {"beta": decay_from(values, "beta", "tau_mem", dt, self.model), "threshold": values["threshold"]}

    def phase_functions(self):
        fns = dict(self._phase_functions)
        fns["reset"] = _LIF_RESETS[self.reset_mode]
        return fns

    def describe(self):
        d = super().describe()
        d["reset"] = self.reset_mode
        return d

    @updates("u")
    def integrate(u, beta):
        return beta * u

    @updates("u")
    def deliver(u, I):
        return u + I

    def threshold(u, threshold):
        return 1.0 if u >= threshold else 0.0

    @updates("u")
    def reset(u, threshold):
        return u - threshold


@updates("u")
def _reset_zero(u):
    return u * 0.0


@updates("u")
def _reset_none(u):
    return u


_LIF_RESETS = {
    "subtract": LIF._phase_functions["reset"],
    "zero": compile_phase("LIF", "reset", _reset_zero),
    "none": compile_phase("LIF", "reset", _reset_none),
}
