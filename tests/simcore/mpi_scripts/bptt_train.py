"""Run by tests/simcore/test_mpi_bptt.py under ``mpiexec -n R``: data-parallel BPTT of ``model`` on ``data``.

Usage: ``bptt_train.py MODE STEPS OUT``. MODE ``ok``: ``STEPS`` Adam steps of ``DataParallel`` on one fixed
global batch (cross-entropy, a branching-factor and a firing-rate regulariser, clipping); rank 0 writes the
loss curve, the gradient norms, the final parameters and every rank's parameter digest to OUT (.npz).
``fit``: the same through ``train_data_parallel`` (one epoch of ``STEPS`` batches). ``raise``: rank 1's loss
raises in the second step. ``differ``: rank 1 builds a model of another width (``ValueError`` on every rank).
``allreduce``: rank 0 writes ``allreduce_gradients`` of ``{"a": r + 0.1 (float32), "b": 10^r (float64)}``.
"""

import sys

import numpy as np

from simcore.grad import Adam, LIFLayer, ReadoutLayer, Regularizer, SNN
from simcore.mpi import DataParallel, RankFailed, allreduce_gradients, parameters_digest, train_data_parallel

BATCH = 5
T = 40


def model(dtype=np.float64, width=12):
    """Recurrent LIF layer (per-neuron time constants and thresholds, delays) and a leaky readout."""
    layer = LIFLayer(
        4,
        width,
        tau_mem=10.0,
        per_neuron=("tau_mem", "threshold"),
        delays=([1, 2, 3] * width)[:width],
        self_connections=False,
        tau_range=(0.5, 50.0),
        seed=3,
    )
    readout = ReadoutLayer(width, 3, tau_out=8.0, per_neuron=("tau_out",), tau_range=(0.5, 50.0), seed=4)
    return SNN([layer], readout, dtype=dtype, surrogate="fast_sigmoid")


def data(batch=BATCH, seed=0):
    """A global batch: inputs (T, B, 4), labels (B,) in 0..2 and a loss window of the last 15 steps."""
    rng = np.random.default_rng(seed)
    labels = np.arange(batch) % 3
    x = rng.random((T, batch, 4)) * 0.4
    for c in range(3):
        x[:, labels == c, c] += 0.8
    mask = np.zeros(T, bool)
    mask[-15:] = True
    return x, labels, mask


REGULARIZERS = (Regularizer("branching_factor", 1e-3, layer=0), Regularizer("firing_rate", 0.5, 0, r_target=0.05))
OPTIONS = dict(regularizers=REGULARIZERS, clip_norm=2.0)


def main(mode: str, steps: int, out: str) -> None:
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    if mode == "allreduce":
        sums = allreduce_gradients({"a": np.full(3, rank + 0.1, np.float32), "b": np.full((2, 2), 10.0**rank)})
        if rank == 0:
            np.savez(out, **sums)
        return
    net = model(width=13 if mode == "differ" and rank == 1 else 12)
    opt = Adam(net.parameters(), lr=2e-2)
    x, labels, mask = data()
    try:
        if mode == "fit":
            history = train_data_parallel(
                net, opt, [(x, labels)] * steps, mask=mask, progress=False, callback=None, **OPTIONS
            )
            curve, norms = [h["loss"] for h in history], [h["grad_norm"] for h in history]
        else:
            dp = DataParallel(net, opt)
            curve, norms = [], []
            for step in range(steps):
                loss = "cross_entropy"
                if mode == "raise" and rank == 1 and step == 1:
                    loss = _failing_loss
                r = dp.train_step(x, labels, loss=loss, mask=mask, **OPTIONS)
                curve.append(r["loss"])
                norms.append(r["grad_norm"])
            dp.check_parameters()
    except (RankFailed, ValueError) as exc:
        print(f"rank {rank} {type(exc).__name__}: {exc}", flush=True)
        sys.exit(2)
    digests = comm.gather(parameters_digest(net), root=0)
    if rank == 0:
        params = {f"param/{k}": v for k, v in net.parameters().items()}
        np.savez(out, curve=np.array(curve), norms=np.array(norms), digests=np.array(digests), **params)


def _failing_loss(y, target):
    raise RuntimeError("a loss that fails on rank 1")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
