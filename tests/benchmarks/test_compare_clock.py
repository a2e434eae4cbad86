"""Both sides of a reference comparison are timed with the same clock, and the coba cases run on one thread."""

import simcore as sc
from benchmarks.records import compare
from benchmarks.timing import time_network

OURS = {"run_s": 0.40, "run_cpu_s": 0.20, "mean_rate_hz": 20.0}


def _ref(**kw):
    return dict({"status": "ok", "name": "brian2", "run_s": 0.30, "mean_rate_hz": 20.0, "duration_ms": 1000.0}, **kw)


def test_a_cpu_time_reference_is_compared_with_our_cpu_time():
    # Brian2's cpp_standalone loop timer on one thread is std::clock(): process CPU time
    entry = compare(OURS, _ref(run_clock="cpu"))
    assert entry["clock"] == "cpu" and entry["ours_run_s"] == 0.20 and entry["ratio"] == 0.30 / 0.20
    assert "CPU time on both sides" in entry["note"]


def test_a_wall_time_reference_is_compared_with_our_wall_time():
    for ref in (_ref(), _ref(run_clock="wall")):
        entry = compare(OURS, ref)
        assert entry["clock"] == "wall" and entry["ratio"] == 0.30 / 0.40 and "note" not in entry


def test_without_our_cpu_time_the_wall_time_is_used():
    entry = compare({"run_s": 0.40, "mean_rate_hz": 20.0}, _ref(run_clock="cpu"))
    assert entry["clock"] == "wall" and entry["ratio"] == 0.30 / 0.40


def test_time_network_runs_on_the_threads_it_is_given():
    net = sc.Network()
    pop = net.add(sc.LIFCondExp(40, I_e=1000.0))
    net.connect(pop, pop, sc.FixedInDegree(4), weight=1.0, receptor="exc", delay=0.1)
    summary, tn = time_network(net, 50.0, repeats=1, threads=1)
    assert summary["threads"] == 1 and tn.net.shards == 1 and summary["spikes"] > 0
