"""Regression: a benchmark helper used to set NUMBA_NUM_THREADS in the test process; when Numba's
threads had not started yet, they started with 1 and restoring the variable made Numba raise
("Cannot set NUMBA_NUM_THREADS ... once the threads have been launched") in a later test."""

import subprocess
import sys
import textwrap


def test_bptt_benchmark_smoke_first_in_a_fresh_process_leaves_numba_usable():
    code = textwrap.dedent(
        """
        import os, numba, numpy as np
        from benchmarks import bench_bptt
        n0 = numba.get_num_threads()
        bench_bptt.run_ours(20, 2, 1, 1)
        numba.set_num_threads(n0)
        assert os.environ.get("NUMBA_NUM_THREADS") == %r
        import simcore as sc
        net = sc.Network(); pop = net.add(sc.LIF(4, beta=0.5))
        net.run(steps=3, batch_size=2, dt=1.0, seed=0)   # a parallel kernel after it
        print("ok")
    """
        % (None,)
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "NUMBA_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
