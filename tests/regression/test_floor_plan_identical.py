"""The floor-plan refactor changed no result: CUBA, Brunel and the DelayNet evaluation, bit for bit.

The digests in ``golden_floor_plan.json`` were recorded by ``golden_floor_plan.py`` on the code
before the refactor (commit 28985fc): spike trains and final voltages of CUBA and Brunel (scale 0.1)
in float32 and float64 at batch 2, and the trained DelayNet's readout and spikes in the dense and
the event-driven mode on 16 fresh cue-accumulation samples.
"""

import json
import os

from golden_floor_plan import HERE, all_digests


def test_results_equal_those_before_the_refactor():
    with open(os.path.join(HERE, "golden_floor_plan.json")) as fh:
        before = json.load(fh)
    assert all_digests() == before
