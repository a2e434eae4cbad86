"""Run a module of this repository in a child Python process and read back its JSON result.

Reference simulators and the start-up measurement run in child processes:
``python -m <module> [ARGS ...] --json FILE``. The child writes one JSON
object to ``FILE``; :func:`run_module` returns it with the child's wall time
(``process_wall_s``), or an error dict (``status: "error"``, ``reason``) when
the child timed out, was killed (e.g. by its memory cap) or wrote nothing.
It never raises for a failing child.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time

log = logging.getLogger(__name__)

#: the repository root: the child's working directory and first import path
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_env(extra: dict | None = None) -> dict:
    """This process's environment with :data:`ROOT` first on ``PYTHONPATH``, updated with ``extra``."""
    env = dict(os.environ)
    env.update(extra or {})
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in paths if os.path.abspath(p) != ROOT])
    return env


def _limit_memory(cap_bytes: int | None):
    """A ``preexec_fn`` capping the child's address space (Linux), or None."""
    if cap_bytes is None or not sys.platform.startswith("linux"):
        return None

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    return limit


def _failure(proc: subprocess.CompletedProcess, cap_bytes: int | None) -> dict:
    tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-3:]
    why = f"killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exit {proc.returncode}"
    cap = "" if cap_bytes is None else f" (memory cap {cap_bytes / 2**30:.1f} GiB)"
    return {"status": "error", "reason": f"child process {why}{cap}, no result: " + " | ".join(tail)}


def run_module(
    module: str, args=(), *, timeout_s: float = 1200.0, memory_cap_bytes: int | None = None, env: dict | None = None
) -> dict:
    """``python -m module *args --json FILE`` in :data:`ROOT`; returns the JSON it wrote plus ``process_wall_s``
    (the whole process) and ``spawn_epoch`` (``time.time()`` just before the child was started).

    ``env`` adds to this process's environment (:func:`child_env`);
    ``memory_cap_bytes`` caps the child's address space; ``timeout_s``
    stops it. On any failure the result is ``{"status": "error", "reason":
    ...}``.
    """
    with tempfile.TemporaryDirectory(prefix="spikesim_child_") as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = [sys.executable, "-m", module, *map(str, args), "--json", out]
        log.debug("running %s", " ".join(cmd))
        t0, spawn_epoch = time.perf_counter(), time.time()
        try:
            proc = subprocess.run(
                cmd,
                cwd=ROOT,
                env=child_env(env),
                capture_output=True,
                text=True,
                timeout=timeout_s,
                preexec_fn=_limit_memory(memory_cap_bytes),
            )
        except subprocess.TimeoutExpired:
            result = {"status": "error", "reason": f"timed out after {timeout_s:g} s"}
        else:
            if os.path.exists(out):
                with open(out, encoding="utf-8") as f:
                    result = json.load(f)
            else:
                result = _failure(proc, memory_cap_bytes)
        wall = time.perf_counter() - t0
    return dict(result, process_wall_s=wall, spawn_epoch=spawn_epoch)
