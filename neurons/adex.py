"""AdEx: adaptive exponential integrate-and-fire (Brette & Gerstner 2005), current input.

An example of a user-defined model (docs/contract.md §3.6), written only with the
public model API (``NeuronModel``, ``updates``, reached as ``simcore.NeuronModel``
and ``simcore.updates``) and numpy. This is
the *plain current-input* variant: the receptor ``I`` is a current in pA
added to the membrane equation for the step it is given for (stimuli and
synaptic weights in pA), plus a constant ``I_e`` as in NEST. It is neither
NEST's ``aeif_cond_exp`` (conductance synapses) nor ``aeif_psc_exp``
(exponential current synapses): ``I`` has no synaptic time course of its
own. Units: mV, ms, pF, nS, pA (``pF*mV/ms = pA``, ``nS*mV = pA``)::

    C_m dV/dt  = -g_L*(V - E_L) + g_L*Delta_T*exp((V - V_T)/Delta_T) - w + I + I_e
    tau_w dw/dt = a*(V - E_L) - w
    if V >= V_peak: V <- V_reset, w <- w + b

One explicit (forward) Euler step of ``dt`` per simulation step; both
derivatives are taken at the old ``(V, w)``, and, as in NEST's ``aeif``
models, the right-hand side reads ``min(V, V_peak)`` so the exponential
cannot overflow when a step overshoots the peak::

    Vc = min(V, V_peak)
    V <- V + dt*(-g_L*(Vc - E_L) + g_L*Delta_T*exp((Vc - V_T)/Delta_T) - w + I[t] + I_e)/C_m
    w <- w + dt*(a*(Vc - E_L) - w)/tau_w

The spike is decided on the new ``V`` (``V >= V_peak``) and reset in the same
step. There is no refractory period (``t_ref = 0``, Brette & Gerstner's model).
Use a ``dt`` well below ``tau_w`` and ``C_m/g_L`` (0.1 ms or less).

======= ====== ==== ============================================
name    default unit meaning
======= ====== ==== ============================================
C_m     281.0  pF   membrane capacitance, > 0
g_L     30.0   nS   leak conductance, > 0
E_L     -70.6  mV   leak reversal potential
V_T     -50.4  mV   threshold of the exponential (NEST ``V_th``)
Delta_T 2.0    mV   slope factor, > 0
tau_w   144.0  ms   adaptation time constant, > 0
a       4.0    nS   subthreshold adaptation
b       80.5   pA   spike-triggered adaptation
V_reset -60.0  mV   reset potential, < V_peak
V_peak  0.0    mV   spike cut-off, > V_T
I_e     0.0    pA   constant input current
======= ====== ==== ============================================

Defaults are those of Brette & Gerstner (2005) and NEST's ``aeif`` models.
Initial state: ``V = E_L`` (when ``E_L`` is not a Distribution), ``w = 0``.

References: R. Brette, W. Gerstner (2005), Adaptive exponential integrate-and-fire
model as an effective description of neuronal activity, J. Neurophysiol.
94:3637-3642. R. Naud, N. Marcille, C. Clopath, W. Gerstner (2008), Firing
patterns in the adaptive exponential integrate-and-fire model, Biol. Cybern.
99:335-347 (Table 1: tonic spiking with ``C_m=200, g_L=10, E_L=-70, V_T=-50,
Delta_T=2, a=2, tau_w=30, b=0, V_reset=-58``, ``I=500`` pA).
"""

from __future__ import annotations

import math


from simcore.base.distributions import Distribution
from .base import NeuronModel, updates

#: largest (V_peak - V_T)/Delta_T for which exp() stays finite in float64 and float32 arithmetic
MAX_EXPONENT = 80.0


class AdEx(NeuronModel):
    """Adaptive exponential integrate-and-fire neuron, current input; see the module docstring."""

    state = {"V": -70.6, "w": 0.0}
    params = {
        "C_m": 281.0,
        "g_L": 30.0,
        "E_L": -70.6,
        "V_T": -50.4,
        "Delta_T": 2.0,
        "tau_w": 144.0,
        "a": 4.0,
        "b": 80.5,
        "V_reset": -60.0,
        "V_peak": 0.0,
        "I_e": 0.0,
    }
    receptors = ("I",)

    def state_defaults(self):
        # V starts at E_L; when E_L is drawn from a distribution, give init={"V": ...}
        e_l = getattr(self, "param_values", {}).get("E_L", self.params["E_L"])
        if isinstance(e_l, Distribution):
            e_l = self.params["E_L"]
        return {"V": e_l, "w": 0.0}

    def check(self, values):
        for key in ("C_m", "g_L", "Delta_T", "tau_w"):
            bad = values[key] <= 0
            if bad.any():
                raise ValueError(f"AdEx.{key} must be > 0; got {values[key][bad][0]}")
        if (values["V_peak"] <= values["V_T"]).any():
            raise ValueError(
                f"AdEx.V_peak must be > V_T; got V_peak={values['V_peak'].min()}, V_T={values['V_T'].max()}"
            )
        if (values["V_reset"] >= values["V_peak"]).any():
            raise ValueError(
                f"AdEx.V_reset must be < V_peak; got V_reset={values['V_reset'].max()}, V_peak={values['V_peak'].min()}"
            )
        x = (values["V_peak"] - values["V_T"]) / values["Delta_T"]
        if (x > MAX_EXPONENT).any():
            raise ValueError(
                f"AdEx (V_peak - V_T)/Delta_T must be <= {MAX_EXPONENT} so that exp() stays "
                f"finite; got {x.max()} (lower V_peak or raise Delta_T)"
            )

    @updates("V", "w")
    def deliver(V, w, I, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, V_peak, I_e, dt):
        Vc = min(V, V_peak)
        dV = (-g_L * (Vc - E_L) + g_L * Delta_T * math.exp((Vc - V_T) / Delta_T) - w + I + I_e) / C_m
        dw = (a * (Vc - E_L) - w) / tau_w
        return V + dt * dV, w + dt * dw

    def threshold(V, V_peak):
        return 1.0 if V >= V_peak else 0.0

    @updates("V", "w")
    def reset(w, V_reset, b):
        return V_reset, w + b
