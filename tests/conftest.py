"""Shared fixtures: a seeded generator (no global seeding) and small helpers."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
