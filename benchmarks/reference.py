"""Former home of the reference simulators, kept as an alias for existing importers.

The reference simulators now live in one module each,
:mod:`benchmarks.references.brian2` and :mod:`benchmarks.references.nest`;
this module re-exports their public functions under the old names for code
that still imports ``benchmarks.reference`` (``tests/test_cross_brian2.py``).
Importing it imports neither Brian2 nor NEST.
"""
from benchmarks.references.brian2 import (
                                          brian2_brunel,
                                          brian2_cuba,
                                          brian2_cuba_network_arrays,
                                          brian2_cuba_spikes,
                                          brunel_indegree_arrays,
)
from benchmarks.references.common import ReferenceUnavailable
from benchmarks.references.nest import nest_brunel

__all__ = [
                                          "ReferenceUnavailable",
                                          "brian2_brunel",
                                          "brian2_cuba",
                                          "brian2_cuba_network_arrays",
                                          "brian2_cuba_spikes",
                                          "brunel_indegree_arrays",
                                          "nest_brunel",
]
