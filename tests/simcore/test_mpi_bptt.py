"""Data-parallel BPTT on MPI ranks (simcore.mpi.DataParallel): the loss curve of R ranks equals one process
training on the whole batch, and the ranks keep identical parameters (docs/contract.md §4; the weighting
``w_r = B_r / B`` and the rank-order sum are derived in the simcore.mpi docstring).

R = 1 (``COMM_SELF``) gives the bits of ``simcore.grad.train_step``. R = 2 and R = 3 (5 samples: blocks of
2+3 and 1+2+2) add the samples' gradients in another order, so they agree to rounding only: measured
1.4e-16 relative on the loss curve and 2.2e-16 on the parameters after 4 Adam steps in float64; the tests
allow 1e-13. The MPI runs go through ``mpiexec`` and are skipped without mpi4py or mpiexec."""

import sys
from pathlib import Path

import numpy as np
import pytest

from simcore.grad import Adam, SGD, fit, train_step
from simcore.mpi import sample_blocks, slice_batch

SCRIPTS = Path(__file__).parent / "mpi_scripts"
sys.path.insert(0, str(SCRIPTS))
from bptt_train import BATCH, OPTIONS, data, model  # noqa: E402
from test_mpi import _mpiexec, needs_mpi, REPO  # noqa: E402

STEPS = 4
RTOL = 1e-13


def one_process(steps=STEPS, optimizer=Adam, lr=2e-2, **options):
    """Loss curve, gradient norms and final parameters of ``train_step`` on the whole batch."""
    net = model()
    opt = optimizer(net.parameters(), lr=lr)
    x, labels, mask = data()
    curve, norms = [], []
    for _ in range(steps):
        r = train_step(net, opt, x, labels, mask=mask, **(options or OPTIONS))
        curve.append(r["loss"])
        norms.append(r["grad_norm"])
    return np.array(curve), np.array(norms), net.parameters()


def run_mpi(ranks, mode, out, timeout=300):
    import os
    import subprocess

    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        NUMBA_NUM_THREADS="1",  # one thread per rank: the ranks are the parallelism
        OPENBLAS_NUM_THREADS="1",
    )
    cmd = [_mpiexec(), "-n", str(ranks), sys.executable, str(SCRIPTS / "bptt_train.py"), mode, str(STEPS), str(out)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def test_slice_batch_cuts_the_sample_axis_of_inputs_and_targets():
    x = np.arange(2 * 5 * 3).reshape(2, 5, 3)
    labels = np.arange(5)
    xs, ls = slice_batch(x, labels, range(1, 3))
    np.testing.assert_array_equal(xs, x[:, 1:3])
    np.testing.assert_array_equal(ls, [1, 2])
    per_step = np.arange(2 * 5).reshape(2, 5)
    np.testing.assert_array_equal(slice_batch(x, per_step, range(3, 5))[1], per_step[:, 3:5])
    with pytest.raises(ValueError, match=r"B = 5.*got shape \(4,\)"):
        slice_batch(x, np.arange(4), range(0, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(T, B, n_in\)"):
        slice_batch(x[0], labels, range(0, 2))


def test_weighted_block_gradients_add_up_to_the_whole_batch_gradient():
    """No MPI: each block's weighted contribution (w_r = B_r / B, firing-rate counts of the whole batch) from
    the code ``DataParallel`` runs on a rank; their sum equals the one-process gradient of the mean loss."""
    MPI = pytest.importorskip("mpi4py.MPI")
    from simcore.mpi import DataParallel, _rate_counts

    x, labels, mask = data()
    regs = OPTIONS["regularizers"]
    net = model()
    dp = DataParallel(net, SGD(net.parameters(), lr=1e-3), comm=MPI.COMM_SELF)
    from simcore.grad.train import _loss

    tape = net.forward(x)
    total, gy = _loss(tape, labels, "cross_entropy", mask)
    g_ev = {}
    for r in regs:
        v, g = r(tape)
        total += v
        g_ev[r.layer] = g if r.layer not in g_ev else g_ev[r.layer] + g
    whole = net.backward(tape, gy, g_ev)
    counts = sum(_rate_counts(tape.spikes(0)[:, blk], 0.05) for blk in sample_blocks(BATCH, 3))
    summed, loss = 0.0, 0.0
    for blk in sample_blocks(BATCH, 3):
        xs, ls = slice_batch(x, labels, blk)
        t = net.forward(xs)
        task, g = _loss(t, ls, "cross_entropy", mask)
        flat, rate_values = dp._local_gradients(t, task, g, regs, [counts], len(blk) / BATCH, BATCH)
        summed = summed + flat
        loss += rate_values.get(1, 0.0) / 3  # the firing-rate value is the whole batch's on every block
    n_grad = sum(whole[k].size for k in dp.names)
    np.testing.assert_allclose(summed[:n_grad], np.concatenate([whole[k].ravel() for k in dp.names]), rtol=1e-12)
    assert abs(summed[n_grad:].sum() + loss - total) <= 1e-12 * abs(total)


def test_one_rank_gives_the_bits_of_train_step_and_of_fit():
    MPI = pytest.importorskip("mpi4py.MPI")
    from simcore.mpi import DataParallel, train_data_parallel

    curve, norms, params = one_process()
    net = model()
    dp = DataParallel(net, Adam(net.parameters(), lr=2e-2), comm=MPI.COMM_SELF)
    x, labels, mask = data()
    got = [dp.train_step(x, labels, mask=mask, **OPTIONS) for _ in range(STEPS)]
    np.testing.assert_array_equal([r["loss"] for r in got], curve)
    np.testing.assert_array_equal([r["grad_norm"] for r in got], norms)
    for k, v in params.items():
        np.testing.assert_array_equal(net.parameters()[k], v, err_msg=k)
    assert dp.check_parameters() == dp.check_parameters()

    ref, mine = model(), model()
    h_ref = fit(ref, Adam(ref.parameters(), lr=2e-2), [(x, labels)] * 3, mask=mask, progress=False, **OPTIONS)
    h = train_data_parallel(
        mine,
        Adam(mine.parameters(), lr=2e-2),
        [(x, labels)] * 3,
        mask=mask,
        progress=False,
        comm=MPI.COMM_SELF,
        **OPTIONS,
    )
    assert [r["loss"] for r in h] == [r["loss"] for r in h_ref]


def test_bad_input_is_refused_before_work():
    MPI = pytest.importorskip("mpi4py.MPI")
    from simcore.mpi import DataParallel

    net = model()
    with pytest.raises(TypeError, match="optimizer must be"):
        DataParallel(net, object(), comm=MPI.COMM_SELF)
    dp = DataParallel(net, SGD(net.parameters(), lr=1e-3), comm=MPI.COMM_SELF)
    x, labels, mask = data()
    with pytest.raises(ValueError, match=r"x must have shape \(T, B, n_in\)"):
        dp.train_step(x[0], labels, mask=mask)


@needs_mpi
@pytest.mark.parametrize("ranks", [2, 3])
def test_mpiexec_data_parallel_loss_curve_equals_one_process(tmp_path, ranks):
    out = tmp_path / "bptt.npz"
    proc = run_mpi(ranks, "ok", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    curve, norms, params = one_process()
    with np.load(out) as got:
        np.testing.assert_allclose(got["curve"], curve, rtol=RTOL)
        np.testing.assert_allclose(got["norms"], norms, rtol=RTOL)
        for k, v in params.items():
            np.testing.assert_allclose(got[f"param/{k}"], v, rtol=RTOL, atol=1e-15, err_msg=k)
        assert len(got["digests"]) == ranks and len(set(got["digests"])) == 1  # the same bits on every rank
        assert not np.array_equal(got["curve"][1:], got["curve"][:-1])  # the steps did move the model


@needs_mpi
def test_mpiexec_train_data_parallel_equals_fit(tmp_path):
    out = tmp_path / "fit.npz"
    proc = run_mpi(2, "fit", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    curve, _, params = one_process()
    with np.load(out) as got:
        np.testing.assert_allclose(got["curve"], [curve.mean()], rtol=RTOL)  # one epoch of STEPS batches
        assert len(set(got["digests"])) == 1


@needs_mpi
def test_mpiexec_an_error_on_one_rank_reaches_every_rank(tmp_path):
    proc = run_mpi(2, "raise", tmp_path / "none.npz")
    assert proc.returncode != 0
    for rank in range(2):
        assert f"rank {rank} RankFailed" in proc.stdout, proc.stdout + proc.stderr
    assert "rank 1: RuntimeError: a loss that fails on rank 1" in proc.stdout
    assert not (tmp_path / "none.npz").exists()


@needs_mpi
def test_mpiexec_models_that_differ_between_ranks_are_refused_on_every_rank(tmp_path):
    proc = run_mpi(2, "differ", tmp_path / "none.npz")
    assert proc.returncode != 0
    for rank in range(2):
        assert f"rank {rank} ValueError: ranks [1] hold learnable parameters other than rank 0's" in proc.stdout, (
            proc.stdout + proc.stderr
        )


@needs_mpi
def test_mpiexec_allreduce_gradients_sums_in_rank_order_and_keeps_dtypes(tmp_path):
    out = tmp_path / "sums.npz"
    proc = run_mpi(3, "allreduce", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with np.load(out) as got:
        expect_a = np.float32(float(np.float32(0.1)) + float(np.float32(1.1)) + float(np.float32(2.1)))
        np.testing.assert_array_equal(got["a"], np.full(3, expect_a, np.float32))
        assert got["a"].dtype == np.float32
        np.testing.assert_array_equal(got["b"], np.full((2, 2), 111.0))
