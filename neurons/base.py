"""The neuron-model API: how any model, built-in or user-defined, is written.

A model is a subclass of :class:`NeuronModel` that declares

* ``state``: state variables and their default initial values,
* ``params``: parameters and their defaults (``None`` = required),
* ``receptors``: the input buffers that synapses and stimuli add into in
  phase 2 (MODELS.md 1); each is summed over the step, handed to ``deliver``
  and zeroed,
* up to five per-neuron functions, written in plain Python on scalars and
  compiled by Numba into the network's one kernel (MODELS.md 3.6):

  ``integrate``  phase 1: advance the state from ``t-1`` to ``t``;
  ``deliver``    phase 2: fold this step's receptor inputs into the state;
  ``threshold``  phase 3: return the spike code ``s``: ``0.0`` (none), ``1.0``,
                 or ``-1.0`` (a negative spike, for bipolar models);
  ``reset``      phase 4: called only when ``s != 0``;
  ``output``     the value the spike carries to synapses (default ``s``);
  ``post``       every step after threshold and reset, with ``s`` (``0.0``
                 when no spike): traces driven by the neuron's own spikes
                 (ALIF's adaptation ``a``, LIB's ``rec``).

A function names what it reads by its argument names: a state variable, a
receptor, a (derived) parameter, or one of ``t`` (the step), ``dt`` (ms),
``s`` (the spike code), ``uniform`` / ``normal`` (a fresh random draw from the
sample's own stream). Functions that change state are decorated with
``@updates("v", "u")`` and return the new values in that order (a bare value
when there is one). Example, the whole Izhikevich (2003) model::

    class Izhikevich(NeuronModel):
        state = {"v": -65.0, "u": -13.0, "I": 0.0}
        params = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0, "v_peak": 30.0}
        receptors = ("current",)

        @updates("v", "u")
        def integrate(v, u, I, a, b, dt):
            v = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + I)
            return v, u + dt * a * (b * v - u)

        @updates("I")
        def deliver(current):
            return current

        def threshold(v, v_peak):
            return 1.0 if v >= v_peak else 0.0

        @updates("v", "u")
        def reset(u, c, d):
            return c, u + d

Parameters may be scalars, ``(N,)`` arrays or distributions (drawn once,
shared by the batch); ``derive(values, dt)`` turns them into the arrays the
functions read (propagators such as ``exp(-dt/tau)`` are computed here, once).
``check(values)`` validates them. Initial states may be scalars, ``(N,)``
arrays, ``(B, N)`` arrays or distributions (drawn per sample).
"""
from __future__ import annotations

import inspect

import numpy as np
from numba import njit

from simcore.distributions import Distribution, realize
from simcore.errors import check_finite, check_int

PHASES = ("integrate", "deliver", "threshold", "reset", "output", "post")
SPECIAL_ARGS = ("t", "dt", "s", "uniform", "normal")


def updates(*names: str):
    """Declare the state variables a phase function returns, in order."""

    def mark(fn):
        fn.updates = tuple(names)
        return fn

    return mark


def _raw_function(obj):
    if isinstance(obj, staticmethod):
        return obj.__func__
    return obj


class NeuronModel:
    """Base class of every neuron population; see the module docstring."""

    state: dict = {}
    params: dict = {}
    receptors: tuple = ()
    #: populations of this model emit spikes (readouts set False)
    spiking: bool = True
    #: spikes carry ``-1`` as well as ``+1`` (LIB)
    bipolar: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._phase_functions = {}
        for phase in PHASES:
            fn = _raw_function(cls.__dict__.get(phase))
            if fn is None:
                # inherit the compiled function of a parent model
                for parent in cls.__mro__[1:]:
                    if phase in getattr(parent, "_phase_functions", {}):
                        cls._phase_functions[phase] = parent._phase_functions[phase]
                        break
                continue
            if not callable(fn):
                continue
            cls._phase_functions[phase] = compile_phase(cls.__name__, phase, fn)

    def __init__(self, n: int, *, name: str | None = None, init: dict | None = None, **params):
        self.n = check_int(n, "n", minimum=1)
        self.name = name
        self.model = type(self).__name__
        unknown = set(params) - set(self.param_defaults())
        if unknown:
            raise TypeError(
                f"{self.model} got unknown parameter(s) {sorted(unknown)}; "
                f"its parameters are {sorted(self.param_defaults())}"
            )
        self.param_values = {k: v for k, v in self.param_defaults().items()}
        self.param_values.update(params)
        for key, value in self.param_values.items():
            if value is None:
                continue
            if not isinstance(value, Distribution):
                realize(value, np.random.default_rng(0), self.n, f"{self.model}.{key}")
        init = dict(init or {})
        unknown = set(init) - set(self.state_defaults())
        if unknown:
            raise ValueError(
                f"init names unknown state variable(s) {sorted(unknown)} of {self.model}; "
                f"its state variables are {sorted(self.state_defaults())}"
            )
        self.init = {**self.state_defaults(), **init}
        for key, value in self.init.items():
            _check_init(value, self.n, f"init['{key}'] of {self.model}")
        self.network = None
        self.arrays: dict[str, np.ndarray] = {}

    # ----- what a model declares; instances may override (e.g. one trace per receptor)
    def state_defaults(self) -> dict:
        return dict(self.state)

    def param_defaults(self) -> dict:
        return dict(self.params)

    def receptor_names(self) -> tuple:
        return tuple(self.receptors)

    def phase_functions(self) -> dict:
        """The compiled per-neuron functions, by phase."""
        return dict(self._phase_functions)

    def derive(self, values: dict, dt: float) -> dict:
        """Kernel parameters from user parameters (``(N,)`` float64 arrays)."""
        return values

    def check(self, values: dict) -> None:
        """Model-specific validation of the realised parameters."""

    # ----- engine side
    def realize_params(self, rng, dt: float) -> dict:
        """Draw/broadcast parameters, validate them and derive kernel parameters."""
        values = {}
        for key, value in self.param_values.items():
            if value is None:
                continue
            values[key] = realize(value, rng, self.n, f"{self.model}.{key}")
        self.check(values)
        derived = self.derive(values, dt)
        for key, arr in derived.items():
            check_finite(arr, f"{self.model}.{key}")
        return derived

    def describe(self) -> dict:
        """A JSON-friendly description (model, size, parameters)."""
        params = {}
        for key, value in self.param_values.items():
            if isinstance(value, Distribution):
                params[key] = value.describe()
            elif value is None:
                continue
            else:
                arr = np.asarray(value)
                params[key] = float(arr) if arr.ndim == 0 else {"array": list(arr.shape)}
        return {"name": self.name, "model": self.model, "n": self.n, "params": params,
                "state": list(self.state_defaults()), "receptors": list(self.receptor_names())}

    def __getitem__(self, var: str) -> np.ndarray:
        """The ``(B, N)`` state array of ``var`` (after the network is built)."""
        if var not in self.arrays:
            if self.network is None or not self.arrays:
                raise RuntimeError(f"population {self.name!r} has no state yet: run or build the network first")
            raise KeyError(f"{var!r} is not a state variable of {self.model}; choose from {sorted(self.arrays)}")
        return self.arrays[var]

    def __repr__(self):
        return f"{self.model}(n={self.n}, name={self.name!r})"


def _check_init(value, n, name):
    if isinstance(value, Distribution):
        return
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, an array or a Distribution; got {value!r}")
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0 or arr.shape == (n,) or (arr.ndim == 2 and arr.shape[1] == n):
        check_finite(arr, name)
        return
    raise ValueError(f"{name} must be a scalar, shape ({n},), shape (B, {n}) or a Distribution; got shape {arr.shape}")


def compile_phase(model: str, phase: str, fn):
    """Compile one per-neuron phase function and record its argument names."""
    args = list(inspect.signature(fn).parameters)
    out = getattr(fn, "updates", ())
    if phase in ("integrate", "deliver", "reset", "post") and not out:
        raise TypeError(f"{model}.{phase} must declare the state it returns with @updates(...)")
    jitted = njit(fn)
    jitted.arg_names = args
    jitted.updates = out
    return jitted


def draw_initial_state(pop: NeuronModel, var: str, batch_size: int, dtype, sample_rng) -> np.ndarray:
    """The ``(B, N)`` initial array of ``var``; distributions are drawn per sample."""
    value = pop.init[var]
    out = np.empty((batch_size, pop.n), dtype=dtype)
    if isinstance(value, Distribution):
        for b in range(batch_size):
            out[b] = value.sample(sample_rng(b), pop.n)
        return out
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[0] != batch_size:
        raise ValueError(f"init['{var}'] of {pop.model} has shape {arr.shape}; expected ({batch_size}, {pop.n}) for batch_size={batch_size}")
    out[...] = arr
    return out
