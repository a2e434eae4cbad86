"""Distributions for parameters, initial states, weights and delays.

A distribution is drawn from a seeded ``numpy.random.Generator``: parameters,
weights and delays from the network's generator (shared by the batch),
initial states from one generator per sample (docs/contract.md §5).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np

from .errors import as_array, check_finite


class Distribution(abc.ABC):
    """Base class: ``sample(rng, size)`` returns a float64 array."""

    @abc.abstractmethod
    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        """Draw ``size`` values from ``rng``."""

    def describe(self) -> dict:
        return {"distribution": type(self).__name__, **self.__dict__}


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on ``[low, high)``."""

    low: float
    high: float

    def __post_init__(self):
        check_finite([self.low, self.high], "Uniform bounds")
        if not self.high >= self.low:
            raise ValueError(f"Uniform needs high >= low; got low={self.low}, high={self.high}")

    def sample(self, rng, size):
        return rng.uniform(self.low, self.high, size)


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with ``mean`` and standard deviation ``std``."""

    mean: float
    std: float

    def __post_init__(self):
        check_finite([self.mean, self.std], "Normal parameters")
        if self.std < 0:
            raise ValueError(f"Normal std must be >= 0; got {self.std}")

    def sample(self, rng, size):
        return rng.normal(self.mean, self.std, size)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Log-normal: ``exp(Normal(mu, sigma))``."""

    mu: float
    sigma: float

    def __post_init__(self):
        check_finite([self.mu, self.sigma], "LogNormal parameters")
        if self.sigma < 0:
            raise ValueError(f"LogNormal sigma must be >= 0; got {self.sigma}")

    def sample(self, rng, size):
        return rng.lognormal(self.mu, self.sigma, size)


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential with mean ``scale``."""

    scale: float

    def __post_init__(self):
        check_finite([self.scale], "Exponential scale")
        if self.scale <= 0:
            raise ValueError(f"Exponential scale must be > 0; got {self.scale}")

    def sample(self, rng, size):
        return rng.exponential(self.scale, size)


def realize(value, rng: np.random.Generator, size, name: str) -> np.ndarray:
    """A scalar, array or Distribution as a float64 array of shape ``size``.

    Arrays must already have shape ``size`` (or be scalars); nothing else is broadcast.
    """
    shape = tuple(int(x) for x in np.atleast_1d(size))
    if not isinstance(value, Distribution):
        return as_array(value, shape, name)
    arr = np.asarray(value.sample(rng, shape), dtype=np.float64)
    check_finite(arr, name)
    return arr
