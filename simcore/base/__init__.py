"""The ground floor of spikesim: what every other package builds on.

``errors`` (validation helpers, the warning class), ``clock`` (steps and the
rounding rule), ``random`` (per-sample stream seeding), ``distributions``,
``params`` (parameter specs), ``context`` (settings of a built network),
``component`` (the protocol every part of a network implements),
``schedule`` (the phases of a step), ``codegen`` (the generated kernel) and
``kernels.rng`` (the random-number kernels). It imports numpy and numba, and
no other spikesim package (checked by import-linter).
"""

from .numba_setup import defer_blas_probe, skip_idle_coverage_support, type_plain_arrays_without_numpy_ma

skip_idle_coverage_support()
defer_blas_probe()
type_plain_arrays_without_numpy_ma()
