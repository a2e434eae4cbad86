"""ALIF: LIF with an adaptive threshold (Bellec et al. 2018), MODELS.md 3.3.

Equations, per neuron, at step ``t``::

    u[t] = beta*u[t-1] + I[t]            # beta = exp(-dt/tau_mem) when tau_mem is given
    A[t] = threshold + b_adapt*a[t-1]    # effective threshold
    s[t] = H(u[t] - A[t])                # H(x) = 1 if x >= 0
    u[t] -= A[t]*s[t]                    # reset "subtract" removes the effective threshold
    a[t] = rho*a[t-1] + s[t]             # rho = exp(-dt/tau_adapt) when tau_adapt is given

Phases: integrate ``u = beta*u``; deliver ``u = u + I``; threshold compares
``u - A`` with 0; reset (only when ``s = 1``) ``u = u - A*s``; ``post`` runs
every step after the reset and updates ``a`` with the step's spike, so ``A``
of step ``t`` reads ``a[t-1]``. The reset options of the dense mode are
offered as well: ``"zero"`` (``u = u - u*s``) and ``"none"``. Note that
Bellec et al. write ``a[t] = rho*a[t-1] + (1 - rho)*s[t]``; the contract has
no ``(1 - rho)``, so ``b_adapt`` here is Bellec's ``beta*(1 - rho)``.

=========== ======= ====== =================================================
name        default unit   meaning
=========== ======= ====== =================================================
beta        --      1      membrane decay per step, in [0, 1]
tau_mem     --      ms     membrane time constant, > 0 (instead of beta)
rho         --      1      adaptation decay per step, in [0, 1]
tau_adapt   --      ms     adaptation time constant, > 0 (instead of rho)
threshold   1.0     1      baseline threshold, > 0
b_adapt     --      1      threshold increase per unit of ``a``, >= 0
reset       subtract       'subtract' (contract), 'zero' or 'none'
=========== ======= ====== =================================================

Exactly one of ``beta``/``tau_mem`` and one of ``rho``/``tau_adapt`` is
required, and ``b_adapt``. Receptor: ``I`` (dimensionless input per step).
State: ``u``, ``a`` (initial 0). Spikes carry the value 1.

References: G. Bellec, D. Salaj, A. Subramoney, R. Legenstein, W. Maass (2018),
Long short-term memory and learning-to-learn in networks of spiking neurons,
NeurIPS 31.
"""
from __future__ import annotations

from .base import compile_phase, updates
from .lif import RESET_NONE, MLMembrane, check_decay, check_positive, decay_from, require, require_one_of


def check_nonnegative(values: dict, name: str, model: str) -> None:
    if name in values:
        arr = values[name]
        if (arr < 0).any():
            raise ValueError(f"{model}.{name} must be >= 0; got {arr[arr < 0][0]}")


class ALIF(MLMembrane):
    """Adaptive-threshold LIF (MODELS.md 3.3); see the module docstring."""

    state = {"u": 0.0, "a": 0.0}
    params = {"beta": None, "tau_mem": None, "rho": None, "tau_adapt": None, "threshold": 1.0, "b_adapt": None}

    def __init__(self, n, *, reset: str = "subtract", **kwargs):
        super().__init__(n, reset=reset, **kwargs)
        require_one_of(self.model, self.param_values, "rho", "tau_adapt")
        require(self.model, self.param_values, "b_adapt")

    def check(self, values):
        check_decay(values, "beta", self.model)
        check_decay(values, "rho", self.model)
        check_positive(values, "tau_mem", self.model)
        check_positive(values, "tau_adapt", self.model)
        check_positive(values, "threshold", self.model)
        check_nonnegative(values, "b_adapt", self.model)

    def derive(self, values, dt):
        return {"beta": decay_from(values, "beta", "tau_mem", dt, self.model),
                "rho": decay_from(values, "rho", "tau_adapt", dt, self.model),
                "threshold": values["threshold"], "b_adapt": values["b_adapt"]}

    def threshold(u, a, threshold, b_adapt):
        A = threshold + b_adapt * a
        return 1.0 if u - A >= 0.0 else 0.0

    @updates("u")
    def reset(u, a, s, threshold, b_adapt):
        A = threshold + b_adapt * a
        return u - A * s

    @updates("a")
    def post(a, s, rho):
        return rho * a + s


@updates("u")
def _reset_zero(u, s):
    return u - u * s


ALIF.resets = {
    "subtract": ALIF._phase_functions["reset"],
    "zero": compile_phase("ALIF", "reset", _reset_zero),
    "none": RESET_NONE,
}
