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


def require_one_of(model: str, param_values: dict, first: str, second: str) -> None:
    """Raise unless exactly one of two alternative parameters is given (checked at construction)."""
    has_first, has_second = param_values.get(first) is not None, param_values.get(second) is not None
    if has_first == has_second:
        raise ValueError(f"{model} needs exactly one of {first} or {second}; got {'both' if has_first else 'neither'}")


def require(model: str, param_values: dict, *names: str) -> None:
    """Raise unless every parameter in ``names`` is given."""
    missing = [k for k in names if param_values.get(k) is None]
    if missing:
        raise ValueError(f"{model} needs parameter(s) {missing}; got none for them")


class MLMembrane(NeuronModel):
    """What the ML-form models share: ``u = beta*u`` then ``u = u + I``, a reset chosen by name.

    Subclasses set ``resets``: reset mode -> compiled reset function.
    """

    receptors = ("I",)
    resets: dict = {}

    def __init__(self, n, *, reset: str = "subtract", **kwargs):
        self.reset_mode = check_choice(reset, RESETS, "reset")
        super().__init__(n, **kwargs)
        require_one_of(self.model, self.param_values, "beta", "tau_mem")

    def phase_functions(self):
        fns = dict(self._phase_functions)
        fns["reset"] = self.resets[self.reset_mode]
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


class LIF(MLMembrane):
    """Leaky integrate-and-fire, ML form (MODELS.md 3.1); see the module docstring."""

    state = {"u": 0.0}
    params = {"beta": None, "tau_mem": None, "threshold": 1.0}

    def check(self, values):
        check_decay(values, "beta", self.model)
        check_positive(values, "tau_mem", self.model)
        check_positive(values, "threshold", self.model)

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
