"""Pure Numba kernels of the dense-gradient (BPTT) mode; no user-facing API here.

Every kernel takes its arrays and small NamedTuples as arguments and writes into
preallocated outputs.  The model equations are the ones of docs/contract.md §3
and 4; the user-facing documentation is in ``simcore.grad.layers``.
"""
