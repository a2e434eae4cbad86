"""Tsodyks-Markram short-term plasticity (docs/contract.md §3.8): see :class:`TsodyksMarkram`."""

from __future__ import annotations

import math

from simcore.base.params import Param, ParamSpec
from .model import SynapseModel, updates

TM_SPEC = ParamSpec(
    Param("U", 0.5, "1", "utilisation increment", "unit_interval"),
    Param("tau_rec", 800.0, "ms", "recovery time constant", "positive"),
    Param("tau_fac", 0.0, "ms", "facilitation time constant (0: none)", "nonnegative"),
)


class TsodyksMarkram(SynapseModel):
    """Short-term depression and facilitation (NEST ``tsodyks2_synapse``), docs/contract.md §3.8.

    Each synapse keeps ``u``, ``x`` and the step of its last arrival. At an
    arrival in step ``t``, with ``delta = (t - last)*dt`` ms (infinite for the
    first)::

        u <- U + u*(1 - U)*exp(-delta/tau_fac)           # u = U when tau_fac = 0
        x <- 1 + (x - u_prev*x - 1)*exp(-delta/tau_rec)  # u_prev: u before this update
        delivered value = w * u * x                      (times the spike's value)

    with ``u = U``, ``x = 1`` before the first arrival. The weight does not
    change (no batch mode needed); ``u``, ``x`` and ``last`` are per sample.
    """

    synapse = {"w": None, "u": "U", "x": 1.0, "last": -math.inf}
    spec = TM_SPEC

    @updates("u", "x", "last")
    def on_pre(w, u, x, last, U, tau_rec, tau_fac, t, dt):
        delta = (t - last) * dt
        u_new = U + u * (1.0 - U) * math.exp(-delta / tau_fac) if tau_fac > 0.0 else U
        x_new = 1.0 + (x - u * x - 1.0) * math.exp(-delta / tau_rec)
        return w * u_new * x_new, u_new, x_new, t * 1.0
