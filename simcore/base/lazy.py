"""Package attributes imported on first use (PEP 562), so that importing a package loads only what is used.

A package lists where each public name lives; ``from neurons import LIF`` then imports ``neurons.lif`` (and
what it imports), not the other dozen models. A warm start of a small network spends about as long
importing spikesim's modules as stepping it, most of it in modules the network never uses.
"""

from __future__ import annotations

import importlib
import sys


def lazy_attributes(package: str, where: dict[str, str]):
    """``(__getattr__, __dir__)`` for the module ``package``: the name ``n`` is ``where[n]``'s attribute ``n``.

    ``where`` maps each public name to its module, relative to the package (``".lif"``). A name is imported
    on its first use and then kept in the package's namespace, so later lookups cost nothing.
    """

    def __getattr__(name: str):
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
