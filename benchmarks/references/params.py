"""Model parameters of the reference runs, taken from spikesim's built-in networks.

The reference simulators must simulate exactly what :mod:`simcore.builtin`
builds, so nothing here is typed twice:

* :func:`cuba_params` renames :data:`simcore.builtin.CUBA` to the names of
  Brian2's ``examples/CUBA.py`` (``taum``, ``Vt``, ``we``, ...);
* :func:`coba_params` renames :data:`simcore.builtin.COBA` to the names of
  Brian2's COBA benchmark (dimensionless conductances in units of ``g_L``) and
  keeps NEST's names (``C_m``, ``g_L``, ...) beside them; :func:`cobahh_params`
  does the same for :data:`simcore.builtin.COBAHH`;
* :func:`brunel_params` reads a Brunel network of the requested scale as
  :func:`simcore.builtin.brunel` builds it (``Network.describe()``: sizes,
  in-degrees, weights, neuron parameters, the Poisson drive) plus the
  keyword defaults of ``brunel()`` (``inspect.signature``: the delay,
  ``eta``, ``g``), because :mod:`simcore.builtin` exports no Brunel
  parameter dict like ``CUBA``. Nothing is built or compiled.

Importing this module imports simcore (and so Numba), not Brian2 or NEST.
"""

from __future__ import annotations

import inspect
import numbers

#: NEST's ``iaf_psc_delta`` needs a membrane capacitance; with delta synapses a
#: weight is a jump of V_m in mV whatever C_m is, and NEST's example uses 1 pF
NEST_C_M = 1.0


def cuba_params() -> dict:
    """:data:`simcore.builtin.CUBA` under the names of Brian2's CUBA example (mV, ms)."""
    from simcore.builtin import CUBA as c

    return {
        "N": c["n"],
        "N_exc": c["n_exc"],
        "N_inh": c["n"] - c["n_exc"],
        "p": c["p"],
        "taum": c["tau_m"],
        "taue": c["tau_exc"],
        "taui": c["tau_inh"],
        "Vt": c["V_th"],
        "Vr": c["V_reset"],
        "El": c["E_L"],
        "t_ref": c["t_ref"],
        "we": c["w_exc"],
        "wi": c["w_inh"],
        "delay": c["delay"],
    }


def coba_params() -> dict:
    """:data:`simcore.builtin.COBA` under Brian2's names (``taum``, ``we`` in units of ``g_L``, ``I`` in mV) and NEST's.

    Brian2's COBA writes ``dv/dt = (ge*(Ee-v) + gi*(Ei-v) - (v-El) + I)/taum`` with
    ``ge = g_ex/g_L``: ``taum = C_m/g_L``, ``we = w_exc/g_L``, ``wi = w_inh/g_L``,
    ``I = I_e/g_L`` (pA/nS = mV).
    """
    from simcore.builtin import COBA as c

    g_L = c["g_L"]
    return {
        "N": c["n"],
        "N_exc": c["n_exc"],
        "N_inh": c["n"] - c["n_exc"],
        "p": c["p"],
        "taum": c["C_m"] / g_L,
        "taue": c["tau_syn_ex"],
        "taui": c["tau_syn_in"],
        "Vt": c["V_th"],
        "Vr": c["V_reset"],
        "El": c["E_L"],
        "Ee": c["E_ex"],
        "Ei": c["E_in"],
        "I": c["I_e"] / g_L,
        "t_ref": c["t_ref"],
        "we": c["w_exc"] / g_L,
        "wi": c["w_inh"] / g_L,
        "delay": c["delay"],
        "nest": {k: c[k] for k in _COBA_NEST},
        "w_exc": c["w_exc"],
        "w_inh": c["w_inh"],
    }


def cobahh_params() -> dict:
    """:data:`simcore.builtin.COBAHH` (NEST's names; mV, ms, pF, nS), plus ``N``, ``N_exc``, ``N_inh``."""
    from simcore.builtin import COBAHH as c

    return dict(c, N=c["n"], N_exc=c["n_exc"], N_inh=c["n"] - c["n_exc"])


#: COBA's neuron parameters under NEST's names (iaf_cond_exp)
_COBA_NEST = ("C_m", "g_L", "E_L", "V_th", "V_reset", "t_ref", "E_ex", "E_in", "tau_syn_ex", "tau_syn_in", "I_e")


def brunel_defaults() -> dict:
    """The numeric keyword defaults of :func:`simcore.builtin.brunel` (``eta``, ``g``, ``J``, ``delay``, ...)."""
    from simcore.builtin import brunel

    return {
        name: p.default
        for name, p in inspect.signature(brunel).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
        and isinstance(p.default, numbers.Real)
        and not isinstance(p.default, bool)
    }


def _one(values, what: str):
    values = {repr(v): v for v in values}
    if len(values) != 1:
        raise ValueError(f"the brunel network has several {what}: {sorted(values)}; the references take one")
    return next(iter(values.values()))


def _projection_from(description: dict, pre: str) -> tuple[int, float]:
    """In-degree and weight of the projections leaving population ``pre`` (the same for every target)."""
    projs = [p for p in description["projections"] if p["pre"] == pre]
    if not projs or any(p["connector"] != "FixedInDegree" for p in projs):
        raise ValueError(f"expected fixed in-degree projections from {pre!r}; got {projs}")
    return int(_one([p["k"] for p in projs], f"in-degrees from {pre}")), float(
        _one([p["weight"] for p in projs], f"weights from {pre}")
    )


def brunel_params(scale: float = 1.0) -> dict:
    """The Brunel network :func:`simcore.builtin.brunel` builds at ``scale``, as plain numbers (mV, ms, Hz).

    Keys: ``scale``, ``NE``, ``NI``, ``N``, ``CE``, ``CI`` (in-degrees from
    the excitatory and the inhibitory population), ``J``, ``J_in``
    (weights, mV), ``delay``, ``eta``, ``g``, the neuron parameters
    ``tau_m``, ``V_th``, ``V_reset``, ``E_L``, ``t_ref``, ``V_m`` (initial
    potential), ``C_m`` (:data:`NEST_C_M`), and the drive: ``n_ext`` Poisson
    inputs per neuron of ``nu_ext_hz`` each with weight ``J_ext``,
    ``p_rate_hz = n_ext * nu_ext_hz`` (one generator of that rate per neuron).
    Raises ValueError for a scale without neurons or inputs.
    """
    from simcore.builtin import brunel

    net = brunel(float(scale), record=False)
    d = net.describe()
    pops = {p["name"]: p for p in d["populations"]}
    ne, ni = pops["exc"]["n"], pops["inh"]["n"]
    neuron = _one([p["params"] for p in d["populations"]], "neuron parameter sets")
    v0 = _one([net.population(name).init.get("v") for name in pops], "initial potentials")
    if not isinstance(v0, numbers.Real):
        raise TypeError(f"the references need a constant v(0); the brunel network has {v0!r}")
    ce, j = _projection_from(d, "exc")
    ci, j_in = _projection_from(d, "inh")
    if ce < 1 or ci < 1:
        raise ValueError(f"scale = {scale} gives in-degrees CE = {ce}, CI = {ci}; need >= 1")
    drive = _one([(s["n_inputs"], s["rate_hz"]) for s in d["stimuli"]], "Poisson drives")
    j_ext = _one([round(s["weight"], 12) for s in d["stimuli"]], "drive weights")
    defaults = brunel_defaults()
    return {
        "scale": float(scale),
        "NE": ne,
        "NI": ni,
        "N": ne + ni,
        "CE": ce,
        "CI": ci,
        "J": j,
        "J_in": j_in,
        "delay": float(defaults["delay"]),
        "eta": float(defaults["eta"]),
        "g": float(defaults["g"]),
        "tau_m": neuron["tau_m"],
        "V_th": neuron["V_th"],
        "V_reset": neuron["V_reset"],
        "E_L": neuron["E_L"],
        "t_ref": neuron["t_ref"],
        "V_m": float(v0),
        "C_m": NEST_C_M,
        "n_ext": int(drive[0]),
        "nu_ext_hz": float(drive[1]),
        "J_ext": float(j_ext),
        "p_rate_hz": float(drive[0] * drive[1]),
    }
