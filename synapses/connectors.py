"""Connectors: which synapses a projection has (and, for explicit ones, their weights).

Each connector builds CSR arrays over sources (``indptr`` int64 of length
``N_pre + 1``, ``indices`` int32 targets, sorted within a row) in time linear
in the number of synapses, from the network's seeded generator (docs/contract.md §5).
``allow_self`` matters only when a population connects to itself.

=================== ==================================================================
connector           synapses
=================== ==================================================================
AllToAll()          every pair
OneToOne()          ``i -> i`` (populations of one size)
Bernoulli(p)        each pair independently with probability ``p`` (NEST pairwise_bernoulli)
FixedInDegree(k)    each target draws ``k`` distinct sources (``allow_multiple`` for NEST's default)
FixedOutDegree(k)   each source draws ``k`` distinct targets
FromArrays(i, j, w) exactly the given pairs (and weights)
FromMatrix(W)       the stored entries of a scipy.sparse or non-zeros of a dense ``(N_pre, N_post)`` matrix
=================== ==================================================================
"""

from __future__ import annotations

import abc
from typing import NamedTuple

import numpy as np

from simcore.base.errors import check_finite, check_int
from .kernels.build import in_rows_part, sample_rows, sample_rows_part, transpose_indices, transpose_part


class ConnectorPart(NamedTuple):
    """The synapses onto the targets ``keep`` marks, out of the ``nnz`` a whole build makes (:meth:`build_part`).

    ``indptr`` (N_pre + 1,) int64 and ``indices`` int32: CSR over sources of the kept synapses, each row's in its
    unrestricted order; ``weights``: theirs (connectors that carry weights) or ``None``; ``full_out``
    (N_pre,) and ``full_in`` (N_post,) int64: the unrestricted out- and in-degrees; ``positions`` int64: each
    kept synapse's position in the unrestricted CSR (ascending), or ``None`` when not asked for.
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray | None
    full_out: np.ndarray
    full_in: np.ndarray
    nnz: int
    positions: np.ndarray | None


class Connector(abc.ABC):
    """Base class: ``build(n_pre, n_post, same, rng, state) -> (indptr, indices, weights | None)``.

    A connector whose synapses the user lists (``FromArrays``) sets
    ``given_order`` when it builds: ``given_order[k]`` is the user's index of
    the synapse stored at position ``k``, so per-synapse arrays given in the
    user's order (weights, delays) land on their own synapse.
    """

    has_weights = False
    given_order = None

    @abc.abstractmethod
    def build(self, n_pre, n_post, same, rng, state):
        """CSR over sources: ``(indptr int64, indices int32, weights float64 or None)``."""

    def build_part(self, n_pre, n_post, same, rng, state, keep, with_positions=False) -> ConnectorPart:
        """The synapses of :meth:`build` whose target ``j`` has ``keep[j]`` (``(N_post,)`` bool), drawn alike.

        This default builds every synapse, then keeps the marked ones (for connectors whose synapses the user
        holds already, or that hold one per neuron); the random ones draw row by row, keeping as they go.
        """
        indptr, indices, weights = self.build(n_pre, n_post, same, rng, state)
        mask = keep[indices]
        rows = np.repeat(np.arange(n_pre, dtype=np.int64), np.diff(indptr))[mask]
        part_ptr = np.zeros(n_pre + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_pre), out=part_ptr[1:])
        return ConnectorPart(
            part_ptr,
            np.ascontiguousarray(indices[mask]),
            None if weights is None else weights[mask],
            np.diff(indptr),
            np.bincount(indices, minlength=n_post).astype(np.int64),
            int(indices.shape[0]),
            np.flatnonzero(mask).astype(np.int64) if with_positions else None,
        )

    def describe(self) -> dict:
        d = {"connector": type(self).__name__}
        for key, value in vars(self).items():
            if isinstance(value, (int, float, bool, str)):
                d[key] = value
        return d


def _rows_with(counts, n_choices, exclude_self, allow_multiple, state):
    return sample_rows(counts.astype(np.int64), n_choices, exclude_self, allow_multiple, state)


def _rows_part(counts, n_choices, exclude_self, allow_multiple, state, keep, with_positions) -> ConnectorPart:
    """:func:`_rows_with` keeping the columns ``keep`` marks: a counting pass on a copy of ``state``, then a
    filling pass (so no more than one row of the unrestricted CSR is held at a time)."""
    counts = counts.astype(np.int64)
    n_rows = counts.shape[0]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    none32, none64 = np.zeros(0, np.int32), np.zeros(0, np.int64)
    full_in = sample_rows_part(
        counts, n_choices, exclude_self, allow_multiple, state.copy(), keep, False, indptr, none32, none64
    )
    nnz = int(indptr[-1])
    indices = np.empty(nnz, dtype=np.int32)
    positions = np.empty(nnz, dtype=np.int64) if with_positions else none64
    sample_rows_part(counts, n_choices, exclude_self, allow_multiple, state, keep, True, indptr, indices, positions)
    return ConnectorPart(
        indptr, indices, None, counts, full_in, int(counts.sum()), positions if with_positions else None
    )


class AllToAll(Connector):
    def __init__(self, allow_self: bool = True):
        self.allow_self = bool(allow_self)

    def build(self, n_pre, n_post, same, rng, state):
        cols = np.arange(n_post, dtype=np.int32)
        if same and not self.allow_self:
            indices = np.tile(np.arange(n_post - 1, dtype=np.int32), n_pre)
            rows = np.repeat(np.arange(n_pre, dtype=np.int32), n_post - 1)
            indices += indices >= rows
            indptr = np.arange(n_pre + 1, dtype=np.int64) * (n_post - 1)
        else:
            indices = np.tile(cols, n_pre)
            indptr = np.arange(n_pre + 1, dtype=np.int64) * n_post
        return indptr, indices, None

    def build_part(self, n_pre, n_post, same, rng, state, keep, with_positions=False) -> ConnectorPart:
        """Every row is the kept columns (less the row's own index without self-connections)."""
        exclude = same and not self.allow_self
        cols = np.flatnonzero(keep).astype(np.int32)
        indices = np.tile(cols, n_pre)
        rows = np.repeat(np.arange(n_pre, dtype=np.int64), cols.size)
        per_row = n_post - 1 if exclude else n_post
        if exclude:
            mask = indices != rows
            indices, rows = indices[mask], rows[mask]
        indptr = np.zeros(n_pre + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_pre), out=indptr[1:])
        positions = None
        if with_positions:
            positions = rows * per_row + indices - (indices > rows if exclude else 0)
        full_in = np.full(n_post, n_pre - 1 if exclude else n_pre, dtype=np.int64)
        full_out = np.full(n_pre, per_row, dtype=np.int64)
        return ConnectorPart(indptr, indices, None, full_out, full_in, n_pre * per_row, positions)


class OneToOne(Connector):
    def build(self, n_pre, n_post, same, rng, state):
        if n_pre != n_post:
            raise ValueError(f"OneToOne needs populations of one size; got N_pre={n_pre}, N_post={n_post}")
        return np.arange(n_pre + 1, dtype=np.int64), np.arange(n_post, dtype=np.int32), None


class Bernoulli(Connector):
    """Pairwise Bernoulli with probability ``p`` in [0, 1]."""

    def __init__(self, p: float, allow_self: bool = True):
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)):
            raise TypeError(f"p must be a probability (float); got {p!r}")
        check_finite([p], "p")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must lie in [0, 1]; got {p}")
        self.p = float(p)
        self.allow_self = bool(allow_self)

    def build(self, n_pre, n_post, same, rng, state):
        exclude = same and not self.allow_self
        pool = n_post - 1 if exclude else n_post
        counts = rng.binomial(pool, self.p, size=n_pre)
        indptr, indices = _rows_with(counts, n_post, exclude, False, state)
        return indptr, indices, None

    def build_part(self, n_pre, n_post, same, rng, state, keep, with_positions=False) -> ConnectorPart:
        exclude = same and not self.allow_self
        counts = rng.binomial(n_post - 1 if exclude else n_post, self.p, size=n_pre)
        return _rows_part(counts, n_post, exclude, False, state, keep, with_positions)


class _FixedDegree(Connector):
    def __init__(self, k: int, allow_self: bool = True, allow_multiple: bool = False):
        self.k = check_int(k, f"{self.degree_name}", minimum=0)
        self.allow_self = bool(allow_self)
        self.allow_multiple = bool(allow_multiple)

    def _check(self, pool, population):
        if not self.allow_multiple and self.k > pool:
            raise ValueError(
                f"{self.degree_name} {self.k} is larger than the {population} population "
                f"({pool} candidates); lower it or pass allow_multiple=True"
            )


class FixedInDegree(_FixedDegree):
    """Each target gets ``k`` sources."""

    degree_name = "in-degree k"

    def build(self, n_pre, n_post, same, rng, state):
        exclude = same and not self.allow_self
        self._check(n_pre - 1 if exclude else n_pre, "source")
        counts = np.full(n_post, self.k, dtype=np.int64)
        in_ptr, in_idx = _rows_with(counts, n_pre, exclude, self.allow_multiple, state)
        return (*transpose_indices(in_ptr, in_idx, n_pre), None)

    def build_part(self, n_pre, n_post, same, rng, state, keep, with_positions=False) -> ConnectorPart:
        """Every target's row is drawn; the kept ones are stored, then turned over to sources."""
        exclude = same and not self.allow_self
        self._check(n_pre - 1 if exclude else n_pre, "source")
        in_idx, kept, full_out, within = in_rows_part(
            n_post, self.k, n_pre, exclude, self.allow_multiple, state, keep, with_positions
        )
        indptr, indices, positions = transpose_part(in_idx, self.k, kept, full_out, within)
        full_in = np.full(n_post, self.k, dtype=np.int64)
        return ConnectorPart(
            indptr, indices, None, full_out, full_in, n_post * self.k, positions if with_positions else None
        )


class FixedOutDegree(_FixedDegree):
    """Each source gets ``k`` targets."""

    degree_name = "out-degree k"

    def build(self, n_pre, n_post, same, rng, state):
        exclude = same and not self.allow_self
        self._check(n_post - 1 if exclude else n_post, "target")
        counts = np.full(n_pre, self.k, dtype=np.int64)
        indptr, indices = _rows_with(counts, n_post, exclude, self.allow_multiple, state)
        return indptr, indices, None

    def build_part(self, n_pre, n_post, same, rng, state, keep, with_positions=False) -> ConnectorPart:
        exclude = same and not self.allow_self
        self._check(n_post - 1 if exclude else n_post, "target")
        counts = np.full(n_pre, self.k, dtype=np.int64)
        return _rows_part(counts, n_post, exclude, self.allow_multiple, state, keep, with_positions)


def _check_index_array(arr, name, bound, pop):
    arr = np.asarray(arr)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers; got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= bound):
        raise ValueError(
            f"{name} must lie in [0, {bound}) ({pop} population size); got values in [{arr.min()}, {arr.max()}]"
        )
    return arr.astype(np.int64)


class FromArrays(Connector):
    """Exactly the synapses ``i[k] -> j[k]``, with weights ``w[k]`` when given."""

    def __init__(self, i, j, w=None):
        self.i, self.j = np.asarray(i), np.asarray(j)
        if self.i.shape != self.j.shape:
            raise ValueError(f"i and j must have one shape; got {self.i.shape} and {self.j.shape}")
        self.w = None if w is None else np.asarray(w, dtype=np.float64)
        if self.w is not None:
            if self.w.shape != self.i.shape:
                raise ValueError(f"w must have the shape of i, {self.i.shape}; got {self.w.shape}")
            check_finite(self.w, "w")
        self.has_weights = w is not None

    def build(self, n_pre, n_post, same, rng, state):
        i = _check_index_array(self.i, "i", n_pre, "source")
        j = _check_index_array(self.j, "j", n_post, "target")
        order = np.lexsort((j, i))
        self.given_order = order
        indptr = np.zeros(n_pre + 1, dtype=np.int64)
        np.cumsum(np.bincount(i, minlength=n_pre), out=indptr[1:])
        w = None if self.w is None else self.w[order]
        return indptr, j[order].astype(np.int32), w

    def describe(self):
        return {"connector": "FromArrays", "n": int(self.i.size)}


class FromMatrix(Connector):
    """Synapses and weights of a ``(N_pre, N_post)`` matrix: scipy.sparse entries or dense non-zeros."""

    has_weights = True

    def __init__(self, matrix):
        import scipy.sparse as sp  # here, not at import: start-up (issue 16)

        if sp.issparse(matrix):
            m = sp.csr_matrix(matrix)
        else:
            dense = np.asarray(matrix, dtype=np.float64)
            if dense.ndim != 2:
                raise ValueError(f"matrix must be 2-D (N_pre, N_post); got shape {dense.shape}")
            m = sp.csr_matrix(dense)
        m.sum_duplicates()
        m.sort_indices()
        check_finite(m.data, "matrix")
        self.matrix = m

    def build(self, n_pre, n_post, same, rng, state):
        if self.matrix.shape != (n_pre, n_post):
            raise ValueError(f"matrix has shape {self.matrix.shape}; expected (N_pre, N_post) = ({n_pre}, {n_post})")
        m = self.matrix
        return m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data.astype(np.float64)

    def describe(self):
        return {"connector": "FromMatrix", "shape": list(self.matrix.shape), "nnz": int(self.matrix.nnz)}
