"""Plausibility of values in NEST's units (ms, mV, pF, nS, pA, Hz): warn when a value looks like another unit.

The biophysical models (docs/contract.md §3.9) take NEST's units. A value far
outside any sensible range in that unit is almost always a value given in
another unit: a time constant of ``0.02`` (seconds, meant 20 ms), a
capacitance of ``2e-10`` (farads), a conductance or weight of ``1e-9``
(siemens). Such values are legal, so they get a :class:`simcore.SpikesimWarning`
naming the parameter, the value and the unit expected, not an error.

:data:`PLAUSIBLE` gives, per unit, the smallest and largest magnitude a
non-zero value is expected to have; ``0`` is never warned about.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from simcore.base.distributions import Distribution
from simcore.base.errors import SpikesimWarning

log = logging.getLogger(__name__)

#: unit -> (smallest, largest) plausible magnitude of a non-zero value, and a hint at the likely mistake
PLAUSIBLE = {
    "ms": (0.05, 1e5, "a time constant in seconds? give milliseconds"),
    "mV": (0.0, 500.0, "a potential in microvolts? give millivolts"),
    "pF": (1.0, 1e7, "a capacitance in farads or nF? give picofarads"),
    "nS": (1e-4, 1e7, "a conductance in siemens? give nanosiemens"),
    "pA": (1e-3, 1e7, "a current in amperes? give picoamperes"),
}


def implausible(value, unit: str):
    """The first non-zero magnitude of ``value`` outside :data:`PLAUSIBLE` for ``unit``, else None."""
    if unit not in PLAUSIBLE:
        return None
    arr = np.abs(np.asarray(value, dtype=np.float64)).ravel()
    low, high, _ = PLAUSIBLE[unit]
    bad = arr[(arr != 0.0) & np.isfinite(arr) & ((arr < low) | (arr > high))]
    return None if bad.size == 0 else float(bad[0])


def warn_implausible(model: str, values: dict, units: dict) -> None:
    """Warn (:class:`SpikesimWarning`) for each parameter whose value is implausible in its unit.

    ``values``: realised parameters by name; ``units``: name -> unit.
    """
    for name, unit in units.items():
        if name not in values or values[name] is None:
            continue
        bad = implausible(values[name], unit)
        if bad is not None:
            _warn(
                f"{model}.{name} = {bad:g} is implausible in {unit} (expected magnitude "
                f"{PLAUSIBLE[unit][0]:g} to {PLAUSIBLE[unit][1]:g} {unit}): {PLAUSIBLE[unit][2]}"
            )


#: potentials all below this magnitude (mV) look like volts
VOLTS_LIKE_MV = 0.2


def warn_volts(model: str, values: dict, names: tuple) -> None:
    """Warn when every potential of ``names`` (mV) lies within ``VOLTS_LIKE_MV`` of 0 and one is non-zero.

    A single potential near 0 mV is legitimate (``E_ex = 0``); all of them
    there (``E_L = -0.065``, ``V_th = -0.05``) means volts.
    """
    given = [np.abs(np.asarray(values[n], dtype=np.float64)) for n in names if values.get(n) is not None]
    if given and all(np.all(a < VOLTS_LIKE_MV) for a in given) and any(np.any(a > 0) for a in given):
        first = next(n for n in names if values.get(n) is not None and np.any(np.asarray(values[n]) != 0))
        _warn(
            f"{model}.{first} = {float(np.ravel(values[first])[0]):g} and the other potentials {list(names)} "
            f"all lie within {VOLTS_LIKE_MV} mV of 0: potentials in volts? give millivolts (mV)"
        )


def spec_units(spec) -> dict:
    """``{parameter: unit}`` of the plain parameters of a :class:`simcore.ParamSpec`."""
    return {e.name: e.unit for e in spec.entries if hasattr(e, "unit")}


def warn_implausible_weights(pop, receptor_units: dict) -> None:
    """Warn for weights of projections onto ``pop`` that are implausible in their receptor's unit.

    ``receptor_units``: receptor -> unit of a weight there (``"nS"`` for a
    conductance jump, ``"pA"`` for a current). Weights given as numbers or
    arrays are checked (a Distribution is drawn later and not checked).
    """
    net = getattr(pop, "network", None)
    if net is None:
        return
    for proj in net.projections:
        unit = receptor_units.get(proj.receptor)
        if proj.post is not pop or unit is None or proj.weight is None or isinstance(proj.weight, Distribution):
            continue
        bad = implausible(proj.weight, unit)
        if bad is not None:
            _warn(
                f"weight {bad:g} of projection {proj.name!r} onto receptor {proj.receptor!r} of {pop.model} "
                f"is implausible in {unit}: {PLAUSIBLE[unit][2]}"
            )


def _warn(text: str) -> None:
    log.debug(text)
    warnings.warn(text, SpikesimWarning, stacklevel=4)
