"""Dense-gradient (BPTT) mode of spikesim (docs/contract.md §4).

Recurrent spiking layers (LIF, ALIF, LIB dual-trace) with dense weights and
per-neuron recurrent delays, a leaky-integrator readout and residual blocks;
forward and backward passes are Numba kernels over ``(T, B, N)`` arrays (no
autodiff framework).  The backward pass is the exact adjoint of the forward
pass with ``dH/dx`` replaced by a surrogate (``fast_sigmoid``, ``triangle``,
``arctan``, ``clamp_ramp``); ``spike_fn="sigmoid"`` makes the model smooth so
that gradients equal finite differences.  A dense model converts to the
event-driven engine (``to_network``) and back (``from_network``) with the
same spikes.

Example (the DelayNet setting: 40 inputs, 125 recurrent LIF neurons in
delay groups of 1, 81 and 101 steps, no self-connections, 2-unit readout)::

    import numpy as np
    from simcore.grad import (LIFLayer, ReadoutLayer, SNN, MADGRAD, Regularizer,
                              train_step, cross_entropy, save, load)

    delays = np.repeat([1, 81, 101], [42, 42, 41])
    layer = LIFLayer(40, 125, tau_mem=20.0, per_neuron=("tau_mem", "threshold"),
                     delays=delays, self_connections=False,   # zero diagonal, kept at zero
                     tau_range=(0.1, 50.0), seed=0)           # Kaiming-uniform weights
    model = SNN([layer], ReadoutLayer(125, 2, tau_out=20.0, per_neuron=("tau_out",),
                                 tau_range=(0.1, 50.0), seed=1),
                dt=1.0, dtype=np.float32, surrogate="clamp_ramp")
    opt = MADGRAD(model.parameters(), lr=1e-2)
    mask = np.zeros(T, bool); mask[-50:] = True              # recall window
    r = train_step(model, opt, x, labels, mask=mask, clip_norm=1.0,
                   regularizers=[Regularizer("branching_factor", 1e-4, layer=0)])
    save(model, "delaynet.h5")                                # load("delaynet.h5")

Lower level: ``tape = model.forward(x)``; ``loss, gy = cross_entropy(tape.y,
labels, mask)``; ``v, gn = branching_factor(tape.spikes(0))``;
``grads = model.backward(tape, gy, {0: w * gn})``; ``clip_grad_norm(grads,
1.0)``; ``opt.step(grads)``; ``model.clamp_time_constants()``.

Parameter names: ``layers.<k>.W_in`` (``(n_in, N)``, source x target),
``layers.<k>.W_rec``, ``layers.<k>.tau_mem``, ``layers.<k>.threshold``,
ALIF ``tau_adapt``, ``b_adapt``; LIB ``tau_syn_pos/neg`` (alpha),
``tau_mem_pos/neg`` (beta), ``tau_rec_pos/neg`` (gamma), ``theta_pos/neg``,
``scale_pos/neg``, ``rec_weight_pos/neg``, ``bias``; residual blocks
``layers.<k>.W_lin``, ``layers.<k>.b_lin`` and ``layers.<k>.layer.<name>``;
readout ``readout.W_out``, ``readout.tau_out``.

``model.backward(tape, gy, full=True)`` also returns dL/dx, the gradients of
the initial states and of the decays (``Gradients``).  Model builders of the
long-memory workbench (LIF/ALIF stacks, LIB residual stacks, DelayNet, matched
parameter counts): ``simcore.grad.models``.

Speed: the kernels use Numba threads (``prange`` over the batch) and BLAS
(recurrent adjoint, dense projections); on a loaded machine set
``OPENBLAS_NUM_THREADS`` / ``NUMBA_NUM_THREADS`` to the cores you own.
"""

import warnings

from .layers import LIFLayer, ALIFLayer, LIBLayer, ReadoutLayer, ResidualBlock, SNN, Tape, Gradients, kaiming_uniform
from .losses import (
    cross_entropy,
    mse,
    firing_rate_l2,
    branching_factor,
    accuracy,
    sequence_cross_entropy,
    sequence_accuracy,
)
from .surrogates import make_spike_spec, SURROGATES
from .optim import SGD, Adam, MADGRAD, clip_grad_norm, global_norm
from .train import Regularizer, train_step, fit
from .io import save, load, load_parameters
from .bridge import EventModel, to_network, from_network

__all__ = [
    "LIFLayer",
    "ALIFLayer",
    "LIBLayer",
    "ReadoutLayer",
    "ResidualBlock",
    "SNN",
    "Tape",
    "Gradients",
    "kaiming_uniform",
    "cross_entropy",
    "mse",
    "firing_rate_l2",
    "branching_factor",
    "accuracy",
    "sequence_cross_entropy",
    "sequence_accuracy",
    "make_spike_spec",
    "SURROGATES",
    "SGD",
    "Adam",
    "MADGRAD",
    "clip_grad_norm",
    "global_norm",
    "Regularizer",
    "train_step",
    "fit",
    "save",
    "load",
    "load_parameters",
    "EventModel",
    "to_network",
    "from_network",
]


def __getattr__(name):
    if name == "Readout":  # the event engine's Readout is a population; the layer is ReadoutLayer
        warnings.warn(
            "simcore.grad.Readout is now simcore.grad.ReadoutLayer (simcore.Readout is the event-driven population)",
            DeprecationWarning,
            stacklevel=2,
        )
        return ReadoutLayer
    raise AttributeError(f"module 'simcore.grad' has no attribute {name!r}")
