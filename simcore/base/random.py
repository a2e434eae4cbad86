"""Seeding of the per-sample random streams (docs/contract.md §5).

A stream is named by ``(seed, key, purpose, sample)``: the same seed gives the
same numbers run after run, and sample ``b`` gets the same numbers whatever the
batch size, because its stream never depends on ``B``. A process that runs only
samples ``first ... first + B - 1`` of a larger batch (``simcore.mpi``) draws them
inside :func:`first_sample`, so its local sample ``b`` is global sample ``first + b``.
"""

from __future__ import annotations

import contextlib
import contextvars
import zlib

import numpy as np


def name_key(name: str) -> int:
    """A stable 32-bit key for a component name (CRC-32, not Python's hash)."""
    return zlib.crc32(name.encode("utf-8"))


#: the global index of local sample 0 (0 unless a build runs a block of a larger batch)
_FIRST_SAMPLE = contextvars.ContextVar("spikesim_first_sample", default=0)


@contextlib.contextmanager
def first_sample(first: int):
    """Streams drawn inside are those of samples ``first + b`` (``b``: the local sample index)."""
    token = _FIRST_SAMPLE.set(int(first))
    try:
        yield
    finally:
        _FIRST_SAMPLE.reset(token)


def _first(purpose: int) -> int:
    """The offset of local sample indices: per-sample purposes only (a network-wide stream, such as the
    connectivity stream drawn with ``stream_states(..., CONNECT, 1)``, is the same on every rank)."""
    return _FIRST_SAMPLE.get() if purpose in PER_SAMPLE else 0


def stream_states(seed: int, name: str, purpose: int, batch_size: int) -> np.ndarray:
    """xoroshiro128+ states ``(batch_size, 2)`` uint64, one stream per sample."""
    states = np.empty((batch_size, 2), dtype=np.uint64)
    first = _first(purpose)
    for b in range(batch_size):
        seq = np.random.SeedSequence([seed, name_key(name), purpose, first + b])
        s = seq.generate_state(2, dtype=np.uint64)
        if not s.any():  # the all-zero state is the one xoroshiro cannot leave
            s[0] = np.uint64(0x9E3779B97F4A7C15)
        states[b] = s
    return states


def sample_generator(seed: int, name: str, purpose: int, sample: int) -> np.random.Generator:
    """A numpy Generator for one (local) sample (initial-state draws)."""
    return np.random.default_rng(np.random.SeedSequence([seed, name_key(name), purpose, _first(purpose) + sample]))


def network_generator(seed: int, name: str, purpose: int) -> np.random.Generator:
    """A numpy Generator shared by all samples (connectivity, parameters)."""
    return np.random.default_rng(np.random.SeedSequence([seed, name_key(name), purpose]))


# purposes, so that two uses of one name never share a stream
INIT = 1
PARAMS = 2
CONNECT = 3
WEIGHTS = 4
DELAYS = 5
NOISE = 6

#: the purposes whose streams belong to one sample (the others are drawn once for the whole network)
PER_SAMPLE = (INIT, NOISE)
