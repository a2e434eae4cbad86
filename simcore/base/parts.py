"""Building one rank's part of a network: only the synapses onto its block of target neurons (docs/scaling.md).

Inside ``with building_part(rank, ranks):`` a network's static, delayed projections build only the synapses whose
target ``i`` lies in rank ``rank``'s block ``bounds[rank] <= i < bounds[rank + 1]`` of its population (the cut of
:mod:`simcore.base.shards`). They draw every random number an unrestricted build draws, in the same order, and
keep from each row only the kept targets before drawing the next, so a rank holds exactly the synapses (order,
weights, delays) it would keep from the whole network, and never the whole network (:mod:`synapses.part`).
"""

from __future__ import annotations

import contextlib
import contextvars

from .errors import check_int

#: ``(rank, ranks)`` while a rank's part is built; ``None`` for a whole network
_PART = contextvars.ContextVar("spikesim_build_part", default=None)


@contextlib.contextmanager
def building_part(rank: int, ranks: int):
    """Projections built inside keep only the synapses onto rank ``rank`` of ``ranks`` (module docstring)."""
    ranks = check_int(ranks, "ranks", minimum=1)
    rank = check_int(rank, "rank", minimum=0)
    if rank >= ranks:
        raise ValueError(f"rank={rank} must be below ranks={ranks}")
    token = _PART.set((rank, ranks))
    try:
        yield
    finally:
        _PART.reset(token)


def current_part() -> tuple | None:
    """``(rank, ranks)`` inside :func:`building_part`, else ``None``."""
    return _PART.get()
