"""Arrays and generated code of a projection whose synapse model has state (docs/contract.md §3.7, §3.8).

:class:`SynapseArrays` holds the weights (``(B, n_syn)`` per sample, or
``(1, n_syn)`` shared with per-sample updates ``dw``), the other synapse
variables (``(B, n_syn)``), the traces of sources and targets (``(B, N)``),
their decays and the synapses into each target (CSR over targets).
:class:`SynapseCode` writes the projection's part of the kernel:

* deliver (phase 1 decay of the traces, then phase 2): for every spike due
  at ``t``, every synapse of its source runs ``on_pre``, adds the value it
  delivers times the spike's value into the target's receptor, and stores
  what ``on_pre`` updates; then the source runs ``pre_spike``;
* learn (phase 6): every target that spiked at ``t`` runs ``post_spike``,
  then every synapse into it runs ``on_post`` (with ``batch="per_sample"``
  and nothing reading the synapses between arrivals, ``on_post`` waits for
  the source's next arrival instead, with the same result bit for bit:
  :class:`Deferred`);
* step_end (``mean``/``sum`` only; the kernel steps all samples together):
  every ``every`` steps ``w <- clip(w + reduce_b(dw), w_min, w_max)``,
  samples summed in ascending order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simcore.base.errors import check_memory
from .kernels.build import transpose_csr
from .kernels.prefetch import prefetch_2d
from .kernels.queue import queue_emit, segment_emit

#: synapses ahead whose weight the walk over a spiking target's synapses prefetches (measured: 16 to 32 best)
PREFETCH_AHEAD = 24

#: deferred potentiation: the newest post spikes of a target kept side by side (32 bytes: they stay in the L2
#: cache; an arrival reads them for every synapse)
LAST = 4
#: deferred potentiation: post spikes of a target kept beyond the newest :data:`LAST` (before one that a source
#: may still need is dropped, the sources that need it are brought up to date)
HISTORY = 8
#: deferred potentiation: steps of pre-trace values tabulated per arrival (beyond: multiplied out one by one)
TABLE_STEPS = 8192
#: a post spike log entry that holds no spike (older than every window start)
NO_SPIKE = -1


def defers_potentiation(proj) -> bool:
    """Whether ``on_post`` of ``proj`` can wait for the source's next arrival (:class:`Deferred`).

    It can when each sample has its own weights (``batch="per_sample"``),
    nothing reads the synapses between arrivals (no ``on_step``, no
    WeightMonitor) and ``on_post`` reads only synapse variables, pre traces
    and parameters (their values at the post spike can be recomputed later).
    """
    model, fns = proj.synapse, proj.synapse.events()
    if proj.batch != "per_sample" or "on_post" not in fns or "on_step" in fns or proj.weights_watched:
        return False
    return set(fns["on_post"].arg_names) <= set(model.synapse) | set(model.pre) | set(model.values)


def max_row_length(proj) -> int:
    """The most synapses one arrival reaches: the longest CSR row, or the largest delay group."""
    if proj.groups is None:
        lengths = np.diff(proj.indptr)
    else:
        lengths = np.asarray(proj.groups.end) - np.asarray(proj.groups.start)
    return int(lengths.max()) if lengths.size else 0


@dataclass
class Deferred:
    """State of deferred potentiation (docs/plasticity.md, "Speed"): exact, the eager order per synapse.

    A post spike of target ``j`` at step ``t_p`` is logged (``last[b, j]``:
    its newest :data:`LAST` spikes, newest first; ``hist[b, j]``: the
    :data:`HISTORY` before them, newest first; :data:`NO_SPIKE` where none) instead of
    running ``on_post`` over the synapses into ``j`` at once. For source (or
    delay group) ``i`` every logged spike at or after ``t_from[b, i]`` is
    pending: at ``i``'s next arrival each synapse of ``i`` first runs
    ``on_post`` for its target's pending spikes, in time order, with the pre
    traces at ``t_p``, ``x_ref * d * d * ...`` (``t_p - t_from`` factors, the
    multiplications of the eager decay, tabulated per arrival in ``table``),
    then ``on_pre``; the arrival sets ``t_from = t`` and ``x_ref`` to the
    trace after ``pre_spike``. An arrival reads ``last`` only unless three or
    more spikes are pending (32 bytes per target: it stays in the L2 cache,
    where the eager walk over a target's synapses misses the cache once per
    synapse), and sorts its synapses into ``lists`` by how many spikes are
    pending without a branch, the steps from the window start to the newest
    two spikes beside them in ``steps`` (:meth:`SynapseCode.arrival_pending`): which
    synapses have a pending spike is as random as the spikes, and a
    mispredicted branch per synapse cost as much as the eager walk's cache
    miss.
    At the end of every kernel chunk every source is brought up to date (so
    weights are exact whenever Python sees them), and so is every source
    that may still need a spike before it is dropped from ``hist``
    (``low[b]``: the earliest window start).
    """

    t_from: np.ndarray
    x_ref: dict
    table: dict
    last: np.ndarray
    hist: np.ndarray
    low: np.ndarray
    lists: np.ndarray
    steps: np.ndarray

    @classmethod
    def allocate(cls, proj, B: int, n_src: int, dtype) -> "Deferred":
        max_row = max_row_length(proj)
        traces = [x for x in proj.synapse.events()["on_post"].arg_names if x in proj.synapse.pre]
        return cls(
            t_from=np.zeros((B, n_src), dtype=np.int64),
            x_ref={x: np.zeros((B, n_src), dtype=dtype) for x in traces},
            table={x: np.zeros((B, TABLE_STEPS), dtype=dtype) for x in traces},
            last=np.full((B, proj.post.n, LAST), NO_SPIKE, dtype=np.int64),
            hist=np.full((B, proj.post.n, HISTORY), NO_SPIKE, dtype=np.int64),
            low=np.zeros(B, dtype=np.int64),
            lists=np.zeros((B, 3, max_row), dtype=np.int64),
            steps=np.zeros((B, 2, max_row), dtype=np.int64),
        )

    @staticmethod
    def nbytes(proj, B: int, n_src: int, item: int) -> int:
        """Bytes :meth:`allocate` takes (``item``: bytes of the run's float type)."""
        traces = sum(1 for x in proj.synapse.events()["on_post"].arg_names if x in proj.synapse.pre)
        per_sample = 8 * n_src + traces * item * (n_src + TABLE_STEPS) + 8 * proj.post.n * (LAST + HISTORY) + 8
        return B * (per_sample + 5 * 8 * max_row_length(proj))

    def reset(self) -> None:
        for arr in (self.t_from, *self.x_ref.values(), self.low):
            arr[...] = 0
        self.last[...] = NO_SPIKE
        self.hist[...] = NO_SPIKE

    def restart(self, step: int, pre: dict, decays: dict) -> None:
        """Every source up to date at ``step``, as a chunk's end leaves them (after a restore of the state).

        A state is taken between chunks, when the last chunk's end brought every source up to date: each
        window starts at ``step`` with the pre trace one decay further (its value in ``step``), and no
        logged spike is pending. So these arrays are not part of the state; they are rebuilt from it.
        """
        self.t_from[...] = step
        for x, ref in self.x_ref.items():
            ref[...] = pre[x] * decays[x]
        self.last[...] = NO_SPIKE
        self.hist[...] = NO_SPIKE
        self.low[...] = step


@dataclass
class SynapseArrays:
    """Every array of a projection with a synapse model; see the module docstring."""

    w: np.ndarray
    dw: np.ndarray | None
    variables: dict
    pre: dict
    post: dict
    decays: dict
    post_indptr: np.ndarray
    post_sources: np.ndarray
    post_synapses: np.ndarray
    deferred: Deferred | None = None

    @classmethod
    def allocate(cls, proj, weights: np.ndarray, ctx) -> "SynapseArrays":
        model, B, dtype = proj.synapse, ctx.batch_size, ctx.dtype
        nnz, shared = weights.shape[0], proj.batch in ("mean", "sum")
        item = np.dtype(dtype).itemsize
        n_var = len(model.synapse) - 1 + (1 if shared else 0)
        nbytes = (
            nnz * item * ((1 if shared else B) + B * n_var)
            + B * item * (len(model.pre) * proj.pre.n + len(model.post) * proj.post.n)
            + nnz * 12
        )
        n_src = proj.pre.n if proj.groups is None else proj.groups.n
        if defers_potentiation(proj):
            nbytes += Deferred.nbytes(proj, B, n_src, item)
        check_memory(nbytes, f"the synapses of projection {proj.name!r} ({nnz} synapses, batch {B})")
        w = np.empty((1 if shared else B, nnz), dtype=dtype)
        w[...] = weights
        variables = {v: np.full((B, nnz), _initial(model, v), dtype=dtype) for v in model.synapse if v != "w"}
        ptr, src, order = transpose_csr(proj.indptr, proj.indices, proj.post.n)
        deferred = Deferred.allocate(proj, B, n_src, dtype) if defers_potentiation(proj) else None
        return cls(
            deferred=deferred,
            w=w,
            dw=np.zeros((B, nnz), dtype=dtype) if shared else None,
            variables=variables,
            pre={
                x: np.zeros((B, proj.pre.n if proj.groups is None else proj.groups.n), dtype=dtype) for x in model.pre
            },
            post={y: np.zeros((B, proj.post.n), dtype=dtype) for y in model.post},
            decays={
                x: dtype.type(np.exp(-ctx.dt / model.values[tau])) for x, tau in {**model.pre, **model.post}.items()
            },
            post_indptr=ptr,
            post_sources=src.astype(np.int32),
            post_synapses=order.astype(np.uint32 if nnz < 2**32 else np.int64),
        )

    def reset(self, proj, weights: np.ndarray) -> None:
        """Back to the initial weights and variables, traces and pending updates zeroed."""
        self.w[...] = weights
        if self.dw is not None:
            self.dw[...] = 0
        for v, arr in self.variables.items():
            arr[...] = _initial(proj.synapse, v)
        for arr in (*self.pre.values(), *self.post.values()):
            arr[...] = 0
        if self.deferred is not None:
            self.deferred.reset()

    def run_state(self) -> dict:
        out = {"w": self.w, **{f"syn.{k}": v for k, v in self.variables.items()}}
        out.update({f"pre.{k}": v for k, v in self.pre.items()})
        out.update({f"post.{k}": v for k, v in self.post.items()})
        if self.dw is not None:
            out["dw"] = self.dw
        return out  # not the deferred arrays: Deferred.restart rebuilds them

    def apply_pending(self, mode: str, model) -> None:
        """``w <- clip(w + reduce_b(dw))`` in Python, exactly as the kernel's step_end does it."""
        if self.dw is None:
            return
        total = np.zeros(self.w.shape[1], dtype=self.w.dtype)
        for b in range(self.dw.shape[0]):
            total += self.dw[b]
        if mode == "mean":
            total /= self.w.dtype.type(self.dw.shape[0])
        w = self.w[0] + total
        if model.clips:
            np.clip(w, model.values["w_min"], model.values["w_max"], out=w)
        self.w[0] = w
        self.dw[...] = 0


def _initial(model, var: str) -> float:
    """The initial value of a synapse variable: a number, or the name of a parameter (TM's ``u = U``)."""
    init = model.synapse[var]
    return model.values[init] if isinstance(init, str) else init


class SynapseCode:
    """Writes one projection's deliver, emit, learn and step_end code (module docstring)."""

    def __init__(self, proj, arrays: SynapseArrays, kb):
        self.proj, self.a, self.kb, self.model = proj, arrays, kb, proj.synapse
        self.fns = self.model.events()
        p = self.p = kb.unique(f"syn_{proj.name}")
        self.shared = arrays.dw is not None
        self.w = kb.arg(arrays.w, f"{p}_w")
        self.dw = kb.arg(arrays.dw, f"{p}_dw") if self.shared else None
        # arrays and constants get infixes of their own: no clash with the loop variables {p}_e, {p}_i ...
        self.var = {v: kb.arg(arr, f"{p}_var_{v}") for v, arr in arrays.variables.items()}
        self.trace = {x: kb.arg(arr, f"{p}_trace_{x}") for x, arr in {**arrays.pre, **arrays.post}.items()}
        self.par = {
            k: kb.arg(np.dtype(proj.weights.dtype).type(v), f"{p}_par_{k}") for k, v in self.model.values.items()
        }
        self.decay = {x: kb.arg(d, f"{p}_decay_{x}") for x, d in arrays.decays.items()}
        self.bw = "0" if self.shared else "b"
        self.mod = None if proj.modulator is None else kb.arg(proj.modulator, f"{p}_modulator")
        d = arrays.deferred if defers_potentiation(proj) else None
        self.deferred = (
            None
            if d is None
            else {
                "t_from": kb.arg(d.t_from, f"{p}_t_from"),
                "last": kb.arg(d.last, f"{p}_post_last"),
                "hist": kb.arg(d.hist, f"{p}_post_hist"),
                "lists": kb.arg(d.lists, f"{p}_pending_lists"),
                "steps": kb.arg(d.steps, f"{p}_pending_steps"),
                "low": kb.arg(d.low, f"{p}_hist_low"),
                "x_ref": {x: kb.arg(a, f"{p}_x_ref_{x}") for x, a in d.x_ref.items()},
                "table": {x: kb.arg(a, f"{p}_table_{x}") for x, a in d.table.items()},
            }
        )

    def emit(self) -> None:
        self.emit_deliver()
        self.emit_queue()
        if "post_spike" in self.fns or "on_post" in self.fns:
            self.emit_learn()
        if "on_step" in self.fns:
            self.emit_step()
        if self.shared:
            self.kb.require_lockstep()
            self.emit_reduce()

    # ----- phase 1 and 2
    def emit_deliver(self) -> None:
        p, q, kb = self.p, self.proj.queue, self.kb
        lines = self.load_modulator()
        for x, arr in self.trace.items():  # phase 1: every trace decays by exp(-dt/tau)
            lines += [f"for {p}_n in range({arr}.shape[1]):", f"    {arr}[b, {p}_n] *= {self.decay[x]}"]
        src, val, cnt = q.ring_args(kb, p)
        indices = kb.arg(self.proj.indices, f"{p}_indices")
        buf = kb.arg(self.proj.post.runtime.receptors[self.proj.receptor], f"{p}_target")
        delivered = kb.arg(q.delivered, f"{p}_delivered")
        lo, hi, k = self.synapse_range()
        lines += [
            f"{p}_slot = t % {cnt}.shape[0]",
            f"for {p}_e in range({cnt}[{p}_slot, b]):",
            f"    {p}_i = {src}[{p}_slot, b, {p}_e]  # a source, or a delay group of one",
            f"    {p}_value = {val}[{p}_slot, b, {p}_e]",
        ]
        if self.deferred:
            lines += [f"    {p}_tf = {self.deferred['t_from']}[b, {p}_i]"]
            lines += ["    " + line for line in self.arrival_pending(lo, hi, k, indices)]
        lines += [
            f"    for {p}_pos in range({lo}, {hi}):",
            f"        {p}_k = {k}",
            f"        {p}_j = np.int64({indices}[{p}_k])",
        ]
        body = self.load_synapse() + self.call_update("on_pre", delivered=f"{p}_out")
        body.append(f"{buf}[b, {p}_j] += {p}_out * {p}_value")
        lines += ["        " + line for line in body]
        lines += [f"    {delivered}[b] += {hi} - {lo}"]
        if "pre_spike" in self.fns:
            lines += ["    " + line for line in self.trace_update("pre_spike", f"{p}_i")]
        if self.deferred:
            lines += ["    " + line for line in self.window_start("t", scaled=False)]
        lines.append(f"{cnt}[{p}_slot, b] = 0")
        kb.add("deliver", "\n".join(lines), comment=f"projection {self.proj.name!r} ({self.model.model!r} synapses)")

    def synapse_range(self) -> tuple:
        """``(lo, hi, k)``: the positions of the arriving entry ``{p}_i`` and the synapse at ``{p}_pos``."""
        p, kb, groups = self.p, self.kb, self.proj.groups
        if groups is None:  # one delay per source: the entry is a source, its synapses its CSR row
            indptr = kb.arg(self.proj.indptr, f"{p}_indptr")
            return f"{indptr}[{p}_i]", f"{indptr}[{p}_i + 1]", f"{p}_pos"
        start, end = kb.arg(groups.start, f"{p}_group_start"), kb.arg(groups.end, f"{p}_group_end")
        return f"{start}[{p}_i]", f"{end}[{p}_i]", f"{kb.arg(groups.order, f'{p}_group_order')}[{p}_pos]"

    def emit_queue(self) -> None:
        p, q, kb, spikes = self.p, self.proj.queue, self.kb, self.proj.pre.runtime
        src, ring = spikes.spike_list_args(kb, p), q.ring_args(kb, p)
        groups = self.proj.groups
        if groups is None:
            args = src + [kb.arg(q.delays, f"{p}_delay")] + ring
            kb.add("emit", f"{kb.func(queue_emit, 'queue_emit')}(b, t, {', '.join(args)})")
            return
        args = src + [kb.arg(groups.ptr, f"{p}_group_ptr"), kb.arg(groups.delay, f"{p}_group_delay")] + ring
        kb.add("emit", f"{kb.func(segment_emit, 'segment_emit')}(b, t, {', '.join(args)})")

    # ----- phase 6
    def emit_learn(self) -> None:
        p, kb, post = self.p, self.kb, self.proj.post.runtime
        idx, cnt = kb.arg(post.spike_idx, f"{p}_post_idx"), kb.arg(post.spike_cnt, f"{p}_post_cnt")
        lines = self.load_modulator() + [f"for {p}_e in range({cnt}[b]):", f"    {p}_j = np.int64({idx}[b, {p}_e])"]
        if "post_spike" in self.fns:
            lines += ["    " + line for line in self.trace_update("post_spike", f"{p}_j")]
        if self.deferred:
            lines = self.load_modulator() + self.deferred_learn(idx, cnt)
        elif "on_post" in self.fns:
            lines += ["    " + line for line in self.column_walk()]
        kb.add("learn", "\n".join(lines), comment=f"projection {self.proj.name!r}: post-synaptic events")

    # ----- deferred potentiation (Deferred)
    def deferred_learn(self, idx: str, cnt: str) -> list:
        """Phase 6 with deferred ``on_post``: bring up to date the sources that may need a spike about to be
        dropped from the log, log this step's post spikes, and bring every source up to date at the end of
        the chunk."""
        p, d, H = self.p, self.deferred, HISTORY
        last, hist, low = d["last"], d["hist"], d["low"]
        lines = [
            f"for {p}_e in range({cnt}[b]):",
            f"    {p}_j = np.int64({idx}[b, {p}_e])",
            f"    {p}_old = {hist}[b, {p}_j, {H - 1}]",
            f"    if {p}_old >= {low}[b]:  # drops a spike that a source may still need",
        ]
        lines += ["        " + line for line in self.flush("t", scaled=False, only=f"<= {p}_old")]
        lines += [f"for {p}_e in range({cnt}[b]):", f"    {p}_j = np.int64({idx}[b, {p}_e])"]
        if "post_spike" in self.fns:
            lines += ["    " + line for line in self.trace_update("post_spike", f"{p}_j")]
        lines += [
            f"    for {p}_m in range({H - 1}, 0, -1):",
            f"        {hist}[b, {p}_j, {p}_m] = {hist}[b, {p}_j, {p}_m - 1]",
            f"    {hist}[b, {p}_j, 0] = {last}[b, {p}_j, {LAST - 1}]",
            f"    for {p}_m in range({LAST - 1}, 0, -1):",
            f"        {last}[b, {p}_j, {p}_m] = {last}[b, {p}_j, {p}_m - 1]",
            f"    {last}[b, {p}_j, 0] = t",
            "if t + 1 == stop:  # end of the chunk: every weight exact when Python sees it",
        ]
        return lines + ["    " + line for line in self.flush("t + 1", scaled=True)]

    def flush(self, start: str, scaled: bool, only: str | None = None) -> list:
        """Every source (``only``: whose window starts ``only``) runs the pending ``on_post`` of all its
        synapses and restarts its window at ``start``; ``low`` becomes the earliest window start."""
        p, kb, t_from, low = self.p, self.kb, self.deferred["t_from"], self.deferred["low"]
        lo, hi, k = self.synapse_range()
        indices = kb.arg(self.proj.indices, f"{p}_indices")
        lines = [f"{low}[b] = {start}", f"for {p}_i in range({t_from}.shape[1]):", f"    {p}_tf = {t_from}[b, {p}_i]"]
        inner = [
            f"{p}_nf = 0",
            f"for {p}_pos in range({lo}, {hi}):",
            f"    {p}_k = {k}",
            f"    {p}_j = np.int64({indices}[{p}_k])",
        ]
        inner += ["    " + line for line in self.pending()] + self.window_start(start, scaled)
        if only is None:
            return lines + ["    " + line for line in inner]
        lines += [f"    if {p}_tf {only}:"] + ["        " + line for line in inner]
        return lines + [f"    {low}[b] = min({low}[b], {t_from}[b, {p}_i])"]

    def window_start(self, start: str, scaled: bool) -> list:
        """Source ``{p}_i`` is up to date: its window starts at step ``start`` with the traces there."""
        p, d = self.p, self.deferred
        lines = [f"{d['t_from']}[b, {p}_i] = {start}"]
        for x, ref in d["x_ref"].items():  # the trace at `start`: now (phase 6 of t), or decayed once more
            lines.append(f"{ref}[b, {p}_i] = {self.trace[x]}[b, {p}_i]" + (f" * {self.decay[x]}" if scaled else ""))
        return lines

    def pending(self) -> list:
        """``on_post`` of synapse ``{p}_k`` for each logged spike of its target at or after ``{p}_tf``, in order
        (the flushes' walk; an arrival sorts its synapses by what is pending first, :meth:`arrival_pending`)."""
        p, d = self.p, self.deferred
        last = d["last"]
        lines = [f"if {last}[b, {p}_j, 0] >= {p}_tf:"]
        lines += ["    " + line for line in self.older_pending()]
        lines += [f"    if {last}[b, {p}_j, 1] >= {p}_tf:"]
        lines += ["        " + line for line in self.potentiate(f"{last}[b, {p}_j, 1]")]
        return lines + ["    " + line for line in self.potentiate(f"{last}[b, {p}_j, 0]")]

    def older_pending(self) -> list:
        """``on_post`` of synapse ``{p}_k`` for its target's pending spikes older than the newest two, in order."""
        return [f"if {self.deferred['last']}[b, {self.p}_j, 2] >= {self.p}_tf:"] + [
            "    " + line for line in self.older_spikes()
        ]

    def older_spikes(self) -> list:
        """:meth:`older_pending` once the third newest spike is known to be pending."""
        p, d, H = self.p, self.deferred, HISTORY
        last, hist = d["last"], d["hist"]
        lines = [f"for {p}_q in range({H - 1}, -1, -1):", f"    if {hist}[b, {p}_j, {p}_q] >= {p}_tf:"]
        lines += ["        " + line for line in self.potentiate(f"{hist}[b, {p}_j, {p}_q]")]
        lines += [f"for {p}_q in range({LAST - 1}, 1, -1):", f"    if {last}[b, {p}_j, {p}_q] >= {p}_tf:"]
        return lines + ["        " + line for line in self.potentiate(f"{last}[b, {p}_j, {p}_q]")]

    def arrival_pending(self, lo: str, hi: str, k: str, indices: str) -> list:
        """The pending ``on_post`` of every synapse of arriving ``{p}_i`` (positions ``lo..hi``), before ``on_pre``.

        Which synapses have a pending spike is as random as the spikes: a branch per synapse on it was
        mispredicted about a third of the time, which cost as much as the eager walk's cache misses. So a
        first pass writes each synapse's position into the lists of synapses with at least one, two and
        three pending spikes (written always, counted only when pending: no branch), beside it the steps
        from the window start to its target's newest and second newest spike (``steps``: the walks need
        not read the target's log again), and the lists are then walked: three or more first (the older
        spikes), then the second newest, then the newest, so that each synapse sees its spikes in time
        order. The pre traces of the window are tabulated first (:meth:`fill_table`).
        """
        p, d = self.p, self.deferred
        last, lists, steps = d["last"], d["lists"], d["steps"]
        lines = self.fill_table() + [
            f"{p}_m1 = 0",
            f"{p}_m2 = 0",
            f"{p}_m3 = 0",
            f"{p}_last_b, {p}_l1, {p}_l2, {p}_l3 = {last}[b], {lists}[b, 0], {lists}[b, 1], {lists}[b, 2]",
            f"{p}_s1, {p}_s2 = {steps}[b, 0], {steps}[b, 1]",
            f"for {p}_pos in range({lo}, {hi}):",
            f"    {p}_ju = np.uint64({indices}[{k}])  # unsigned: no test for negative indices",
            f"    {p}_n1 = {p}_last_b[{p}_ju, 0] - {p}_tf",
            f"    {p}_n2 = {p}_last_b[{p}_ju, 1] - {p}_tf",
            f"    {p}_l1[{p}_m1] = {p}_pos",
            f"    {p}_s1[{p}_m1] = {p}_n1",
            f"    {p}_l2[{p}_m2] = {p}_pos",
            f"    {p}_s2[{p}_m2] = {p}_n2",
            f"    {p}_l3[{p}_m3] = {p}_pos",
            f"    {p}_m1 += np.int64({p}_n1 >= 0)",
            f"    {p}_m2 += np.int64({p}_n2 >= 0)",
            f"    {p}_m3 += np.int64({p}_last_b[{p}_ju, 2] >= {p}_tf)",
            f"for {p}_q in range({p}_m3):",
            f"    {p}_pos = {p}_l3[{p}_q]",
            f"    {p}_k = {k}",
            f"    {p}_j = np.int64({indices}[{p}_k])",
        ]
        lines += ["    " + line for line in self.older_spikes()]
        for count, positions, steps_row in ((f"{p}_m2", f"{p}_l2", f"{p}_s2"), (f"{p}_m1", f"{p}_l1", f"{p}_s1")):
            lines += [f"for {p}_q in range({count}):", f"    {p}_pos = {positions}[{p}_q]", f"    {p}_k = {k}"]
            lines += ["    " + line for line in self.potentiate_after(f"{steps_row}[{p}_q]")]
        return lines

    def fill_table(self) -> list:
        """The pre traces ``0 .. min(t - t_from, TABLE_STEPS) - 1`` steps after the window start of ``{p}_i``
        into ``table``, by the multiplications of the eager decay (every pending spike of an arrival lies in
        these steps); ``{p}_nf``: how many are filled."""
        p, d = self.p, self.deferred
        lines = [f"{p}_nf = min(t - {p}_tf, {TABLE_STEPS})"]
        for x, tab in d["table"].items():
            lines += [
                f"{p}_acc_{x} = {d['x_ref'][x]}[b, {p}_i]",
                f"for {p}_n in range({p}_nf):",
                f"    {tab}[b, {p}_n] = {p}_acc_{x}",
                f"    {p}_acc_{x} *= {self.decay[x]}",
            ]
        return lines

    def traces_at(self, n: str) -> list:
        """The pre traces ``{p}_tr_x`` ``n`` steps after the window start of ``{p}_i`` (``n >= 0``)."""
        p, d, L = self.p, self.deferred, TABLE_STEPS
        lines = [f"if {n} < {L}:", f"    while {p}_nf <= {n}:  # the traces {p}_nf steps after the window start"]
        for x, tab in d["table"].items():
            ref = d["x_ref"][x]
            lines.append(
                f"        {tab}[b, {p}_nf] = {ref}[b, {p}_i] if {p}_nf == 0 else {tab}[b, {p}_nf - 1] * {self.decay[x]}"
            )
        lines.append(f"        {p}_nf += 1")
        lines += [f"    {p}_tr_{x} = {tab}[b, {n}]" for x, tab in d["table"].items()]
        lines.append("else:")
        for x, ref in d["x_ref"].items():
            lines += [
                f"    {p}_tr_{x} = {ref}[b, {p}_i]",
                f"    for {p}_r in range({n}):",
                f"        {p}_tr_{x} *= {self.decay[x]}",
            ]
        return lines

    def potentiate(self, step: str) -> list:
        """``on_post`` of synapse ``{p}_k`` for its target's spike at ``step`` (the pre traces of that step)."""
        return self.potentiate_after(f"{step} - {self.p}_tf")

    def potentiate_after(self, n: str) -> list:
        """``on_post`` of synapse ``{p}_k`` for its target's spike ``n`` steps after the window start."""
        p = self.p
        lines = [f"{p}_n = {n}"] + self.traces_at(f"{p}_n")
        body = [f"{p}_syn_w = {self.w}[{self.bw}, {p}_k]"]
        body += [f"{p}_syn_{v} = {arr}[b, {p}_k]" for v, arr in self.var.items()]
        return lines + body + self.call_update("on_post")

    def column_walk(self) -> list:
        """``on_post`` for every synapse into target ``{p}_j``, through the transposed index.

        The weights of those synapses lie scattered over the weight array
        (one cache miss each at scale): the walk prefetches the weight
        :data:`PREFETCH_AHEAD` synapses ahead (a hint; the numbers are the same).
        """
        p, kb = self.p, self.kb
        ptr = kb.arg(self.a.post_indptr, f"{p}_in_ptr")
        srcs, syns = kb.arg(self.a.post_sources, f"{p}_in_src"), kb.arg(self.a.post_synapses, f"{p}_in_syn")
        if self.proj.groups is not None:  # pre traces belong to delay groups
            srcs = kb.arg(self.proj.groups.of_synapse[self.a.post_synapses], f"{p}_in_group")
        target, pf = (self.dw if self.shared else self.w), kb.func(prefetch_2d, "prefetch_2d")
        ahead = kb.arg(np.int64(PREFETCH_AHEAD), f"{p}_ahead")
        lines = [
            f"{p}_lo, {p}_hi = {ptr}[{p}_j], {ptr}[{p}_j + 1]",
            f"for {p}_m in range({p}_lo, min({p}_lo + {ahead}, {p}_hi)):",
            f"    {pf}({target}, b, {syns}[{p}_m])",
            f"for {p}_m in range({p}_lo, {p}_hi):",
            f"    if {p}_m + {ahead} < {p}_hi:",
            f"        {pf}({target}, b, {syns}[{p}_m + {ahead}])",
            f"    {p}_i = np.int64({srcs}[{p}_m])",
            f"    {p}_k = np.int64({syns}[{p}_m])",
        ]
        return lines + ["    " + line for line in self.load_synapse() + self.call_update("on_post")]

    def emit_step(self) -> None:
        """``on_step`` for every synapse, every step (phase 6, after the post-synaptic events)."""
        p, kb = self.p, self.kb
        indptr, indices = kb.arg(self.proj.indptr, f"{p}_indptr"), kb.arg(self.proj.indices, f"{p}_indices")
        groups = self.proj.groups
        trace = f"{p}_row" if groups is None else f"{kb.arg(groups.of_synapse, f'{p}_group_of')}[{p}_k]"
        lines = self.load_modulator() + [
            f"for {p}_row in range({indptr}.shape[0] - 1):",
            f"    for {p}_k in range({indptr}[{p}_row], {indptr}[{p}_row + 1]):",
            f"        {p}_i = {trace}",
            f"        {p}_j = np.int64({indices}[{p}_k])",
        ]
        lines += ["        " + line for line in self.load_synapse() + self.call_update("on_step")]
        kb.add("learn", "\n".join(lines), comment=f"projection {self.proj.name!r}: every synapse, every step")

    def load_modulator(self) -> list:
        if self.mod is None:
            return []
        m, p = self.mod, self.p
        return [f"{p}_mod = {m}[t, b if {m}.shape[1] > 1 else 0] if t < {m}.shape[0] else {m}[0, 0] * 0"]

    def emit_reduce(self) -> None:
        p, kb = self.p, self.kb
        every = kb.arg(int(self.proj.every), f"{p}_every")
        scale = "" if self.proj.batch == "sum" else f" / {kb.arg(self.a.w.dtype.type(self.a.dw.shape[0]), p + '_B')}"
        lines = [
            f"if (t + 1) % {every} == 0:",
            f"    for {p}_k in range({self.w}.shape[1]):",
            f"        {p}_tot = {self.dw}[0, {p}_k] * 0",
            f"        for {p}_b in range({self.dw}.shape[0]):",
            f"            {p}_tot += {self.dw}[{p}_b, {p}_k]",
            f"            {self.dw}[{p}_b, {p}_k] = 0",
            f"        {p}_new = {self.w}[0, {p}_k] + {p}_tot{scale}",
        ]
        if self.model.clips:
            lines.append(f"        {p}_new = min(max({p}_new, {self.par['w_min']}), {self.par['w_max']})")
        lines.append(f"        {self.w}[0, {p}_k] = {p}_new")
        kb.add("step_end", "\n".join(lines), comment=f"projection {self.proj.name!r}: {self.proj.batch} of dw")

    # ----- pieces
    def load_synapse(self) -> list:
        p = self.p
        lines = [f"{p}_syn_w = {self.w}[{self.bw}, {p}_k]"]
        lines += [f"{p}_syn_{v} = {arr}[b, {p}_k]" for v, arr in self.var.items()]
        lines += [f"{p}_tr_{x} = {self.trace[x]}[b, {p}_i]" for x in self.model.pre]
        lines += [f"{p}_tr_{y} = {self.trace[y]}[b, {p}_j]" for y in self.model.post]
        return lines

    def argument(self, name: str) -> str:
        p = self.p
        if name in self.model.synapse:
            return f"{p}_syn_{name}"
        if name in self.trace:
            return f"{p}_tr_{name}"
        if name in self.par:
            return self.par[name]
        if name == "modulator":
            if self.mod is None:
                raise ValueError(
                    f"{self.model.model} reads 'modulator'; give projection {self.proj.name!r} a "
                    "modulator= array (T,) or (T, B)"
                )
            return f"{self.p}_mod"
        return {"t": "t", "dt": self.kb.dt}[name]

    def call(self, event: str) -> str:
        fn = self.fns[event]
        name = self.kb.func(fn, f"{self.model.model}_{event}")
        return f"{name}({', '.join(self.argument(a) for a in fn.arg_names)})"

    def call_update(self, event: str, delivered: str | None = None) -> list:
        """Call a per-synapse event and store what it updates (``w`` clipped, or accumulated into ``dw``)."""
        p, fn = self.p, self.fns[event]
        targets = ([delivered] if delivered else []) + [f"{p}_new_{v}" for v in fn.updates]
        lines = [f"{', '.join(targets)} = {self.call(event)}"] if targets else []
        for v in fn.updates:
            if v != "w":
                lines.append(f"{self.var[v]}[b, {p}_k] = {p}_new_{v}")
            elif self.shared:
                lines.append(f"{self.dw}[b, {p}_k] += {p}_new_w - {p}_syn_w")
            elif self.model.clips:
                lines.append(f"{self.w}[b, {p}_k] = min(max({p}_new_w, {self.par['w_min']}), {self.par['w_max']})")
            else:
                lines.append(f"{self.w}[b, {p}_k] = {p}_new_w")
        return lines

    def trace_update(self, event: str, index: str) -> list:
        """Call ``pre_spike``/``post_spike`` for neuron ``index`` and store the traces it updates."""
        fn, p = self.fns[event], self.p
        lines = [f"{p}_tr_{x} = {self.trace[x]}[b, {index}]" for x in fn.arg_names if x in self.trace]
        outs = [f"{p}_tr_{x}" for x in fn.updates]
        lines.append(f"{', '.join(outs)} = {self.call(event)}")
        return lines + [f"{self.trace[x]}[b, {index}] = {p}_tr_{x}" for x in fn.updates]
