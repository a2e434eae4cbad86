"""Dense-mode leaky-integrator readout kernels (docs/contract.md §3.5)."""

from numba import njit


@njit(cache=True)
def readout_forward(I, kappa, y0, y):
    """``y[t] = kappa*y[t-1] + I[t]``; ``I``, ``y``: (T, B, C)."""
    T, B, C = I.shape
    for b in range(B):
        for c in range(C):
            v = y0[b, c]
            for t in range(T):
                v = kappa[c] * v
                v = v + I[t, b, c]
                y[t, b, c] = v


@njit(cache=True)
def readout_backward(gy, y, y0, kappa, gI, gkappa):
    """Adjoint of ``readout_forward``: writes ``gI`` and accumulates
    ``gkappa`` (C,)."""
    T, B, C = y.shape
    for b in range(B):
        for c in range(C):
            G = 0.0
            for t in range(T - 1, -1, -1):
                g = gy[t, b, c] + G
                gI[t, b, c] = g
                yp = y[t - 1, b, c] if t > 0 else y0[b, c]
                gkappa[c] += g * yp
                G = kappa[c] * g
