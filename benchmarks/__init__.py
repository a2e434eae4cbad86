"""spikesim's benchmark suite: ``python -m benchmarks [NAME ...] [--quick] [--json FILE]``.

The benchmarks, the targets and how to read the output are described in
``docs/benchmarks.md``; the runner and the benchmark functions live in
:mod:`benchmarks.suite`. :mod:`benchmarks.reference` runs the same models in
Brian2 and NEST when they are installed, :mod:`benchmarks.bare_csr` measures
the bare-loop bound on spike delivery.
"""
