"""The fast path of the conductance models changed no result: COBA, LIFCondAlpha, AdExCondExp, bit for bit.

The digests in ``golden_conductance.json`` were recorded by ``golden_conductance.py`` on the code
before the fast path (commit fda34df): spike trains and full final states of COBA in float64 and
float32 (batch 2; batch 1 in two shards), of COBA's network with ``LIFCondAlpha`` and with
``AdExCondExp`` cells, and of a ``LIFCondExp`` population whose conductances start far outside the
ordinary range of ``exp`` (the exact path). The second group compiles four more kernels (over 20 s
with a cold cache): ``pytest -m slow``.
"""

import json
import os

import pytest

from golden_conductance import GROUPS, HERE, digests
from tests.simcore.test_vexp import SAME_AS_LIBM


def _before(group: str) -> dict:
    with open(os.path.join(HERE, "golden_conductance.json")) as fh:
        return {k: v for k, v in json.load(fh).items() if k in GROUPS[group]}


def test_coba_and_the_exact_path_equal_those_before_the_fast_path():
    assert digests("fast") == _before("fast")


@pytest.mark.skipif(not SAME_AS_LIBM, reason="AdExCondExp calls the C library's exp, which rounds differently here")
def test_float32_shards_alpha_and_adex_equal_those_before_the_fast_path():
    assert digests("slow") == _before("slow")
