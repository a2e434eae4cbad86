"""LIF neuron in biological form with exponential current synapses (MODELS.md 3.2).

The NEST ``iaf_psc_exp`` / Brian2 CUBA neuron::

    dv/dt   = (sum_r g_r - (v - E_L)) / tau_m
    dg_r/dt = -g_r / tau_r

Phase 1 uses the exact solution over one step, ``P_m = exp(-dt/tau_m)``,
``P_r = exp(-dt/tau_r)``::

    v   <- E_L + (v - E_L)*P_m + sum_r g_r * c_r,   c_r = tau_r/(tau_r - tau_m) * (P_r - P_m)
    g_r <- g_r * P_r

(``c_r = (dt/tau_m) * P_m`` when ``tau_r == tau_m``; computed as
``P_m*(dt/tau_m)*expm1(x)/x`` with ``x = dt*(1/tau_m - 1/tau_r)``, which has no
cancellation near the limit). Phase 2 adds the step's input to ``g_r``; a
*delta* receptor adds it to ``v`` directly, except while refractory. Phase 3:
``s = v > V_th`` (strict), only when not refractory. Phase 4: ``v = V_reset``.
With ``R = floor(t_ref/dt + 0.5)``, a neuron that spiked at step ``t`` holds
``v`` (and cannot spike) in steps ``t+1 ... t+R-1`` and integrates again from
``t+R`` (Brian2's rule). The state ``ref`` counts the refractory steps left.

============ ======== ===== ============================================
name         default  unit  meaning
============ ======== ===== ============================================
E_L          -65.0    mV    resting potential
V_th         -50.0    mV    threshold (strict ``v > V_th``)
V_reset      -65.0    mV    reset potential
tau_m        10.0     ms    membrane time constant, > 0
t_ref        2.0      ms    refractory period, >= 0
tau_syn      {}       ms    ``{receptor: tau_r}``, one exponential trace each
delta        ()             names of delta receptors (jump of ``v`` in mV)
============ ======== ===== ============================================

Weights are jumps of ``g_r`` (mV) or of ``v`` (delta), as in Brian2's CUBA example.
The functions are generated for the receptor set, then compiled like any model.
"""
from __future__ import annotations

import numpy as np

from simcore.clock import ms_to_steps
from simcore.codegen import load_module
from simcore.distributions import Distribution
from .base import NeuronModel, compile_phase
from .lif import check_positive


def _receptor_source(exp: tuple, delta: tuple) -> str:
    g = [f"g_{r}" for r in exp]
    integrate_args = ", ".join(["v", "ref", *g, "E_L", "P_m", *[f"c_{r}" for r in exp], *[f"P_{r}" for r in exp]])
    current = "".join(f" + g_{r} * c_{r}" for r in exp)
    decays = "".join(f"\n    g_{r} = g_{r} * P_{r}" for r in exp)
    state_out = ", ".join(["v", "ref", *g])
    deliver_args = ", ".join(["v", "ref", *g, *exp, *delta])
    adds = "".join(f"\n    g_{r} = g_{r} + {r}" for r in exp)
    jump = "".join(f" + {r}" for r in delta)
    delta_block = f"\n    v = v{jump} if ref <= 0.0 else v" if delta else ""
    return f'''"""LIF-bio phase functions for exp receptors {exp} and delta receptors {delta}."""


def integrate({integrate_args}):
    ref = ref - 1.0 if ref > 0.0 else ref
    v = E_L + (v - E_L) * P_m{current} if ref <= 0.0 else v{decays}
    return {state_out}


def deliver({deliver_args}):{adds}{delta_block}
    return {state_out}


def threshold(v, ref, V_th):
    return 1.0 if (ref <= 0.0 and v > V_th) else 0.0


def reset(V_reset, R):
    return V_reset, R
'''


def _receptor_functions(exp: tuple, delta: tuple) -> dict:
    module = load_module(_receptor_source(exp, delta), {}, "lifbio")
    out = ("v", "ref", *[f"g_{r}" for r in exp])
    fns = {}
    for phase, updated in (("integrate", out), ("deliver", out), ("threshold", ()), ("reset", ("v", "ref"))):
        fn = getattr(module, phase)
        fn.updates = updated
        fns[phase] = compile_phase("LIFBio", phase, fn)
    return fns


_FUNCTION_CACHE: dict = {}


class LIFBio(NeuronModel):
    """Current-based LIF with exact propagators (MODELS.md 3.2); see the module docstring."""

    base_params = {"E_L": -65.0, "V_th": -50.0, "V_reset": -65.0, "tau_m": 10.0, "t_ref": 2.0}

    def __init__(self, n, *, tau_syn: dict | None = None, delta=(), **kwargs):
        tau_syn = dict(tau_syn or {})
        delta = (delta,) if isinstance(delta, str) else tuple(delta)
        for r in list(tau_syn) + list(delta):
            if not isinstance(r, str) or not r.isidentifier() or r in ("v", "ref", "t", "dt", "s"):
                raise ValueError(f"receptor names must be Python identifiers other than v, ref, t, dt, s; got {r!r}")
        both = set(tau_syn) & set(delta)
        if both:
            raise ValueError(f"receptor(s) {sorted(both)} are given both a tau_syn and as delta; choose one")
        if not tau_syn and not delta:
            raise ValueError("LIFBio needs at least one receptor: tau_syn={'exc': 5.0} or delta=('exc',)")
        self.exp_receptors = tuple(tau_syn)
        self.delta_receptors = delta
        params = {f"tau_{r}": tau for r, tau in tau_syn.items()}
        super().__init__(n, **kwargs, **params)

    def state_defaults(self):
        e_l = getattr(self, "param_values", {}).get("E_L", self.base_params["E_L"])
        if isinstance(e_l, Distribution):
            e_l = self.base_params["E_L"]  # give init={'v': ...} when E_L is drawn
        return {"v": e_l, "ref": 0.0, **{f"g_{r}": 0.0 for r in self.exp_receptors}}

    def param_defaults(self):
        return {**self.base_params, **{f"tau_{r}": None for r in self.exp_receptors}}

    def receptor_names(self):
        return self.exp_receptors + self.delta_receptors

    def phase_functions(self):
        key = (self.exp_receptors, self.delta_receptors)
        if key not in _FUNCTION_CACHE:
            _FUNCTION_CACHE[key] = _receptor_functions(*key)
        return dict(_FUNCTION_CACHE[key])

    def check(self, values):
        for key in ["tau_m"] + [f"tau_{r}" for r in self.exp_receptors]:
            check_positive(values, key, self.model)
        if np.any(values["t_ref"] < 0):
            raise ValueError(f"LIFBio.t_ref must be >= 0 ms; got {values['t_ref'][values['t_ref'] < 0][0]}")

    def derive(self, values, dt):
        tau_m = values["tau_m"]
        P_m = np.exp(-dt / tau_m)
        out = {"E_L": values["E_L"], "V_th": values["V_th"], "V_reset": values["V_reset"], "P_m": P_m,
               "R": ms_to_steps(values["t_ref"], dt, "t_ref", minimum=0).astype(np.float64)}
        for r in self.exp_receptors:
            tau_r = values[f"tau_{r}"]
            x = dt * (1.0 / tau_m - 1.0 / tau_r)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(x == 0.0, 1.0, np.expm1(x) / np.where(x == 0.0, 1.0, x))
            out[f"c_{r}"] = P_m * (dt / tau_m) * ratio
            out[f"P_{r}"] = np.exp(-dt / tau_r)
        return out

    def describe(self):
        d = super().describe()
        d["exp_receptors"] = list(self.exp_receptors)
        d["delta_receptors"] = list(self.delta_receptors)
        return d
