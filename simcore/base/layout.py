"""Where the ``(B, N)`` arrays of a batch lie in memory: staggered inside a page.

The population pass of the kernel (:mod:`neurons.population`) walks several
arrays of one sample in step: ``v[b, i]``, ``ref[b, i]``, each receptor
``buf[b, i]``, ``spike_flag[b, i]``, ... An array larger than the C
library's ``mmap`` threshold (128 KiB and up, so every state array of a
batch of a few thousand neurons) starts at a page boundary plus the same
small header, so element ``i`` of every such array has the same address
modulo 4096. Then

* all the streams fall into the same sets of the L1 data cache (the set
  index is address bits 6-11), which holds 8 ways, and
* a load from one array right after a store to another at the same address
  modulo 4096 waits for the store ("4K aliasing"; the core compares only
  the low 12 address bits before it knows the page).

That is the batch penalty of issue 16: on CUBA (4000 neurons, one thread)
a sample cost 1.17x more inside a batch of 64 than alone, with the same
machine code (the serial and the parallel kernel at the same batch size
measure alike). A batch-1 array of 32 KB comes from the heap at an unaligned
address and suffered less. :func:`staggered` places array ``slot`` of a group
``slot * STAGGER`` bytes past a page boundary instead, so the arrays of one
group never share those low 12 bits; the values, shapes, dtypes and C order
are those of ``np.zeros``: results do not change.
"""

from __future__ import annotations

import numpy as np

#: bytes of a page: addresses equal modulo PAGE alias in the L1 cache sets and the load-store check
PAGE = 4096
#: bytes between the starts of consecutive slots: 5 cache lines, so 12 slots fit in a page, each on its own line
STAGGER = 5 * 64


def staggered(shape, dtype, slot: int) -> np.ndarray:
    """A zeroed, C-contiguous array of ``shape`` whose first element lies ``(slot * STAGGER) % PAGE``
    bytes past a page boundary.

    ``slot`` numbers the arrays of a group that a kernel walks together
    (module docstring). The array is a view of a private byte buffer at most
    ``2 * PAGE`` bytes longer; it owns no other data and is writeable.
    """
    dtype = np.dtype(dtype)
    shape = (int(shape),) if np.isscalar(shape) else tuple(int(n) for n in shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.zeros(nbytes + 2 * PAGE, dtype=np.uint8)
    start = (-raw.ctypes.data) % PAGE + (int(slot) * STAGGER) % PAGE
    return raw[start : start + nbytes].view(dtype).reshape(shape)
