"""Izhikevich (2003) neuron, written only with the public model API (docs/contract.md §3.6).

Written as a user writes a model: nothing but ``NeuronModel``, ``updates``
and a ``ParamSpec`` (``simcore.NeuronModel``, ``simcore.updates``,
``simcore.ParamSpec`` for a user; this module, inside ``neurons``, imports
them from :mod:`neurons.base`), and it
runs through the same generated, jitted kernel as the built-in models. Equations (``v`` in mV,
``t`` in ms, ``I`` in the model's dimensionless current units)::

    dv/dt = 0.04*v**2 + 5*v + 140 - u + I
    du/dt = a*(b*v - u)
    if v >= v_peak: v <- c, u <- u + d

One forward-Euler step of ``dt`` per simulation step, ``v`` first and ``u``
from the new ``v``, as in Izhikevich's published code (which takes two half
steps of 0.5 ms for ``v``; here ``dt`` is the caller's, e.g. 0.1 ms)::

    v <- v + dt*(0.04*v*v + 5*v + 140 - u + I[t])
    u <- u + dt*a*(b*v - u)

``I[t]`` is the receptor ``I``: the summed input of step ``t`` (stimuli and
synapses), held for the step; as in the ML form (docs/contract.md §1), phases 1 and 2
fold into one update, written in ``deliver``. A spike (``v >= v_peak``) is
decided on the new ``v`` and reset in the same step.

Units: ``v`` in mV, ``t`` in ms, so ``u`` and the input ``I`` are in mV/ms
(Izhikevich writes them without units); the parameter table (with units and
ranges) is appended to :class:`Izhikevich`'s docstring from its spec.
One method exists (forward Euler, as published), so the model has no
``method`` option.

Published parameter sets (Izhikevich 2003, Fig. 2): regular spiking (RS)
``a=0.02, b=0.2, c=-65, d=8``; fast spiking (FS) ``a=0.1, b=0.2, c=-65, d=2``;
intrinsically bursting ``c=-55, d=4``; chattering ``c=-50, d=2``.
The initial state is ``v = -65``, ``u = -13`` (``b*v`` for ``b = 0.2``, the
published initial condition); give ``init={"u": b*v0}`` for another ``b``.

Reference: E. M. Izhikevich (2003), Simple model of spiking neurons,
IEEE Transactions on Neural Networks 14(6):1569-1572.
"""

from __future__ import annotations

import numpy as np

from simcore.base.params import Param, ParamSpec
from .base import NeuronModel, updates

#: Izhikevich's parameters with units (u in mV/ms) and ranges; defaults: regular spiking
IZHIKEVICH_SPEC = ParamSpec(
    Param("a", 0.02, "1/ms", "recovery rate", "nonnegative"),
    Param("b", 0.2, "1/ms", "sensitivity of u to v"),
    Param("c", -65.0, "mV", "reset potential, < v_peak"),
    Param("d", 8.0, "mV/ms", "jump of u at a spike"),
    Param("v_peak", 30.0, "mV", "spike cut-off"),
)


class Izhikevich(NeuronModel):
    """Izhikevich (2003) quadratic integrate-and-fire neuron with recovery ``u``."""

    state = {"v": -65.0, "u": -13.0}
    spec = IZHIKEVICH_SPEC
    receptors = ("I",)

    def check(self, values):
        bad = ~(values["c"] < values["v_peak"])
        if np.any(bad):
            raise ValueError(
                f"Izhikevich.c must be < Izhikevich.v_peak (a reset at or above the cut-off fires every "
                f"step); got c = {values['c'][bad][0]}, v_peak = {values['v_peak'][bad][0]}"
            )

    @updates("v", "u")
    def deliver(v, u, I, a, b, dt):
        v = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + I)
        u = u + dt * a * (b * v - u)
        return v, u

    def threshold(v, v_peak):
        return 1.0 if v >= v_peak else 0.0

    @updates("v", "u")
    def reset(u, c, d):
        return c, u + d
