"""The neuron-model API: how any model, built-in or user-defined, is written.

A model is a subclass of :class:`NeuronModel` that declares

* ``state``: state variables and their default initial values,
* ``params``: parameters and their defaults (``None`` = required),
* ``receptors``: the input buffers that synapses and stimuli add into in
  phase 2 (docs/contract.md §1); each is summed over the step, handed to ``deliver``
  and zeroed,
* up to five per-neuron functions, written in plain Python on scalars and
  compiled by Numba into the network's one kernel (docs/contract.md §3.6):

  ``integrate``  phase 1: advance the state from ``t-1`` to ``t``;
  ``deliver``    phase 2: fold this step's receptor inputs into the state;
  ``threshold``  phase 3: return the spike code ``s``: ``0.0`` (none), ``1.0``,
                 or ``-1.0`` (a negative spike, for bipolar models);
  ``reset``      phase 4: called only when ``s != 0``;
  ``output``     the value the spike carries to synapses (default ``s``);
  ``post``       every step after threshold and reset, with ``s`` (``0.0``
                 when no spike): traces driven by the neuron's own spikes
                 (ALIF's adaptation ``a``, LIB's ``rec``).

and, optionally, a *fast path* of phase 1, as a pair:

  ``integrate_fast``  the same update as ``integrate`` (same ``@updates``),
                      cheaper, and equal to it bit for bit for every neuron
                      where ``fast_when`` holds (for example ``exp`` without
                      its special cases, :func:`simcore.base.kernels.vexp.vexp_ordinary`);
  ``fast_when``       ``True`` where ``integrate_fast`` is exact, read from the
                      state at the start of the step (no ``s``, no random draws).

Each step the engine evaluates ``fast_when`` over the population (or shard)
first and runs the whole state pass with ``integrate_fast`` when it holds for
every neuron, else with ``integrate``: results never depend on the path. A
subclass that overrides ``integrate`` without ``integrate_fast`` drops the
parent's pair.

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
``check(values)`` validates them. A built-in model declares its parameters
as a :class:`simcore.base.params.ParamSpec` (``spec``), shared with its
dense-mode layer; a user's model may give a plain ``params`` dict instead.

State, parameter and receptor names reach generated code: each must be a
Python identifier (not a keyword or builtin) and no name may be used twice
among them or clash with ``t, dt, s, uniform, normal``.

A population is a :class:`simcore.base.component.Component`: ``build``
allocates its :class:`neurons.population.PopulationArrays` (``pop.runtime``),
``emit`` writes its phases into the network's kernel. Initial states may be scalars, ``(N,)``
arrays, ``(B, N)`` arrays or distributions (drawn per sample).
"""

from __future__ import annotations

import inspect

import numpy as np
from numba import njit

from simcore.base.component import Component
from simcore.base.distributions import Distribution, realize
from simcore.base.errors import check_finite, check_identifier, check_int, check_memory, check_name
from simcore.base.params import ParamSpec, class_spec
from simcore.base.subgroup import Subgroup
from .population import SPECIAL_ARGS, PopulationArrays, PopulationCode, check_phase_arguments

PHASES = ("integrate", "deliver", "threshold", "reset", "output", "post", "integrate_fast", "fast_when")
#: the optional fast path of phase 1 (module docstring): both or neither
FAST_PATH = ("integrate_fast", "fast_when")


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


class NeuronModel(Component):
    """Base class of every neuron population; see the module docstring."""

    role = "population"
    emit_order = 0
    state: dict = {}
    params: dict = {}
    #: the parameter spec; built from ``params`` when a model gives none
    spec: ParamSpec | None = None
    receptors: tuple = ()
    #: populations of this model emit spikes (readouts set False)
    spiking: bool = True
    #: spikes carry ``-1`` as well as ``+1`` (LIB)
    bipolar: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        class_spec(cls, "§3")
        cls._phase_functions = {}
        for phase in PHASES:
            fn = _raw_function(cls.__dict__.get(phase))
            if fn is None and phase in FAST_PATH and "integrate" in cls.__dict__:
                continue  # a new integrate: the parent's fast path would run the parent's update
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
        check_memory(self.n * 8, f"a population of n = {self.n} neurons")
        self.name = None if name is None else check_name(name)
        self.model = type(self).__name__
        values = self.param_spec().resolve(params, self.model)
        #: string options of the spec (``reset``), apart from the numeric parameters
        self.options = {k: values.pop(k) for k in self.param_spec().choices()}
        self.param_values = values
        for key, value in self.param_values.items():
            if value is not None and not isinstance(value, Distribution):
                _check_param_value(value, self.n, f"{self.model}.{key}")
        self._check_names()
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
        self.runtime: PopulationArrays | None = None

    def _check_names(self) -> None:
        """State, parameter and receptor names are identifiers and never clash (they meet in generated code)."""
        seen = {a: "reserved argument" for a in SPECIAL_ARGS}
        groups = (
            ("state variable", self.state_defaults()),
            ("parameter", self.param_defaults()),
            ("receptor", self.receptor_names()),
        )
        for what, names in groups:
            for name in names:
                check_identifier(name, f"{what} of {self.model}")
                if name in seen:
                    raise ValueError(
                        f"{what} {name!r} of {self.model} clashes with the {seen[name]} of the "
                        "same name; rename one of them"
                    )
                seen[name] = what

    # ----- what a model declares; instances may override (e.g. one trace per receptor)
    def param_spec(self) -> ParamSpec:
        return type(self).spec if type(self).spec is not None else ParamSpec()

    def state_defaults(self) -> dict:
        return dict(self.state)

    def param_defaults(self) -> dict:
        spec = self.param_spec()
        return {k: v for k, v in spec.defaults().items() if k not in spec.choices()}

    def receptor_names(self) -> tuple:
        return tuple(self.receptors)

    def phase_functions(self) -> dict:
        """The compiled per-neuron functions, by phase."""
        return dict(self._phase_functions)

    def derive(self, values: dict, dt: float) -> dict:
        """Kernel parameters from user parameters (``(N,)`` float64 arrays)."""
        return values

    def check(self, values: dict) -> None:
        """Model-specific validation of the realised parameters (beyond the spec's ranges)."""

    # ----- engine side
    def realize_params(self, rng, dt: float) -> dict:
        """Draw/broadcast parameters, validate them and derive kernel parameters."""
        values = {}
        for key, value in self.param_values.items():
            if value is None:
                continue
            values[key] = realize(value, rng, self.n, f"{self.model}.{key}")
        self.param_spec().check(values, self.model)
        self.check(values)
        derived = self.derive(values, dt)
        for key, arr in derived.items():
            check_finite(arr, f"{self.model}.{key}")
        return derived

    def initial_state(self, var: str, batch_size: int, dtype, sample_rng) -> np.ndarray:
        """The ``(B, N)`` initial array of ``var``; distributions are drawn per sample."""
        value = self.init[var]
        out = np.empty((batch_size, self.n), dtype=dtype)
        if isinstance(value, Distribution):
            for b in range(batch_size):
                out[b] = value.sample(sample_rng(b), self.n)
            return out
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim == 2 and arr.shape[0] != batch_size:
            raise ValueError(
                f"init['{var}'] of {self.model} has shape {arr.shape}; expected "
                f"({batch_size}, {self.n}) for batch_size={batch_size}"
            )
        out[...] = arr
        return out

    # ----- the component protocol (simcore.base.component)
    def name_prefix(self) -> str:
        return self.model.lower() + "_"

    def build(self, ctx) -> None:
        for var, value in self.init.items():  # a (B, N) initial state must match the batch
            arr = None if isinstance(value, Distribution) else np.asarray(value)
            if arr is not None and arr.ndim == 2 and arr.shape[0] != ctx.batch_size:
                raise ValueError(
                    f"init['{var}'] of {self.model} has shape {arr.shape}; expected "
                    f"({ctx.batch_size}, {self.n}) for batch_size={ctx.batch_size}"
                )
        item = np.dtype(ctx.dtype).itemsize
        arrays = len(self.state_defaults()) + len(self.receptor_names()) + 3  # + spike value, flag, index
        check_memory(ctx.batch_size * self.n * arrays * item, f"population {self.name!r} ({self.n} neurons)")
        self.runtime = PopulationArrays.allocate(self, ctx)
        check_phase_arguments(self, self.runtime)

    def emit(self, kb) -> None:
        PopulationCode(self, self.runtime, kb).emit()

    def reset_state(self, ctx) -> None:
        self.runtime.redraw(self, ctx)

    def state_arrays(self) -> dict:
        return {} if self.runtime is None else self.runtime.run_state()

    def schedule(self) -> dict:
        who = f"{self.name} ({self.model})"
        return {"integrate": [who], "deliver": [f"then receptor buffers of {who}"], "threshold": [who], "reset": [who]}

    # ----- inspection
    @property
    def kernel_params(self) -> dict:
        """The ``(N,)`` parameters the kernel reads (after the network is built)."""
        self._require_built()
        return self.runtime.params

    @property
    def arrays(self) -> dict:
        """The ``(B, N)`` state arrays by variable (after the network is built)."""
        self._require_built()
        return self.runtime.state

    def _require_built(self) -> None:
        if self.runtime is None:
            raise RuntimeError(f"population {self.name!r} has no state yet: run or build the network first")

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
        params.update(self.options)
        return {
            "name": self.name,
            "model": self.model,
            "n": self.n,
            "params": params,
            "state": list(self.state_defaults()),
            "receptors": list(self.receptor_names()),
        }

    def __getitem__(self, key):
        """``pop["v"]``: the ``(B, N)`` state array of ``v`` (after the network is built);
        ``pop[a:b]``, ``pop[indices]``, ``pop[mask]``: a :class:`~simcore.base.subgroup.Subgroup`."""
        if not isinstance(key, str):
            return Subgroup(self, key)
        var = key
        self._require_built()
        if var not in self.runtime.state:
            raise KeyError(f"{var!r} is not a state variable of {self.model}; choose from {sorted(self.runtime.state)}")
        return self.runtime.state[var]

    def __repr__(self):
        return f"{self.model}(n={self.n}, name={self.name!r})"


def _check_param_value(value, n, name):
    """A scalar or an ``(n,)`` array of finite numbers (checked without allocating ``n`` values)."""
    if isinstance(value, bool) or isinstance(value, str):
        raise TypeError(f"{name} must be a number, an array of shape ({n},) or a Distribution; got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, an array of shape ({n},) or a Distribution; got {value!r}") from None
    if arr.ndim != 0 and arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},); got shape {arr.shape}")
    check_finite(arr, name)


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


def compile_phase(model: str, phase: str, fn, fastmath=frozenset()):
    """Compile one per-neuron phase function and record its argument names.

    ``fastmath``: the LLVM fast-math flags to compile with (empty: exact).
    The returned dispatcher has ``fastmath_variant(flags)``, which gives the
    copy of the same function compiled with ``flags`` (compiled once per
    flag set, then cached; an empty set gives the exact one): the fastmath
    kernel (:data:`simcore.base.codegen.FASTMATH_FLAGS`) calls those copies.
    """
    args = list(inspect.signature(fn).parameters)
    out = getattr(fn, "updates", ())
    if phase in ("integrate", "deliver", "reset", "post", "integrate_fast") and not out:
        raise TypeError(f"{model}.{phase} must declare the state it returns with @updates(...)")
    variants = {}

    def fastmath_variant(wanted=frozenset()):
        key = frozenset(wanted)
        if key not in variants:
            jitted = njit(fastmath=set(key), forceinline=True)(fn) if key else njit(forceinline=True)(fn)
            jitted.arg_names = args
            jitted.updates = out
            jitted.fastmath_variant = fastmath_variant  # every copy knows the others
            variants[key] = jitted
        return variants[key]

    return fastmath_variant(fastmath)
