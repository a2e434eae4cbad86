"""Checkpoints of a network split over ranks (simcore.ranks; docs/contract.md §7, docs/scaling.md).

A split run's checkpoint is one file in the format of a one-process checkpoint (:mod:`simcore.checkpoint`):
when a run ends, every rank sends what it owns to rank 0, which joins it into the state one process would
have at that step and writes it. Any run restores it: one process (``Network.restore``) or any number of
ranks, each loading the whole state and keeping what its part needs. Joining, per array (:func:`rule`):

========== ======================================================= =========================================
rule       arrays                                                  joined / restored on rank ``r``
========== ======================================================= =========================================
``owner``  a population's state, receptor buffers and spike flags;  each rank's block of the last axis (its
           a projection's accumulation ring (last axis: targets)    neurons), in rank order / the whole array
``list``   a population's spike lists (``spike_idx``, ``_code``,    per sample, each rank's entries of its own
           ``_val``, ``_cnt``)                                      neurons in rank order / the whole lists
``first``  delay queues (every rank holds every spike in flight);   rank 0's / the whole array
           random streams (a Poisson drive's lane 0 is rank 0's)
``sum``    event counters (``delivered``), monitor buffer counts    the sum / rank 0 the saved value, others 0
========== ======================================================= =========================================

What monitors recorded before the checkpoint is joined as :func:`merge_rank_results` joins a split run's results;
on restore, rank 0 takes the recorded spikes and rate counts (the others none, and zero counts), every rank
the recorded states (each merges its own neurons' columns). Every spike in flight is in the queues when a
run returns (simcore.ranks), so a checkpoint between two runs holds the whole state.
"""

from __future__ import annotations

import numpy as np

from simcore.base.shards import bounds

RULES = ("owner", "list", "first", "sum")
_LISTS = ("spike_idx", "spike_code", "spike_val", "spike_cnt")


def rule(comp, key: str) -> str:
    """How array ``key`` of ``comp`` is joined over ranks (module docstring); ``ValueError`` for one not known."""
    role = comp.role
    if role == "population":
        if key.startswith(("state.", "receptor.")) or key == "spike_flag":
            return "owner"
        if key in _LISTS:
            return "list"
        if key == "rng":
            return "first"  # populations that draw are refused by simcore.ranks: this stream is never used
    elif role == "projection":
        if key == "delivered":
            return "sum"
        if key == "ring":
            return "owner"
        if key in ("q_src", "q_val", "q_cnt"):
            return "first"
    elif role == "stimulus" and key == "rng":
        return "first"
    elif role == "monitor" and key == "count":
        return "sum"
    raise ValueError(
        f"array {key!r} of {type(comp).__name__} {comp.name!r} has no rule for joining a split run's state "
        f"(one of {RULES}); checkpoints of split runs cover the components simcore.ranks can split"
    )


def _neurons(comp) -> int:
    """The neurons an ``owner`` array's last axis runs over."""
    return comp.n if comp.role == "population" else comp.post.n


def rank_part(net, rank: int, ranks: int) -> dict:
    """What rank ``rank`` sends rank 0: its block of ``owner`` arrays, its spike lists, ``first`` arrays (rank
    0 only), ``sum`` arrays, and its monitors' results."""
    comps = {}
    for comp in net.components:
        mine = {}
        for key, arr in comp.state_arrays().items():
            how = rule(comp, key)
            if how == "owner":
                lo, hi = bounds(_neurons(comp), ranks)[rank : rank + 2]
                mine[key] = np.array(arr[..., lo:hi], copy=True)
            elif how != "first" or rank == 0:
                mine[key] = np.array(arr, copy=True)
        comps[comp.name] = mine
    results = {m.name: m.export_results() for m in net.monitors}
    return {"t": net.t, "components": comps, "results": results}


def join(net, parts: list) -> dict:
    """The state of one process (:meth:`Network.export_state`'s form) from every rank's :func:`rank_part`."""
    ranks = len(parts)
    if len({p["t"] for p in parts}) != 1:
        raise ValueError(f"the ranks are at different steps {[p['t'] for p in parts]}; checkpoint between runs")
    comps = {}
    for comp in net.components:
        own = [p["components"][comp.name] for p in parts]
        out = {}
        for key in comp.state_arrays():
            how = rule(comp, key)
            if how == "owner":
                out[key] = np.concatenate([o[key] for o in own], axis=-1)
            elif how == "first":
                out[key] = own[0][key]
            elif how == "sum":
                out[key] = sum(o[key] for o in own)
        if any(rule(comp, key) == "list" for key in comp.state_arrays()):
            out.update(_join_lists(comp.n, own, ranks))
        comps[comp.name] = out
    results = merge_rank_results(net, [p["results"] for p in parts])
    named = {m.name for m in net.monitors}
    results.update({c.name: {} for c in net.components if c.name not in named})
    return {"t": parts[0]["t"], "components": comps, "results": results}


def _join_lists(n: int, own: list, ranks: int) -> dict:
    """Per sample, each rank's spike-list entries of its own neurons, in rank order (= ascending neurons)."""
    out = {key: np.array(own[0][key], copy=True) for key in _LISTS}
    limits = bounds(n, ranks)
    for b in range(out["spike_cnt"].shape[0]):
        pieces = {key: [] for key in _LISTS[:3]}
        for r, o in enumerate(own):
            cnt = int(o["spike_cnt"][b])
            idx = o["spike_idx"][b, :cnt]
            mine = (idx >= limits[r]) & (idx < limits[r + 1])
            for key in pieces:
                pieces[key].append(o[key][b, :cnt][mine])
        total = sum(p.size for p in pieces["spike_idx"])
        for key, chunks in pieces.items():
            out[key][b, :total] = np.concatenate(chunks) if chunks else out[key][b, :0]
        out["spike_cnt"][b] = total
    return out


def for_rank(net, state: dict, rank: int) -> dict:
    """A one-process ``state`` as rank ``rank`` imports it: ``sum`` arrays and recorded spikes and rates on
    rank 0 only (the others start from zero), everything else whole."""
    if rank == 0:
        return state
    comps = {}
    for comp in net.components:
        saved = state["components"].get(comp.name)
        if saved is None:
            continue  # named by Network.import_state
        comps[comp.name] = {
            key: np.zeros_like(arr) if key in comp.state_arrays() and rule(comp, key) == "sum" else arr
            for key, arr in saved.items()
        }
    results = dict(state["results"])
    for mon in net.monitors:
        res = results.get(mon.name)
        if not res:
            continue
        if mon.record_kind == "spikes":
            results[mon.name] = {k: np.asarray(v)[:0] for k, v in res.items()}
        elif mon.record_kind == "rates":
            results[mon.name] = {"steps": res["steps"], "counts": np.zeros_like(res["counts"])}
    return {"t": state["t"], "components": comps, "results": results}


def owners(n: int, ranks: int, neurons: np.ndarray) -> np.ndarray:
    """The rank that owns each of ``neurons`` of a population of ``n``: ``r`` with ``r*n//R <= i < (r+1)*n//R``."""
    return np.searchsorted(bounds(n, ranks), np.asarray(neurons, dtype=np.int64), side="right") - 1


def merge_rank_results(net, parts: list) -> dict:
    """``{monitor: results}`` of one process from every rank's ``{monitor: results}`` (rank order)."""
    ranks = len(parts)
    merged = {}
    for mon in net.monitors:
        res = [p[mon.name] for p in parts]
        if not res[0]:
            merged[mon.name] = {}
        elif mon.record_kind == "spikes":
            cols = {
                f: np.concatenate([np.asarray(r[f]) for r in res]) for f in ("steps", "neurons", "samples", "polarity")
            }
            order = np.lexsort((cols["neurons"], cols["samples"], cols["steps"]))
            merged[mon.name] = {f: c[order] for f, c in cols.items()}
        elif mon.record_kind == "rates":
            merged[mon.name] = {
                "steps": np.asarray(res[0]["steps"]),
                "counts": sum(np.asarray(r["counts"]) for r in res),
            }
        else:
            owner = owners(mon.population.n, ranks, mon.neuron_ids)
            out = {"steps": np.asarray(res[0]["steps"])}
            for key in res[0]:
                if key != "steps":
                    arr = np.array(res[0][key], copy=True)
                    for r in range(1, ranks):
                        arr[..., owner == r] = np.asarray(res[r][key])[..., owner == r]
                    out[key] = arr
            merged[mon.name] = out
    return merged
