"""The timed windowed kernel of benchmarks.threads_breakdown: clock reads around the region and the join."""

import sys

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="clock_gettime through ctypes")


def test_timed_source_reads_the_clock_around_region_and_join():
    from benchmarks.threads_breakdown import TimedBuilder

    src = TimedBuilder(0.1, 2, 5).source("run_chunk")
    lines = src.splitlines()
    at = {n: next(k for k, line in enumerate(lines) if line.strip().startswith(n)) for n in ("t_a", "t_b", "t_c")}
    region = next(k for k, line in enumerate(lines) if "prange" in line)
    join = next(k for k, line in enumerate(lines) if "for t in range(tw, tw_end)" in line and k > region + 3)
    assert at["t_a"] == region - 1 and at["t_b"] == join - 1 and at["t_c"] > join
    assert "prof[0] += t_b - t_a" in src and "prof[1] += t_c - t_b" in src


def test_timed_source_refuses_a_kernel_text_it_does_not_know(monkeypatch):
    from benchmarks.threads_breakdown import TimedBuilder
    from simcore.base.codegen import KernelBuilder

    monkeypatch.setattr(KernelBuilder, "_window_body", lambda self: "    pass\n")
    with pytest.raises(RuntimeError, match="not found once"):
        TimedBuilder(0.1, 2, 5).source("run_chunk")
