r"""PyTorch interop: a dense-mode ``SNN`` as a ``torch.nn.Module`` (extra ``torch``).

Nothing else in spikesim imports torch.  ``SpikesimModule(model)`` owns torch
``Parameter`` copies of the model's learnable arrays; its forward and backward
passes call spikesim's own kernels (``SNN.forward`` and
``SNN.backward(full=True)``) through a ``torch.autograd.Function``, so a
spikesim network trains inside a torch model and passes gradients to what
lies upstream (an encoder), including to its initial state.

On the torch side:

* weight matrices are in ``nn.Linear``'s ``(out, in)`` layout: ``W_in.T``,
  ``W_rec.T`` (target x source), ``W_out.T``, ``W_lin.T``;
* decays are learnt either through their time constants (``decays=False``,
  the names of ``SNN.parameters()``) or as the decays themselves
  (``decays=True``: ``layers.0.beta``, ``layers.0.rho``,
  ``layers.0.alpha_pos``, ``readout.kappa``; time constants follow as
  ``tau = -dt/log(decay)`` and the kernels use the decay exactly);
* parameter names are spikesim's with ``.`` replaced by ``__``
  (``module.params['layers__0__W_in']``); ``spikesim_name(key)`` maps back.

``module(x, initial_state=None)`` takes ``x`` ``(T, B, n_in)`` (float32 or
float64, as the model) and returns ``(y, events)``: the readout ``(T, B, C)``
(``None`` without readout) and the list of spike-event tensors per layer
(``(T, B, N)``, for regularisers; their gradient enters the kernels as
``g_events``).  ``initial_state``: dict ``{k: tensor}`` shaped as
``SNN.forward`` expects.  ``cross_entropy(y, labels, mask)`` is the
docs/contract.md §4 loss in torch, with a bool or float (weighted) mask.
"""

from __future__ import annotations

import math

import numpy as np

try:
    import torch
except ImportError as e:  # pragma: no cover - exercised only without torch
    raise ImportError("simcore.torch needs PyTorch; install the 'torch' extra: pip install 'spikesim[torch]'") from e

from simcore.grad.layers import SNN

__all__ = ["SpikesimModule", "cross_entropy", "spikesim_name"]

_WEIGHTS = ("W_in", "W_rec", "W_out", "W_lin")
_TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def spikesim_name(key):
    """``'layers__0__W_in'`` -> ``'layers.0.W_in'``."""
    return key.replace("__", ".")


def _is_weight(name):
    return name.rsplit(".", 1)[-1] in _WEIGHTS


class _SNNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, module, x, n_state, *tensors):
        states = tensors[:n_state]
        module._push()
        x_np = x.detach().cpu().numpy()
        st = None
        if n_state:
            st = {k: s.detach().cpu().numpy() for k, s in zip(module._state_keys, states)}
        tape = module.model.forward(x_np, initial_state=st)
        ctx.module = module
        ctx.tape = tape
        ctx.n_state = n_state
        ctx.state_keys = list(module._state_keys)
        tdt = x.dtype
        y = torch.from_numpy(tape.y).to(tdt) if tape.y is not None else torch.zeros(0, dtype=tdt)
        ev = [torch.from_numpy(np.ascontiguousarray(e)).to(tdt) for e in tape.events]
        ctx.has_y = tape.y is not None
        return (y, *ev)

    @staticmethod
    def backward(ctx, g_y, *g_ev):
        m = ctx.module
        model = m.model
        gy = g_y.detach().cpu().numpy() if ctx.has_y else None
        gev = {k: g.detach().cpu().numpy() for k, g in enumerate(g_ev) if g is not None}
        res = model.backward(ctx.tape, gy, gev or None, full=True)
        grads = []
        for key in m._keys:
            name = spikesim_name(key)
            if name in m._decay_of:
                g = res.decays[name]
            else:
                g = res.params.get(name)
                if g is None:
                    grads.append(None)
                    continue
                if _is_weight(name):
                    g = g.T
            grads.append(torch.from_numpy(np.ascontiguousarray(g)).to(m.params[key].dtype))
        gx = torch.from_numpy(np.ascontiguousarray(res.x)).to(g_y.dtype)
        gst = [torch.from_numpy(np.ascontiguousarray(res.state0[k])) for k in ctx.state_keys][: ctx.n_state]
        ctx.tape = None
        return (None, gx, None, *gst, *grads)


class SpikesimModule(torch.nn.Module):
    """A ``simcore.grad.SNN`` as an ``nn.Module`` (see the module docstring).

    Parameters
    ----------
    model : simcore.grad.SNN
        The network; its arrays are overwritten from the torch parameters at
        every forward pass.
    decays : bool
        Learn decays (``beta``, ``rho``, ``alpha_pos``, ..., ``kappa``)
        instead of time constants.
    """

    def __init__(self, model, decays=False):
        super().__init__()
        if not isinstance(model, SNN):
            raise TypeError(f"model must be a simcore.grad.SNN; got {type(model).__name__}")
        if not isinstance(decays, bool):
            raise TypeError(f"decays must be a bool; got {type(decays).__name__}")
        self.model = model
        self.decays = decays
        tdt = _TORCH_DTYPE[model.dtype]
        self.params = torch.nn.ParameterDict()
        self._decay_of = {}  # torch name (spikesim form) of a decay -> (module, tau name)
        learn = model.parameters()
        for prefix, mod in model._modules():
            taus = dict(mod._decays) if mod.spec is not None else {}
            for name, arr in mod.params.items():
                full = prefix + name
                if full not in learn:
                    continue
                if decays and name in taus:
                    dname = prefix + taus[name]
                    self._decay_of[dname] = (mod, name)
                    val = mod.decay(name, model.dt).astype(np.float64)
                    if arr.ndim == 0:
                        val = val[:1].reshape(())
                    self.params[dname.replace(".", "__")] = torch.nn.Parameter(torch.tensor(val, dtype=tdt))
                    continue
                val = arr.T if _is_weight(full) else arr
                self.params[full.replace(".", "__")] = torch.nn.Parameter(
                    torch.tensor(np.array(val, dtype=np.float64), dtype=tdt)
                )
        self._keys = list(self.params.keys())
        self._state_keys = []

    def _push(self):
        """Copy the torch parameters into the spikesim arrays."""
        m = self.model
        arrays = m.parameters()
        with torch.no_grad():
            for key in self._keys:
                name = spikesim_name(key)
                v = self.params[key].detach().cpu().numpy().astype(np.float64)
                if name in self._decay_of:
                    mod, tau_name = self._decay_of[name]
                    if np.any(v <= 0) or np.any(v >= 1):
                        raise ValueError(f"{name} must lie in (0, 1); got values in [{v.min()}, {v.max()}]")
                    tau = -m.dt / np.log(v)
                    mod.params[tau_name][...] = tau
                    if not hasattr(mod, "_exact_decay"):
                        mod._exact_decay = {}
                    mod._exact_decay[tau_name] = (mod.params[tau_name].copy(), v.copy())
                    continue
                arr = arrays[name]
                arr[...] = v.T if _is_weight(name) else v

    def pull(self):
        """Copy the spikesim arrays into the torch parameters (after
        ``model.clamp_time_constants()`` or a load)."""
        m = self.model
        arrays = m.parameters()
        with torch.no_grad():
            for key in self._keys:
                name = spikesim_name(key)
                if name in self._decay_of:
                    mod, tau_name = self._decay_of[name]
                    val = mod.decay(tau_name, m.dt).astype(np.float64)
                    if mod.params[tau_name].ndim == 0:
                        val = val[:1].reshape(())
                else:
                    val = arrays[name].T if _is_weight(name) else arrays[name]
                self.params[key].copy_(torch.as_tensor(np.array(val, dtype=np.float64)))

    def forward(self, x, initial_state=None):
        if not torch.is_tensor(x):
            raise TypeError(f"x must be a torch tensor; got {type(x).__name__}")
        tdt = _TORCH_DTYPE[self.model.dtype]
        if x.dtype != tdt:
            raise TypeError(f"x must have dtype {tdt} (the model's); got {x.dtype}")
        if x.dim() != 3 or x.shape[2] != self.model.n_in:
            raise ValueError(f"x must have shape (T, B, {self.model.n_in}); got {tuple(x.shape)}")
        states = []
        self._state_keys = []
        if initial_state:
            if not isinstance(initial_state, dict):
                raise TypeError("initial_state must be a dict {layer index: tensor}")
            for k in sorted(initial_state):
                self._state_keys.append(k)
                states.append(initial_state[k])
            # layers without a given state get zeros, whose gradient is not returned
        out = _SNNFunction.apply(self, x, len(states), *states, *[self.params[k] for k in self._keys])
        y = out[0] if self.model.readout is not None else None
        return y, list(out[1:])

    def clamp_(self):
        """Clamp time constants into range (spikesim's rule) and pull the result."""
        self._push()
        self.model.clamp_time_constants()
        self.pull()


def cross_entropy(y, labels, mask=None):
    """docs/contract.md §4 cross-entropy in torch: the readout averaged over
    the masked steps (weighted by a float mask), then the cross-entropy, mean
    over the batch."""
    T = y.shape[0]
    if mask is None:
        w = torch.ones(T, dtype=y.dtype)
    else:
        w = torch.as_tensor(mask)
        if w.dtype == torch.bool:
            w = w.to(y.dtype)
        elif not torch.is_floating_point(w):
            raise TypeError(f"mask must be a bool or float tensor; got {w.dtype}")
        if w.shape != (T,):
            raise ValueError(f"mask must have shape ({T},); got {tuple(w.shape)}")
        if bool((w < 0).any()) or not math.isfinite(float(w.sum())) or float(w.sum()) <= 0:
            raise ValueError("mask must hold finite weights >= 0, not all zero")
        w = w.to(y.dtype)
    ybar = (w[:, None, None] * y).sum(0) / w.sum()
    return torch.nn.functional.cross_entropy(ybar, torch.as_tensor(labels))
