"""Built-in benchmark networks: Vogels-Abbott CUBA and COBA, COBAHH, and Brunel (2000) model A.

``cuba()`` follows Brian2's ``examples/CUBA.py`` (Vogels & Abbott 2005):
4000 LIF neurons (3200 excitatory, 800 inhibitory), ``dv/dt = (ge + gi -
(v - El))/taum``, taum = 20 ms, taue = 5 ms, taui = 10 ms, Vt = -50 mV,
Vr = -60 mV, El = -49 mV, refractory 5 ms, we = 60*0.27/10 mV,
wi = -20*4.5/10 mV, pairwise Bernoulli p = 0.02 (self-connections allowed, as
Brian2's ``connect(p=...)``), ``v0 ~ U(Vr, Vt)``. Brian2's example has no
delay; here every synapse has the contract's minimum of one step (0.1 ms at
dt = 0.1 ms), as in NEST.

``brunel()`` follows NEST's ``brunel_delta_nest.py``: ``NE = 4*order``,
``NI = order`` (order 2500 at scale 1), ``iaf_psc_delta`` neurons (tau_m = 20 ms,
V_th = 20 mV, V_reset = 10 mV (Brunel's value; the NEST script has 0), E_L = 0, t_ref = 2 ms, V_m(0) = 0), fixed
in-degree ``CE = 0.1*NE`` from the excitatory and ``CI = 0.1*NI`` from the
inhibitory population (autapses and multapses allowed, NEST's defaults),
J = 0.1 mV, g = 5, delay 1.5 ms, and external Poisson drive of ``CE`` inputs
at ``eta * nu_th`` per neuron (``nu_th = V_th/(J*CE*tau_m)``).

``coba()`` is benchmark 1 of Brette et al. (2007), Vogels & Abbott (2005) with
conductances, as Brian2's COBA benchmark script writes it: CUBA's 4000 neurons,
connectivity and refractoriness with :class:`neurons.LIFCondExp` cells in NEST's
units (C_m = 200 pF, g_L = 10 nS: taum = 20 ms; E_L = V_reset = -60 mV,
V_th = -50 mV, E_ex = 0, E_in = -80 mV, tau_syn_ex = 5 ms, tau_syn_in = 10 ms),
weights 6 nS and 67 nS (Brian2's dimensionless ``we = 6/10``, ``wi = 67/10`` in
units of g_L), ``v0 ~ U(V_reset, V_th)``, conductances 0, and Brian2's
constant drive ``I = 20 mV`` (here ``I_e = g_L * 20 mV = 200 pA``), which keeps the
network active without Brette et al.'s initial 50 ms kick.

``cobahh()`` is benchmark 3 as Brian2's ``examples/COBAHH.py``: 4000
:class:`neurons.HHCondExp` cells (Traub & Miles; C_m = 200 pF, g_L = 10 nS,
g_Na = 20 uS, g_K = 6 uS, E_L = -60, E_Na = 50, E_K = -90, V_T = -63 mV), spike
when ``v > -20 mV``, refractory 3 ms (no reset), E_ex = 0, E_in = -80 mV,
tau_syn_ex = 5 ms, tau_syn_in = 10 ms, weights 6 nS and 67 nS, p = 0.02,
``v0 ~ E_L + N(-5, 5) mV``, ``g_ex0 ~ N(40, 15) nS``, ``g_in0 ~ N(200, 120) nS``,
gating variables 0. Both have CUBA's one-step (0.1 ms) delay where Brian2's
examples have none (docs/contract.md §2).
"""

from __future__ import annotations

import monitors
import neurons
import synapses
from simcore.base.distributions import Normal, Uniform
from .network import Network

CUBA = {
    "n": 4000,
    "n_exc": 3200,
    "tau_m": 20.0,
    "tau_exc": 5.0,
    "tau_inh": 10.0,
    "V_th": -50.0,
    "V_reset": -60.0,
    "E_L": -49.0,
    "t_ref": 5.0,
    "w_exc": 60 * 0.27 / 10,
    "w_inh": -20 * 4.5 / 10,
    "p": 0.02,
    "delay": 0.1,
}


def cuba(
    n: int = 4000, *, p: float | None = None, delay: float = 0.1, record: bool = True, keep_in_memory: bool = True
) -> Network:
    """The CUBA network (module docstring); ``n`` scales it (80/20, ``p`` kept unless given).

    With ``record``, a SpikeMonitor and a PopulationRateMonitor watch each population.
    """
    c = CUBA
    n_exc, p = _sizes(n, p, c["p"])
    net = Network("cuba")
    common = dict(
        E_L=c["E_L"],
        V_th=c["V_th"],
        V_reset=c["V_reset"],
        tau_m=c["tau_m"],
        t_ref=c["t_ref"],
        tau_syn={"exc": c["tau_exc"], "inh": c["tau_inh"]},
        init={"v": Uniform(c["V_reset"], c["V_th"])},
    )
    exc = net.add(neurons.LIFBio(n_exc, name="exc", **common))
    inh = net.add(neurons.LIFBio(n - n_exc, name="inh", **common))
    _recurrent(net, exc, inh, p, delay, c["w_exc"], c["w_inh"])
    if record:
        _monitors(net, (exc, inh), keep_in_memory)
    return net


COBA = {
    "n": 4000,
    "n_exc": 3200,
    "C_m": 200.0,
    "g_L": 10.0,
    "E_L": -60.0,
    "V_th": -50.0,
    "V_reset": -60.0,
    "t_ref": 5.0,
    "E_ex": 0.0,
    "E_in": -80.0,
    "tau_syn_ex": 5.0,
    "tau_syn_in": 10.0,
    "I_e": 200.0,
    "w_exc": 6.0,
    "w_inh": 67.0,
    "p": 0.02,
    "delay": 0.1,
}

#: the neuron parameters of COBA's cells (the keys of COBA that LIFCondExp takes)
COBA_NEURON = ("C_m", "g_L", "E_L", "V_th", "V_reset", "t_ref", "E_ex", "E_in", "tau_syn_ex", "tau_syn_in", "I_e")


def _recurrent(net, exc, inh, p, delay, w_exc, w_inh) -> None:
    """Bernoulli(p) projections from ``exc`` (receptor exc) and ``inh`` (receptor inh) onto both populations."""
    for pre, w, receptor in ((exc, w_exc, "exc"), (inh, w_inh, "inh")):
        for post in (exc, inh):
            net.connect(
                pre,
                post,
                synapses.Bernoulli(p),
                weight=w,
                delay=delay,
                receptor=receptor,
                name=f"{pre.name}_{post.name}",
            )


def _monitors(net, pops, keep_in_memory) -> None:
    for pop in pops:
        net.add(monitors.SpikeMonitor(pop, name=f"spikes_{pop.name}", keep_in_memory=keep_in_memory))
        net.add(monitors.PopulationRateMonitor(pop, name=f"rate_{pop.name}"))  # (T, B) ints: always kept


def _sizes(n: int, p: float | None, base_p: float) -> tuple:
    """``(n_exc, p)``: 80/20 split; ``p`` scaled to keep 4000*base_p inputs per neuron unless given."""
    p = base_p * 4000 / n if p is None and n != 4000 else (base_p if p is None else p)
    return int(round(n * 0.8)), p


def coba(
    n: int = 4000, *, p: float | None = None, delay: float = 0.1, record: bool = True, keep_in_memory: bool = True
) -> Network:
    """The COBA network (module docstring); ``n`` scales it as :func:`cuba` does."""
    c = COBA
    n_exc, p = _sizes(n, p, c["p"])
    net = Network("coba")
    common = dict({k: c[k] for k in COBA_NEURON}, init={"v": Uniform(c["V_reset"], c["V_th"])})
    exc = net.add(neurons.LIFCondExp(n_exc, name="exc", **common))
    inh = net.add(neurons.LIFCondExp(n - n_exc, name="inh", **common))
    _recurrent(net, exc, inh, p, delay, c["w_exc"], c["w_inh"])
    if record:
        _monitors(net, (exc, inh), keep_in_memory)
    return net


COBAHH = {
    "n": 4000,
    "n_exc": 3200,
    "C_m": 200.0,
    "g_L": 10.0,
    "E_L": -60.0,
    "g_Na": 20000.0,
    "g_K": 6000.0,
    "E_Na": 50.0,
    "E_K": -90.0,
    "V_T": -63.0,
    "V_spike": -20.0,
    "t_ref": 3.0,
    "E_ex": 0.0,
    "E_in": -80.0,
    "tau_syn_ex": 5.0,
    "tau_syn_in": 10.0,
    "w_exc": 6.0,
    "w_inh": 67.0,
    "p": 0.02,
    "delay": 0.1,
    "v0": (-65.0, 5.0),
    "g_ex0": (40.0, 15.0),
    "g_in0": (200.0, 120.0),
}

#: the neuron parameters of COBAHH's cells (the keys of COBAHH that HHCondExp takes)
COBAHH_NEURON = (
    "C_m",
    "g_L",
    "E_L",
    "g_Na",
    "g_K",
    "E_Na",
    "E_K",
    "V_T",
    "V_spike",
    "t_ref",
    "E_ex",
    "E_in",
    "tau_syn_ex",
    "tau_syn_in",
)


def cobahh(
    n: int = 4000, *, p: float | None = None, delay: float = 0.1, record: bool = True, keep_in_memory: bool = True
) -> Network:
    """The COBAHH network (module docstring); ``n`` scales it as :func:`cuba` does."""
    c = COBAHH
    n_exc, p = _sizes(n, p, c["p"])
    net = Network("cobahh")
    init = {"v": Normal(*c["v0"]), "g_ex": Normal(*c["g_ex0"]), "g_in": Normal(*c["g_in0"])}
    common = dict({k: c[k] for k in COBAHH_NEURON}, init=init)
    exc = net.add(neurons.HHCondExp(n_exc, name="exc", **common))
    inh = net.add(neurons.HHCondExp(n - n_exc, name="inh", **common))
    _recurrent(net, exc, inh, p, delay, c["w_exc"], c["w_inh"])
    if record:
        _monitors(net, (exc, inh), keep_in_memory)
    return net


def brunel(
    scale: float = 1.0,
    *,
    eta: float = 2.0,
    g: float = 5.0,
    J: float = 0.1,
    delay: float = 1.5,
    V_reset: float = 10.0,
    exc_synapse=None,
    record: bool = True,
    keep_in_memory: bool = True,
) -> Network:
    """Brunel (2000) model A as in NEST's brunel_delta example (module docstring).

    ``V_reset`` is Brunel's 10 mV (the figure of 5.8e8 synaptic events per second
    of model time at scale 1 is for it); NEST's example script uses 0 mV.
    ``exc_synapse``: a synapse model (e.g. :class:`synapses.STDP`) for the
    excitatory-to-excitatory projection, plastic with ``batch="per_sample"``;
    ``None`` keeps every synapse static (the benchmark ``plastic`` uses it).
    """
    order = int(round(2500 * scale))
    if order < 1:
        raise ValueError(f"scale {scale} gives no neuron; use scale >= {1 / 2500}")
    n_exc, n_inh = 4 * order, order
    c_exc, c_inh = int(0.1 * n_exc), int(0.1 * n_inh)
    tau_m, V_th = 20.0, 20.0
    nu_th = V_th / (J * c_exc * tau_m)  # per ms
    nu_ext_hz = eta * nu_th * 1000.0
    net = Network("brunel")
    params = dict(E_L=0.0, V_th=V_th, V_reset=V_reset, tau_m=tau_m, t_ref=2.0, delta=("syn",), init={"v": 0.0})
    exc = net.add(neurons.LIFBio(n_exc, name="exc", **params))
    inh = net.add(neurons.LIFBio(n_inh, name="inh", **params))
    for pop in (exc, inh):
        net.add(synapses.PoissonInput(pop, n_inputs=c_exc, rate=nu_ext_hz, weight=J, name=f"drive_{pop.name}"))
    for pre, k, w in ((exc, c_exc, J), (inh, c_inh, -g * J)):
        for post in (exc, inh):
            plastic = exc_synapse is not None and pre is exc and post is exc
            net.connect(
                pre,
                post,
                synapses.FixedInDegree(k, allow_self=True, allow_multiple=True),
                weight=w,
                delay=delay,
                synapse=exc_synapse if plastic else None,
                batch="per_sample" if plastic else None,
                name=f"{pre.name}_{post.name}",
            )
    if record:
        for pop in (exc, inh):
            net.add(monitors.SpikeMonitor(pop, name=f"spikes_{pop.name}", keep_in_memory=keep_in_memory))
            net.add(monitors.PopulationRateMonitor(pop, name=f"rate_{pop.name}"))  # (T, B) ints: always kept
    return net


NETWORKS = {"cuba": cuba, "brunel": brunel, "coba": coba, "cobahh": cobahh}


def synaptic_events(net: Network) -> int:
    """Synaptic events delivered so far by every projection, summed over the batch."""
    return sum(proj.events_delivered for proj in net.projections)
