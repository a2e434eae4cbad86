"""LIF in biological form, NEST ``iaf_psc_exp`` / Brian2 CUBA (docs/contract.md §3.2): see :class:`LIFBio`."""

from __future__ import annotations

import numpy as np

from simcore.base.clock import ms_to_steps
from simcore.base.codegen import load_module
from simcore.base.distributions import Distribution
from simcore.base.errors import check_identifier
from simcore.base.params import Param, ParamSpec
from .base import NeuronModel, compile_phase

#: the parameters every LIFBio has; each exponential receptor ``r`` adds ``tau_r`` (ms, > 0, required)
LIFBIO_SPEC = ParamSpec(
    Param("E_L", -65.0, "mV", "resting potential"),
    Param("V_th", -50.0, "mV", "spike threshold (strict: v > V_th)"),
    Param("V_reset", -65.0, "mV", "reset potential"),
    Param("tau_m", 10.0, "ms", "membrane time constant", "positive"),
    Param("t_ref", 2.0, "ms", "refractory period", "nonnegative"),
)


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
    """Current-based LIF with exponential synapses and exact propagators (docs/contract.md §3.2).

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


    Receptors: ``tau_syn={receptor: tau_r}`` (ms), one exponential trace ``g_r``
    each, and ``delta=(names, ...)``, receptors that jump ``v``.
    Weights are jumps of ``g_r`` (mV) or of ``v`` (delta), as in Brian2's CUBA example.
    The functions are generated for the receptor set, then compiled like any model.
    """

    spec = LIFBIO_SPEC

    def __init__(self, n, *, tau_syn: dict | None = None, delta=(), **kwargs):
        tau_syn = dict(tau_syn or {})
        delta = (delta,) if isinstance(delta, str) else tuple(delta)
        for r in list(tau_syn) + list(delta):
            check_identifier(r, "receptor of LIFBio")
            if r == "m":  # its propagator would be P_m, the membrane's
                raise ValueError("receptor of LIFBio 'm' is reserved (P_m is the membrane propagator); rename it")
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
        e_l_default = LIFBIO_SPEC.defaults()["E_L"]
        e_l = getattr(self, "param_values", {}).get("E_L", e_l_default)
        if isinstance(e_l, Distribution):
            e_l = e_l_default  # give init={'v': ...} when E_L is drawn
        return {"v": e_l, "ref": 0.0, **{f"g_{r}": 0.0 for r in self.exp_receptors}}

    def param_spec(self):
        receptors = (
            Param(f"tau_{r}", None, "ms", f"time constant of receptor {r}", "positive") for r in self.exp_receptors
        )
        return ParamSpec(*LIFBIO_SPEC.entries, *receptors)

    def receptor_names(self):
        return self.exp_receptors + self.delta_receptors

    def phase_functions(self):
        key = (self.exp_receptors, self.delta_receptors)
        if key not in _FUNCTION_CACHE:
            _FUNCTION_CACHE[key] = _receptor_functions(*key)
        return dict(_FUNCTION_CACHE[key])

    def derive(self, values, dt):
        tau_m = values["tau_m"]
        P_m = np.exp(-dt / tau_m)
        out = {
            "E_L": values["E_L"],
            "V_th": values["V_th"],
            "V_reset": values["V_reset"],
            "P_m": P_m,
            "R": ms_to_steps(values["t_ref"], dt, "t_ref", minimum=0).astype(np.float64),
        }
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
