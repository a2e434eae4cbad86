"""Adaptive exponential IF with exponential conductances (NEST ``aeif_cond_exp``): see :class:`AdExCondExp`."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from simcore.base.kernels.vexp import ORDINARY_LIMIT, fdiv, vexp, vexp_ordinary
from simcore.base.params import Choice, Param, ParamSpec
from .base import compile_phase, updates
from .conductance import ConductanceModel, membrane_ordinary, membrane_params, synapse_params

#: largest (V_peak - V_th)/Delta_T for which exp() stays finite
MAX_EXPONENT = 80.0

METHODS = ("exponential_euler", "rk4")

ADEX_COND_SPEC = ParamSpec(
    *membrane_params(C_m=281.0, g_L=30.0, E_L=-70.6, t_ref=0.0),
    Param("V_th", -50.4, "mV", "threshold of the exponential (Brette & Gerstner's V_T)"),
    Param("Delta_T", 2.0, "mV", "slope factor", "positive"),
    Param("V_peak", 0.0, "mV", "spike detection (v >= V_peak), > V_th"),
    Param("V_reset", -60.0, "mV", "reset potential, < V_peak"),
    Param("tau_w", 144.0, "ms", "adaptation time constant", "positive"),
    Param("a", 4.0, "nS", "subthreshold adaptation"),
    Param("b", 80.5, "pA", "spike-triggered adaptation"),
    *synapse_params(),
    Choice("method", METHODS, "exponential_euler", "integration method"),
)


class AdExCondExp(ConductanceModel):
    """AdEx with exponential conductances (NEST ``aeif_cond_exp``, PyNN ``EIF_cond_exp_isfa_ista``).

    Units mV, ms, pF, nS, pA (Brette & Gerstner 2005; docs/contract.md §3.9)::

        C_m dv/dt  = -g_L (v - E_L) + g_L Delta_T exp((v - V_th)/Delta_T) - g_ex (v - E_ex) - g_in (v - E_in)
                     - w + I_e + I_stim
        tau_w dw/dt = a (v - E_L) - w
        dg_ex/dt = -g_ex/tau_syn_ex,   dg_in/dt = -g_in/tau_syn_in
        if v >= V_peak: v <- V_reset, w <- w + b

    The exponential reads ``min(v, V_peak)`` (as NEST), so it cannot overflow.
    ``method`` (``"exponential_euler"`` by default, or ``"rk4"``) advances
    ``v`` and ``w`` in phase 1; the conductances then advance exactly in both:

    ``exponential_euler`` (Brian2's scheme with the exponential current held
    over the step, ``(constant over dt)``): with everything frozen at the start
    of the step, ``v`` relaxes exactly toward ``E_eff = (g_L E_L + g_ex E_ex +
    g_in E_in + I_exp - w + I_e + I_stim)/g_tot`` with time constant
    ``C_m/g_tot`` (``g_tot = g_L + g_ex + g_in``) and ``w`` exactly toward
    ``a (v - E_L)`` with ``tau_w``.

    ``rk4``: classical Runge-Kutta on ``(v, w)`` with the conductances inside
    the step taken from their exact decay (``g(dt/2) = g sqrt(P)``,
    ``g(dt) = g P``, ``P = exp(-dt/tau)``); fourth order in ``dt``. Its
    right-hand side reads ``min(v, V_peak)`` in every term (NEST's
    ``aeif_cond_exp`` does the same), so a stage that overshoots the peak on
    the upswing cannot blow up ``w``.

    The exponential-Euler step is branch-free and calls
    :func:`simcore.base.kernels.vexp.vexp` (``math.exp`` bit for bit on glibc
    x86-64) and a bare IEEE division, so the state pass vectorises; while
    both exponents, ``(min(v, V_peak) - V_th)/Delta_T`` and
    ``-dt g_tot/C_m``, are in ``vexp``'s ordinary range (``|x| < 512``) for
    every neuron, it runs the fast path (``neurons/base.py``) with
    ``vexp_ordinary``, equal to the last bit.

    Phase 2 adds conductance jumps (nS) and sets ``I_stim`` (pA). Phase 3:
    ``v >= V_peak`` when not refractory (NEST's test). Phase 4: ``v = V_reset``,
    ``w += b``; while refractory (``R = floor(t_ref/dt + 0.5)`` steps,
    docs/contract.md §3.2) ``v`` is held and ``w`` keeps integrating. State:
    ``v``, ``w`` (pA), ``g_ex``, ``g_in`` (nS), ``I_stim``, ``ref``.
    """

    spec = ADEX_COND_SPEC
    state = {"v": -70.6, "w": 0.0, "g_ex": 0.0, "g_in": 0.0, "I_stim": 0.0, "ref": 0.0}

    def check(self, values):
        super().check({k: v for k, v in values.items() if k != "V_th"})  # V_th here is not the spike test
        for low, high in (("V_th", "V_peak"), ("V_reset", "V_peak")):
            bad = ~(values[low] < values[high])
            if np.any(bad):
                raise ValueError(
                    f"{self.model}.{low} must be < {self.model}.{high}; got {low} = "
                    f"{values[low][bad][0]}, {high} = {values[high][bad][0]}"
                )
        x = (values["V_peak"] - values["V_th"]) / values["Delta_T"]
        if np.any(x > MAX_EXPONENT):
            raise ValueError(
                f"{self.model} (V_peak - V_th)/Delta_T must be <= {MAX_EXPONENT} so that exp() stays "
                f"finite; got {x.max()} (lower V_peak or raise Delta_T)"
            )

    def phase_functions(self):
        fns = dict(self._phase_functions)
        fns["integrate"] = _INTEGRATORS[self.options["method"]]
        fns.update(_FAST_PATHS.get(self.options["method"], {}))
        return fns

    def derive(self, values, dt):
        return {
            "g_L": values["g_L"],
            "gE_L": values["g_L"] * values["E_L"],
            "E_L": values["E_L"],
            "E_ex": values["E_ex"],
            "E_in": values["E_in"],
            "I_e": values["I_e"],
            "C_m": values["C_m"],
            "dt_C": dt / values["C_m"],
            "V_th": values["V_th"],
            "Delta_T": values["Delta_T"],
            "V_peak": values["V_peak"],
            "V_reset": values["V_reset"],
            "a": values["a"],
            "b": values["b"],
            "tau_w": values["tau_w"],
            "P_w": np.exp(-dt / values["tau_w"]),
            "P_ex": np.exp(-dt / values["tau_syn_ex"]),
            "P_in": np.exp(-dt / values["tau_syn_in"]),
            "R": self.refractory_steps(values, dt),
        }

    @updates("g_ex", "g_in", "I_stim")
    def deliver(g_ex, g_in, exc, inh, I):
        return g_ex + exc, g_in + inh, I

    def threshold(v, ref, V_peak):
        return 1.0 if (ref <= 0.0 and v >= V_peak) else 0.0

    @updates("v", "w", "ref")
    def reset(w, V_reset, b, R):
        return V_reset, w + b, R


@updates("v", "w", "g_ex", "g_in", "ref")
def integrate_exponential_euler(
    v, w, g_ex, g_in, I_stim, ref, g_L, gE_L, E_L, E_ex, E_in, I_e, dt_C, V_th, Delta_T, V_peak, a, P_w, P_ex, P_in
):
    """Exponential Euler, everything frozen at the start of the step (class docstring)."""
    return _exponential_euler(
        v,
        w,
        g_ex,
        g_in,
        I_stim,
        ref,
        g_L,
        gE_L,
        E_L,
        E_ex,
        E_in,
        I_e,
        dt_C,
        V_th,
        Delta_T,
        V_peak,
        a,
        P_w,
        P_ex,
        P_in,
        vexp,
    )


@updates("v", "w", "g_ex", "g_in", "ref")
def integrate_exponential_euler_fast(
    v, w, g_ex, g_in, I_stim, ref, g_L, gE_L, E_L, E_ex, E_in, I_e, dt_C, V_th, Delta_T, V_peak, a, P_w, P_ex, P_in
):
    """:func:`integrate_exponential_euler` where :func:`exponential_euler_ordinary` holds, with ``vexp_ordinary``."""
    return _exponential_euler(
        v,
        w,
        g_ex,
        g_in,
        I_stim,
        ref,
        g_L,
        gE_L,
        E_L,
        E_ex,
        E_in,
        I_e,
        dt_C,
        V_th,
        Delta_T,
        V_peak,
        a,
        P_w,
        P_ex,
        P_in,
        vexp_ordinary,
    )


def exponential_euler_ordinary(v, g_ex, g_in, g_L, dt_C, V_th, Delta_T, V_peak):
    """Both exponents of the step in vexp's ordinary range (``nan``: no): the fast path is exact."""
    spike = abs(_spike_exponent(v, V_th, Delta_T, V_peak)) < ORDINARY_LIMIT
    return spike & membrane_ordinary(g_ex, g_in, g_L, dt_C)  # &, not and: no branch in the vectorised check


@njit(cache=True, forceinline=True)
def _exponential_euler(
    v, w, g_ex, g_in, I_stim, ref, g_L, gE_L, E_L, E_ex, E_in, I_e, dt_C, V_th, Delta_T, V_peak, a, P_w, P_ex, P_in, exp
):
    """The step of :func:`integrate_exponential_euler` with ``exp`` (``vexp`` or ``vexp_ordinary``), branch-free."""
    ref = ref - 1.0 if ref > 0.0 else ref
    I_exp = g_L * Delta_T * exp(_spike_exponent(v, V_th, Delta_T, V_peak))
    g_tot = g_L + g_ex + g_in
    E_eff = fdiv(gE_L + g_ex * E_ex + g_in * E_in + I_exp - w + I_e + I_stim, g_tot)
    w_inf = a * (v - E_L)
    w = w_inf + (w - w_inf) * P_w
    vn = E_eff + (v - E_eff) * exp(-g_tot * dt_C)
    return (vn if ref <= 0.0 else v), w, g_ex * P_ex, g_in * P_in, ref


@njit(cache=True, forceinline=True)
def _spike_exponent(v, V_th, Delta_T, V_peak):
    """``(min(v, V_peak) - V_th) / Delta_T``, the exponent of the spike current (``Delta_T > 0``)."""
    return fdiv(min(v, V_peak) - V_th, Delta_T)


@updates("v", "w", "g_ex", "g_in", "ref")
def integrate_rk4(
    v, w, g_ex, g_in, I_stim, ref, g_L, E_L, E_ex, E_in, I_e, C_m, V_th, Delta_T, V_peak, a, tau_w, P_ex, P_in, dt
):
    """Classical RK4 on ``(v, w)``; conductances exact inside the step (class docstring)."""
    ref = ref - 1.0 if ref > 0.0 else ref
    hold = 0.0 if ref <= 0.0 else 1.0  # refractory: dv/dt = 0
    h_ex, h_in = math.sqrt(P_ex), math.sqrt(P_in)
    I0 = I_e + I_stim
    k1v, k1w = _adex_rhs(v, w, g_ex, g_in, I0, g_L, E_L, E_ex, E_in, C_m, V_th, Delta_T, V_peak, a, tau_w)
    k2v, k2w = _adex_rhs(
        v + 0.5 * dt * k1v * (1.0 - hold),
        w + 0.5 * dt * k1w,
        g_ex * h_ex,
        g_in * h_in,
        I0,
        g_L,
        E_L,
        E_ex,
        E_in,
        C_m,
        V_th,
        Delta_T,
        V_peak,
        a,
        tau_w,
    )
    k3v, k3w = _adex_rhs(
        v + 0.5 * dt * k2v * (1.0 - hold),
        w + 0.5 * dt * k2w,
        g_ex * h_ex,
        g_in * h_in,
        I0,
        g_L,
        E_L,
        E_ex,
        E_in,
        C_m,
        V_th,
        Delta_T,
        V_peak,
        a,
        tau_w,
    )
    k4v, k4w = _adex_rhs(
        v + dt * k3v * (1.0 - hold),
        w + dt * k3w,
        g_ex * P_ex,
        g_in * P_in,
        I0,
        g_L,
        E_L,
        E_ex,
        E_in,
        C_m,
        V_th,
        Delta_T,
        V_peak,
        a,
        tau_w,
    )
    v = v + (1.0 - hold) * dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    w = w + dt / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
    return v, w, g_ex * P_ex, g_in * P_in, ref


def _adex_rhs_py(v, w, g_ex, g_in, I0, g_L, E_L, E_ex, E_in, C_m, V_th, Delta_T, V_peak, a, tau_w):
    """``(dv/dt, dw/dt)`` at ``min(v, V_peak)`` (as NEST: a stage past the peak stays finite)."""
    v = min(v, V_peak)
    I_exp = g_L * Delta_T * math.exp((v - V_th) / Delta_T)
    dv = (-g_L * (v - E_L) + I_exp - g_ex * (v - E_ex) - g_in * (v - E_in) - w + I0) / C_m
    return dv, (a * (v - E_L) - w) / tau_w


_adex_rhs = compile_phase("AdExCondExp", "rhs", _adex_rhs_py)
_INTEGRATORS = {
    "exponential_euler": compile_phase("AdExCondExp", "integrate", integrate_exponential_euler),
    "rk4": compile_phase("AdExCondExp", "integrate", integrate_rk4),
}
#: the fast path of a method, where it has one (neurons/base.py)
_FAST_PATHS = {
    "exponential_euler": {
        "integrate_fast": compile_phase("AdExCondExp", "integrate_fast", integrate_exponential_euler_fast),
        "fast_when": compile_phase("AdExCondExp", "fast_when", exponential_euler_ordinary),
    }
}
