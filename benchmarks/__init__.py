"""spikesim's benchmarks: ``python -m benchmarks [NAME ...] [--quick] [--json FILE]``.

* :mod:`benchmarks.runner`: the command line (selection, table, JSON Lines, machine line);
* :mod:`benchmarks.cases`: one module per benchmark, each returning records;
* :mod:`benchmarks.records`, :mod:`benchmarks.table`: the records and their table;
* :mod:`benchmarks.timing`, :mod:`benchmarks.machine`: how spikesim is timed, what the machine is;
* :mod:`benchmarks.references`: Brian2 and NEST, one module each, run in child processes
  (:mod:`benchmarks.child`);
* standalone scripts: :mod:`benchmarks.bare_csr` (the bare-loop delivery bound),
  :mod:`benchmarks.delivery`, :mod:`benchmarks.bench_bptt`, :mod:`benchmarks.bench_models`,
  :mod:`benchmarks.delaynet`.

``docs/benchmarks.md`` describes the benchmarks, the targets and how to read the output.
This package imports nothing on import, so that ``python -m benchmarks.startup_child``
starts as fast as a bare interpreter.
"""
