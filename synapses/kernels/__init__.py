"""Pure Numba kernels of synapses: delay queues and connectivity builders."""
