"""One parameter spec per model, shared by the event engine and the dense (BPTT) mode.

A :class:`ParamSpec` lists a model's parameters: name, default, unit, the
range a value must lie in, and what it means. A time constant and the decay
per step it gives (``beta = exp(-dt/tau_mem)``) form one :class:`Decay`
entry: the user gives either name, never both, and the default is the time
constant's. Options that are strings (``reset``) are :class:`Choice`
entries. The event-driven model (``neurons.LIF``) and the dense layer
(``simcore.grad.LIFLayer``) read the same spec, so both accept the same
names with the same defaults, and the spec renders the parameter table of
their docstrings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import check_finite

#: ranges a value may be required to lie in, and how each is described
RANGES = {
    "any": ("be finite", lambda a: np.ones(a.shape, bool)),
    "positive": ("be > 0", lambda a: a > 0),
    "nonnegative": ("be >= 0", lambda a: a >= 0),
    "unit_interval": ("lie in [0, 1]", lambda a: (a >= 0) & (a <= 1)),
}


@dataclass(frozen=True)
class Param:
    """A plain numeric parameter; ``default=None`` makes it required."""

    name: str
    default: float | None
    unit: str
    doc: str
    range: str = "any"

    def __post_init__(self):
        if self.range not in RANGES:
            raise ValueError(f"range must be one of {tuple(RANGES)}; got {self.range!r}")

    def names(self) -> tuple:
        return (self.name,)


@dataclass(frozen=True)
class Decay:
    """A time constant ``tau`` (ms, > 0) or the decay per step it gives, ``decay = exp(-dt/tau)`` in [0, 1]."""

    tau: str
    decay: str
    default_tau: float | None
    doc: str

    def names(self) -> tuple:
        return (self.tau, self.decay)


@dataclass(frozen=True)
class Choice:
    """An option given as one of a few strings."""

    name: str
    choices: tuple
    default: str
    doc: str

    def names(self) -> tuple:
        return (self.name,)


def class_spec(cls, section: str) -> None:
    """Give a model class its ``spec``: the one it declares, or one made from a plain ``params`` dict.

    A declared spec's table is appended to the class docstring (``help(cls)``
    shows it) under a heading that cites ``section`` of docs/contract.md.
    """
    declared = cls.__dict__.get("spec") is not None
    if not declared and "params" in cls.__dict__:
        cls.spec = ParamSpec(*(Param(k, v, "", "") for k, v in cls.params.items()))
    if declared and cls.__doc__:
        table = "\n".join("        " + line for line in cls.spec.table().splitlines())
        cls.__doc__ = f"{cls.__doc__.rstrip()}\n\n    Parameters (docs/contract.md {section})::\n\n{table}\n"


class ParamSpec:
    """The parameters of one model, in order; see the module docstring."""

    def __init__(self, *entries):
        self.entries = tuple(entries)
        seen = [n for e in self.entries for n in e.names()]
        if len(seen) != len(set(seen)):
            raise ValueError(f"parameter names repeat in a spec: {seen}")

    # ----- what the spec holds
    def names(self) -> tuple:
        """Every name a user may give (both names of a decay), options included."""
        return tuple(n for e in self.entries for n in e.names())

    def numeric_names(self) -> tuple:
        return tuple(n for e in self.entries if not isinstance(e, Choice) for n in e.names())

    def defaults(self) -> dict:
        """``{name: default}``; a decay's name defaults to ``None`` (its time constant holds the default)."""
        out = {}
        for e in self.entries:
            if isinstance(e, Decay):
                out[e.tau], out[e.decay] = e.default_tau, None
            else:
                out[e.name] = e.default
        return out

    def decays(self) -> tuple:
        """``((tau name, decay name), ...)``."""
        return tuple((e.tau, e.decay) for e in self.entries if isinstance(e, Decay))

    def plain(self) -> tuple:
        """Names of the plain numeric parameters."""
        return tuple(e.name for e in self.entries if isinstance(e, Param))

    def choices(self) -> dict:
        return {e.name: e for e in self.entries if isinstance(e, Choice)}

    # ----- checking what a user gives
    def resolve(self, given: dict, model: str) -> dict:
        """Defaults filled in for what ``given`` lacks; unknown names and a decay given twice raise.

        A decay given by its decay name drops the time constant's default.
        Required parameters (default ``None``) that are missing raise too.
        """
        unknown = sorted(set(given) - set(self.names()))
        if unknown:
            raise TypeError(f"{model} got unknown parameter(s) {unknown}; its parameters are {list(self.names())}")
        values = self.defaults()
        for e in self.entries:
            if isinstance(e, Decay) and given.get(e.tau) is not None and given.get(e.decay) is not None:
                raise ValueError(f"{model} takes exactly one of {e.decay} or {e.tau}; got both")
            if isinstance(e, Decay) and given.get(e.decay) is not None:
                values[e.tau] = None
        values.update({k: v for k, v in given.items() if v is not None})
        for e in self.entries:
            if isinstance(e, Choice) and values[e.name] not in e.choices:
                raise ValueError(f"{e.name} must be one of {e.choices}; got {values[e.name]!r}")
            given_any = any(values.get(n) is not None for n in e.names())
            if not given_any and not isinstance(e, Choice):
                what = " or ".join(e.names())
                raise ValueError(f"{model} needs parameter {what}; got none")
        return values

    def check(self, values: dict, model: str) -> None:
        """Range checks of realised ``(N,)`` values; a ``ValueError`` names the parameter and the value."""
        for e in self.entries:
            if isinstance(e, Choice):
                continue
            checks = [(e.tau, "positive"), (e.decay, "unit_interval")] if isinstance(e, Decay) else [(e.name, e.range)]
            for name, kind in checks:
                if name not in values or values[name] is None or isinstance(values[name], str):
                    continue
                arr = np.asarray(values[name], dtype=np.float64)
                check_finite(arr, f"{model}.{name}")
                text, ok = RANGES[kind]
                bad = ~ok(arr)
                if np.any(bad):
                    raise ValueError(f"{model}.{name} must {text}; got {arr[bad].flat[0]}")

    # ----- documentation
    def table(self) -> str:
        """The parameter table (reStructuredText) for a model's docstring."""
        rows = []
        for e in self.entries:
            if isinstance(e, Decay):
                tau = "--" if e.default_tau is None else f"{e.default_tau:g}"
                rows.append((e.tau, tau, "ms", f"{e.doc} time constant, > 0"))
                rows.append((e.decay, "--", "1", f"or the decay per step exp(-dt/{e.tau}), in [0, 1]"))
            elif isinstance(e, Choice):
                rows.append((e.name, repr(e.default), "", f"{e.doc}: one of {', '.join(map(repr, e.choices))}"))
            else:
                default = "required" if e.default is None else f"{e.default:g}"
                rng = RANGES[e.range][0].split(" ", 1)[1]
                rows.append((e.name, default, e.unit, e.doc if e.range == "any" else f"{e.doc}, {rng}"))
        head = ("name", "default", "unit", "meaning")
        widths = [max(len(r[k]) for r in rows + [head]) for k in range(4)]
        rule = " ".join("=" * w for w in widths)
        fmt = " ".join(f"{{:<{w}}}" for w in widths)
        lines = [rule, fmt.format(*head).rstrip(), rule]
        lines += [fmt.format(*r).rstrip() for r in rows]
        return "\n".join(lines + [rule])
