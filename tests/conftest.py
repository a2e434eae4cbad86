"""Shared fixtures: a seeded generator (no global seeding) and small helpers."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


#: variants of evidence that other tests already give in the fast default (each measured over ~10 s with a
#: cold kernel cache); ``python -m pytest -m slow`` runs them, ``-m "slow or not slow"`` everything
SLOW = {
    "tests/simcore/test_shards.py::test_any_thread_count_gives_identical_results[brunel]",
    "tests/simcore/test_shards.py::test_float32_split_equals_unsplit[brunel]",
    "tests/simcore/test_shards.py::test_float32_split_equals_unsplit[cuba]",
    "tests/simcore/grad/test_bptt_parity_event.py::test_alif_and_lib_dual_trace[float32]",
    "tests/simcore/grad/test_bptt_parity_event.py::test_lif_stack_with_delays[float32]",
    "tests/synapses/test_song_miller_abbott.py::test_additive_stdp_makes_the_weights_bimodal",
    "tests/simcore/test_kernel_cache.py::test_kernel_is_loaded_from_cache_in_a_new_process[3]",
    "tests/simcore/test_ranks.py::test_rank_threads_equal_one_process_mixed[7]",
    "tests/pynn/test_pynn.py::test_rates_agree_with_pynn_nest[COBA]",
    "tests/pynn/test_pynn.py::test_rates_agree_with_pynn_nest[CUBA]",
    "tests/regression/test_conductance_identical.py::test_float32_shards_alpha_and_adex_equal_those_before_the_fast_path",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid in SLOW:
            item.add_marker(pytest.mark.slow)
