"""Hodgkin-Huxley (Traub & Miles) with exponential conductances: see :class:`HHCondExp`."""

from __future__ import annotations

import math

import numpy as np

from simcore.base.params import Param, ParamSpec
from .base import compile_phase, updates
from .conductance import ConductanceModel, membrane_params, synapse_params

HH_SPEC = ParamSpec(
    *membrane_params(C_m=200.0, g_L=10.0, E_L=-60.0, t_ref=2.0),
    Param("g_Na", 20000.0, "nS", "sodium peak conductance", "nonnegative"),
    Param("g_K", 6000.0, "nS", "potassium peak conductance", "nonnegative"),
    Param("E_Na", 50.0, "mV", "sodium reversal potential, > E_K"),
    Param("E_K", -90.0, "mV", "potassium reversal potential"),
    Param("V_T", -63.0, "mV", "offset of the rate functions (Traub & Miles)"),
    Param("V_spike", -20.0, "mV", "a spike is v > V_spike when not refractory"),
    *synapse_params(tau_ex=5.0, tau_in=10.0, E_ex=0.0, E_in=-80.0),
)


def _exprel(x):
    """``(exp(x) - 1)/x``, 1 at 0 (Brian2's ``exprel``)."""
    return 1.0 if x == 0.0 else math.expm1(x) / x


exprel = compile_phase("HHCondExp", "exprel", _exprel)


def _relax(x, alpha, beta, dt):
    """Gating variable ``x`` moved exactly toward ``alpha/(alpha+beta)`` with rate ``alpha+beta`` over ``dt``."""
    rate = alpha + beta
    x_inf = alpha / rate
    return x_inf + (x - x_inf) * math.exp(-rate * dt)


relax = compile_phase("HHCondExp", "relax", _relax)


class HHCondExp(ConductanceModel):
    """Hodgkin-Huxley neuron of Traub & Miles with exponential conductances (NEST ``hh_cond_exp_traub``,
    PyNN ``HH_cond_exp``; the cell of Brian2's ``examples/COBAHH.py``).

    Units mV, ms, pF, nS, pA (docs/contract.md §3.9); rates in 1/ms with
    ``u = v - V_T``::

        C_m dv/dt = -g_L (v - E_L) - g_Na m^3 h (v - E_Na) - g_K n^4 (v - E_K)
                    - g_ex (v - E_ex) - g_in (v - E_in) + I_e + I_stim
        dx/dt     = alpha_x (1 - x) - beta_x x              for x in m, h, n
        alpha_m = 0.32*4 / exprel((13 - u)/4)      beta_m = 0.28*5 / exprel((u - 40)/5)
        alpha_h = 0.128 exp((17 - u)/18)           beta_h = 4 / (1 + exp((40 - u)/5))
        alpha_n = 0.032*5 / exprel((15 - u)/5)     beta_n = 0.5 exp((10 - u)/40)

    (``exprel(x) = (exp(x) - 1)/x``). Exponential Euler (docs/contract.md §3.9,
    Brian2's ``exponential_euler``): every rate and conductance is taken at
    the start of the step; each gating variable moves exactly toward
    ``alpha/(alpha + beta)`` with rate ``alpha + beta``; ``v`` moves exactly
    toward ``E_eff = (sum_k g_k E_k + I_e + I_stim)/sum_k g_k`` (k over leak,
    Na, K, ex, in) with time constant ``C_m/sum_k g_k``; then the synaptic
    conductances decay exactly. Phase 2 adds conductance jumps (nS) and sets
    ``I_stim`` (pA). A spike is ``v > V_spike`` when not refractory (Brian2's
    COBAHH threshold; NEST's ``hh_cond_exp_traub`` detects the peak instead);
    there is no reset, and for ``R = floor(t_ref/dt + 0.5)`` steps after a spike
    the neuron cannot spike again (``v`` keeps integrating). State: ``v``
    (starts at ``E_L``), ``m``, ``h``, ``n`` (start at 0, as in Brian2's
    example; NEST starts them at equilibrium), ``g_ex``, ``g_in``, ``I_stim``, ``ref``.
    """

    spec = HH_SPEC
    state = {"v": -60.0, "m": 0.0, "h": 0.0, "n": 0.0, "g_ex": 0.0, "g_in": 0.0, "I_stim": 0.0, "ref": 0.0}

    def check(self, values):
        super().check(values)
        bad = ~(values["E_K"] < values["E_Na"])
        if np.any(bad):
            raise ValueError(
                f"HHCondExp.E_K must be < HHCondExp.E_Na; got E_K = {values['E_K'][bad][0]}, "
                f"E_Na = {values['E_Na'][bad][0]}"
            )

    def derive(self, values, dt):
        names = ("g_L", "E_ex", "E_in", "I_e", "g_Na", "g_K", "E_Na", "E_K", "V_T", "V_spike")
        return {
            **{k: values[k] for k in names},
            "gE_L": values["g_L"] * values["E_L"],
            "dt_C": dt / values["C_m"],
            "P_ex": np.exp(-dt / values["tau_syn_ex"]),
            "P_in": np.exp(-dt / values["tau_syn_in"]),
            "R": self.refractory_steps(values, dt),
        }

    @updates("v", "m", "h", "n", "g_ex", "g_in", "ref")
    def integrate(
        v, m, h, n, g_ex, g_in, I_stim, ref, g_L, gE_L, g_Na, g_K, E_Na, E_K, E_ex, E_in, I_e, V_T, dt_C, P_ex, P_in, dt
    ):
        ref = ref - 1.0 if ref > 0.0 else ref
        u = v - V_T
        g_na = g_Na * m * m * m * h
        g_k = g_K * n * n * n * n
        g_tot = g_L + g_na + g_k + g_ex + g_in
        E_eff = (gE_L + g_na * E_Na + g_k * E_K + g_ex * E_ex + g_in * E_in + I_e + I_stim) / g_tot
        m = relax(m, 1.28 / exprel((13.0 - u) / 4.0), 1.4 / exprel((u - 40.0) / 5.0), dt)
        h = relax(h, 0.128 * math.exp((17.0 - u) / 18.0), 4.0 / (1.0 + math.exp((40.0 - u) / 5.0)), dt)
        n = relax(n, 0.16 / exprel((15.0 - u) / 5.0), 0.5 * math.exp((10.0 - u) / 40.0), dt)
        v = E_eff + (v - E_eff) * math.exp(-g_tot * dt_C)
        return v, m, h, n, g_ex * P_ex, g_in * P_in, ref

    @updates("g_ex", "g_in", "I_stim")
    def deliver(g_ex, g_in, exc, inh, I):
        return g_ex + exc, g_in + inh, I

    def threshold(v, ref, V_spike):
        return 1.0 if (ref <= 0.0 and v > V_spike) else 0.0

    @updates("ref")
    def reset(R):
        return R
