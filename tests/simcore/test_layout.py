"""The staggered placement of batch arrays (simcore.base.layout, issue 16: no batch penalty)."""

import numpy as np
import pytest

from simcore.base.layout import PAGE, STAGGER, staggered
from simcore.builtin import cuba


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.int8, np.uint64])
@pytest.mark.parametrize("shape", [(64, 4000), (3, 5, 7), (1, 1), (2, 0), 10])
def test_staggered_is_a_zeroed_c_contiguous_array_of_the_shape(shape, dtype):
    a = staggered(shape, dtype, 3)
    assert a.shape == ((shape,) if isinstance(shape, int) else shape)
    assert a.dtype == np.dtype(dtype)
    assert a.flags.c_contiguous and a.flags.writeable and a.flags.aligned
    assert not a.any()


@pytest.mark.parametrize("slot", [0, 1, 5, 12, 13, 40])
def test_staggered_starts_slot_times_stagger_past_a_page(slot):
    a = staggered((64, 4000), np.float64, slot)
    assert a.ctypes.data % PAGE == (slot * STAGGER) % PAGE


def test_staggered_arrays_do_not_overlap():
    a, b = staggered((8, 100), np.float64, 0), staggered((8, 100), np.float64, 1)
    a[...] = 1.0
    assert not b.any()
    assert not np.shares_memory(a, b)


def test_population_arrays_of_a_batch_never_alias_modulo_a_page():
    """Every (B, N) array of a population starts at its own address modulo 4096 (the cause of the penalty)."""
    net = cuba(record=False).build(batch_size=64, seed=1)
    for pop in net.populations:
        rt = pop.runtime
        arrays = [*rt.state.values(), *rt.receptors.values(), rt.spike_flag, rt.spike_idx, rt.spike_code, rt.spike_val]
        offsets = [a.ctypes.data % PAGE for a in arrays]
        assert len(set(offsets)) == len(offsets), offsets
