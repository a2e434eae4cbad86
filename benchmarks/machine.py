"""What the numbers depend on: CPU, cores, threads, memory, load, package versions, peak RSS."""

from __future__ import annotations

import gc
import os
import platform
import resource
import sys

#: distributions whose versions every record carries
VERSIONED = ("spikesim", "numpy", "numba", "llvmlite", "scipy", "h5py", "brian2", "nest-simulator")


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_versions() -> dict:
    """Versions of Python and of :data:`VERSIONED` (None where not installed)."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in VERSIONED:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def memory_bytes() -> int | None:
    """The machine's total memory (``/proc/meminfo``), None where unknown."""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def load_average() -> list | None:
    """The 1, 5 and 15 minute load averages, None where unknown."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _threading_layer() -> str | None:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        return None


def machine_info() -> dict:
    """CPU model, cores, Numba threads, memory, OS and load."""
    import numba

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "numba_threads": numba.get_num_threads(),
        "numba_threading_layer": _threading_layer(),
        "memory_bytes": memory_bytes(),
        "platform": platform.platform(),
        "load_average": load_average(),
        "hostname": platform.node(),
    }


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter of this process (Linux >= 4.0); False if impossible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int:
    """Peak resident set size of this process since the last :func:`reset_peak_rss`, in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


class PeakRSS:
    """Context manager: ``with PeakRSS() as m: ...; m.read()``, then ``m.bytes`` and ``m.scope``.

    ``scope`` is ``"benchmark"`` when the counter could be reset on entry,
    else ``"process"`` (the peak since the process started).
    """

    def __enter__(self):
        gc.collect()  # networks are reference cycles: free the previous benchmark's before resetting the peak
        self.scope = "benchmark" if reset_peak_rss() else "process"
        self.bytes = None
        return self

    def read(self) -> int:
        """Read the peak now (call it before the measured objects are freed)."""
        self.bytes = peak_rss_bytes()
        return self.bytes

    def __exit__(self, *exc):
        if self.bytes is None:
            self.read()
        return False
