r"""NIR (Neuromorphic Intermediate Representation) export and import of dense-mode models.

Needs the ``nir`` package (``pip install 'spikesim[nir]'``); nothing else in
spikesim imports it.  ``to_nir(model)`` turns a ``simcore.grad.SNN`` into a
``nir.NIRGraph``; ``from_nir(graph)`` builds an ``SNN`` from a graph (for the
event engine, pass the result to ``simcore.grad.to_network``).  The
conventions are in docs/nir.md; in short:

Time.  NIR's equations are continuous; spikesim runs them with step ``dt``
(the graph's ``metadata['spikesim_dt']``, else the ``dt`` argument, default
1 ms) by the forward-Euler rule that snnTorch uses for its NIR export, so a
decay ``beta`` per step is ``tau = dt/(1 - beta)`` and the input gain
``dt*r/tau``:

=================  ===========================================================
NIR node           discrete step (``x`` is the summed input of the node)
=================  ===========================================================
``LIF``            ``v = (1 - dt/tau)*v + (dt/tau)*(v_leak*... ) + (dt*r/tau)*x``
                   (``v_leak`` must be 0); spike ``v > v_threshold``; then the
                   reset (below)
``CubaLIF``        ``I = (1 - dt/tau_syn)*I + (dt/tau_syn)*w_in*x``;
                   ``v = (1 - dt/tau_mem)*v + (dt*r/tau_mem)*I`` (the new
                   ``I``); spike and reset as ``LIF``
``LI``             ``v = (1 - dt/tau)*v + (dt*r/tau)*x``  (the readout)
``Linear``         ``y = W x`` (``W`` is ``(out, in)``, ``nn.Linear``'s layout)
``Affine``         ``y = W x + b``
``Delay``          ``y[t] = x[t - round(delay/dt)]``, one delay per channel
``Scale``          ``y = s * x`` (spikesim's residual junction uses ``s = 1``)
=================  ===========================================================

An edge passes a value within the same step; a node with several incoming
edges receives their sum.  A recurrent loop (neuron -> [Delay] -> Linear ->
the same neuron) has at least the one step that spikesim's recurrent
connections have: a loop without a ``Delay`` node (as snnTorch's ``RLeaky``
exports it) is read as delay 1, and a ``Delay`` of ``d*dt`` as ``d`` steps.

Resets.  NIR's ``LIF`` resets to ``v_reset``; spikesim's ``reset='zero'``
is that rule with ``v_reset = 0``.  spikesim's default ``'subtract'`` has
no NIR field: the exporter writes ``v_reset = 0`` and
``metadata['spikesim_reset'] = 'subtract'``; the importer uses the metadata
when it is there, else the ``reset`` argument (default: NIR's reset to
``v_reset``, which must be 0).  Thresholds: NIR fires on ``v > v_thr``,
spikesim on ``v >= threshold`` (docs/contract.md §3.1); they differ only
for a membrane exactly at threshold.

Models.  ``LIFLayer`` -> ``LIF`` (``v_leak = 0``, ``r = tau/dt``), with its
exact decay in ``metadata['spikesim_beta']`` so that a round trip gives the
same bits.  ``ALIFLayer`` and ``LIBLayer`` have no NIR primitive: each is
exported as a nested ``NIRGraph`` (a documented composite) whose metadata
holds the model name and every parameter (``spikesim_model``,
``spikesim_<name>``) and whose nodes sketch the dynamics for other tools
(ALIF: a ``LIF`` membrane, an ``LI`` adaptation trace fed by the
spikes and a ``Scale(-b_adapt)`` back into the membrane, the usual
current-based sketch of a threshold shift; LIB: two ``CubaLIF`` halves fed by ``[x]+`` and ``[x]-``); the
adaptive threshold and the dual-trace coupling are not NIR primitives, so
only spikesim reads these composites exactly.  ``ReadoutLayer`` -> ``LI``,
weights -> ``Linear``, residual blocks -> ``Affine`` (``W_lin``,
``b_lin``) into a ``Scale(1)`` junction that also receives the block's
input, neuron-level recurrent delays and feed-forward delays ``>= 1`` ->
``Delay``.  ``CubaLIF`` (snnTorch's ``Synaptic``) imports as a ``LIBLayer``
with equal halves and an unreachable negative threshold, which is the
single-trace synaptic LIF (docs/contract.md §3.4).
"""

from __future__ import annotations

import numpy as np

from simcore.grad.layers import ALIFLayer, LIBLayer, LIFLayer, ReadoutLayer, ResidualBlock, SNN, _LIB_ROWS

__all__ = ["to_nir", "from_nir", "NEG_THRESHOLD_OFF"]

#: negative threshold of a LIB layer that stands for a CubaLIF (never reached)
NEG_THRESHOLD_OFF = 1e30


def _nir():
    try:
        import nir
    except ImportError as e:
        raise ImportError(
            "simcore.nir needs the nir package; install the 'nir' extra: pip install 'spikesim[nir]'"
        ) from e
    return nir


def _f64(a):
    return np.asarray(a, dtype=np.float64)


def _tau_of(decay, dt):
    d = _f64(decay)
    if np.any(d >= 1) or np.any(d < 0):
        raise ValueError(f"a decay must lie in [0, 1) to be written as a NIR time constant; got {decay!r}")
    return dt / (1.0 - d)


# ---------------------------------------------------------------------------
# export
def _neuron_node(nir, L, dt):
    dtp = L.dtype
    n = L.n
    if isinstance(L, LIFLayer):
        beta = _f64(L.decay("tau_mem", dt))
        tau = _tau_of(beta, dt)
        return nir.LIF(
            tau=tau,
            r=tau / dt,
            v_leak=np.zeros(n),
            v_threshold=_f64(L._vec("threshold", n, dtp)),
            v_reset=np.zeros(n),
            metadata={"spikesim_model": "LIF", "spikesim_reset": L.reset, "spikesim_beta": beta},
        )
    inp = nir.Input({"input": np.array([n])})
    out = nir.Output({"output": np.array([n])})
    if isinstance(L, ALIFLayer):
        beta = _f64(L.decay("tau_mem", dt))
        rho = _f64(L.decay("tau_adapt", dt))
        th = _f64(L._vec("threshold", n, dtp))
        ba = _f64(L._vec("b_adapt", n, dtp))
        tau, tau_a = _tau_of(beta, dt), _tau_of(rho, dt)
        nodes = {
            "input": inp,
            "output": out,
            "membrane": nir.LIF(tau=tau, r=tau / dt, v_leak=np.zeros(n), v_threshold=th, v_reset=np.zeros(n)),
            "adaptation": nir.LI(tau=tau_a, r=tau_a / dt, v_leak=np.zeros(n)),
            "threshold_shift": nir.Scale(-ba),
        }
        edges = [
            ("input", "membrane"),
            ("membrane", "output"),
            ("membrane", "adaptation"),
            ("adaptation", "threshold_shift"),
            ("threshold_shift", "membrane"),
        ]
        meta = {
            "spikesim_model": "ALIF",
            "spikesim_reset": L.reset,
            "spikesim_beta": beta,
            "spikesim_rho": rho,
            "spikesim_threshold": th,
            "spikesim_b_adapt": ba,
            "spikesim_doc": "A[t] = threshold + b_adapt*a[t-1]; s = H(u - A); u -= A*s; a = rho*a + s "
            "(docs/contract.md §3.3); 'adaptation' is the trace a",
        }
        return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta, type_check=False)
    P = _f64(L._P(dt))
    meta = {
        "spikesim_model": "LIB",
        "spikesim_reset": L.reset,
        "spikesim_doc": "dual-trace bipolar LIB neuron (docs/contract.md §3.4); out = scale_pos*s_pos - "
        "scale_neg*s_neg",
    }
    for r, name in enumerate(_LIB_ROWS):
        meta["spikesim_" + name] = P[r]
    halves = {}
    for side, (a, b, th) in {"pos": (0, 2, 6), "neg": (1, 3, 7)}.items():
        ts, tm = _tau_of(P[a], dt), _tau_of(P[b], dt)
        halves[side] = nir.CubaLIF(
            tau_syn=ts, tau_mem=tm, r=tm / dt, v_leak=np.zeros(n), v_threshold=P[th], v_reset=np.zeros(n), w_in=ts / dt
        )
    nodes = {"input": inp, "output": out, "pos": halves["pos"], "neg": halves["neg"]}
    edges = [("input", "pos"), ("input", "neg"), ("pos", "output"), ("neg", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta, type_check=False)


def to_nir(model):
    """Export a dense-mode ``SNN`` to a ``nir.NIRGraph`` (see the module docstring)."""
    nir = _nir()
    if not isinstance(model, SNN):
        raise TypeError(f"model must be a simcore.grad.SNN; got {type(model).__name__}")
    dt = model.dt
    nodes = {"input": nir.Input({"input": np.array([model.n_in])})}
    edges = []

    def delay_node(name, src, n, d):
        if d == 0:
            return src
        nodes[name] = nir.Delay(np.full(n, d * dt))
        edges.append((src, name))
        return name

    def spiking(prefix, core, src, n_src, d):
        s = delay_node(prefix + ".delay_in", src, n_src, d)
        nodes[prefix + ".W_in"] = nir.Linear(_f64(core.params["W_in"]).T.copy())
        edges.append((s, prefix + ".W_in"))
        nodes[prefix] = _neuron_node(nir, core, dt)
        edges.append((prefix + ".W_in", prefix))
        if core.recurrent:
            nodes[prefix + ".delay"] = nir.Delay(core.delays.astype(np.float64) * dt)
            nodes[prefix + ".W_rec"] = nir.Linear(_f64(core.params["W_rec"]).T.copy())
            edges.extend(
                [(prefix, prefix + ".delay"), (prefix + ".delay", prefix + ".W_rec"), (prefix + ".W_rec", prefix)]
            )
        return prefix

    src, n_src = "input", model.n_in
    for k, L in enumerate(model.layers):
        p = f"layers.{k}"
        d = model.source_delay(k)
        if isinstance(L, ResidualBlock):
            core_out = spiking(p + ".layer", L.layer, src, n_src, d)
            nodes[p + ".W_lin"] = nir.Affine(_f64(L.params["W_lin"]).T.copy(), _f64(L.params["b_lin"]))
            nodes[p] = nir.Scale(np.ones(L.n))
            edges += [(core_out, p + ".W_lin"), (p + ".W_lin", p), (src, p)]
            src, n_src = p, L.n
        else:
            src, n_src = spiking(p, L, src, n_src, d), L.n
    if model.readout is not None:
        R = model.readout
        s = delay_node("readout.delay_in", src, n_src, model.source_delay(len(model.layers)))
        kappa = _f64(R.decay("tau_out", dt))
        tau = _tau_of(kappa, dt)
        nodes["readout.W_out"] = nir.Linear(_f64(R.params["W_out"]).T.copy())
        nodes["readout"] = nir.LI(tau=tau, r=tau / dt, v_leak=np.zeros(R.n), metadata={"spikesim_kappa": kappa})
        edges += [(s, "readout.W_out"), ("readout.W_out", "readout")]
        src, n_src = "readout", R.n
    nodes["output"] = nir.Output({"output": np.array([n_src])})
    edges.append((src, "output"))
    meta = {
        "spikesim_dt": float(dt),
        "spikesim_dtype": np.dtype(model.dtype).name,
        "spikesim_surrogate": model.options["surrogate"],
    }
    # nir's type inference does not follow the composites' inner graphs: checked for plain graphs only
    composite = any(type(v).__name__ == "NIRGraph" for v in nodes.values())
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta, type_check=not composite)


# ---------------------------------------------------------------------------
# import
def _meta(node, key, default=None):
    v = (getattr(node, "metadata", None) or {}).get(key, default)
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, np.ndarray) and v.dtype.kind in "SUO" and v.ndim == 0:
        v = v.item()
        v = v.decode() if isinstance(v, bytes) else v
    return v


def _vec(v, n, name):
    a = _f64(v)
    if a.ndim == 0 or a.size == 1:
        return np.full(n, float(a.reshape(-1)[0]))
    if a.shape != (n,):
        raise ValueError(f"{name} must have {n} entries; got shape {a.shape}")
    return a


def _euler(tau, r, n, dt, name):
    """(decay, input gain) of an Euler step of ``tau dv/dt = -v + r x``."""
    tau = _vec(tau, n, name + ".tau")
    r = _vec(r, n, name + ".r")
    if np.any(tau < dt):
        raise ValueError(f"{name}: tau must be >= dt ({dt}) for a decay in [0, 1); got min {tau.min()}")
    decay = 1.0 - dt / tau
    gain = dt * r / tau
    gain = np.where(np.abs(gain - 1.0) < 1e-12, 1.0, gain)
    return decay, gain


class _Graph:
    def __init__(self, graph):
        self.g = graph
        self.succ = {k: [] for k in graph.nodes}
        self.pred = {k: [] for k in graph.nodes}
        for a, b in graph.edges:
            if a not in graph.nodes or b not in graph.nodes:
                raise ValueError(f"graph edge ({a!r}, {b!r}) names a node that is not in the graph")
            self.succ[a].append(b)
            self.pred[b].append(a)

    def type(self, k):
        return type(self.g.nodes[k]).__name__


def _neuron_size(node):
    for key in ("v_threshold", "tau", "tau_mem"):
        if hasattr(node, key):
            return int(np.asarray(getattr(node, key)).size)
    return None


def _composite_size(node):
    t = node.output_type.get("output") if hasattr(node, "output_type") else None
    return int(np.prod(t)) if t is not None else None


def _weight(node, name):
    W = _f64(node.weight)
    if W.ndim != 2:
        raise ValueError(f"node {name!r}: weight must be a matrix (out, in); got shape {W.shape}")
    if type(node).__name__ == "Affine" and np.any(_f64(node.bias) != 0):
        raise ValueError(
            f"node {name!r}: an Affine bias into a neuron population has no dense-mode "
            "equivalent (the layers have no input bias); only a residual junction takes one"
        )
    return W


def _reset_of(node, name, reset):
    m = _meta(node, "spikesim_reset")
    if m is not None:
        return str(m)
    if reset != "auto":
        return reset
    vr = getattr(node, "v_reset", None)
    if vr is not None and np.any(_f64(vr) != 0):
        raise ValueError(f"node {name!r}: v_reset must be 0 (spikesim resets to 0 or subtracts); got {vr!r}")
    return "zero"


def _build_layer(G, name, n_in, W_in, d_in, W_rec, delays, dt, reset, per_neuron=()):
    node = G.g.nodes[name]
    kind = G.type(name)
    n = W_in.shape[0]
    kw = dict(W_in=W_in.T.copy(), delay_in=d_in)
    if W_rec is not None:
        kw.update(W_rec=W_rec.T.copy(), delays=delays)
    else:
        kw["recurrent"] = False
    if kind == "LIF":
        if np.any(_f64(node.v_leak) != 0):
            raise ValueError(f"node {name!r}: v_leak must be 0 (the dense-mode LIF has no leak potential)")
        beta, gain = _euler(node.tau, node.r, n, dt, name)
        exact = _meta(node, "spikesim_beta")
        if exact is not None:
            beta = _vec(exact, n, name + ".spikesim_beta")
        kw["W_in"] = kw["W_in"] * gain[None, :]
        if W_rec is not None:
            kw["W_rec"] = kw["W_rec"] * gain[None, :]
        return LIFLayer(
            n_in,
            n,
            beta=beta,
            threshold=_vec(node.v_threshold, n, name + ".v_threshold"),
            reset=_reset_of(node, name, reset),
            **kw,
        )
    if kind == "CubaLIF":
        if np.any(_f64(node.v_leak) != 0):
            raise ValueError(f"node {name!r}: v_leak must be 0")
        alpha, g_syn = _euler(node.tau_syn, _vec(node.w_in, n, name + ".w_in"), n, dt, name + ".syn")
        beta, g_mem = _euler(node.tau_mem, node.r, n, dt, name + ".mem")
        gain = g_syn * g_mem
        rs = _reset_of(node, name, reset)
        if rs != "subtract" and rs != "none":
            raise ValueError(
                f"node {name!r}: a CubaLIF imports as a LIB layer, which resets by 'subtract' or "
                f"'none'; NIR's reset to v_reset = 0 has no LIB form (pass reset='subtract' to "
                "read it as a subtractive reset)"
            )
        kw["W_in"] = kw["W_in"] * gain[None, :]
        if W_rec is not None:
            kw["W_rec"] = kw["W_rec"] * gain[None, :]
        th = _vec(node.v_threshold, n, name + ".v_threshold")
        return LIBLayer(
            n_in,
            n,
            alpha_pos=alpha,
            alpha_neg=alpha,
            beta_pos=beta,
            beta_neg=beta,
            gamma_pos=0.0,
            gamma_neg=0.0,
            theta_pos=th,
            theta_neg=NEG_THRESHOLD_OFF,
            scale_pos=1.0,
            scale_neg=1.0,
            rec_weight_pos=0.0,
            rec_weight_neg=0.0,
            bias=0.0,
            reset=rs,
            **kw,
        )
    if kind == "NIRGraph":
        model = _meta(node, "spikesim_model")
        rs = _meta(node, "spikesim_reset", "subtract")
        if model == "ALIF":
            g = {
                k: _vec(_meta(node, "spikesim_" + k), n, f"{name}.spikesim_{k}")
                for k in ("beta", "rho", "threshold", "b_adapt")
            }
            return ALIFLayer(n_in, n, reset=rs, **g, **kw)
        if model == "LIB":
            vals = {k: _vec(_meta(node, "spikesim_" + k), n, f"{name}.spikesim_{k}") for k in _LIB_ROWS}
            return LIBLayer(n_in, n, reset=rs, **vals, **kw)
        raise ValueError(
            f"node {name!r} is a nested NIRGraph without spikesim metadata (spikesim_model "
            "'ALIF' or 'LIB'); the dense mode cannot read a general subgraph"
        )
    raise ValueError(
        f"node {name!r} is a {kind}; the dense mode imports LIF, CubaLIF, LI and spikesim's ALIF/LIB composites"
    )


NEURONS = ("LIF", "CubaLIF", "NIRGraph")


def _step_delay(G, name, dt):
    d = _f64(G.g.nodes[name].delay) / dt
    di = np.rint(d).astype(np.int64)
    if np.any(np.abs(d - di) > 1e-6) or np.any(di < 0):
        raise ValueError(f"node {name!r}: delay must be a whole number of steps of dt = {dt}; got {d * dt}")
    return di


def from_nir(graph, *, dt=None, dtype=None, reset="auto", **snn_options):
    """Build a dense-mode ``SNN`` from a ``nir.NIRGraph`` (or a path to a ``.nir`` file).

    The graph must be a chain from its ``Input`` to its ``Output``: stages of
    ``[Delay] -> Linear/Affine -> neuron`` (LIF, CubaLIF or spikesim's ALIF/LIB
    composites) with an optional recurrent loop ``neuron -> [Delay] ->
    Linear -> neuron``, spikesim's residual blocks (``Scale`` junctions), and
    an optional ``[Delay] -> Linear -> LI`` readout.  ``dt`` defaults to the
    graph's ``spikesim_dt`` metadata, else 1 ms, and ``dtype`` to its
    ``spikesim_dtype``, else float32; ``reset``: ``'auto'`` (the
    node's spikesim metadata, else NIR's reset to ``v_reset = 0``),
    ``'zero'``, ``'subtract'`` or ``'none'`` for nodes without metadata.
    ``snn_options`` go to ``SNN`` (surrogate and so on).
    """
    nir = _nir()
    if isinstance(graph, (str, bytes)) or hasattr(graph, "__fspath__"):
        graph = nir.read(graph)
    if not isinstance(graph, nir.NIRGraph):
        raise TypeError(f"graph must be a nir.NIRGraph or a path to a .nir file; got {type(graph).__name__}")
    if reset not in ("auto", "zero", "subtract", "none"):
        raise ValueError(f"reset must be 'auto', 'zero', 'subtract' or 'none'; got {reset!r}")
    if dt is None:
        m = _meta(graph, "spikesim_dt")
        dt = float(m) if m is not None else 1.0
    dt = float(dt)
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a finite number > 0 ms; got {dt!r}")
    G = _Graph(graph)
    inputs = [k for k in graph.nodes if G.type(k) == "Input"]
    outputs = [k for k in graph.nodes if G.type(k) == "Output"]
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(f"graph must have one Input and one Output node; got {len(inputs)} and {len(outputs)}")
    n_in = int(np.prod(graph.nodes[inputs[0]].input_type["input"]))
    layers, readout = [], None
    src, n_src = inputs[0], n_in
    visited = set()

    def follow(start):
        """From ``start`` through an optional Delay and a weight node to the target:
        returns (delay steps, W, target name, weight node name)."""
        d, name = 0, start
        if G.type(name) == "Delay":
            dd = _step_delay(G, name, dt)
            if np.any(dd != dd[0]):
                raise ValueError(
                    f"node {name!r}: a feed-forward Delay must delay every channel alike "
                    "(neuron-level delays are recurrent in the dense mode)"
                )
            d = int(dd[0])
            nxt = G.succ[name]
            if len(nxt) != 1:
                raise ValueError(f"node {name!r} must feed exactly one node")
            name = nxt[0]
        if G.type(name) not in ("Linear", "Affine"):
            raise ValueError(f"node {name!r} is a {G.type(name)}; expected Linear or Affine before a neuron")
        W = _weight(graph.nodes[name], name)
        nxt = G.succ[name]
        if len(nxt) != 1:
            raise ValueError(f"node {name!r} must feed exactly one node")
        return d, W, nxt[0], name

    def recurrence(neuron):
        """The loop neuron -> [Delay] -> Linear -> neuron, if any: (W_rec, delays, names)."""
        for s in G.succ[neuron]:
            path, name, delays = [s], s, None
            if G.type(name) == "Delay":
                delays = _step_delay(G, name, dt)
                if len(G.succ[name]) != 1:
                    continue
                name = G.succ[name][0]
                path.append(name)
            if G.type(name) in ("Linear", "Affine") and G.succ[name] == [neuron]:
                W = _weight(graph.nodes[name], name)
                n = W.shape[0]
                if delays is None:
                    delays = np.ones(n, np.int64)  # a loop without Delay: one step
                if np.any(delays < 1):
                    raise ValueError(f"recurrent loop of {neuron!r}: delays must be >= 1 step; got {delays}")
                return W, delays, set(path)
        return None, None, set()

    while src not in outputs:
        nxt = [s for s in G.succ[src] if s not in visited]
        if not nxt:
            raise ValueError(f"node {src!r} leads nowhere; the graph is not a chain to its Output")
        junction = [s for s in nxt if G.type(s) == "Scale"]
        if junction:  # a residual block: src -> stage -> Affine -> Scale <- src
            if len(junction) != 1 or len(nxt) != 2:
                raise ValueError(f"node {src!r}: a residual junction needs exactly one block path beside it")
            j = junction[0]
            if np.any(_f64(graph.nodes[j].scale) != 1):
                raise ValueError(f"node {j!r}: a residual junction must have scale 1")
            start = [s for s in nxt if s != j][0]
            d, W, neuron, wname = follow(start)
            if d != 0:
                raise ValueError(f"residual block at {neuron!r}: its layer takes its input with delay 0")
            W_rec, delays, loop = recurrence(neuron)
            core = _build_layer(G, neuron, n_src, W, 0, W_rec, delays, dt, reset)
            out = [s for s in G.succ[neuron] if s not in loop]
            if len(out) != 1 or G.type(out[0]) != "Affine" or G.succ[out[0]] != [j]:
                raise ValueError(f"residual block at {neuron!r}: expected neuron -> Affine -> {j!r}")
            aff = graph.nodes[out[0]]
            blk = ResidualBlock(core, W_lin=_f64(aff.weight).T.copy(), b_lin=_f64(aff.bias))
            layers.append(blk)
            visited |= {start, wname, neuron, out[0], j} | loop
            src = j
            continue
        if len(nxt) != 1:
            raise ValueError(f"node {src!r} feeds {len(nxt)} nodes; the dense mode imports chains")
        d, W, target, wname = follow(nxt[0])
        visited |= {nxt[0], wname, target}
        if G.type(target) == "LI":
            node = graph.nodes[target]
            n = W.shape[0]
            if np.any(_f64(node.v_leak) != 0):
                raise ValueError(f"node {target!r}: v_leak must be 0")
            kappa, gain = _euler(node.tau, node.r, n, dt, target)
            exact = _meta(node, "spikesim_kappa")
            if exact is not None:
                kappa = _vec(exact, n, target + ".spikesim_kappa")
            readout = ReadoutLayer(n_src, n, W_out=(W * gain[:, None]).T.copy(), delay_in=d, kappa=kappa)
            src, n_src = target, n
            if G.succ[target] != outputs:
                raise ValueError(f"the LI node {target!r} must feed the Output directly")
            break
        if G.type(target) not in NEURONS:
            raise ValueError(
                f"node {target!r} is a {G.type(target)}; the dense mode imports LIF, CubaLIF, LI and "
                "spikesim's composites"
            )
        W_rec, delays, loop = recurrence(target)
        visited |= loop
        layers.append(_build_layer(G, target, n_src, W, d, W_rec, delays, dt, reset))
        src, n_src = target, W.shape[0]
        rest = [s for s in G.succ[src] if s not in loop]
        if rest == outputs:
            break
    if not layers:
        raise ValueError("the graph has no neuron population")
    if dtype is None:
        m = _meta(graph, "spikesim_dtype")
        dtype = np.dtype(str(m)).type if m is not None else np.float32
    snn_options["dtype"] = dtype
    if "surrogate" not in snn_options and _meta(graph, "spikesim_surrogate") is not None:
        snn_options["surrogate"] = str(_meta(graph, "spikesim_surrogate"))
    return SNN(layers, readout, dt=dt, **snn_options)
