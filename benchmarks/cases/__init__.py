"""The benchmark cases, one module each, in the order the runner runs them.

Every case module has ``NAME``, the sizes of the full and the quick mode
(``FULL``, ``QUICK``: keyword arguments of its ``run``) and ``run(**sizes)
-> list[dict]``, returning records (:mod:`benchmarks.records`). A case
comparing with reference simulators takes them as ``references`` (keys of
:data:`benchmarks.references.REFERENCES`); the runner empties that argument
for ``--no-reference``.

``coba`` (Brette et al. 2007, with Brian2 and NEST beside it) and ``threads``
(one Brunel network on one and on two threads) are in the default set;
``cobahh`` runs when named, ``python -m benchmarks cobahh --quick`` (its NEST
reference alone takes minutes). The MPI rank split is measured by
``python -m benchmarks.cases.ranks`` (it starts ``mpiexec``).
"""

from __future__ import annotations

from benchmarks.cases import batch, brunel, coba, cobahh, cuba, penalty, plastic, recording, scale, startup, threads

#: the cases run by default, in running order
DEFAULT = (cuba, brunel, coba, plastic, threads, batch, penalty, scale, startup, recording)

#: cases run only when named
ON_REQUEST = (cobahh,)

#: name -> case module, every case
CASES = {module.NAME: module for module in DEFAULT + ON_REQUEST}

#: the case names run by default, in running order
NAMES = tuple(module.NAME for module in DEFAULT)


def sizes(name: str, *, quick: bool = False, references: bool = True) -> dict:
    """The keyword arguments of case ``name`` in the quick or full mode; no references unless ``references``."""
    if name not in CASES:
        raise ValueError(f"unknown benchmark {name!r}; choose from {tuple(CASES)}")
    kwargs = dict(CASES[name].QUICK if quick else CASES[name].FULL)
    if not references and "references" in kwargs:
        kwargs["references"] = ()
    return kwargs
