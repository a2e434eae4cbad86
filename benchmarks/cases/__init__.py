"""The benchmark cases, one module each, in the order the runner runs them.

Every case module has ``NAME``, the sizes of the full and the quick mode
(``FULL``, ``QUICK``: keyword arguments of its ``run``) and ``run(**sizes)
-> list[dict]``, returning records (:mod:`benchmarks.records`). A case
comparing with reference simulators takes them as ``references`` (keys of
:data:`benchmarks.references.REFERENCES`); the runner empties that argument
for ``--no-reference``.
"""
from __future__ import annotations

from benchmarks.cases import batch, brunel, cuba, recording, scale, startup

#: name -> case module, in running order
CASES = {module.NAME: module for module in (cuba, brunel, batch, scale, startup, recording)}

#: the case names in running order
NAMES = tuple(CASES)


def sizes(name: str, *, quick: bool = False, references: bool = True) -> dict:
    """The keyword arguments of case ``name`` in the quick or full mode; no references unless ``references``."""
    if name not in CASES:
        raise ValueError(f"unknown benchmark {name!r}; choose from {NAMES}")
    kwargs = dict(CASES[name].QUICK if quick else CASES[name].FULL)
    if not references and "references" in kwargs:
        kwargs["references"] = ()
    return kwargs
