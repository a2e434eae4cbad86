"""The synapse-model API: how plastic and short-term synapses, built-in or user-defined, are written.

A synapse model, like a neuron model (:mod:`neurons.base`), declares its
variables and parameters and per-event functions written in plain Python on
scalars, which Numba compiles into the network's one kernel
(docs/contract.md §3.7, §3.8):

* ``synapse``: per-synapse variables and their initial values; ``w`` is the
  weight (drawn from the projection's ``weight=``) and always exists;
* ``pre``: traces of the source neurons, ``{name: tau parameter}``; each
  decays by ``exp(-dt/tau)`` in phase 1 of every step;
* ``post``: traces of the target neurons, likewise;
* ``spec`` (or ``params``): the parameters, scalars shared by the projection;
* per-event functions (each names what it reads by its argument names: a
  synapse variable, a trace, a parameter, ``t`` or ``dt``):

  ``on_pre``      phase 2, for every synapse of a spike that arrives: returns
                  the value the synapse delivers (times the spike's value)
                  first, then the variables of ``@updates(...)``;
  ``pre_spike``   phase 2, once per arriving spike and source, after its
                  synapses delivered: updates ``pre`` traces;
  ``post_spike``  phase 6 (learn), for every target that spiked: updates
                  ``post`` traces;
  ``on_post``     phase 6, then for every synapse into that target: updates
                  synapse variables;
  ``on_step``     phase 6, every step, for every synapse (after the
                  post-synaptic events): updates synapse variables (an
                  eligibility trace decaying, a reward applied); costs a pass
                  over all synapses per step, so only models that need it
                  define it.

Event functions may also read ``modulator``: the value at step ``t`` of the
projection's ``modulator=`` input (an array ``(T,)`` or ``(T, B)``, e.g. a
reward or dopamine signal; 0 after its end).

A model is *plastic* when ``on_pre`` or ``on_post`` updates ``w``; a
plastic projection needs a batch mode (docs/contract.md §3.7):
``"per_sample"`` (weights ``(B, n_syn)``, every sample alone), ``"mean"`` or
``"sum"`` (one weight array; each step every sample computes its updates from
the weights at the start of the step, unclipped, and after phase 6 the
network applies ``w <- clip(w + reduce_b(dw), w_min, w_max)``, or every
``every`` steps and at the end of a run). With ``w_min``/``w_max`` among its
parameters a model's weights are clipped into ``[w_min, w_max]`` after each
update (in ``per_sample`` mode) or each reduction (``mean``/``sum``).
Other synapse variables and all traces are per sample in every mode.

Example, the whole pair-based additive STDP with all-to-all pairing::

    class MySTDP(SynapseModel):
        pre = {"x": "tau_pre"}
        post = {"y": "tau_post"}
        params = {"A_pre": 0.01, "A_post": -0.0105, "tau_pre": 20.0, "tau_post": 20.0,
                  "w_min": 0.0, "w_max": 1.0}

        @updates("w")
        def on_pre(w, y):          # deliver w, then depress by the post trace
            return w, w + y

        @updates("x")
        def pre_spike(x, A_pre):
            return x + A_pre

        @updates("y")
        def post_spike(y, A_post):
            return y + A_post

        @updates("w")
        def on_post(w, x):         # potentiate by the pre trace
            return w + x
"""

from __future__ import annotations

import inspect

import numpy as np
from numba import njit

from simcore.base.distributions import Distribution
from simcore.base.errors import check_identifier, check_int
from simcore.base.params import ParamSpec, class_spec

EVENTS = ("on_pre", "pre_spike", "post_spike", "on_post", "on_step")
#: names an event function may read besides variables, traces and parameters
SPECIAL_ARGS = ("t", "dt", "modulator")
BATCH_MODES = ("per_sample", "mean", "sum")


def updates(*names: str):
    """Declare the variables an event function returns, in order (after the delivered value for ``on_pre``)."""

    def mark(fn):
        fn.updates = tuple(names)
        return fn

    return mark


def compile_event(model: str, event: str, fn):
    """Compile one event function and record its argument names and what it updates."""
    fn = fn.__func__ if isinstance(fn, staticmethod) else fn
    out = getattr(fn, "updates", ())
    if event in ("pre_spike", "post_spike", "on_post", "on_step") and not out:
        raise TypeError(f"{model}.{event} must declare what it returns with @updates(...)")
    jitted = njit(fn)
    jitted.arg_names = list(inspect.signature(fn).parameters)
    jitted.updates = out
    return jitted


class SynapseModel:
    """Base class of synapse models; see the module docstring. ``Static()`` delivers ``w``."""

    synapse: dict = {"w": None}
    pre: dict = {}
    post: dict = {}
    params: dict = {}
    spec: ParamSpec | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        class_spec(cls, "§3.7")
        cls._events = {e: compile_event(cls.__name__, e, cls.__dict__[e]) for e in EVENTS if e in cls.__dict__}
        for parent in cls.__mro__[1:]:
            for event, fn in getattr(parent, "_events", {}).items():
                cls._events.setdefault(event, fn)

    def __init__(self, **params):
        self.model = type(self).__name__
        spec = self.param_spec()
        values = spec.resolve(params, self.model)
        self.options = {k: values.pop(k) for k in spec.choices()}
        for key, value in values.items():
            if isinstance(value, Distribution) or np.ndim(value) != 0:
                raise TypeError(f"{self.model}.{key} must be a scalar (one value for the projection); got {value!r}")
        spec.check({k: np.asarray([v], dtype=np.float64) for k, v in values.items() if v is not None}, self.model)
        self.check(values)
        self.values = {k: float(v) for k, v in values.items() if v is not None}
        self._check_names()

    # ----- what a model declares
    def param_spec(self) -> ParamSpec:
        return type(self).spec if type(self).spec is not None else ParamSpec()

    def events(self) -> dict:
        """The compiled event functions, by event (instances may choose among variants)."""
        return dict(self._events)

    def check(self, values: dict) -> None:
        """Model-specific validation of the parameters (beyond the spec's ranges)."""

    @property
    def plastic(self) -> bool:
        """Whether an event updates the weight ``w`` (then the projection needs a batch mode)."""
        return any("w" in fn.updates for fn in self.events().values())

    @property
    def clips(self) -> bool:
        return "w_min" in self.values and "w_max" in self.values

    def check_weights(self, weights: np.ndarray, what: str) -> None:
        """Weights of a model that clips (``w_min``/``w_max`` among its parameters) lie in ``[w_min, w_max]``.

        The rule clips after each update, so a weight outside would be moved to the bound at its synapse's
        first event, silently; the bounds are compared in the weights' own dtype (the run's), as the kernel
        compares them.
        """
        if not self.clips or weights.size == 0:
            return
        lo, hi = (weights.dtype.type(self.values[k]) for k in ("w_min", "w_max"))
        outside = int(np.count_nonzero((weights < lo) | (weights > hi)))
        if outside:
            raise ValueError(
                f"{what}: {outside} of {weights.size} weights lie outside [w_min, w_max] = "
                f"[{self.values['w_min']}, {self.values['w_max']}] of {self.model} (they span "
                f"[{weights.min()}, {weights.max()}]), and the rule would clip them at their first event; "
                "give weights within the bounds or set w_min/w_max to include them"
            )

    def _check_names(self) -> None:
        if "w" not in self.synapse:
            raise TypeError(f"{self.model}.synapse must declare the weight 'w'")
        seen = {a: "reserved argument" for a in SPECIAL_ARGS}
        groups = (
            ("synapse variable", self.synapse),
            ("pre trace", self.pre),
            ("post trace", self.post),
            ("parameter", self.values),
        )
        for what, names in groups:
            for name in names:
                check_identifier(name, f"{what} of {self.model}")
                if name in seen:
                    raise ValueError(f"{what} {name!r} of {self.model} clashes with the {seen[name]} of that name")
                seen[name] = what
        for trace, tau in {**self.pre, **self.post}.items():
            if tau not in self.values:
                raise TypeError(f"{self.model}: trace {trace!r} decays with {tau!r}, which is not a parameter")
        if self.clips and self.values["w_min"] > self.values["w_max"]:
            raise ValueError(
                f"{self.model}: w_min must be <= w_max; got w_min={self.values['w_min']}, w_max={self.values['w_max']}"
            )
        self._check_event_arguments()

    def _check_event_arguments(self) -> None:
        readable = {
            "on_pre": set(self.synapse) | set(self.pre) | set(self.post),
            "on_post": set(self.synapse) | set(self.pre) | set(self.post),
            "on_step": set(self.synapse) | set(self.pre) | set(self.post),
            "pre_spike": set(self.pre),
            "post_spike": set(self.post),
        }
        writable = {
            "on_pre": set(self.synapse),
            "on_post": set(self.synapse),
            "on_step": set(self.synapse),
            "pre_spike": set(self.pre),
            "post_spike": set(self.post),
        }
        for event, fn in self.events().items():
            known = readable[event] | set(self.values) | set(SPECIAL_ARGS)
            for arg in fn.arg_names:
                if arg not in known:
                    raise TypeError(f"{self.model}.{event} reads {arg!r}; it may read {sorted(known)}")
            for var in fn.updates:
                if var not in writable[event]:
                    raise TypeError(f"{self.model}.{event} updates {var!r}; it may update {sorted(writable[event])}")
        if "on_pre" not in self.events():
            raise TypeError(f"{self.model} needs an on_pre function (what a synapse delivers)")

    def describe(self) -> dict:
        return {"synapse": self.model, "params": dict(self.values), **self.options}

    def __repr__(self):
        return f"{self.model}({', '.join(f'{k}={v:g}' for k, v in self.values.items())})"


class Static(SynapseModel):
    """A fixed weight: every arriving spike delivers ``w`` times its value (docs/contract.md §2)."""

    @updates()
    def on_pre(w):
        return w


def check_batch(model: SynapseModel, batch, every, projection: str) -> tuple:
    """The batch mode and application interval of a projection with ``model`` (docs/contract.md §3.7)."""
    every = check_int(every, "every", minimum=1)
    if model.plastic:
        if batch is None:
            raise ValueError(
                f"projection {projection!r} has plastic synapses ({model.model}); give "
                f"batch= one of {BATCH_MODES} (how the samples of a batch share weights)"
            )
        if batch not in BATCH_MODES:
            raise ValueError(f"batch must be one of {BATCH_MODES}; got {batch!r}")
        if every != 1 and batch == "per_sample":
            raise ValueError(
                "every applies to batch='mean' or 'sum' (one shared weight array); got "
                f"every={every} with batch='per_sample'"
            )
        return batch, every
    if batch not in (None, "per_sample") or every != 1:
        raise ValueError(
            f"batch and every apply to plastic synapses; {model.model} does not change its weights "
            f"(got batch={batch!r}, every={every})"
        )
    return "per_sample", 1
