"""Checkpoints: everything a run continues from, to HDF5 and back (docs/contract.md §7).

``store(net, path)`` writes every component's :meth:`export_state` arrays (state, receptor
buffers, spike lists, delay queues, random streams, monitor buffers), the step counter, the
settings and a hash of the network's structure; ``restore(net, path)`` loads them into a network
built by the same script (building it with the saved settings when it is not built yet), so that
running on gives, bit for bit, what the uninterrupted run gives. No pickle: plain datasets.
What monitors recorded before the checkpoint stays in their files or memory; they record from
the restored step on.
"""

from __future__ import annotations

import hashlib
import json
import os

import h5py

from simcore import __version__
from simcore.base.errors import check_name

FORMAT = "spikesim-checkpoint-1"


def structure_hash(net) -> str:
    """A hash of what the network is: components, sizes, parameters, settings and array shapes."""
    desc = net.describe()
    shapes = {c.name: {k: [list(v.shape), str(v.dtype)] for k, v in c.state_arrays().items()} for c in net.components}
    text = json.dumps({"network": desc, "arrays": shapes}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def store(net, path, *, overwrite: bool = False) -> None:
    """Write a checkpoint of the built network ``net`` at its current step to ``path`` (HDF5)."""
    _check_whole(net, "store", "store")
    write(net, net.export_state(), path, overwrite=overwrite)


def _check_whole(net, what: str, keyword: str) -> None:
    """``ValueError`` when ``net`` is one rank's part of a split network (:mod:`simcore.ranks` checkpoints it)."""
    part = next((p.part for p in net.projections if getattr(p, "part", None) is not None), None)
    if part is not None:
        raise ValueError(
            f"this network is rank {part.rank}'s part of a network split over {part.ranks} ranks; {what} its "
            f"checkpoint with simcore.ranks.run(..., {keyword}=path) on every rank"
        )


def write(net, state: dict, path, *, overwrite: bool = False) -> None:
    """Write ``state`` (:meth:`Network.export_state`'s form) of the built network ``net`` to ``path``."""
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"checkpoint {path!r} exists; pass overwrite=True to replace it")
    tmp = f"{path}.{os.getpid()}.tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["format"] = FORMAT
        f.attrs["spikesim_version"] = __version__
        f.attrs["structure_hash"] = structure_hash(net)
        f.attrs["t"] = state["t"]
        f.attrs["settings"] = json.dumps(net.ctx.describe())
        for name, arrays in state["components"].items():
            grp = f.create_group(check_name(name, "component name"))
            for key, arr in arrays.items():
                grp.create_dataset(key, data=arr)
        results = f.create_group("__results__")  # what monitors recorded: their position in their output
        for name, arrays in state["results"].items():
            grp = results.create_group(name)
            for key, arr in arrays.items():
                grp.create_dataset(key, data=arr)
    os.replace(tmp, path)  # a crash while writing never leaves half a checkpoint


def settings(path) -> dict:
    """The settings (``batch_size``, ``dt``, ``seed``, ``dtype``) a checkpoint was taken with; ``ValueError``
    naming ``path`` when it is missing or not a checkpoint."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"checkpoint {path!r} does not exist (or is not a file)")
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT:  # the format names its version: a later one is refused by name
            raise ValueError(
                f"{path!r} is not a spikesim checkpoint (format {f.attrs.get('format')!r}; expected {FORMAT!r})"
            )
        return json.loads(f.attrs["settings"])


def load(net, path) -> dict:
    """The state saved in ``path`` (:meth:`Network.export_state`'s form), checked against the built ``net``."""
    path = os.fspath(path)
    saved = settings(path)
    with h5py.File(path, "r") as f:
        saved_hash, version = f.attrs["structure_hash"], f.attrs["spikesim_version"]
        if saved_hash != structure_hash(net):
            raise ValueError(
                f"checkpoint {path!r} was taken from a network of another structure or settings "
                f"(saved {saved} by spikesim {version}; this one {net.ctx.describe()} with "
                f"spikesim {__version__}); build the network with the same script and settings"
            )
        components = {name: {k: grp[k][()] for k in grp} for name, grp in f.items() if name != "__results__"}
        results = {name: {k: grp[k][()] for k in grp} for name, grp in f.get("__results__", {}).items()}
        return {"t": int(f.attrs["t"]), "components": components, "results": results}


def restore(net, path) -> None:
    """Load a checkpoint written by :func:`store` into ``net``, which the same script built."""
    _check_whole(net, "restore", "restore")
    saved = settings(path)
    if net.ctx is None:
        net.build(batch_size=saved["batch_size"], dt=saved["dt"], seed=saved["seed"], dtype=saved["dtype"])
    net.import_state(load(net, path))


__all__ = ["store", "restore", "structure_hash", "write", "load", "settings", "FORMAT"]
