"""SIGINT and SIGTERM stop a run at the next chunk boundary: every sample and population at one step,
the recording closed with ``completed = False`` and the signal in ``stop_reason`` (issue 12, defects 5, 6)."""

import os
import signal
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

import simcore as sc
from simcore.builtin import cuba


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_signal_stops_at_a_chunk_boundary_and_keeps_the_recording(tmp_path, signame):
    net = cuba(n=400)
    out = tmp_path / "run.h5"
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)  # Brian2 may have set its own

    def send_once(network):
        if network.t == 300:
            os.kill(os.getpid(), getattr(signal, signame))

    with pytest.raises(sc.RunStopped) as info:
        net.run(100.0, chunk_steps=150, batch_size=2, seed=0, out=str(out), callback=send_once)
    assert info.value.signame == signame
    assert net.t == 300  # the chunk in which the signal came was finished, no later one started
    with h5py.File(out, "r") as f:
        assert not f.attrs["completed"]
        assert f.attrs["stop_reason"] == signame
        for pop in ("exc", "inh"):
            t = f[f"spikes/{pop}/timestamps"][()]
            assert t.size and t.max() < 30.0
    net.run(10.0)  # the network goes on from step 300
    assert net.t == 400
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers  # put back


def test_sigterm_to_a_recording_process(tmp_path):
    out = tmp_path / "child.h5"
    script = textwrap.dedent(f"""
        import sys
        from simcore.builtin import cuba
        net = cuba(n=400)
        try:
            net.run(1e6, chunk_steps=200, seed=0, out={str(out)!r}, callback=lambda n: print(n.t, flush=True))
        except KeyboardInterrupt as exc:
            print("stopped", net.t, getattr(exc, "signame", None), flush=True)
            sys.exit(3)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    for line in proc.stdout:
        if int(line.split()[0]) >= 1000:
            break
    proc.send_signal(signal.SIGTERM)
    rest = proc.stdout.read()
    assert proc.wait(timeout=60) == 3
    last = rest.strip().splitlines()[-1].split()
    assert last[0] == "stopped" and last[2] == "SIGTERM"
    with h5py.File(out, "r") as f:
        assert f.attrs["stop_reason"] == "SIGTERM"
        steps = np.round(f["spikes/exc/timestamps"][()] / 0.1)
        assert steps.max() < int(last[1])
