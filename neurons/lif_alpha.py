"""Current-based LIF with alpha-shaped synaptic currents (NEST ``iaf_psc_alpha``): see :class:`LIFCurrAlpha`."""

from __future__ import annotations

import math

import numpy as np

from simcore.base.params import Param, ParamSpec
from .base import NeuronModel, updates
from .conductance import ConductanceModel
from .units import spec_units, warn_implausible, warn_implausible_weights, warn_volts

LIF_CURR_ALPHA_SPEC = ParamSpec(
    Param("C_m", 250.0, "pF", "membrane capacitance", "positive"),
    Param("tau_m", 10.0, "ms", "membrane time constant", "positive"),
    Param("E_L", -70.0, "mV", "resting potential (and the initial v)"),
    Param("V_th", -55.0, "mV", "spike threshold (strict: v > V_th)"),
    Param("V_reset", -70.0, "mV", "reset potential, < V_th"),
    Param("t_ref", 2.0, "ms", "refractory period", "nonnegative"),
    Param("tau_syn_ex", 2.0, "ms", "rise time of the excitatory current", "positive"),
    Param("tau_syn_in", 2.0, "ms", "rise time of the inhibitory current", "positive"),
    Param("I_e", 0.0, "pA", "constant input current"),
)

#: receptor -> unit of a weight there (a current amplitude, sign included, as NEST)
RECEPTOR_UNITS = {"exc": "pA", "inh": "pA", "I": "pA"}


def phi1(x):
    """``expm1(x)/x`` (1 at 0), without cancellation."""
    x = np.asarray(x, dtype=np.float64)
    safe = np.where(x == 0.0, 1.0, x)
    return np.where(x == 0.0, 1.0, np.expm1(safe) / safe)


def phi2(x):
    """``int_0^1 u exp(x u) du = (exp(x)(x - 1) + 1)/x**2`` (1/2 at 0): a series where the closed form cancels."""
    x = np.asarray(x, dtype=np.float64)
    series, term = np.zeros_like(x), np.ones_like(x)
    for n in range(30):  # sum_n x^n / (n! (n+2)); 30 terms reach float64 precision for |x| <= 1
        series = series + term / (n + 2)
        term = term * x / (n + 1)
    safe = np.where(np.abs(x) <= 1.0, 1.0, x)
    closed = (np.exp(safe) * (safe - 1.0) + 1.0) / (safe * safe)
    return np.where(np.abs(x) <= 1.0, series, closed)


def alpha_propagators(tau_m, tau_s, C_m, h) -> dict:
    """Exact propagators of ``(dI, I, V)`` over a step ``h`` (NEST's P11, P21, P31, P32, P33).

    ``dI' = -dI/tau_s``, ``I' = dI - I/tau_s``, ``C_m V' = -C_m V/tau_m + I``:
    with ``x = h (1/tau_m - 1/tau_s)`` and ``P_m = exp(-h/tau_m)``::

        P11 = P22 = exp(-h/tau_s),   P21 = h * P11
        P32 = P_m * h * phi1(x) / C_m            (I  -> V)
        P31 = P_m * h**2 * phi2(x) / C_m         (dI -> V)

    finite and accurate also at ``tau_s == tau_m``.
    """
    x = h * (1.0 / tau_m - 1.0 / tau_s)
    P_m = np.exp(-h / tau_m)
    return {"P11": np.exp(-h / tau_s), "P31": P_m * h * h * phi2(x) / C_m, "P32": P_m * h * phi1(x) / C_m}


class LIFCurrAlpha(NeuronModel):
    """LIF with alpha-shaped synaptic currents, exact propagation (NEST ``iaf_psc_alpha``, PyNN ``IF_curr_alpha``).

    Units mV, ms, pF, pA. For each receptor ``r`` (``exc``, ``inh``)::

        C_m dv/dt   = -C_m (v - E_L)/tau_m + I_ex + I_in + I_e + I_stim
        d(dI_r)/dt  = -dI_r/tau_r
        dI_r/dt     = dI_r - I_r/tau_r

    A weight ``w`` (pA, negative for inhibition, as NEST) arriving at time 0
    gives ``I_r(t) = w (t/tau_r) exp(1 - t/tau_r)``, peaking at ``w`` at ``t = tau_r``.
    The system is linear, so phase 1 propagates it exactly over the step with
    the propagator matrix of NEST (:func:`alpha_propagators`; docs/contract.md §3.9)::

        v    <- E_L + (v - E_L) P_m + sum_r (I_r P32_r + dI_r P31_r) + (I_e + I_stim) P30   (not while refractory)
        I_r  <- (I_r + dt dI_r) P11_r,    dI_r <- dI_r P11_r

    with ``P_m = exp(-dt/tau_m)``, ``P30 = tau_m (1 - P_m)/C_m``. Phase 2:
    ``dI_r += w e/tau_r``, ``I_stim = I`` (held over the next step). Threshold
    ``v > V_th``, reset, refractoriness: as :class:`neurons.LIFCondExp`
    (docs/contract.md §3.2, Brian2's rule; NEST holds one step longer and
    tests ``>=``). State: ``v``, ``I_ex``, ``dI_ex``, ``I_in``, ``dI_in`` (pA,
    pA/ms), ``I_stim``, ``ref``.
    """

    spec = LIF_CURR_ALPHA_SPEC
    receptors = ("exc", "inh", "I")
    state = {"v": -70.0, "I_ex": 0.0, "dI_ex": 0.0, "I_in": 0.0, "dI_in": 0.0, "I_stim": 0.0, "ref": 0.0}
    state_defaults = ConductanceModel.state_defaults
    membrane = "v"
    refractory_steps = staticmethod(ConductanceModel.refractory_steps)

    def check(self, values):
        units = spec_units(self.param_spec())
        warn_implausible(self.model, values, units)
        warn_volts(self.model, values, ("E_L", "V_th", "V_reset"))
        bad = ~(values["V_reset"] < values["V_th"])
        if np.any(bad):
            raise ValueError(
                f"{self.model}.V_reset must be < {self.model}.V_th; got V_reset = "
                f"{np.broadcast_to(values['V_reset'], bad.shape)[bad][0]}, V_th = "
                f"{np.broadcast_to(values['V_th'], bad.shape)[bad][0]}"
            )

    def build(self, ctx):
        warn_implausible_weights(self, RECEPTOR_UNITS)
        super().build(ctx)

    def derive(self, values, dt):
        tau_m, C_m = values["tau_m"], values["C_m"]
        out = {
            "E_L": values["E_L"],
            "V_th": values["V_th"],
            "V_reset": values["V_reset"],
            "I_e": values["I_e"],
            "P_m": np.exp(-dt / tau_m),
            "P30": -tau_m * np.expm1(-dt / tau_m) / C_m,
            "R": self.refractory_steps(values, dt),
        }
        for r, tau in (("ex", values["tau_syn_ex"]), ("in", values["tau_syn_in"])):
            prop = alpha_propagators(tau_m, tau, C_m, dt)
            out.update(
                {f"P11_{r}": prop["P11"], f"P31_{r}": prop["P31"], f"P32_{r}": prop["P32"], f"e_{r}": math.e / tau}
            )
        return out

    @updates("v", "I_ex", "dI_ex", "I_in", "dI_in", "ref")
    def integrate(
        v, I_ex, dI_ex, I_in, dI_in, I_stim, ref, E_L, I_e, P_m, P30, P11_ex, P31_ex, P32_ex, P11_in, P31_in, P32_in, dt
    ):
        ref = ref - 1.0 if ref > 0.0 else ref
        vn = (
            E_L
            + (v - E_L) * P_m
            + I_ex * P32_ex
            + dI_ex * P31_ex
            + I_in * P32_in
            + dI_in * P31_in
            + (I_e + I_stim) * P30
        )
        v = vn if ref <= 0.0 else v
        I_ex = (I_ex + dt * dI_ex) * P11_ex
        I_in = (I_in + dt * dI_in) * P11_in
        return v, I_ex, dI_ex * P11_ex, I_in, dI_in * P11_in, ref

    @updates("dI_ex", "dI_in", "I_stim")
    def deliver(dI_ex, dI_in, exc, inh, I, e_ex, e_in):
        return dI_ex + exc * e_ex, dI_in + inh * e_in, I

    def threshold(v, ref, V_th):
        return 1.0 if (ref <= 0.0 and v > V_th) else 0.0

    @updates("v", "ref")
    def reset(V_reset, R):
        return V_reset, R
