"""The command line: ``python -m benchmarks [NAME ...] [--quick] [--json FILE] [--readme FILE] [--no-reference]``.

Runs the selected cases (:mod:`benchmarks.cases`) with the sizes of the quick
or the full mode, prints one table row per record as soon as its case is
done (:mod:`benchmarks.table`), appends the records to a JSON Lines file and
ends with a PASS/FAIL/SKIP table of the targets. A case that raises is
reported as an ERROR record and the others still run; the exit status is 1
when one did, else 0 (a failed target does not change it). ``--readme FILE``
rewrites the benchmark table of FILE (:mod:`benchmarks.readme`) from this run's
records, with the load average beside each row.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback

from benchmarks.cases import CASES, NAMES, sizes
from benchmarks.machine import machine_info, package_versions
from benchmarks.readme import write_readme
from benchmarks.records import append_json, error_record
from benchmarks.table import HEADER, format_row, format_targets

log = logging.getLogger(__name__)


def run_case(name: str, kwargs: dict) -> list[dict]:
    """``CASES[name].run(**kwargs)``; a case that raises gives one error record instead."""
    try:
        return CASES[name].run(**kwargs)
    except Exception as exc:
        log.debug("case %s failed", name, exc_info=True)
        return [error_record(name, kwargs, exc, traceback.format_exc())]


def run_suite(
    names=NAMES, *, quick: bool = False, json_path: str | None = None, references: bool = True, echo=print
) -> list[dict]:
    """Run the named cases; print (``echo``) and append each one's records as soon as it is done."""
    records: list[dict] = []
    echo(HEADER)
    for name in names:
        kwargs = sizes(name, quick=quick, references=references)
        t0 = time.perf_counter()
        recs = run_case(name, kwargs)
        for rec in recs:
            rec.update(benchmark_wall_s=time.perf_counter() - t0, mode="quick" if quick else "full")
            echo(format_row(rec))
        if json_path:
            append_json(json_path, recs)
        records.extend(recs)
    return records


def machine_line(quick: bool) -> str:
    """The first line of the output: mode, CPU, cores, threads, load average, versions."""
    m, v = machine_info(), package_versions()
    refs = ", ".join(
        f"{name} {v[dist]}" for name, dist in (("brian2", "brian2"), ("nest", "nest-simulator")) if v.get(dist)
    )
    return (
        f"spikesim {v['spikesim']} benchmarks ({'quick' if quick else 'full'} mode): {m['cpu']}, "
        f"{m['cores']} cores ({m['cores_usable']} usable), load {m['load_average']}; python {v['python']}, "
        f"numpy {v['numpy']}, numba {v['numba']} with {m['numba_threads']} threads"
        + (f"; {refs}" if refs else "; no reference simulator installed")
    )


def parse_args(argv=None) -> argparse.Namespace:
    """The command line's arguments; unknown benchmark names are an error (exit 2)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="spikesim's benchmark suite (see docs/benchmarks.md)"
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run (default: all of {NAMES})")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few minutes in all")
    parser.add_argument("--json", metavar="FILE", default=None, help="append the records to FILE (JSON Lines)")
    parser.add_argument(
        "--readme", metavar="FILE", default=None, help="rewrite FILE's benchmark table from this run (README.md)"
    )
    parser.add_argument("--no-reference", action="store_true", help="skip Brian2 and NEST even when installed")
    args = parser.parse_args(argv)
    for name in args.names:
        if name not in CASES:
            parser.error(f"unknown benchmark {name!r}; choose from {', '.join(NAMES)}")
    if args.readme is not None and not os.path.isfile(args.readme):
        parser.error(f"--readme: {args.readme!r} is not an existing file (expected the README to rewrite)")
    return args


def main(argv=None) -> int:
    """Run the suite from the command line; 1 when a case raised, else 0."""
    args = parse_args(argv)
    os.environ.setdefault("PYNEST_QUIET", "1")
    heading = machine_line(args.quick)
    print(heading, flush=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    t0 = time.perf_counter()
    records = run_suite(
        tuple(args.names) or NAMES,
        quick=args.quick,
        json_path=args.json,
        references=not args.no_reference,
        echo=lambda text: print(text, flush=True),
    )
    print()
    print(format_targets(records))
    wall = time.perf_counter() - t0
    print(f"\n{len(records)} records in {wall:.1f} s" + (f"; appended to {args.json}" if args.json else ""))
    if args.readme:
        command = "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv)
        write_readme(args.readme, records, f"{started}, {wall / 60:.0f} min; {heading}", command.strip())
        print(f"benchmark table of {args.readme} rewritten")
    return 1 if any("error" in r for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
