"""The generated kernels (serial for one sample, parallel for a batch) load from Numba's cache
in a new process, with the same results (a parallel kernel must really load from the cache)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import simcore as sc
    batch = int(sys.argv[1])
    net = sc.Network()
    pop = net.add(sc.LIF(20, beta=0.9, threshold=1.0))
    net.connect(pop, pop, sc.FixedInDegree(4), weight=0.2, delay_steps=2)
    net.add(sc.CurrentInput(pop, np.full((50, 20), 0.15)))
    mon = net.add(sc.SpikeMonitor(pop))
    net.run(steps=50, batch_size=batch, dt=1.0, seed=3)
    stats = net._kernel.stats
    print(json.dumps({"hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values()),
                      "spikes": mon.steps.tolist()}))
""")


@pytest.mark.parametrize("batch", [1, 3])
def test_kernel_is_loaded_from_cache_in_a_new_process(tmp_path, batch):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), SPIKESIM_CACHE_DIR=str(tmp_path / "spikesim"))
    runs = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(batch)], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert runs[0]["misses"] == 1 and runs[0]["hits"] == 0
    assert runs[1]["hits"] == 1 and runs[1]["misses"] == 0
    assert runs[0]["spikes"] == runs[1]["spikes"] and runs[0]["spikes"]
