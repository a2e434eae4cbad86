"""Checkpoints (docs/contract.md §7): a run stopped, stored, restored in a new process and run on gives
bit for bit what the uninterrupted run gives; a checkpoint of another network is refused."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from simcore.builtin import brunel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _spikes(net, from_step):
    out = []
    for mon in net.monitors:
        if hasattr(mon, "polarity"):
            keep = mon.steps >= from_step
            out.append(np.stack([mon.steps[keep], mon.samples[keep], mon.neurons[keep]]))
    return out


def test_restore_in_a_new_process_continues_bit_identically(tmp_path):
    ckpt, result = tmp_path / "ckpt.h5", tmp_path / "spikes.npz"
    net = brunel(scale=0.05)
    net.run(30.0, batch_size=2, seed=5, dtype="float32")
    net.store(ckpt)
    net.run(20.0)
    script = textwrap.dedent(f"""
        import numpy as np
        from simcore.builtin import brunel
        net = brunel(scale=0.05)
        net.restore({str(ckpt)!r})
        net.run(20.0)
        mons = [m for m in net.monitors if hasattr(m, "polarity")]
        np.savez({str(result)!r}, *[np.stack([m.steps, m.samples, m.neurons]) for m in mons],
                 v=np.concatenate([p["v"].ravel() for p in net.populations]))
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)
    got = np.load(result)
    for k, expected in enumerate(_spikes(net, 0)):  # the monitors' results continue from the checkpoint
        np.testing.assert_array_equal(got[f"arr_{k}"], expected)
    np.testing.assert_array_equal(got["v"], np.concatenate([p["v"].ravel() for p in net.populations]))


def test_a_checkpoint_of_another_network_is_refused(tmp_path):
    net = brunel(scale=0.05)
    net.run(5.0, seed=1)
    net.store(tmp_path / "a.h5")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        net.store(tmp_path / "a.h5")
    other = brunel(scale=0.06)
    with pytest.raises(ValueError, match="another structure or settings"):
        other.restore(tmp_path / "a.h5")
