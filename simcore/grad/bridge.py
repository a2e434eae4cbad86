"""Bridge between the dense-gradient mode and the event-driven engine.

``to_network(model, x)`` turns a dense ``SNN`` into an event-driven
``simcore.Network``: one population per spiking layer (``LIF``, ``ALIF``,
``LIB`` with the decays, thresholds and other parameters the dense kernels
use), sparse ``FromMatrix`` projections with delay queues (feed-forward
delay ``delay_in``, recurrent per-source delays), the input current of layer
0 given as a ``CurrentInput`` of shape ``(T, B, N)`` computed by the same
routine as the dense forward pass (``SNN.input_current``), and the readout
as a ``Readout`` population.  Both then give the same spikes, bit for bit,
in float32 and float64: the dense kernels add recurrent input in the event
engine's order (stimulus, then feed-forward projection, then recurrent
contributions by spike step and source index).

``from_network(net)`` goes the other way for a network the dense mode can
express: a chain of LIF/ALIF/LIB populations, each with at most one
feed-forward projection from the previous one (one delay for all sources,
``>= 1``) and one recurrent projection, a ``CurrentInput`` into the first
population and optionally a ``Readout`` population fed by the last one.  It
returns the model and the input ``x`` (the current itself, with
``W_in = identity``, which reproduces it exactly).

``delay_in = 0`` (into a spiking layer or the readout) becomes a zero-delay
projection (docs/contract.md §2): the target runs after its source within the
step. A residual block's output ``x + v @ W_lin + b_lin`` is a ``Linear``
population (it sends a float value every step) fed by zero-delay projections.
Not bridgeable (clear ``ValueError``): random parameters (``Distribution``)
in the event network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurons import ALIF, LIB, LIF, Linear, Readout
from simcore.base.distributions import Distribution
from simcore.network import Network
from monitors import SpikeMonitor
from synapses import CurrentInput, FromMatrix
from .layers import LIFLayer, ALIFLayer, LIBLayer, ReadoutLayer, ResidualBlock, SNN, _LIB_ROWS

__all__ = ["EventModel", "to_network", "from_network"]


@dataclass
class EventModel:
    """An event-driven network made from a dense model.

    ``populations[k]`` is layer ``k``, ``monitors[k]`` its ``SpikeMonitor``,
    ``readout`` the readout population (or ``None``).  ``run()`` runs the
    ``T`` steps of the input with the model's batch, dt and dtype and returns
    the spike rasters ``(T, B, N)`` (LIB: polarity ``s_pos - s_neg``).
    """

    network: object
    populations: list
    monitors: list
    readout: object
    steps: int
    batch_size: int
    dt: float
    dtype: type

    def run(self, seed=0):
        self.network.run(
            steps=self.steps, batch_size=self.batch_size, dt=self.dt, seed=seed, dtype=np.dtype(self.dtype).name
        )
        return [m.raster(n_steps=self.steps) for m in self.monitors]


def _event_population(L, dt, name):
    dtp = L.dtype
    f64 = lambda a: np.asarray(a, dtype=dtp).astype(np.float64)  # noqa: E731
    if isinstance(L, LIFLayer):
        return LIF(
            L.n,
            beta=f64(L.decay("tau_mem", dt)),
            threshold=f64(L._vec("threshold", L.n, dtp)),
            reset=L.reset,
            name=name,
        )
    if isinstance(L, ALIFLayer):
        return ALIF(
            L.n,
            beta=f64(L.decay("tau_mem", dt)),
            rho=f64(L.decay("tau_adapt", dt)),
            threshold=f64(L._vec("threshold", L.n, dtp)),
            b_adapt=f64(L._vec("b_adapt", L.n, dtp)),
            reset=L.reset,
            name=name,
        )
    P = L._P(dt)
    return LIB(L.n, name=name, reset=L.reset, **{r: f64(P[i]) for i, r in enumerate(_LIB_ROWS)})


def to_network(model, x, *, seed=0):
    """Event-driven network equivalent to ``model`` on input ``x`` ``(T, B, n_in)``.

    Returns an ``EventModel``; ``EventModel.run()`` gives the spike rasters,
    equal to ``model.forward(x).spikes(k)`` (LIB: ``s_pos - s_neg``).
    """
    if not isinstance(model, SNN):
        raise TypeError(f"model must be an SNN; got {type(model).__name__}")
    # delay_in = 0 between layers or into the readout: a zero-delay projection (docs/contract.md §2)
    I0 = model.input_current(x)
    T, B, _ = I0.shape
    net = Network()
    pops = [net.add(_event_population(_core(L), model.dt, f"layer{k}")) for k, L in enumerate(model.layers)]
    net.add(CurrentInput(pops[0], I0, receptor="I", name="input"))
    src = _input_stream(net, model, x) if isinstance(model.layers[0], ResidualBlock) else None
    for k, L in enumerate(model.layers):
        core = _core(L)
        if k > 0:
            net.connect(
                src,
                pops[k],
                FromMatrix(core.params["W_in"].astype(np.float64)),
                receptor="I",
                delay_steps=model.source_delay(k),
                name=f"ff{k}",
            )
        if core.recurrent:
            net.connect(
                pops[k],
                pops[k],
                FromMatrix(core.params["W_rec"].astype(np.float64)),
                receptor="I",
                delay_steps=core.delays.copy(),
                name=f"rec{k}",
            )
        src = _residual_stream(net, L, src, pops[k], k) if isinstance(L, ResidualBlock) else pops[k]
    ro = None
    if model.readout is not None:
        R = model.readout
        ro = net.add(Readout(R.n, kappa=R.decay("tau_out", model.dt).astype(np.float64), name="readout"))
        net.connect(
            src,
            ro,
            FromMatrix(R.params["W_out"].astype(np.float64)),
            receptor="I",
            delay_steps=model.source_delay(len(model.layers)),
            name="out",
        )
    mons = [net.add(SpikeMonitor(p)) for p in pops]
    return EventModel(net, pops, mons, ro, T, B, model.dt, model.dtype)


def _core(L):
    """The spiking layer of a layer or of a residual block."""
    return L.layer if isinstance(L, ResidualBlock) else L


def _input_stream(net, model, x):
    """The model input ``x`` as a float stream (a Linear population fed the input itself): a residual block
    at layer 0 adds it to its output."""
    stream = net.add(Linear(model.n_in, name="input_stream"))
    net.add(CurrentInput(stream, np.asarray(x, dtype=np.float64), receptor="I", name="input_values"))
    return stream


def _residual_stream(net, block, src, spiking, k):
    """``out = x + v @ W_lin + b_lin`` of a residual block as a Linear population fed without delay."""
    out = net.add(Linear(block.n, bias=block.params["b_lin"].astype(np.float64), name=f"residual{k}"))
    net.connect(src, out, FromMatrix(np.eye(block.n)), receptor="I", delay_steps=0, name=f"skip{k}")
    net.connect(
        spiking, out, FromMatrix(block.params["W_lin"].astype(np.float64)), receptor="I", delay_steps=0, name=f"lin{k}"
    )
    return out


def _dense_matrix(proj):
    conn = proj.connector
    if hasattr(conn, "matrix"):
        return np.asarray(conn.matrix.toarray(), dtype=np.float64)
    if getattr(proj, "built", False):
        return np.asarray(proj.to_scipy().toarray(), dtype=np.float64)
    raise ValueError(
        f"projection {proj.name!r} uses {type(conn).__name__}; build the network first "
        "(net.build(...)) so that its synapses are drawn"
    )


def _proj_delays(proj, n_pre):
    if getattr(proj, "built", False):
        return np.asarray(proj.delays, dtype=np.int64)
    d = proj.delay_steps_arg
    if d is None:
        raise ValueError(f"projection {proj.name!r} gives its delay in ms; give delay_steps or build the network first")
    d = np.asarray(d)
    return np.full(n_pre, int(d)) if d.ndim == 0 else d.astype(np.int64)


def _params(pop, dt):
    for k, v in pop.param_values.items():
        if isinstance(v, Distribution):
            raise ValueError(
                f"{pop.model} {pop.name!r} draws {k} from a Distribution; the dense mode needs fixed parameters"
            )
    return pop.realize_params(np.random.default_rng(0), dt)


def from_network(net, *, dt=None, dtype=None, **snn_options):
    """Dense ``SNN`` equivalent to the event-driven ``net`` (see the module
    docstring for what can be converted).

    Returns ``(model, x)``: ``model.forward(x)`` gives the spikes of ``net``
    run for ``x.shape[0]`` steps.  ``dt`` and ``dtype`` default to those of a
    built network (else 1.0 ms and float64); ``snn_options`` go to ``SNN``
    (surrogate and so on).
    """
    ctx = getattr(net, "ctx", None)
    if dt is None:
        dt = ctx.dt if ctx is not None else 1.0
    if dtype is None:
        dtype = ctx.dtype if ctx is not None else np.float64
    spiking = [p for p in net.populations if p.spiking]
    readouts = [p for p in net.populations if not p.spiking]
    if not spiking:
        raise ValueError("the network has no spiking population")
    for p in spiking:
        if type(p) not in (LIF, ALIF, LIB):
            raise ValueError(f"population {p.name!r} is a {p.model}; the dense mode has LIF, ALIF and LIB")
    if len(readouts) > 1 or (readouts and type(readouts[0]) is not Readout):
        raise ValueError("at most one non-spiking population, a Readout, can be converted")
    ff, rec = {}, {}
    for pr in net.projections:
        if pr.pre is pr.post:
            if pr.pre in rec:
                raise ValueError(f"population {pr.pre.name!r} has two recurrent projections")
            rec[pr.pre] = pr
        else:
            if pr.post in ff:
                raise ValueError(f"population {pr.post.name!r} has two incoming feed-forward projections")
            ff[pr.post] = pr
    # order the chain from the population fed by the input current
    stims = [s for s in net.stimuli if isinstance(s, CurrentInput)]
    if len(stims) != 1 or len(net.stimuli) != 1:
        raise ValueError("the network must have exactly one stimulus, a CurrentInput into the first population")
    chain = [stims[0].target]
    if chain[0] in ff:
        raise ValueError(f"population {chain[0].name!r} gets the input current and a feed-forward projection")
    while True:
        nxt = [post for post, pr in ff.items() if pr.pre is chain[-1] and post.spiking]
        if not nxt:
            break
        if len(nxt) > 1:
            raise ValueError(f"population {chain[-1].name!r} projects to several populations; not a chain")
        chain.append(nxt[0])
    if len(chain) != len(spiking):
        raise ValueError("the spiking populations do not form one chain from the input")
    layers = []
    for k, p in enumerate(chain):
        vals = _params(p, dt)
        n_in = p.n if k == 0 else chain[k - 1].n
        if k == 0:
            W_in, d_in = np.eye(p.n), 0
        else:
            pr = ff[p]
            W_in = _dense_matrix(pr)
            dd = _proj_delays(pr, n_in)
            if np.any(dd != dd[0]):
                raise ValueError(
                    f"feed-forward projection {pr.name!r} has several delays; the dense mode "
                    "has one delay per feed-forward projection"
                )
            d_in = int(dd[0])
        kw = dict(W_in=W_in, delay_in=d_in, per_neuron=())
        if p in rec:
            kw["W_rec"] = _dense_matrix(rec[p])
            kw["delays"] = _proj_delays(rec[p], p.n)
        else:
            kw["recurrent"] = False
        if p.model == "LIF":
            L = LIFLayer(n_in, p.n, beta=vals["beta"], threshold=vals["threshold"], reset=p.reset_mode, **kw)
        elif p.model == "ALIF":
            L = ALIFLayer(
                n_in,
                p.n,
                beta=vals["beta"],
                rho=vals["rho"],
                threshold=vals["threshold"],
                b_adapt=vals["b_adapt"],
                reset=p.reset_mode,
                **kw,
            )
        else:
            # decays passed as decays (alpha_pos, ...): used exactly, learnt via their taus
            L = LIBLayer(n_in, p.n, **{r: vals[r] for r in _LIB_ROWS}, reset=p.options["reset"], **kw)
        layers.append(L)
    readout = None
    if readouts:
        R = readouts[0]
        pr = ff.get(R)
        if pr is None or pr.pre is not chain[-1]:
            raise ValueError("the Readout must be fed by the last population of the chain")
        dd = _proj_delays(pr, chain[-1].n)
        if np.any(dd != dd[0]):
            raise ValueError(f"projection {pr.name!r} into the readout has several delays")
        readout = ReadoutLayer(
            chain[-1].n, R.n, W_out=_dense_matrix(pr), delay_in=int(dd[0]), kappa=_params(R, dt)["kappa"]
        )
    model = SNN(layers, readout, dt=dt, dtype=dtype, **snn_options)
    x = np.asarray(stims[0].values)
    if stims[0].start_step:
        x = np.concatenate([np.zeros((stims[0].start_step,) + x.shape[1:], x.dtype), x])
    return model, x
