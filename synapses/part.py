"""One rank's part of a projection: the synapses onto its block of targets, drawn without the whole network.

Used while :func:`simcore.base.parts.building_part` is active (a network split over ranks, docs/scaling.md).
The connector draws its rows as an unrestricted build does and keeps only the marked targets
(:meth:`synapses.connectors.Connector.build_part`); per-synapse values (weights or delays drawn from a
distribution, or given as one value per synapse) are drawn in chunks of ``CHUNK`` synapses in the unrestricted
order and only the kept positions are kept, so the values are those of the whole network. The projection
records the whole network's synapse count and delays (:class:`PartInfo`) for ``describe`` and ``d_min``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simcore.base.distributions import Distribution, Exponential, LogNormal, Normal, Uniform
from simcore.base.shards import bounds

#: synapses drawn per chunk of per-synapse values (8 MiB of float64)
CHUNK = 1 << 20
#: distributions whose ``sample(rng, a)`` then ``sample(rng, b)`` equals ``sample(rng, a + b)`` (numpy's
#: Generator draws them value by value; tests/synapses/test_part.py checks it); any other is drawn whole
CHUNKABLE = (Uniform, Normal, LogNormal, Exponential)


class PartInfo(NamedTuple):
    """What a rank's part of a projection knows of the whole: ``rank`` of ``ranks``; the whole network's
    synapse count ``n_synapses``; ``d_min`` (the smallest delay of any of its synapses, ``None`` without
    synapses) and ``delay_range`` (``describe``'s ``(min, max)``, ``None`` where the part's own arrays give
    it: per-source delays)."""

    rank: int
    ranks: int
    n_synapses: int
    d_min: int | None
    delay_range: tuple | None
    positions: np.ndarray | None
    full_out: np.ndarray
    full_in: np.ndarray


def target_mask(proj, rank: int, ranks: int) -> np.ndarray:
    """``(N_post of the view,)`` bool: targets (view indices) whose population neuron is in ``rank``'s block."""
    lo, hi = bounds(proj.post.n, ranks)[rank : rank + 2]
    neurons = np.arange(proj.post.n) if proj.post_view is None else np.asarray(proj.post_view)
    return (neurons >= lo) & (neurons < hi)


def needs_positions(proj) -> bool:
    """Whether the projection draws or takes values per synapse (then kept synapses need their positions)."""
    per_synapse_weight = isinstance(proj.weight, Distribution) or np.ndim(proj.weight) == 1
    delay = proj.delay_steps_arg if proj.delay is None else proj.delay
    per_synapse_delay = proj.delay_per == "synapse" or (not isinstance(delay, Distribution) and np.ndim(delay) == 1)
    return per_synapse_weight or per_synapse_delay


def pick(draw, total: int, positions: np.ndarray, chunk: int = CHUNK):
    """``draw(start, n)`` (the values of synapses ``start ... start + n - 1``, in order) at ``positions``
    (ascending), drawing ``chunk`` at a time; returns ``(picked, min, max)`` of every value drawn."""
    out, lo, hi = [], None, None
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        values = draw(start, n)
        a, b = np.searchsorted(positions, [start, start + n])
        out.append(values[positions[a:b] - start])
        if n:
            lo = values.min() if lo is None else min(lo, values.min())
            hi = values.max() if hi is None else max(hi, values.max())
        del values
    picked = np.concatenate(out) if out else np.zeros(0)
    return picked, lo, hi


def drawer(dist: Distribution, rng, total: int):
    """``draw(start, n)`` for :func:`pick`: ``dist``'s values of synapses ``start ... start + n - 1`` of ``total``,
    chunk by chunk (:data:`CHUNKABLE`), else drawn whole once (another distribution's stream is its own)."""
    if type(dist) in CHUNKABLE:
        return lambda start, n: np.asarray(dist.sample(rng, n), dtype=np.float64)
    whole = []

    def once(start, n):
        if not whole:
            whole.append(np.asarray(dist.sample(rng, total), dtype=np.float64))
        return whole[0][start : start + n]

    return once


def connect_part(proj, ctx, rank: int, ranks: int, n_pre, n_post, same, rng, state):
    """``(indptr, indices, weights, info)`` of ``rank``'s part (view indices, as ``Connector.build``)."""
    keep = target_mask(proj, rank, ranks)
    with_pos = needs_positions(proj)
    part = proj.connector.build_part(n_pre, n_post, same, rng, state, keep, with_pos)
    weights = part.weights
    if weights is None:
        weights = part_weights(proj, ctx, part, n_pre, n_post)
    info = PartInfo(rank, ranks, part.nnz, None, None, part.positions, part.full_out, part.full_in)
    return part.indptr, part.indices, weights, info


def part_weights(proj, ctx, part, n_pre: int, n_post: int) -> np.ndarray:
    """The kept synapses' weights, those of the whole network's :meth:`Projection._weights` (same errors)."""
    from simcore.base import random as rnd
    from simcore.base.errors import as_float_array

    weight, nnz = proj.weight, part.indices.shape[0]
    if isinstance(weight, Distribution):
        rng = rnd.network_generator(ctx.seed, proj.name, rnd.WEIGHTS)
        return pick(drawer(weight, rng, part.nnz), part.nnz, part.positions)[0]
    arr = as_float_array(weight, "weight")
    if arr.ndim == 0:
        return np.full(nnz, float(arr), dtype=ctx.dtype)
    if arr.shape == (n_pre, n_post):
        return arr[np.repeat(np.arange(n_pre), np.diff(part.indptr)), part.indices]
    if arr.shape == (part.nnz,):
        order = proj.connector.given_order
        return (arr if order is None else arr[order])[part.positions]
    raise ValueError(
        f"weight must be a scalar, a Distribution, a ({n_pre}, {n_post}) matrix "
        f"or one value per synapse ({part.nnz},); got shape {np.shape(weight)}"
    )


def synapse_delay_steps(proj, ctx, info: PartInfo):
    """Per-synapse delays of the kept synapses in steps, and ``(min, max)`` over the whole network's synapses
    (``delays_to_steps`` of the whole, its errors included)."""
    from simcore.base import random as rnd
    from .delays import delays_to_steps

    delay, delay_steps, dt, total = proj.delay, proj.delay_steps_arg, ctx.dt, info.n_synapses
    rng = rnd.network_generator(ctx.seed, proj.name, rnd.DELAYS)
    value = delay_steps if delay is None else delay
    if isinstance(value, Distribution):
        draw_ms = drawer(value, rng, total)
        if delay is None:
            raise TypeError(f"delay_steps must be an int or an array of ints; got {value!r}")

        def draw(start, n):
            return delays_to_steps(draw_ms(start, n), None, n, dt, rng, "synapse")

        steps, lo, hi = pick(draw, total, info.positions)
    elif np.ndim(value) == 0:
        one = delays_to_steps(delay, delay_steps, 1, dt, rng, "synapse")
        steps, lo, hi = np.full(info.positions.shape[0], one[0], dtype=np.int64), one[0], one[0]
    else:
        whole = delays_to_steps(delay, delay_steps, total, dt, rng, "synapse")
        if proj.connector.given_order is not None:
            whole = whole[proj.connector.given_order]
        steps = whole[info.positions]
        lo, hi = (whole.min(), whole.max()) if total else (None, None)
    return np.ascontiguousarray(steps, dtype=np.int64), lo, hi


def target_delay_range(info: PartInfo, steps: np.ndarray, post_view) -> tuple:
    """``(min, max)`` of per-target delays ``steps`` (population-indexed) over the targets with a synapse."""
    has_in = info.full_in > 0
    targets = np.flatnonzero(has_in) if post_view is None else np.asarray(post_view)[has_in]
    return (int(steps[targets].min()), int(steps[targets].max())) if targets.size else (None, None)


def finish_part(proj, info: PartInfo) -> PartInfo:
    """``info`` with ``d_min`` (and per-source ``delay_range``) filled in, its per-synapse arrays dropped."""
    if proj.delay_layout == "source":
        delays = proj.queue.delays
        has_row = info.full_out > 0
        sources = np.flatnonzero(has_row) if proj.pre_view is None else np.asarray(proj.pre_view)[has_row]
        d_min = int(delays[sources].min()) if sources.size else None
        info = info._replace(delay_range=(int(delays.min()), int(delays.max())))
    else:
        d_min = None if info.delay_range[0] is None else int(info.delay_range[0])
    if info.n_synapses == 0:
        d_min = None
    return info._replace(d_min=d_min, positions=None, full_out=None, full_in=None)
