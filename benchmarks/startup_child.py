"""The child of the ``startup`` case: ``python -m benchmarks.startup_child --n N --json FILE``.

It times, from inside a fresh interpreter, importing simcore, building CUBA
(``n`` neurons, batch 1), warming up (generating and compiling or loading
the kernel) and one step, and writes ``import_s``, ``build_s``,
``compile_s``, ``warmup_s`` and ``step_s`` to ``FILE``. The parent times the
whole process (:mod:`benchmarks.cases.startup`). Nothing is imported before
the timer starts but the standard library.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def measure(n: int) -> dict:
    """Seconds to import simcore, build CUBA, warm up and step once."""
    t0 = time.perf_counter()
    from simcore.builtin import cuba

    t1 = time.perf_counter()
    net = cuba(n, record=False)
    net.build(batch_size=1, dt=0.1, seed=1)
    t2 = time.perf_counter()
    compile_s = net.warmup()
    t3 = time.perf_counter()
    net.run(steps=1)
    t4 = time.perf_counter()
    return {
        "status": "ok",
        "import_s": t1 - t0,
        "build_s": t2 - t1,
        "compile_s": compile_s,
        "warmup_s": t3 - t2,
        "step_s": t4 - t3,
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
