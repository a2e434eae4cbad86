"""Projections: sparse CSR synapses from one population to a receptor of another.

Weights are stored over sources (``indptr`` int64, ``indices`` uint32 while
targets fit, ``weights`` in the run dtype): 8 bytes per synapse in float32.
Each source has one delay for all its synapses of the projection; spikes wait
in the projection's :class:`~synapses.delays.DelayQueue` (docs/contract.md §2).
A projection is a :class:`~simcore.base.component.Component`: it delivers in
phase 2 and enters its source's spikes into its queue in phase 5.
"""

from __future__ import annotations

import numpy as np

from simcore.base import random as rnd
from simcore.base.component import Component
from simcore.base.context import BuildContext
from simcore.base.distributions import Distribution
from simcore.base.errors import as_float_array, check_finite, check_memory, check_name
from simcore.base.parts import current_part
from simcore.base.subgroup import expand, split
from .connectors import Connector
from . import delays as delays_module
from .delays import (
    AccumulationRing,
    DelayGroups,
    DelayQueue,
    check_delay_arguments,
    delay_layout,
    delays_to_steps,
    queue_bytes,
)
from .model import SynapseModel, Static, check_batch
from .part import connect_part, finish_part, synapse_delay_steps, target_delay_range
from .plastic import SynapseArrays, SynapseCode
from .kernels.build import transpose_csr
from .kernels.queue import (
    direct_deliver,
    queue_clear_shards,
    queue_deliver,
    queue_deliver_shard,
    queue_deliver_shared,
    queue_deliver_shared_shard,
    queue_emit,
    ring_count,
    ring_deliver,
    ring_deliver_range,
    ring_emit,
    ring_emit_shard,
    ring_emit_shared,
    ring_emit_groups,
    ring_emit_groups_shared,
    ring_deliver_listed,
    ring_sweep_all,
)
from simcore.base.shards import NotShardable, ShardedCSR, bounds


def resolve_receptor(post, receptor) -> str:
    """The receptor name a projection or stimulus targets on ``post``."""
    names = post.receptor_names()
    if receptor is None:
        if len(names) == 1:
            return names[0]
        raise ValueError(f"{post.model} {post.name!r} has receptors {names}; name one with receptor=...")
    if receptor not in names:
        raise ValueError(f"unknown receptor {receptor!r} of {post.model} {post.name!r}; choose from {names}")
    return receptor


class Projection(Component):
    """Synapses ``pre -> post`` made by ``connector``; built when the network is built."""

    role = "projection"
    emit_order = 2

    def __init__(
        self,
        pre,
        post,
        connector: Connector,
        *,
        weight=None,
        delay=None,
        delay_steps=None,
        delay_per: str | None = None,
        receptor=None,
        synapse: SynapseModel | None = None,
        batch: str | None = None,
        every: int = 1,
        modulator=None,
        name=None,
    ):
        if not isinstance(connector, Connector):
            raise TypeError(f"connector must be a Connector (e.g. Bernoulli(0.1)); got {connector!r}")
        synapse = Static() if synapse is None else synapse
        if not isinstance(synapse, SynapseModel):
            raise TypeError(f"synapse must be a SynapseModel (e.g. sc.STDP(...)); got {synapse!r}")
        self.synapse = synapse
        #: the populations, and the indices of the subgroups connected (None: all neurons)
        (pre, self.pre_view), (post, self.post_view) = split(pre), split(post)
        self.batch, self.every = check_batch(synapse, batch, every, name or "(unnamed)")
        self.modulator_arg = None if modulator is None else _check_modulator(modulator)
        if modulator is None and any("modulator" in fn.arg_names for fn in synapse.events().values()):
            raise ValueError(
                f"{synapse.model} reads 'modulator': give the projection modulator= an array (T,) "
                "or (T, B), e.g. a reward signal"
            )
        if not pre.spiking:
            raise ValueError(f"{pre.model} {pre.name!r} does not spike and cannot be a projection's source")
        if connector.has_weights and weight is not None:
            raise ValueError(f"{type(connector).__name__} carries its own weights; do not also pass weight")
        if weight is None and not connector.has_weights:
            weight = 1.0
        if weight is not None and not isinstance(weight, Distribution):
            check_finite(as_float_array(weight, "weight"), "weight")
        self.pre, self.post, self.connector = pre, post, connector
        self.receptor = resolve_receptor(post, receptor)
        self.weight, self.delay, self.delay_steps_arg = weight, delay, delay_steps
        #: no delay: the spike of step t reaches the target in the same step (docs/contract.md §2)
        self.zero_delay = _is_zero(delay_steps) or _is_zero(delay)
        if self.zero_delay:
            if synapse.__class__ is not Static:
                raise ValueError(
                    f"projection {name!r}: a zero-delay projection has static synapses (a stateful "
                    f"synapse runs at arrival, one step or more after the spike); got {synapse.model}"
                )
            if delay_per not in (None, "source"):
                raise ValueError(f"a zero delay is one delay for the whole projection; got delay_per={delay_per!r}")
        else:
            check_delay_arguments(delay, delay_steps)  # values now; their count at build
        if delay_per is not None:
            delay_layout(delay, delay_steps, delay_per, {})
        self.delay_per = delay_per
        self.name = None if name is None else check_name(name)
        #: a WeightMonitor reads the weights every step (set by the monitor; no deferred potentiation)
        self.weights_watched = False
        self.built = False
        #: a rank's part only (synapses.part.PartInfo: what the whole network has), else None
        self.part = None

    # ----- the component protocol (simcore.base.component)
    def name_prefix(self) -> str:
        return "projection_"

    def members(self) -> tuple:
        return (self.pre, self.post)

    def reset_state(self, ctx) -> None:
        (self.queue or self.ring).clear()
        if self.syn is not None:
            self.syn.reset(self, self.initial_weights)

    def state_arrays(self) -> dict:
        if not self.built:
            return {}
        if self.ring is not None:  # not its lists: import_state sweeps every slot once instead
            return {"ring": self.ring.ring, "delivered": self.ring.delivered}
        q = self.queue
        out = {"q_src": q.q_src, "q_val": q.q_val, "q_cnt": q.q_cnt, "delivered": q.delivered}
        if self.syn is not None:
            out.update(self.syn.run_state())
        return out

    def import_state(self, state: dict) -> None:
        """Restore the run state; a ring's slots are swept once (their lists of groups are not saved)."""
        super().import_state(state)
        if self.ring is not None:
            self.ring.fill[..., 0] = -1
            self.ring.fill[..., 1] = 0

    def restored(self, step: int) -> None:
        """Deferred potentiation's windows and logs, rebuilt at ``step`` (they are not in the state)."""
        if self.syn is not None and self.syn.deferred is not None:
            self.syn.deferred.restart(step, self.syn.pre, self.syn.decays)

    def finish_run(self) -> None:
        """Apply the weight updates still pending at the end of a run (``every > 1``, docs/contract.md §3.7)."""
        if self.syn is not None and self.syn.dw is not None:
            self.syn.apply_pending(self.batch, self.synapse)

    def kernel_stale(self) -> bool:
        """Whether the kernel holds something the user changed since (a uniform weight kept as a scalar)."""
        gathered = getattr(self, "_emitted_gathered", None)
        if gathered is not None and not np.array_equal(gathered, self._sharded[1].gather(self._weights_array)):
            return True
        grouped = getattr(self, "_emitted_grouped", None)
        if grouped is not None and not np.array_equal(grouped, self._weights_array[self._ring_cache[1].order]):
            return True
        shared = getattr(self, "_emitted_scalar", None)
        if shared is None:
            return False
        w = self._weights_array
        return not (w.size and np.all(w == shared))

    @property
    def nbytes(self) -> int:
        if not self.built:
            return 0
        own = self.indptr.nbytes + self.indices.nbytes + self._weights_array.nbytes + (self.queue or self.ring).nbytes
        return own + (0 if self.syn is None else sum(a.nbytes for a in self.syn.run_state().values()))

    def schedule(self) -> dict:
        text = f"{self.name}: {self.pre.name} -> {self.post.name}:{self.receptor}"
        return {"deliver": [f"queue {text}"], "emit": [f"queue {text}"]}

    def runs_after(self) -> tuple:
        """``(source, target)`` when the target's step must follow the source's within a step (zero delay)."""
        return ((self.pre, self.post),) if self.zero_delay else ()

    def emit_direct(self, kb) -> None:
        """Zero delay: this step's spikes go into the target's receptor right after the source's pass."""
        if kb.shards > 1:
            raise NotShardable(f"projection {self.name!r} has no delay (its target waits for its source)")
        p, spikes = kb.unique(f"proj_{self.name}"), self.pre.runtime
        args = ", ".join(
            [
                *spikes.spike_list_args(kb, p),
                kb.arg(self.indptr, f"{p}_indptr"),
                kb.arg(self.indices, f"{p}_indices"),
                kb.arg(self._weights_array, f"{p}_weights"),
                kb.arg(self.post.runtime.receptors[self.receptor], f"{p}_target"),
                kb.arg(self.queue.delivered, f"{p}_delivered"),
            ]
        )
        kb.add(
            "neurons",
            f"{kb.func(direct_deliver, 'direct_deliver')}(b, {args})",
            comment=f"projection {self.name!r}: zero delay, {self.pre.name} -> {self.post.name}",
        )
        self._emitted_scalar = None

    def emit(self, kb) -> None:
        self._emitted_gathered = self._emitted_grouped = None
        if self.zero_delay:
            self.emit_direct(kb)
            return
        if kb.shards > 1:
            self.emit_sharded(kb)
        elif self.syn is not None:
            SynapseCode(self, self.syn, kb).emit()
        elif self.ring is not None:
            self.emit_ring(kb)
        else:
            self.emit_deliver(kb)
            self.emit_emit(kb)

    def emit_ring(self, kb) -> None:
        """Per-synapse delays: weighted input enters the ring at emission, leaves it in phase 2.

        Rows whose synapses fall into few delay groups (at least
        ``RING_GROUP_MIN`` synapses per group on average, e.g. one delay per
        row) are emitted group by group and delivered through each slot's
        list of groups (:func:`~synapses.kernels.queue.ring_deliver_listed`);
        others synapse by synapse, with a sweep of every target per step.
        Both sum the same terms in the same order.
        """
        p, r, spikes = kb.unique(f"proj_{self.name}"), self.ring, self.pre.runtime
        groups, indices, weights = self._ring_groups()
        ring = kb.arg(r.ring, f"{p}_ring")
        target = kb.arg(self.post.runtime.receptors[self.receptor], f"{p}_target")
        src = spikes.spike_list_args(kb, p)
        emitted = kb.arg(r.delivered, f"{p}_emitted")
        if groups is None:
            kb.add("deliver", f"{kb.func(ring_deliver, 'ring_deliver')}(b, t, {ring}, {target})")
            w = self._weight_argument(kb, p, weights)
            args = [kb.arg(self.indptr, f"{p}_indptr"), kb.arg(indices, f"{p}_indices"), w]
            args += [kb.arg(r.delays, f"{p}_delays"), ring, emitted]
            fn = ring_emit if self._emitted_scalar is None else ring_emit_shared
            kb.add("emit", f"{kb.func(fn, fn.__name__)}(b, t, {', '.join(src + args)})")
            return
        fill, entries = kb.arg(r.fill, f"{p}_fill"), kb.arg(r.entries, f"{p}_entries")
        bounds, indices = kb.arg(groups.bounds, f"{p}_group_bounds"), kb.arg(indices, f"{p}_indices")
        deliver = f"(b, t, {ring}, {target}, {fill}, {entries}, {bounds}, {indices})"
        kb.add("deliver", f"{kb.func(ring_deliver_listed, 'ring_deliver_listed')}{deliver}")
        args = [kb.arg(groups.ptr, f"{p}_group_row"), bounds, kb.arg(groups.delay, f"{p}_group_delay"), indices]
        args += [self._weight_argument(kb, p, weights), ring, fill, entries, emitted]
        fn = ring_emit_groups if self._emitted_scalar is None else ring_emit_groups_shared
        kb.add("emit", f"{kb.func(fn, fn.__name__)}(b, t, {', '.join(src + args)})")

    def _ring_groups(self) -> tuple:
        """``(DelayGroups or None, indices, weights)`` of the ring's emission (:meth:`emit_ring`).

        With groups, each row's synapses sorted by delay: the projection's
        own arrays when every row already is, else copies in group order
        (``kernel_stale`` watches the weights' copy). ``None``: the groups
        are too small, the arrays are the projection's own. Kept while
        ``indptr``, ``indices`` and the delays stay the same objects (a
        rank's build replaces them).
        """
        cached = getattr(self, "_ring_cache", None)
        key = (self.indptr, self.indices, self.ring.delays)
        if cached is None or any(a is not b for a, b in zip(cached[0], key)):
            groups = DelayGroups(self.indptr, self.ring.delays)
            if groups.n * delays_module.RING_GROUP_MIN > self.indices.shape[0]:
                groups = None
            indices = self.indices if groups is None or groups.identity else self.indices[groups.order]
            cached = self._ring_cache = (key, groups, np.ascontiguousarray(indices))
        groups, weights = cached[1], self._weights_array
        uniform = weights.size > 0 and bool(np.all(weights == weights[0]))  # passed as one scalar: no copy
        if groups is not None and not groups.identity and not uniform:
            self._emitted_grouped = np.ascontiguousarray(weights[groups.order])
            weights = self._emitted_grouped
        return groups, cached[2], weights

    def _weight_argument(self, kb, p: str, weights: np.ndarray) -> str:
        """``weights`` as a kernel argument: one scalar when every synapse has the same (``kernel_stale`` watches)."""
        shared = weights.size > 0 and bool(np.all(weights == weights[0]))
        self._emitted_scalar = weights[0] if shared else None
        if shared:
            return kb.arg(weights.dtype.type(weights[0]), f"{p}_weight")
        return kb.arg(weights, f"{p}_weights")

    # ----- build
    def build(self, ctx: BuildContext) -> None:
        """Draw synapses, weights and delays; allocate the delay queue.

        Inside :func:`simcore.base.parts.building_part` a static, delayed projection builds only the synapses
        onto its rank's block of targets (:mod:`synapses.part`); ``part`` then says what the whole network has.
        """
        pre, post = self.pre, self.post
        state = rnd.stream_states(ctx.seed, self.name, rnd.CONNECT, 1)
        rng = rnd.network_generator(ctx.seed, self.name, rnd.CONNECT)
        n_pre, n_post = self._view_size(self.pre, self.pre_view), self._view_size(self.post, self.post_view)
        same = (
            pre is post
            and (self.pre_view is None) == (self.post_view is None)
            and (self.pre_view is None or np.array_equal(self.pre_view, self.post_view))
        )
        where = current_part()
        self.part = None
        if where is not None and self.is_static and not self.zero_delay:
            indptr, indices, w, self.part = connect_part(self, ctx, *where, n_pre, n_post, same, rng, state)
        else:
            indptr, indices, w = self.connector.build(n_pre, n_post, same, rng, state)
        nnz = int(indices.shape[0])
        if w is None:
            w = self._weights(indptr, indices, nnz, rnd.network_generator(ctx.seed, self.name, rnd.WEIGHTS), ctx.dtype)
        indptr, indices = self._to_population(indptr, indices)
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        # unsigned: Numba then skips the negative-index check per synapse (measured 1.2x delivery)
        idx_dtype = np.uint32 if post.n < 2**32 else np.uint64
        if indices.dtype == np.int32 and idx_dtype == np.uint32 and indices.flags.c_contiguous:
            indices = indices.view(np.uint32)  # the same bits (indices are >= 0): no copy at the build's peak
        self.indices = np.ascontiguousarray(indices, dtype=idx_dtype)
        del indices
        self.initial_weights = np.ascontiguousarray(w, dtype=ctx.dtype)
        del w
        self._weights_array = self.initial_weights
        self._build_delays(ctx, nnz)
        if self.part is not None:
            self.part = finish_part(self, self.part)
        if not self.is_static:
            self.synapse.check_weights(self.initial_weights, f"weight of projection {self.name!r}")
        self.syn = None if self.is_static else SynapseArrays.allocate(self, self.initial_weights, ctx)
        self.modulator = None
        if self.modulator_arg is not None:
            m = self.modulator_arg
            if m.shape[1] not in (1, ctx.batch_size):
                raise ValueError(
                    f"modulator of projection {self.name!r} has {m.shape[1]} samples; expected "
                    f"{ctx.batch_size} (batch_size) or shape (T,)"
                )
            self.modulator = np.ascontiguousarray(m, dtype=ctx.dtype)
        self.built = True

    @staticmethod
    def _view_size(pop, view) -> int:
        return pop.n if view is None else int(view.size)

    def _to_population(self, indptr, indices):
        """CSR over a subgroup's neurons -> CSR over the population's (rows and targets mapped; order kept)."""
        if self.post_view is not None:
            indices = self.post_view[indices]
        if self.pre_view is not None:
            counts = np.zeros(self.pre.n, dtype=np.int64)
            counts[self.pre_view] = np.diff(indptr)
            indptr = np.zeros(self.pre.n + 1, dtype=np.int64)
            np.cumsum(counts, out=indptr[1:])
        return indptr, indices

    def _build_delays(self, ctx, nnz: int) -> None:
        """Per-source delays: a queue; per-synapse or per-target delays: an accumulation ring; none for zero."""
        if self.zero_delay:
            self.delay_layout, self.groups, self.ring = "source", None, None
            self.queue = DelayQueue(np.zeros(self.pre.n, dtype=np.int64), ctx.batch_size, ctx.dtype)
            return
        counts = {
            "source": self._view_size(self.pre, self.pre_view),
            "synapse": nnz if self.part is None else self.part.n_synapses,
            "target": self._view_size(self.post, self.post_view),
        }
        self.delay_layout = delay_layout(self.delay, self.delay_steps_arg, self.delay_per, counts)
        rng = rnd.network_generator(ctx.seed, self.name, rnd.DELAYS)
        steps = delays_to_steps(
            self.delay, self.delay_steps_arg, counts[self.delay_layout], ctx.dt, rng, self.delay_layout
        )
        if self.delay_layout != "synapse":  # on the population's neurons (1 step where there is no synapse)
            view, n = (self.pre_view, self.pre.n) if self.delay_layout == "source" else (self.post_view, self.post.n)
            steps = np.maximum(expand(steps, view, n), 1)
        self.groups = None
        if self.delay_layout == "source":
            check_memory(
                queue_bytes(steps.max(), ctx.batch_size, self.pre.n, ctx.dtype),
                f"the delay queue of projection {self.name!r} (longest delay {int(steps.max())} steps)",
            )
            self.queue, self.ring = DelayQueue(steps, ctx.batch_size, ctx.dtype), None
            return
        if self.delay_layout == "target":
            if self.part is not None:
                self.part = self.part._replace(delay_range=target_delay_range(self.part, steps, self.post_view))
            steps = steps[self.indices.astype(np.int64)]
        elif self.part is not None:
            steps, *whole = synapse_delay_steps(self, ctx, self.part)
            self.part = self.part._replace(delay_range=tuple(whole))
        elif (
            self.connector.given_order is not None
            and np.ndim(self.delay_steps_arg if self.delay is None else self.delay) == 1
        ):
            steps = steps[self.connector.given_order]  # listed in the user's synapse order
        if not self.is_static:  # stateful synapses run at arrival: a queue of delay groups, not a ring
            self.groups = DelayGroups(self.indptr, steps)
            check_memory(
                queue_bytes(self.groups.delay.max(initial=1), ctx.batch_size, self.groups.n, ctx.dtype),
                f"the delay-group queue of projection {self.name!r} ({self.groups.n} groups)",
            )
            self.queue, self.ring = DelayQueue(self.groups.delay, ctx.batch_size, ctx.dtype), None
            return
        longest = None if self.part is None else (self.part.delay_range[1] or 1)  # a rank's: the whole's ring
        length = int(steps.max(initial=1) if longest is None else longest) + 1
        check_memory(
            length * ctx.batch_size * self.post.n * np.dtype(ctx.dtype).itemsize,
            f"the accumulation ring of projection {self.name!r} (longest delay {length - 1} steps)",
        )
        self.queue, self.ring = None, AccumulationRing(steps, ctx.batch_size, self.post.n, ctx.dtype, longest)

    @property
    def is_static(self) -> bool:
        """Fixed weights and no synapse state: delivered by the plain queue kernels."""
        return type(self.synapse) is Static

    @property
    def weights(self) -> np.ndarray:
        """The weights now: ``(n_syn,)``, or ``(B, n_syn)`` for plastic synapses with ``batch='per_sample'``.

        Static weights are data: an edit (in place, or a new array of the same
        shape) is honoured by the next run.
        """
        self._require_built()
        if self.syn is None:
            return self._weights_array
        return self.syn.w[0] if self.syn.dw is not None else self.syn.w

    @weights.setter
    def weights(self, value) -> None:
        self._require_built()
        arr = np.ascontiguousarray(value, dtype=self.initial_weights.dtype)
        if arr.shape != self.weights.shape:
            raise ValueError(f"weights of {self.name!r} must have shape {self.weights.shape}; got {arr.shape}")
        check_finite(arr, "weights")
        if not self.is_static:
            self.synapse.check_weights(arr, f"weights of projection {self.name!r}")
        self.weights[...] = arr

    def _weights(self, indptr, indices, nnz, rng, dtype) -> np.ndarray:
        """One weight per synapse; a scalar is filled in the run ``dtype`` at once (the value a float64 array
        cast to ``dtype`` would hold), the other forms in float64."""
        weight = self.weight
        if isinstance(weight, Distribution):
            return weight.sample(rng, nnz)
        arr = as_float_array(weight, "weight")
        if arr.ndim == 0:
            return np.full(nnz, float(arr), dtype=dtype)
        n_pre, n_post = self._view_size(self.pre, self.pre_view), self._view_size(self.post, self.post_view)
        if arr.shape == (n_pre, n_post):
            rows = np.repeat(np.arange(n_pre), np.diff(indptr))
            return arr[rows, indices]
        if arr.shape == (nnz,):  # one per synapse, in the order the user listed them
            order = self.connector.given_order
            return arr if order is None else arr[order]
        raise ValueError(
            f"weight must be a scalar, a Distribution, a ({n_pre}, {n_post}) matrix "
            f"or one value per synapse ({nnz},); got shape {arr.shape}"
        )

    # ----- kernel
    def emit_deliver(self, kb) -> None:
        """Phase 2: spikes due at ``t`` -> the target's receptor buffer."""
        q = self.queue
        p = kb.unique(f"proj_{self.name}")
        weights = self._weights_array
        shared = weights.size > 0 and bool(np.all(weights == weights[0]))
        self._emitted_scalar = weights[0] if shared else None
        if shared:  # one weight for all synapses: a scalar, not a per-synapse load (kernel_stale checks edits)
            fn, w = queue_deliver_shared, kb.arg(weights.dtype.type(weights[0]), f"{p}_weight")
        else:
            fn, w = queue_deliver, kb.arg(weights, f"{p}_weights")
        args = ", ".join(
            [
                *q.ring_args(kb, p),
                kb.arg(self.indptr, f"{p}_indptr"),
                kb.arg(self.indices, f"{p}_indices"),
                w,
                kb.arg(self.post.runtime.receptors[self.receptor], f"{p}_target"),
                kb.arg(q.delivered, f"{p}_delivered"),
            ]
        )
        kb.add("deliver", f"{kb.func(fn, fn.__name__)}(b, t, {args})")

    def emit_emit(self, kb) -> None:
        """Phase 5: the source's spikes of step ``t`` enter the queue."""
        q, pre, p = self.queue, self.pre, kb.unique(f"proj_{self.name}")
        args = ", ".join([*pre.runtime.spike_list_args(kb, p), kb.arg(q.delays, f"{p}_delay"), *q.ring_args(kb, p)])
        kb.add("emit", f"{kb.func(queue_emit, 'queue_emit')}(b, t, {args})")

    # ----- kernel, split by target block (simcore.base.shards, docs/contract.md §6)
    def sharded_csr(self, k: int) -> ShardedCSR:
        """The CSR cut into ``k`` target blocks (kept while ``k`` stays the same)."""
        cached = getattr(self, "_sharded", None)
        if cached is None or cached[0] != k:
            self._sharded = (k, ShardedCSR(self.indptr, self.indices, self.post.n, k))
        return self._sharded[1]

    def emit_sharded(self, kb) -> None:
        """Deliver (and ring emission) per shard; slot emptying, event counts and queue entry serially."""
        if self.syn is not None:
            raise NotShardable(f"projection {self.name!r} has plastic synapses ({self.synapse.model})")
        csr, p = self.sharded_csr(kb.shards), kb.unique(f"proj_{self.name}")
        weights = self._weights_array
        self._emitted_gathered = None if csr.order is None else csr.gather(weights)
        indices = kb.arg(csr.gather(self.indices), f"{p}_indices")
        target = kb.arg(self.post.runtime.receptors[self.receptor], f"{p}_target")
        spikes = self.pre.runtime
        src = ", ".join(spikes.spike_list_args(kb, p))
        if self.ring is not None:
            rows = f"{kb.arg(csr.lo, p + '_lo')}[sh], {kb.arg(csr.hi, p + '_hi')}[sh]"
            self._emit_ring_sharded(kb, p, csr, rows, indices, target, kb.arg(self.indptr, f"{p}_indptr"), src)
            return
        q = self.queue
        queue = ", ".join(q.ring_args(kb, p))
        shared = weights.size > 0 and bool(np.all(weights == weights[0]))
        self._emitted_scalar = weights[0] if shared else None
        if shared:
            fn, w = queue_deliver_shared_shard, kb.arg(weights.dtype.type(weights[0]), f"{p}_weight")
        else:
            fn, w = (
                queue_deliver_shard,
                kb.arg(self._emitted_gathered if csr.order is not None else weights, f"{p}_weights"),
            )
        pairs = kb.arg(csr.pairs, f"{p}_pairs")
        events = kb.arg(np.zeros((q.delivered.shape[0], kb.shards), dtype=np.int64), f"{p}_shard_events")
        kb.add(
            "deliver",
            f"{events}[b, sh] += {kb.func(fn, fn.__name__)}(b, t, {queue}, {pairs}, sh, {indices}, {w}, {target})",
            sharded=True,
        )
        kb.add(
            "gather",
            f"{kb.func(queue_clear_shards, 'queue_clear_shards')}(b, t, {kb.arg(q.q_cnt, p + '_q_cnt')}, {events}, "
            f"{kb.arg(q.delivered, p + '_delivered')})",
        )
        kb.add("emit", f"{kb.func(queue_emit, 'queue_emit')}(b, t, {src}, {kb.arg(q.delays, p + '_delay')}, {queue})")

    def _emit_ring_sharded(self, kb, p, csr, rows, indices, target, indptr, src) -> None:
        """Per-synapse delays: ring delivery per target block, ring emission per shard, events counted serially."""
        r = self.ring
        ring = kb.arg(r.ring, f"{p}_ring")
        limits = kb.arg(bounds(self.post.n, kb.shards), f"{p}_bounds")
        gathered = self._emitted_gathered
        weights = kb.arg(self._weights_array if gathered is None else gathered, f"{p}_weights")
        delays = kb.arg(csr.gather(r.delays), f"{p}_delays")
        kb.add(
            "deliver",
            f"{kb.func(ring_deliver_range, 'ring_deliver_range')}(b, t, {ring}, {target}, "
            f"{limits}[sh], {limits}[sh + 1])",
            sharded=True,
        )
        kb.add(
            "emit_shard",
            f"{kb.func(ring_emit_shard, 'ring_emit_shard')}(b, t, {src}, {rows}, {indices}, "
            f"{weights}, {delays}, {ring})",
            sharded=True,
        )
        spikes = self.pre.runtime
        kb.add("gather", f"{kb.func(ring_sweep_all, 'ring_sweep_all')}(b, {kb.arg(r.fill, p + '_fill')})")
        kb.add(
            "emit",
            f"{kb.func(ring_count, 'ring_count')}(b, {kb.arg(spikes.spike_idx, p + '_src_idx')}, "
            f"{kb.arg(spikes.spike_cnt, p + '_src_cnt')}, {indptr}, {kb.arg(r.delivered, p + '_emitted')})",
        )
        self._emitted_scalar = None

    # ----- inspection
    @property
    def n_synapses(self) -> int:
        self._require_built()
        return int(self.indices.shape[0])

    @property
    def events_delivered(self) -> int:
        """Synaptic events delivered so far, summed over the batch."""
        self._require_built()
        return int((self.queue or self.ring).delivered.sum())

    @property
    def delays(self) -> np.ndarray:
        """Delays in steps: ``(N_pre,)`` per source, or ``(n_syn,)`` per synapse (``delay_layout``)."""
        self._require_built()
        if self.groups is not None:
            return self.groups.delay[self.groups.of_synapse]
        return (self.queue or self.ring).delays

    def to_scipy(self, sample: int = 0):
        """The weights as a ``(N_pre, N_post)`` scipy CSR matrix (of ``sample`` for per-sample weights)."""
        import scipy.sparse as sp  # here, not at import: start-up (issue 16)

        self._require_built()
        w = self.weights if self.weights.ndim == 1 else self.weights[sample]
        return sp.csr_matrix((w, self.indices, self.indptr), shape=(self.pre.n, self.post.n))

    def targets_of(self, i: int) -> np.ndarray:
        self._require_built()
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def sources_per_target(self) -> np.ndarray:
        """In-degree of every target neuron."""
        self._require_built()
        return np.bincount(self.indices, minlength=self.post.n)

    def in_csr(self):
        """CSR over targets (``indptr``, source ``indices``, weights), e.g. for a dense conversion."""
        self._require_built()
        ptr, idx, order = transpose_csr(self.indptr, self.indices, self.post.n)
        return ptr, idx, self.weights[..., order]

    def describe(self) -> dict:
        d = {
            "name": self.name,
            "pre": self.pre.name,
            "post": self.post.name,
            "receptor": self.receptor,
            **self.connector.describe(),
        }
        if not self.is_static:
            d.update(self.synapse.describe(), batch=self.batch, every=self.every)
        if isinstance(self.weight, Distribution):
            d["weight"] = self.weight.describe()
        elif self.weight is not None and np.ndim(self.weight) == 0:
            d["weight"] = float(self.weight)
        if self.built:
            d["n_synapses"] = self.n_synapses if self.part is None else self.part.n_synapses
            lo, hi = (self.delays.min(), self.delays.max()) if self.part is None else self.part.delay_range
            d["delay_steps"] = {"min": int(lo), "max": int(hi)}
        return d

    def _require_built(self):
        if not self.built:
            raise RuntimeError(f"projection {self.name!r} is not built yet: run or build the network first")

    def __repr__(self):
        return f"Projection({self.pre.name!r} -> {self.post.name!r}:{self.receptor}, {type(self.connector).__name__})"


def _check_modulator(modulator) -> np.ndarray:
    """A modulator input ``(T,)`` or ``(T, B)`` of finite numbers, as ``(T, B or 1)``."""
    arr = as_float_array(modulator, "modulator")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 1:
        raise ValueError(f"modulator must have shape (T,) or (T, B) with T >= 1; got shape {np.shape(modulator)}")
    check_finite(arr, "modulator")
    return arr


def _is_zero(value) -> bool:
    """Whether a delay argument is the scalar 0 (a zero-delay projection)."""
    return (
        isinstance(value, (int, float, np.number, np.ndarray))
        and not isinstance(value, (bool, np.bool_))
        and np.ndim(value) == 0
        and np.asarray(value).dtype.kind in "iuf"
        and float(value) == 0.0
    )
