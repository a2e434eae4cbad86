"""Seeding of the per-sample random streams (docs/contract.md §5).

A stream is named by ``(seed, key, purpose, sample)``: the same seed gives the
same numbers run after run, and sample ``b`` gets the same numbers whatever the
batch size, because its stream never depends on ``B``.
"""
from __future__ import annotations

import zlib

import numpy as np


def name_key(name: str) -> int:
    """A stable 32-bit key for a component name (CRC-32, not Python's hash)."""
    return zlib.crc32(name.encode("utf-8"))


def stream_states(seed: int, name: str, purpose: int, batch_size: int) -> np.ndarray:
    """xoroshiro128+ states ``(batch_size, 2)`` uint64, one stream per sample."""
    states = np.empty((batch_size, 2), dtype=np.uint64)
    for b in range(batch_size):
        seq = np.random.SeedSequence([seed, name_key(name), purpose, b])
        s = seq.generate_state(2, dtype=np.uint64)
        if not s.any():  # the all-zero state is the one xoroshiro cannot leave
            s[0] = np.uint64(0x9E3779B97F4A7C15)
        states[b] = s
    return states


def sample_generator(seed: int, name: str, purpose: int, sample: int) -> np.random.Generator:
    """A numpy Generator for one sample (initial-state draws)."""
    return np.random.default_rng(np.random.SeedSequence([seed, name_key(name), purpose, sample]))


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
