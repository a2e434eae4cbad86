"""ALIF neuron (docs/contract.md §3.3): see :class:`ALIF` for its equations and parameters."""

from __future__ import annotations

from simcore.base.params import Choice, Decay, Param, ParamSpec
from .base import compile_phase, updates
from .lif import RESET_NONE, RESETS, MLMembrane, decay_from

#: the ALIF's parameters, for the event engine and the dense mode (simcore.grad.ALIFLayer) alike
ALIF_SPEC = ParamSpec(
    Decay("tau_mem", "beta", 20.0, "membrane"),
    Decay("tau_adapt", "rho", 200.0, "adaptation"),
    Param("threshold", 1.0, "1", "baseline threshold", "positive"),
    Param("b_adapt", 1.8, "1", "threshold increase per unit of a", "nonnegative"),
    Choice("reset", RESETS, "subtract", "what a spike does to u ('subtract' removes A)"),
)


class ALIF(MLMembrane):
    """Adaptive-threshold LIF (Bellec et al. 2018), docs/contract.md §3.3.

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

    The dense mode (``simcore.grad.ALIFLayer``) takes the same parameters.
    Receptor: ``I`` (dimensionless input per step). State: ``u``, ``a`` (initial 0). Spikes carry the value 1.

    References: G. Bellec, D. Salaj, A. Subramoney, R. Legenstein, W. Maass (2018),
    Long short-term memory and learning-to-learn in networks of spiking neurons,
    NeurIPS 31.
    """

    state = {"u": 0.0, "a": 0.0}
    spec = ALIF_SPEC

    def derive(self, values, dt):
        return {
            "beta": decay_from(values, "beta", "tau_mem", dt, self.model),
            "rho": decay_from(values, "rho", "tau_adapt", dt, self.model),
            "threshold": values["threshold"],
            "b_adapt": values["b_adapt"],
        }

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
