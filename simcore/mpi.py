"""Batch-parallel runs on MPI ranks: every rank runs one contiguous block of the batch's samples.

Samples are independent (docs/contract.md §5), so a batch of ``B`` samples splits across ``R`` ranks without
any exchange during the run: rank ``r`` builds the same network (same seed, so the same connectivity and
parameters) for samples ``r*B//R ... (r+1)*B//R - 1`` and draws their random streams as those global samples
(``Network.build(sample_offset=...)``). At the end rank 0 gathers what every monitor recorded and merges it in
sample order; the merged spikes equal those of one process running the whole batch, bit for bit.

    from simcore.mpi import run_batch_parallel
    results = run_batch_parallel(build, 1000.0, batch_size=64, seed=1)   # mpiexec -n 4 python script.py
    if results is not None:                                              # rank 0
        spikes = results["spikes"]          # {"steps", "neurons", "samples", "polarity"}, samples global

``build(samples)`` returns an unbuilt :class:`~simcore.network.Network`; ``samples`` is the rank's ``range`` of
global sample indices (slice per-sample arrays, such as ``(T, B, N)`` inputs, with it; a ``build()`` without a
parameter is called without it). Monitors must record every sample (no ``samples=`` selection), and plastic
weights must be per sample (``batch='per_sample'``): shared weights couple the samples.

Failures: an exception on any rank (in ``build`` or the run) is reported to every rank, and each raises
:class:`RankFailed` naming the ranks and their errors, so no rank waits forever for another. A rank that dies
(a signal, ``os._exit``) ends the job: ``mpiexec`` (MPICH's hydra) kills the other ranks. A rank that hangs
hangs the job; ``mpiexec -timeout SECONDS`` (or ``MPIEXEC_TIMEOUT``) bounds it.

One network split across ranks by target blocks, spikes exchanged every ``d_min`` steps, is
:mod:`simcore.ranks` (docs/scaling.md).

Data-parallel BPTT (the dense mode, :mod:`simcore.grad`): every rank holds the same model and optimiser and
runs the forward and backward passes on its block of a global batch; the gradients are summed over the ranks
so that every rank applies the update of one process training on the whole batch::

    from simcore.mpi import DataParallel, train_data_parallel
    dp = DataParallel(model, Adam(model.parameters(), lr=1e-3))   # rank 0's parameters sent to every rank
    r = dp.train_step(x, labels, mask=mask, clip_norm=1.0)       # x (T, B, n_in): the global batch
    history = train_data_parallel(model, opt, batches, epochs=3)  # simcore.grad.fit over the ranks

The loss of every built-in loss (and of the ``branching_factor`` regulariser) is a mean over samples,
``L = (1/B) sum_b l_b = sum_r w_r L_r`` with ``L_r`` the mean over rank ``r``'s ``B_r`` samples and
``w_r = B_r / B``. The backward pass is linear in ``dL/dy`` and ``dL/dn``, so rank ``r`` scales its ``dL_r/dy``
(and ``dL_r/dn``) by ``w_r`` and its backward pass gives ``g_r = w_r dL_r/dtheta``; then
``dL/dtheta = sum_r g_r``. The ``firing_rate`` regulariser is not a mean over samples (it squares the mean
rate): the ranks add their spike counts first and each computes the global rate. The sum over ranks is taken
in rank order ``0, 1, ..., R-1`` in float64 on every rank (an allgather, not an MPI reduction, whose order MPI
leaves open), so all ranks hold the same bits and, after the same optimiser step, the same parameters
(:meth:`DataParallel.check_parameters` compares their digests). One rank (``R = 1``) gives the bits of
:func:`simcore.grad.train_step`; more ranks add the samples' contributions in another order, so the loss curve
equals one process to rounding (about 1e-15 relative per step in float64), not bit for bit. When the ranks
fill the cores, give each one thread (``NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 mpiexec -n R ...``): the
kernels' own threads would oversubscribe them.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import secrets

import numpy as np

from simcore.base.errors import check_int
from simcore.grad.losses import firing_rate_from_counts
from simcore.grad.optim import clip_grad_norm, global_norm
from simcore.grad.train import _loss, fit
from simcore.network import Network

#: the arrays of a spike monitor's results (monitors.spike.SpikeBlock), merged by (step, sample, neuron)
SPIKE_FIELDS = ("steps", "neurons", "samples", "polarity")
#: batch modes of plastic projections whose weights are one array for all samples (synapses.model.BATCH_MODES)
SHARED_WEIGHTS = ("mean", "sum")


class RankFailed(RuntimeError):
    """A batch-parallel run failed on one or more ranks; ``errors`` maps each failed rank to its error text."""

    def __init__(self, errors: dict):
        self.errors = dict(errors)
        text = "; ".join(f"rank {r}: {e}" for r, e in sorted(self.errors.items()))
        super().__init__(f"batch-parallel run failed on {len(self.errors)} rank(s): {text}")


def sample_blocks(batch_size: int, ranks: int) -> list[range]:
    """The contiguous sample block of each rank: rank ``r`` gets ``range(r*B//R, (r+1)*B//R)``.

    Raises ``ValueError`` when there are more ranks than samples (a rank would have nothing to run).
    """
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    ranks = check_int(ranks, "ranks", minimum=1)
    if ranks > batch_size:
        raise ValueError(
            f"batch-parallel run on {ranks} MPI ranks needs batch_size >= {ranks} (one sample per rank "
            f"at least); got batch_size={batch_size}: use fewer ranks or a larger batch"
        )
    return [range(r * batch_size // ranks, (r + 1) * batch_size // ranks) for r in range(ranks)]


def merge_results(blocks: list) -> dict:
    """Merge ``[(first_sample, {monitor: results}), ...]`` of the ranks into one ``{monitor: results}``.

    Spike monitors (results with ``samples``): sample indices made global, then every spike ordered by
    (step, sample, neuron) as one process orders them. Other monitors (state, rate): ``steps`` are the same on
    every rank; every other array has the samples on axis 1 (``(rows, B, ...)``) and is joined along it.
    """
    blocks = sorted(blocks, key=lambda blk: blk[0])
    names = list(blocks[0][1])
    merged = {}
    for name in names:
        parts = [(first, res[name]) for first, res in blocks]
        if all(not res for _, res in parts):
            merged[name] = {}
        elif "samples" in parts[0][1]:
            merged[name] = _merge_spikes(parts)
        else:
            merged[name] = _merge_sample_axis(name, parts)
    return merged


def _merge_spikes(parts: list) -> dict:
    cols = {f: np.concatenate([np.asarray(res[f]) for _, res in parts]) for f in SPIKE_FIELDS}
    cols["samples"] = np.concatenate([np.asarray(res["samples"]) + first for first, res in parts])
    order = np.lexsort((cols["neurons"], cols["samples"], cols["steps"]))
    return {f: cols[f][order] for f in SPIKE_FIELDS}


def _merge_sample_axis(name: str, parts: list) -> dict:
    out = {}
    for key in parts[0][1]:
        arrays = [np.asarray(res[key]) for _, res in parts]
        if key == "steps":
            if any(not np.array_equal(a, arrays[0]) for a in arrays[1:]):
                raise ValueError(f"monitor {name!r} recorded different steps on different ranks")
            out[key] = arrays[0]
        elif arrays[0].ndim >= 2:
            out[key] = np.concatenate(arrays, axis=1)
        else:
            raise ValueError(
                f"cannot merge {key!r} of monitor {name!r} across ranks: it has no sample axis "
                f"(shape {arrays[0].shape})"
            )
    return out


def run_batch_parallel(
    build_fn,
    duration: float | None = None,
    *,
    steps: int | None = None,
    batch_size: int,
    seed: int | None = None,
    dt: float = 0.1,
    dtype="float64",
    threads: int | None = None,
    chunk_steps: int | None = None,
    comm=None,
):
    """Run ``batch_size`` samples of the network ``build_fn`` makes, a block of them on each MPI rank.

    Every rank calls this with the same arguments. Returns, on rank 0, ``{monitor name: results}`` merged over
    all samples (see :func:`merge_results`), and ``None`` on the other ranks. ``threads`` is each rank's
    thread count (see :meth:`Network.run`). Bad input (more ranks than samples) raises ``ValueError`` on every
    rank before anything is built; an error on any rank raises :class:`RankFailed` on every rank.
    """
    comm = _world(comm)
    rank, size = comm.Get_rank(), comm.Get_size()
    blocks = sample_blocks(batch_size, size)  # the same ValueError on every rank, before any communication
    if not callable(build_fn):
        raise TypeError(f"build_fn must be callable (it returns an unbuilt Network); got {build_fn!r}")
    if seed is None:  # one seed for all ranks, or they would build different networks
        seed = comm.bcast(secrets.randbits(32) if rank == 0 else None, root=0)
    mine = blocks[rank]

    results, error = None, None
    try:
        net = _build(build_fn, mine)
        net.build(
            batch_size=len(mine), dt=dt, seed=seed, dtype=dtype, chunk_steps=chunk_steps, sample_offset=mine.start
        )
        net.run(duration, steps=steps, threads=threads)
        results = {m.name: m.export_results() for m in net.monitors}
    except Exception as exc:  # reported to every rank below, so that none waits for this one
        error = f"{type(exc).__name__}: {exc}"
    _raise_any(comm.allgather(error))
    gathered = comm.gather((mine.start, results), root=0)
    return merge_results(gathered) if rank == 0 else None


def _world(comm):
    """``comm``, or MPI's ``COMM_WORLD`` when ``None``."""
    if comm is not None:
        return comm
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError("simcore.mpi needs mpi4py and an MPI library: pip install 'spikesim[mpi]'") from exc
    return MPI.COMM_WORLD


def _raise_any(errors: list) -> None:
    """Raise :class:`RankFailed` when an entry of ``errors`` (one per rank, ``None`` for success) is set."""
    failed = {r: e for r, e in enumerate(errors) if e is not None}
    if failed:
        raise RankFailed(failed)


def _build(build_fn, samples: range) -> Network:
    takes_samples = bool(inspect.signature(build_fn).parameters)
    net = build_fn(samples) if takes_samples else build_fn()
    if not isinstance(net, Network):
        raise TypeError(f"build_fn must return a Network; got {type(net).__name__}")
    if net.ctx is not None:
        raise ValueError("build_fn must return an unbuilt Network (run_batch_parallel builds it for this rank)")
    selected = [m.name for m in net.monitors if getattr(m, "samples_arg", None) is not None]
    if selected:
        raise ValueError(
            f"monitors {selected} select samples; in a batch-parallel run every monitor records "
            "every sample (select samples in the merged results instead)"
        )
    shared = [p.name for p in net.projections if getattr(p, "batch", None) in SHARED_WEIGHTS]
    if shared:
        raise ValueError(
            f"projections {shared} share plastic weights across the batch (batch='mean' or 'sum'), "
            "which couples the samples; a batch-parallel run needs batch='per_sample'"
        )
    return net


# ----------------------------------------------------------------------------------------------------------------
# Data-parallel BPTT (simcore.grad): one model per rank, the batch split, the gradients summed in rank order


def slice_batch(x, target, samples: range):
    """Rank ``samples`` of a global batch: ``x[:, samples]`` and the target's sample axis.

    ``target`` holds labels ``(B,)`` (sample axis 0) or a time-major array ``(T, B, ...)`` (labels per step of
    ``sequence_cross_entropy``, targets of ``mse``: sample axis 1).
    """
    x = np.asarray(x)
    target = np.asarray(target)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (T, B, n_in) (time-major); got {x.shape}")
    B = x.shape[1]
    axis = 0 if target.ndim == 1 else 1
    if target.ndim == 0 or target.shape[axis] != B:
        raise ValueError(
            f"target must hold the batch of x (B = {B}) on its sample axis: labels (B,) or (T, B, ...); "
            f"got shape {target.shape}"
        )
    cut = slice(samples.start, samples.stop)
    return x[:, cut], (target[cut] if axis == 0 else target[:, cut])


def allreduce_gradients(grads: dict, comm=None) -> dict:
    """``sum_r grads_r`` over the ranks of ``comm``, added in rank order in float64, the same bits on every rank.

    ``grads`` maps names to arrays (the same names, shapes and dtypes on every rank, as ``SNN.backward``
    returns them); the sums come back in each array's dtype. One ``Allgather`` of all arrays packed into one
    float64 vector: ``R * P * 8`` bytes received per rank for ``P`` gradient entries.
    """
    comm = _world(comm)
    names = sorted(grads)
    sums = _sum_in_rank_order(comm, _pack([grads[k] for k in names]))
    return _unpack(sums, names, grads)


def _pack(arrays) -> np.ndarray:
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays]) if arrays else np.zeros(0)


def _unpack(flat: np.ndarray, names: list, like: dict) -> dict:
    out, at = {}, 0
    for k in names:
        ref = np.asarray(like[k])
        out[k] = flat[at : at + ref.size].reshape(ref.shape).astype(ref.dtype)
        at += ref.size
    return out


def _sum_in_rank_order(comm, local: np.ndarray) -> np.ndarray:
    """Every rank's ``local`` (float64, the same length on all) gathered, then added rank 0 first."""
    rows = np.empty((comm.Get_size(), local.size), np.float64)
    comm.Allgather(np.ascontiguousarray(local, dtype=np.float64), rows)
    total = rows[0].copy()
    for row in rows[1:]:
        total += row
    return total


def _rate_counts(n: np.ndarray, r_target) -> np.ndarray:
    """Spike counts ``sum_{t, b} n[t, b, i]`` (float64) of a ``firing_rate`` regulariser, its target checked."""
    rt = np.asarray(r_target, dtype=np.float64)
    if rt.ndim not in (0, 1) or (rt.ndim == 1 and rt.shape != (n.shape[2],)):
        raise ValueError(f"r_target must be a scalar or have shape ({n.shape[2]},); got {rt.shape}")
    return n.sum(axis=(0, 1), dtype=np.float64)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def parameters_digest(model) -> str:
    """SHA-256 of the learnable parameters of ``model`` (names, shapes, dtypes and bytes, in name order)."""
    h = hashlib.sha256()
    params = model.parameters()
    for k in sorted(params):
        p = np.ascontiguousarray(params[k])
        h.update(f"{k}{p.shape}{p.dtype.str}".encode())
        h.update(p.tobytes())
    return h.hexdigest()


class DataParallel:
    """Train one :class:`simcore.grad.SNN` on ``R`` MPI ranks, each rank on a block of every batch.

    Every rank builds the same model and optimiser (same arguments) and wraps them; the wrapper checks that
    the ranks agree on the learnable parameters (names, shapes, dtypes; ``ValueError`` on every rank if not)
    and copies rank 0's values to all (``broadcast=True``), so the ranks start from the same point.

    :meth:`train_step` takes the *global* batch on every rank and works on the rank's block
    ``sample_blocks(B, R)[rank]``: forward, loss and regularisers weighted by ``w_r = B_r / B``, backward,
    the gradients summed over ranks in rank order (:func:`allreduce_gradients`), clipping, the optimiser step
    and the clamping of time constants, the same on every rank. The result equals
    :func:`simcore.grad.train_step` on the whole batch up to the order of the additions over samples (see the
    module docstring). An exception on any rank raises :class:`RankFailed` on every rank.

    Parameters
    ----------
    model : simcore.grad.SNN
    optimizer : SGD, Adam or MADGRAD over ``model.parameters()``
    comm : mpi4py communicator, optional (``COMM_WORLD``)
    broadcast : bool
        Copy rank 0's parameter values to every rank first (default ``True``).
    """

    def __init__(self, model, optimizer, *, comm=None, broadcast=True):
        if not hasattr(model, "parameters") or not hasattr(model, "backward"):
            raise TypeError(f"model must be a simcore.grad.SNN; got {type(model).__name__}")
        if getattr(optimizer, "params", None) is None or not hasattr(optimizer, "step"):
            raise TypeError(f"optimizer must be a simcore.grad optimiser (SGD, Adam, MADGRAD); got {optimizer!r}")
        self.model, self.optimizer, self.comm = model, optimizer, _world(comm)
        self.rank, self.ranks = self.comm.Get_rank(), self.comm.Get_size()
        params = model.parameters()
        self.names = sorted(params)
        layout = [(k, params[k].shape, params[k].dtype.str) for k in self.names]
        layouts = self.comm.allgather(layout)
        differ = [r for r, lay in enumerate(layouts) if lay != layouts[0]]
        if differ:
            raise ValueError(
                f"ranks {differ} hold learnable parameters other than rank 0's {layouts[0]} "
                "(names, shapes, dtypes): build the same model on every rank"
            )
        if broadcast:
            self.broadcast_parameters()

    def broadcast_parameters(self) -> None:
        """Copy rank 0's learnable parameter values into every rank's arrays (in place)."""
        params = self.model.parameters()
        for k in self.names:
            p = params[k]
            buf = np.ascontiguousarray(p)
            self.comm.Bcast(buf, root=0)
            if buf is not p:
                p[...] = buf

    def check_parameters(self) -> str:
        """The parameters' digest, the same on every rank; :class:`RankFailed` on every rank if one differs."""
        digests = self.comm.allgather(parameters_digest(self.model))
        _raise_any(
            [
                None if d == digests[0] else f"parameters differ from rank 0's (digest {d[:12]} vs {digests[0][:12]})"
                for d in digests
            ]
        )
        return digests[0]

    def train_step(self, x, target, *, loss="cross_entropy", mask=None, regularizers=(), clip_norm=None) -> dict:
        """One data-parallel optimisation step on the global batch ``x`` ``(T, B, n_in)``, ``target``.

        Options as :func:`simcore.grad.train_step`; a callable ``loss`` must be a mean over samples (its
        value and ``dL/dy`` are weighted by ``B_r / B``). Returns ``loss``, ``task_loss`` and ``grad_norm`` of
        the whole batch (the same on every rank), the rank's ``tape`` and its ``samples`` (a ``range``).
        """
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError(f"x must have shape (T, B, n_in) (time-major); got {x.shape}")
        B = x.shape[1]
        mine = sample_blocks(B, self.ranks)[self.rank]
        regularizers = list(regularizers)
        tape, task, gy, totals = self._forward(x, target, mine, loss, mask, regularizers)
        flat = error = None
        try:
            flat, rate_values = self._local_gradients(tape, task, gy, regularizers, totals, len(mine) / B, B)
        except Exception as exc:  # every rank learns of it in the exchange below
            error = _error_text(exc)
        _raise_any(self.comm.allgather(error))
        return self._apply(_sum_in_rank_order(self.comm, flat), rate_values, clip_norm, tape, mine)

    def _forward(self, x, target, mine, loss, mask, regularizers):
        """Forward pass and loss on this rank's samples; then one exchange of errors, batch shapes and the
        spike counts of ``firing_rate`` regularisers (summed in rank order: the whole batch's counts)."""
        rate_regs = [r for r in regularizers if r.kind == "firing_rate"]
        tape = task = gy = error = None
        counts = []
        try:
            xs, ts = slice_batch(x, target, mine)
            tape = self.model.forward(xs)
            task, gy = _loss(tape, ts, loss, mask)
            counts = [_rate_counts(tape.spikes(r.layer), r.r_target) for r in rate_regs]
        except Exception as exc:  # every rank learns of it in the exchange below
            error = _error_text(exc)
        shared = self.comm.allgather((error, x.shape, counts))
        first = shared[0][1]
        _raise_any([e if e is not None or s == first else f"batch shape {s} != rank 0's {first}" for e, s, _ in shared])
        totals = [sum((c[i] for _, _, c in shared[1:]), shared[0][2][i].copy()) for i in range(len(rate_regs))]
        return tape, task, gy, totals

    def _local_gradients(self, tape, task, gy, regularizers, rate_totals, w, B):
        """This rank's weighted gradients and loss parts, packed: ``[grads..., task, reg_0, reg_1, ...]``."""
        T = tape.x.shape[0]
        dtype = gy.dtype
        gy = gy * dtype.type(w) if w != 1.0 else gy
        parts, rate_values, g_ev, totals = [task * w], {}, {}, iter(rate_totals)
        for i, r in enumerate(regularizers):
            if r.kind == "firing_rate":  # a function of the whole batch's rate: computed from the summed counts
                n = tape.spikes(r.layer)
                v, g = firing_rate_from_counts(next(totals), T, B, np.asarray(r.r_target, np.float64), n.shape, n.dtype)
                v, g = r.weight * v, g * g.dtype.type(r.weight)
                rate_values[i] = v
                parts.append(0.0)
            else:
                v, g = r(tape)
                parts.append(v * w)
                g = g * g.dtype.type(w) if w != 1.0 else g
            g_ev[r.layer] = g if r.layer not in g_ev else g_ev[r.layer] + g
        grads = self.model.backward(tape, gy, g_ev)
        if sorted(grads) != self.names:
            raise ValueError(f"the backward pass gave gradients {sorted(grads)}; expected {self.names}")
        return _pack([grads[k] for k in self.names] + [np.asarray(parts)]), rate_values

    def _apply(self, flat, rate_values, clip_norm, tape, mine):
        params = self.model.parameters()
        n_grad = sum(params[k].size for k in self.names)
        grads = _unpack(flat[:n_grad], self.names, params)
        parts = flat[n_grad:]
        task = float(parts[0])
        total = task
        for i, v in enumerate(parts[1:]):
            total += rate_values.get(i, float(v))
        norm = clip_grad_norm(grads, clip_norm) if clip_norm is not None else global_norm(grads)
        if not math.isfinite(total) or not math.isfinite(norm):  # the same values on every rank: all raise
            raise FloatingPointError(f"loss {total} or gradient norm {norm} is not finite")
        self.optimizer.step(grads)
        self.model.clamp_time_constants()
        return {"loss": total, "task_loss": task, "grad_norm": norm, "tape": tape, "samples": mine}


def train_data_parallel(model, optimizer, batches, *, comm=None, progress=True, **options):
    """:func:`simcore.grad.fit` with every batch split over the MPI ranks (:class:`DataParallel`).

    Every rank passes the same global ``batches``; the history (means over each epoch's batches of the
    whole-batch loss) is the same on every rank. Only rank 0 shows progress. ``options``: ``epochs``,
    ``loss``, ``mask``, ``regularizers``, ``clip_norm``, ``callback`` as :func:`simcore.grad.fit`.
    """
    dp = DataParallel(model, optimizer, comm=comm)
    return fit(model, optimizer, batches, progress=progress and dp.rank == 0, step=dp.train_step, **options)
