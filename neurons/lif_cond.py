"""Conductance-based LIF (NEST ``iaf_cond_exp``, ``iaf_cond_alpha``): see :class:`LIFCondExp`, :class:`LIFCondAlpha`."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from simcore.base.kernels.vexp import fdiv, vexp, vexp_ordinary
from simcore.base.params import Param, ParamSpec
from .base import updates
from .conductance import ConductanceModel, membrane_ordinary, membrane_params, synapse_params

#: parameters of both conductance LIFs (NEST's names, units and defaults)
LIF_COND_SPEC = ParamSpec(
    *membrane_params(),
    Param("V_th", -55.0, "mV", "spike threshold (strict: v > V_th)"),
    Param("V_reset", -60.0, "mV", "reset potential, < V_th"),
    *synapse_params(),
)


class LIFCondExp(ConductanceModel):
    """LIF with exponential conductances and reversal potentials (NEST ``iaf_cond_exp``, PyNN ``IF_cond_exp``).

    Units: mV, ms, pF, nS, pA (docs/contract.md §3.9)::

        C_m dv/dt   = -g_L (v - E_L) - g_ex (v - E_ex) - g_in (v - E_in) + I_e + I_stim
        dg_ex/dt    = -g_ex / tau_syn_ex        dg_in/dt = -g_in / tau_syn_in

    Exponential Euler (docs/contract.md §3.9, as Brian2's ``exponential_euler``):
    phase 1 freezes the conductances at their start-of-step values and moves
    ``v`` exactly toward ``E_eff``, then advances the conductances exactly::

        g_tot = g_L + g_ex + g_in
        E_eff = (g_L E_L + g_ex E_ex + g_in E_in + I_e + I_stim) / g_tot
        v    <- E_eff + (v - E_eff) * exp(-dt g_tot / C_m)        (not while refractory)
        g_ex <- g_ex exp(-dt/tau_syn_ex),   g_in <- g_in exp(-dt/tau_syn_in)

    Phase 2: ``g_ex += exc``, ``g_in += inh`` (weights in nS), ``I_stim = I``
    (pA, held over the next step). Phase 3: ``v > V_th`` when not refractory.
    Phase 4: ``v = V_reset``, refractory for ``R = floor(t_ref/dt + 0.5)`` steps
    (Brian2's rule, docs/contract.md §3.2; NEST holds one step longer).
    State: ``v`` (starts at ``E_L``), ``g_ex``, ``g_in`` (nS), ``I_stim`` (pA),
    ``ref`` (refractory steps left). NEST integrates ``iaf_cond_exp`` with
    adaptive RK45, so it differs from this by the exponential-Euler error.

    Fast path (``neurons/base.py``): while ``|dt g_tot / C_m| < 512`` for
    every neuron (always, short of conductances near 10^6 times ``g_L``),
    phase 1 runs ``integrate_fast``, the same step with ``exp`` free of its
    special cases; the result is the same to the last bit.
    """

    spec = LIF_COND_SPEC
    state = {"v": -70.0, "g_ex": 0.0, "g_in": 0.0, "I_stim": 0.0, "ref": 0.0}

    def derive(self, values, dt):
        return {
            **_membrane_derived(values, dt, self.refractory_steps(values, dt)),
            "P_ex": np.exp(-dt / values["tau_syn_ex"]),
            "P_in": np.exp(-dt / values["tau_syn_in"]),
        }

    @updates("v", "g_ex", "g_in", "ref")
    def integrate(v, g_ex, g_in, I_stim, ref, g_L, gE_L, E_ex, E_in, I_e, dt_C, P_ex, P_in):
        ref = ref - 1.0 if ref > 0.0 else ref
        v = _membrane(v, g_ex, g_in, I_stim, ref, g_L, gE_L, E_ex, E_in, I_e, dt_C, vexp)
        return v, g_ex * P_ex, g_in * P_in, ref

    @updates("v", "g_ex", "g_in", "ref")
    def integrate_fast(v, g_ex, g_in, I_stim, ref, g_L, gE_L, E_ex, E_in, I_e, dt_C, P_ex, P_in):
        ref = ref - 1.0 if ref > 0.0 else ref
        v = _membrane(v, g_ex, g_in, I_stim, ref, g_L, gE_L, E_ex, E_in, I_e, dt_C, vexp_ordinary)
        return v, g_ex * P_ex, g_in * P_in, ref

    def fast_when(g_ex, g_in, g_L, dt_C):
        return membrane_ordinary(g_ex, g_in, g_L, dt_C)

    @updates("g_ex", "g_in", "I_stim")
    def deliver(g_ex, g_in, exc, inh, I):
        return g_ex + exc, g_in + inh, I

    def threshold(v, ref, V_th):
        return 1.0 if (ref <= 0.0 and v > V_th) else 0.0

    @updates("v", "ref")
    def reset(V_reset, R):
        return V_reset, R


class LIFCondAlpha(ConductanceModel):
    """LIF with alpha-shaped conductances (NEST ``iaf_cond_alpha``, PyNN ``IF_cond_alpha``).

    As :class:`LIFCondExp`, with each conductance the solution of a linear pair::

        d(dg)/dt = -dg / tau,     dg/dt = dg - g / tau

    so a weight ``w`` (nS) arriving at time 0 gives ``g(t) = w (t/tau) exp(1 - t/tau)``,
    peaking at ``w`` when ``t = tau`` (NEST's normalisation). Phase 1 moves
    ``v`` by exponential Euler with ``g_ex``, ``g_in`` frozen (docs/contract.md
    §3.9), then advances each pair exactly, ``P = exp(-dt/tau)``::

        g  <- (g + dt*dg) * P
        dg <- dg * P

    Phase 2: ``dg_ex += exc * e/tau_syn_ex`` (same for ``inh``), ``I_stim = I``.
    Threshold, reset, refractoriness and the fast path as :class:`LIFCondExp`.
    State: ``v``, ``g_ex``, ``dg_ex``, ``g_in``, ``dg_in`` (nS, nS/ms),
    ``I_stim``, ``ref``.
    """

    spec = LIF_COND_SPEC
    state = {"v": -70.0, "g_ex": 0.0, "dg_ex": 0.0, "g_in": 0.0, "dg_in": 0.0, "I_stim": 0.0, "ref": 0.0}

    def derive(self, values, dt):
        tau_ex, tau_in = values["tau_syn_ex"], values["tau_syn_in"]
        return {
            **_membrane_derived(values, dt, self.refractory_steps(values, dt)),
            "P_ex": np.exp(-dt / tau_ex),
            "P_in": np.exp(-dt / tau_in),
            "e_ex": math.e / tau_ex,
            "e_in": math.e / tau_in,
        }

    @updates("v", "g_ex", "dg_ex", "g_in", "dg_in", "ref")
    def integrate(v, g_ex, dg_ex, g_in, dg_in, I_stim, ref, g_L, gE_L, E_ex, E_in, I_e, dt_C, P_ex, P_in, dt):
        ref = ref - 1.0 if ref > 0.0 else ref
        v = _membrane(v, g_ex, g_in, I_stim, ref, g_L, gE_L, E_ex, E_in, I_e, dt_C, vexp)
        return v, *_alpha_decay(g_ex, dg_ex, g_in, dg_in, P_ex, P_in, dt), ref

    @updates("v", "g_ex", "dg_ex", "g_in", "dg_in", "ref")
    def integrate_fast(v, g_ex, dg_ex, g_in, dg_in, I_stim, ref, g_L, gE_L, E_ex, E_in, I_e, dt_C, P_ex, P_in, dt):
        ref = ref - 1.0 if ref > 0.0 else ref
        v = _membrane(v, g_ex, g_in, I_stim, ref, g_L, gE_L, E_ex, E_in, I_e, dt_C, vexp_ordinary)
        return v, *_alpha_decay(g_ex, dg_ex, g_in, dg_in, P_ex, P_in, dt), ref

    def fast_when(g_ex, g_in, g_L, dt_C):
        return membrane_ordinary(g_ex, g_in, g_L, dt_C)

    @updates("dg_ex", "dg_in", "I_stim")
    def deliver(dg_ex, dg_in, exc, inh, I, e_ex, e_in):
        return dg_ex + exc * e_ex, dg_in + inh * e_in, I

    def threshold(v, ref, V_th):
        return 1.0 if (ref <= 0.0 and v > V_th) else 0.0

    @updates("v", "ref")
    def reset(V_reset, R):
        return V_reset, R


@njit(cache=True, forceinline=True)
def _membrane(v, g_ex, g_in, I_stim, ref, g_L, gE_L, E_ex, E_in, I_e, dt_C, exp):
    """Phase 1 of ``v`` (:class:`LIFCondExp`): exponential Euler, held while refractory (``ref > 0``).

    Branch-free, so the state pass vectorises: the free step is computed for
    every neuron and kept where ``ref <= 0`` (a refractory neuron's discarded
    value may be anything, even inf or nan). ``exp`` is :func:`vexp`
    (``math.exp`` bit for bit, so the result is the one of the branching
    form) or, where ``membrane_ordinary`` holds, :func:`vexp_ordinary`, equal to
    it there::

        g_tot = g_L + g_ex + g_in
        E_eff = (g_L E_L + g_ex E_ex + g_in E_in + I_e + I_stim) / g_tot
        v    <- E_eff + (v - E_eff) * exp(-g_tot dt / C_m)
    """
    g_tot = g_L + g_ex + g_in
    E_eff = fdiv(gE_L + g_ex * E_ex + g_in * E_in + I_e + I_stim, g_tot)
    v_free = E_eff + (v - E_eff) * exp(-g_tot * dt_C)
    return v_free if ref <= 0.0 else v


@njit(cache=True, forceinline=True)
def _alpha_decay(g_ex, dg_ex, g_in, dg_in, P_ex, P_in, dt):
    """The exact step of both alpha pairs (:class:`LIFCondAlpha`): ``g <- (g + dt dg) P``, ``dg <- dg P``."""
    return (g_ex + dt * dg_ex) * P_ex, dg_ex * P_ex, (g_in + dt * dg_in) * P_in, dg_in * P_in


def _membrane_derived(values, dt, R) -> dict:
    """Kernel parameters of the exponential-Euler membrane: ``g_L E_L`` and ``dt/C_m`` once, not per step."""
    return {
        "g_L": values["g_L"],
        "gE_L": values["g_L"] * values["E_L"],
        "E_ex": values["E_ex"],
        "E_in": values["E_in"],
        "I_e": values["I_e"],
        "dt_C": dt / values["C_m"],
        "V_th": values["V_th"],
        "V_reset": values["V_reset"],
        "R": R,
    }
