"""Linear: a population that passes on a float value every step (a residual stream), not spikes."""

from __future__ import annotations

from simcore.base.params import Param, ParamSpec
from .base import NeuronModel, updates


class Linear(NeuronModel):
    """The sum of this step's input plus a bias, sent on as the value of an event every step.

    Per neuron, at step ``t``::

        z[t] = I[t] + bias

    Every neuron emits an event of value ``z[t]`` at every step (``s = 1``),
    so projections from it deliver ``w * z[t]``: with zero-delay projections
    (docs/contract.md §2) it is a residual block's output,
    ``x[t] + v[t] @ W_lin + b_lin``, in the event-driven engine
    (``simcore.grad.to_network``). Receptor: ``I``. State: ``z``.
    """

    state = {"z": 0.0}
    spec = ParamSpec(Param("bias", 0.0, "1", "value added every step"))
    receptors = ("I",)

    @updates("z")
    def deliver(I, bias):
        return I + bias

    def threshold(z):
        return 1.0

    def output(z):
        return z
