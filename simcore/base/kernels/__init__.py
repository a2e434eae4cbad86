"""Pure Numba kernels of the engine core (no user-facing API here)."""
