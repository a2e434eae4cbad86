"""Simulation settings shared by every component while a network is built."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BuildContext:
    """Settings of a built network: they live apart from model parameters (docs/architecture.md)."""

    batch_size: int
    dt: float
    seed: int
    dtype: np.dtype
    #: steps per kernel call; monitors size their per-step buffers for it (results do not depend on it)
    chunk_steps: int = 10_000
    #: global index of sample 0: a process running samples ``[first, first + batch_size)`` of a larger batch
    #: (``simcore.mpi``) draws them as a single process would (docs/contract.md §5); 0 otherwise
    sample_offset: int = 0

    def describe(self) -> dict:
        return {"batch_size": self.batch_size, "dt": self.dt, "seed": self.seed, "dtype": np.dtype(self.dtype).name}
