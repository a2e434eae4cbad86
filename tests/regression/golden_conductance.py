"""Digests of the conductance-based networks, to prove a speed change changes no result.

``python tests/regression/golden_conductance.py`` prints the digests as JSON;
``test_conductance_identical.py`` compares them with the values recorded on
the code before the fast path of the conductance models (commit fda34df):
COBA (``LIFCondExp``) in float64 and float32, at batch 2 on one thread and at
batch 1 split into two shards; the same network with ``LIFCondAlpha`` and
with ``AdExCondExp`` cells; and a ``LIFCondExp`` population started with
conductances so large (and one negative) that ``exp`` leaves its ordinary
range, where the exact path must be taken.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from golden_floor_plan import _digest, _spike_digest  # noqa: E402


def _state_digest(net) -> str:
    return _digest(*[arr for pop in net.populations for arr in pop.arrays.values()])


def _result(net) -> dict:
    return {"spikes": _spike_digest(net), "state": _state_digest(net)}


def coba_digest(dtype="float64", batch_size=2, threads=1, duration=300.0):
    from simcore.builtin import coba

    net = coba()
    net.run(duration, batch_size=batch_size, seed=7, dtype=dtype, threads=threads)
    return _result(net)


def coba_cells_digest(model: str, duration=200.0, **extra):
    """COBA's network (n = 2000) with ``model`` cells: COBA's parameters that the model takes, plus ``extra``."""
    import simcore as sc
    from simcore.builtin import COBA, _monitors, _recurrent

    cls = getattr(sc, model)
    c, n, n_exc = COBA, 2000, 1600
    common = {k: c[k] for k in ("C_m", "g_L", "E_L", "V_reset", "t_ref", "E_ex", "E_in", "I_e")}
    common.update(tau_syn_ex=c["tau_syn_ex"], tau_syn_in=c["tau_syn_in"], **extra)
    init = {"v": sc.Uniform(c["V_reset"], -50.0)}
    net = sc.Network(model)
    exc = net.add(cls(n_exc, name="exc", init=init, **common))
    inh = net.add(cls(n - n_exc, name="inh", init=init, **common))
    _recurrent(net, exc, inh, 0.04, c["delay"], c["w_exc"], c["w_inh"])
    _monitors(net, (exc, inh), True)
    net.run(duration, batch_size=2, seed=3, threads=1)
    return _result(net)


def extreme_digest(duration=30.0):
    """``LIFCondExp`` with some conductances far outside the ordinary range of ``exp`` (and one negative)."""
    import simcore as sc

    n = 64
    g_ex = np.tile(np.linspace(0.0, 40.0, n), (2, 1))
    g_ex[0, ::7] = 2e7  # exp(-g dt/C_m) with |x| > 512: glibc's special case (subnormal, then zero)
    g_ex[1, 5] = 1.1e6  # x = -550 for a few steps
    g_in = np.zeros((2, n))
    g_in[1, 9] = -3e6  # a negative conductance: x > 512, exp overflows
    net = sc.Network("extreme")
    pop = net.add(sc.LIFCondExp(n, C_m=200.0, g_L=10.0, I_e=300.0, init={"v": -60.0, "g_ex": g_ex, "g_in": g_in}))
    net.add(sc.SpikeMonitor(pop, name="spikes"))
    net.add(sc.PoissonInput(pop, 20, 50.0, 3.0, receptor="exc"))
    net.run(duration, batch_size=2, seed=5, threads=1)
    return _result(net)


#: the digests by name: the fast group runs in the default suite, the other one with ``-m slow``
GROUPS = {
    "fast": {
        "coba_f64": coba_digest,
        "extreme": extreme_digest,
    },
    "slow": {
        "coba_f32": lambda: coba_digest("float32"),
        "coba_f64_shards": lambda: coba_digest(batch_size=1, threads=2),
        "coba_alpha": lambda: coba_cells_digest("LIFCondAlpha", V_th=-50.0),
        "coba_adex": lambda: coba_cells_digest("AdExCondExp", V_th=-52.0, Delta_T=2.0, V_peak=-40.0, a=2.0, b=20.0),
    },
}


def digests(group: str) -> dict:
    return {name: fn() for name, fn in GROUPS[group].items()}


def all_digests() -> dict:
    return {name: value for group in GROUPS for name, value in digests(group).items()}


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    json.dump(all_digests(), sys.stdout, indent=1)
    print()
