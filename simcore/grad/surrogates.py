"""Spike functions and surrogate gradients of the dense-gradient mode.

docs/contract.md §4: the backward pass replaces ``dH/dx`` by a surrogate
``sigma'(x)`` with ``x = u - threshold`` (ALIF: ``x = u - A``; LIB:
``x = m - theta_pos`` and ``x = -m - theta_neg``):

==============  ===========================================  =========
name            sigma'(x)                                    default
==============  ===========================================  =========
fast_sigmoid    ``1 / (1 + k|x|)^2``                         k = 25
triangle        ``g * max(0, 1 - |x|)``                      g = 0.3
arctan          ``(a/2) / (1 + (pi*a*x/2)^2)``               a = 2
clamp_ramp      ``min(max(x + 1, 0), 1)``                    (none)
==============  ===========================================  =========

``spike_fn="sigmoid"`` replaces the spike function itself by
``sigmoid(k*x)`` in the forward pass and uses its exact derivative
``k*sigmoid(k*x)*(1 - sigmoid(k*x))`` in the backward pass; the gradient
is then the true gradient of a smooth model, which the finite-difference
checks use.  ``spike_fn="heaviside"`` (default) is ``H(x) = 1 if x >= 0``.
"""

from __future__ import annotations

import math

from .kernels.common import SpikeSpec

__all__ = ["SURROGATES", "SPIKE_FUNCTIONS", "make_spike_spec"]

#: surrogate name -> (kernel code, default parameter)
SURROGATES = {"fast_sigmoid": (0, 25.0), "triangle": (1, 0.3), "arctan": (2, 2.0), "clamp_ramp": (3, 0.0)}
SPIKE_FUNCTIONS = ("heaviside", "sigmoid")


def make_spike_spec(surrogate="fast_sigmoid", surrogate_param=None, spike_fn="heaviside", sigmoid_k=10.0) -> SpikeSpec:
    """Validate the options and pack them for the kernels.

    Parameters
    ----------
    surrogate : {'fast_sigmoid', 'triangle', 'arctan', 'clamp_ramp'}
    surrogate_param : float, optional
        ``k``, ``g`` or ``a``; the table's default when omitted.
    spike_fn : {'heaviside', 'sigmoid'}
    sigmoid_k : float
        Steepness of the smooth spike function (``spike_fn='sigmoid'``).
    """
    if surrogate not in SURROGATES:
        raise ValueError(f"surrogate must be one of {tuple(SURROGATES)}; got {surrogate!r}")
    if spike_fn not in SPIKE_FUNCTIONS:
        raise ValueError(f"spike_fn must be one of {SPIKE_FUNCTIONS}; got {spike_fn!r}")
    code, default = SURROGATES[surrogate]
    p = default if surrogate_param is None else float(surrogate_param)
    if not (math.isfinite(p) and p >= 0):
        raise ValueError(f"surrogate_param must be a finite number >= 0; got {surrogate_param!r}")
    k = float(sigmoid_k)
    if not (math.isfinite(k) and k > 0):
        raise ValueError(f"sigmoid_k must be a finite number > 0; got {sigmoid_k!r}")
    return SpikeSpec(SPIKE_FUNCTIONS.index(spike_fn), k, code, p)
