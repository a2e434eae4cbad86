"""Run a PyNN script with ``pyNN.spikesim`` naming simcore.pynn: ``python run_with_spikesim.py SCRIPT ARGS...``."""

import runpy
import sys

import simcore.pynn

sys.modules["pyNN.spikesim"] = simcore.pynn
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
