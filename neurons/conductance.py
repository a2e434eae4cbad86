"""What the conductance-based models share (docs/contract.md §3.9): receptors, NEST's units, checks.

Every conductance model here has the receptors ``exc`` and ``inh`` (a weight
is a conductance jump in nS, as in NEST) and ``I`` (an injected current in
pA). The current delivered in step ``t`` is held in the state ``I_stim`` and
acts over the step ``t -> t+1``, as a synaptic conductance delivered at ``t``
does (docs/contract.md §1: phase 2 input reaches the membrane from the next
integrate on); it adds to the constant ``I_e``.

Refractoriness follows docs/contract.md §3.2 (Brian2's rule): with
``R = floor(t_ref/dt + 0.5)``, a neuron that spiked at step ``t`` holds ``v``
at ``V_reset`` and cannot spike in steps ``t+1 ... t+R-1``; its conductances
keep decaying and receiving input. The spike test is strict, ``v > V_th``
(Brian2's ``v > Vt``; NEST tests ``>=``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simcore.base.clock import ms_to_steps
from simcore.base.distributions import Distribution
from simcore.base.kernels.vexp import ORDINARY_LIMIT
from simcore.base.params import Param
from .base import NeuronModel
from .units import spec_units, warn_implausible, warn_implausible_weights, warn_volts

#: the receptors of every conductance model and the unit of a weight there
RECEPTOR_UNITS = {"exc": "nS", "inh": "nS", "I": "pA"}


def membrane_params(C_m=250.0, g_L=16.6667, E_L=-70.0, t_ref=2.0) -> tuple:
    """The membrane entries (NEST's names and units) with the given defaults."""
    return (
        Param("C_m", C_m, "pF", "membrane capacitance", "positive"),
        Param("g_L", g_L, "nS", "leak conductance", "positive"),
        Param("E_L", E_L, "mV", "leak reversal potential (and the initial v)"),
        Param("t_ref", t_ref, "ms", "refractory period", "nonnegative"),
        Param("I_e", 0.0, "pA", "constant input current"),
    )


def synapse_params(tau_ex=0.2, tau_in=2.0, E_ex=0.0, E_in=-85.0) -> tuple:
    """The synaptic entries (reversal potentials and time constants) with the given defaults."""
    return (
        Param("E_ex", E_ex, "mV", "excitatory reversal potential"),
        Param("E_in", E_in, "mV", "inhibitory reversal potential, < E_ex"),
        Param("tau_syn_ex", tau_ex, "ms", "excitatory conductance time constant", "positive"),
        Param("tau_syn_in", tau_in, "ms", "inhibitory conductance time constant", "positive"),
    )


class ConductanceModel(NeuronModel):
    """Base of the conductance models: receptors, initial ``v = E_L``, unit warnings, shared checks."""

    receptors = ("exc", "inh", "I")
    #: the state variable holding the membrane potential (starts at ``E_L``)
    membrane = "v"

    def state_defaults(self):
        e_l = getattr(self, "param_values", {}).get("E_L", self.param_spec().defaults()["E_L"])
        if isinstance(e_l, Distribution):
            e_l = self.param_spec().defaults()["E_L"]  # give init={'v': ...} when E_L is drawn
        return {**self.state, self.membrane: e_l}

    def check(self, values):
        """Reversal potentials in order, ``V_reset < V_th``; implausible units warn (:mod:`neurons.units`)."""
        units = spec_units(self.param_spec())
        warn_implausible(self.model, values, units)
        warn_volts(self.model, values, tuple(k for k, u in units.items() if u == "mV"))
        _require_less(
            values, "E_in", "E_ex", self.model, "the inhibitory reversal potential lies below the excitatory one"
        )
        if "V_th" in values and "V_reset" in values:
            _require_less(values, "V_reset", "V_th", self.model, "a reset at or above threshold fires forever")

    def build(self, ctx):
        warn_implausible_weights(self, RECEPTOR_UNITS)
        super().build(ctx)

    @staticmethod
    def refractory_steps(values, dt) -> np.ndarray:
        """``R = floor(t_ref/dt + 0.5)`` as float64 (docs/contract.md §2)."""
        return ms_to_steps(values["t_ref"], dt, "t_ref", minimum=0).astype(np.float64)


@njit(cache=True, forceinline=True)
def membrane_ordinary(g_ex, g_in, g_L, dt_C):
    """The membrane's ``exp`` argument, ``-dt g_tot/C_m`` with ``g_tot = g_L + g_ex + g_in`` computed as the
    models do, lies in vexp's ordinary range (``nan``: no), where ``vexp_ordinary`` is exact (fast path)."""
    return abs(-(g_L + g_ex + g_in) * dt_C) < ORDINARY_LIMIT


def _require_less(values, low, high, model, why) -> None:
    bad = ~(np.asarray(values[low]) < np.asarray(values[high]))
    if np.any(bad):
        lo = np.broadcast_to(values[low], bad.shape)[bad].flat[0]
        hi = np.broadcast_to(values[high], bad.shape)[bad].flat[0]
        raise ValueError(f"{model}.{low} must be < {model}.{high} ({why}); got {low} = {lo}, {high} = {hi}")
