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

Neuron shards across ranks (one network split by target blocks, spikes exchanged every ``d_min`` steps) are
not implemented: see docs/scaling.md.
"""

from __future__ import annotations

import inspect
import secrets

import numpy as np

from simcore.base.errors import check_int
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
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError("simcore.mpi needs mpi4py and an MPI library: pip install 'spikesim[mpi]'") from exc
    comm = MPI.COMM_WORLD if comm is None else comm
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
    errors = {r: e for r, e in enumerate(comm.allgather(error)) if e is not None}
    if errors:
        raise RankFailed(errors)
    gathered = comm.gather((mine.start, results), root=0)
    return merge_results(gathered) if rank == 0 else None


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
