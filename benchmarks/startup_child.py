"""The child of the ``startup`` case: ``python -m benchmarks.startup_child --n N --json FILE``.

It times, from inside a fresh interpreter, importing simcore, building CUBA
(``n`` neurons, batch 1), warming up (generating and compiling or loading
the kernel) and one step, and writes ``import_s``, ``build_s``,
``compile_s``, ``warmup_s`` and ``step_s`` to ``FILE``, with the CPU seconds of each
(``*_cpu_s``: on a shared machine the steadier figure). The parent times the
whole process (:mod:`benchmarks.cases.startup`). Nothing is imported before
the timer starts but the standard library.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def measure(n: int) -> dict:
    """Seconds (wall, and ``*_cpu_s`` CPU of this process) to import simcore, build CUBA, warm up and step once.

    ``numba_init_s`` (part of ``build_s``) is Numba's own set-up on the first load of a cached function (its
    typing and lowering registries; it imports scipy.linalg to look for BLAS): a floor no network avoids.
    """
    marks = [(time.perf_counter(), time.process_time())]
    from simcore.builtin import cuba

    marks.append((time.perf_counter(), time.process_time()))
    try:
        from numba.core.registry import cpu_target

        cpu_target.target_context.refresh()
    except (ImportError, AttributeError):  # another Numba: the set-up then falls into build_s alone
        pass
    marks.append((time.perf_counter(), time.process_time()))
    net = cuba(n, record=False)
    net.build(batch_size=1, dt=0.1, seed=1)
    marks.append((time.perf_counter(), time.process_time()))
    compile_s = net.warmup()
    marks.append((time.perf_counter(), time.process_time()))
    net.run(steps=1)
    marks.append((time.perf_counter(), time.process_time()))
    first_step_epoch = time.time()  # the parent subtracts its spawn time: start-up to the first step
    wall = [b[0] - a[0] for a, b in zip(marks, marks[1:])]
    cpu = [b[1] - a[1] for a, b in zip(marks, marks[1:])]
    return {
        "status": "ok",
        "import_s": wall[0],
        "numba_init_s": wall[1],
        "build_s": wall[1] + wall[2],
        "compile_s": compile_s,
        "warmup_s": wall[3],
        "step_s": wall[4],
        "import_cpu_s": cpu[0],
        "numba_init_cpu_s": cpu[1],
        "build_cpu_s": cpu[1] + cpu[2],
        "warmup_cpu_s": cpu[3],
        "step_cpu_s": cpu[4],
        "total_cpu_s": sum(cpu),
        "first_step_epoch": first_step_epoch,
    }


def main(argv=None) -> int:
    """Parse ``--n`` and ``--json``, measure, write the result."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.startup_child", description="Time a cold start of spikesim up to the first step."
    )
    parser.add_argument("--n", type=int, default=4000, help="neurons of the CUBA network")
    parser.add_argument("--json", required=True, metavar="FILE", help="write the timings here")
    args = parser.parse_args(argv)
    result = measure(args.n)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
