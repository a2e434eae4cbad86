"""Package attributes imported on first use (PEP 562), so that importing a package loads only what is used.

A package lists where each public name lives; ``from neurons import LIF`` then imports ``neurons.lif`` (and
what it imports), not the other dozen models. A warm start of a small network spends about as long
importing spikesim's modules as stepping it, most of it in modules the network never uses.
"""

from __future__ import annotations

import importlib
import sys


def lazy_attributes(package: str, names: dict[str, tuple[str, ...]]):
    """``(__all__, __getattr__, __dir__)`` for the module ``package``, whose public names are ``names``.

    ``names`` maps each module, relative to the package (``".lif"``), to the public names it defines. A name
    is imported on its first use and then kept in the package's namespace, so later lookups cost nothing.
    """
    where = {name: module for module, module_names in names.items() for name in module_names}

    def __getattr__(name: str):
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return sorted(where), __getattr__, __dir__
