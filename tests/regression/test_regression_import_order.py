"""Regression: importing one package first (monitors, neurons, ...) used to hit a circular import."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["neurons", "synapses", "monitors", "monitors.reader", "simcore.network"])
def test_any_package_imports_first_in_a_fresh_interpreter(module):
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}; import simcore; simcore.Network"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_public_api_is_complete():
    import simcore as sc

    for name in sc.__all__:
        assert getattr(sc, name) is not None
