"""Spike sources: populations that emit spikes without integrating input.

``PoissonGroup``: each neuron fires at step ``t`` with probability
``p = rate * dt / 1000`` (rate in Hz, dt in ms), from the sample's own random
stream, so sample ``b`` fires identically in any batch (docs/contract.md §5).

``SpikeArraySource``: spikes given as an array ``(T, B, N)`` or ``(T, N)``
(non-zero entries fire and carry their value, as a LIB spike carries ``out``);
row ``k`` fires at step ``start_step + k``.
"""

from __future__ import annotations

import numpy as np

from simcore.base.params import Param, ParamSpec
from synapses.stimuli import CurrentInput
from .base import NeuronModel, updates


class PoissonGroup(NeuronModel):
    """Independent Poisson spike trains at ``rate`` Hz (scalar, ``(N,)`` or a distribution)."""

    state = {}
    spec = ParamSpec(Param("rate", None, "Hz", "firing rate", "nonnegative"))

    def __init__(self, n, rate, **kwargs):
        super().__init__(n, rate=rate, **kwargs)

    def derive(self, values, dt):
        p = values["rate"] * dt / 1000.0
        if np.any(p > 1.0):
            raise ValueError(
                f"PoissonGroup.rate {values['rate'][p > 1.0][0]} Hz gives a spike probability "
                f"{p[p > 1.0][0]} > 1 per step at dt = {dt} ms; use a smaller dt or rate"
            )
        return {"p": p}

    def threshold(uniform, p):
        return 1.0 if uniform < p else 0.0


class SpikeArraySource(NeuronModel):
    """Fires where ``spikes`` is non-zero; see the module docstring."""

    state = {"x": 0.0}
    receptors = ("drive",)

    def __init__(self, n, spikes, *, start_step: int = 0, **kwargs):
        super().__init__(n, **kwargs)
        arr = np.asarray(spikes)
        if arr.ndim not in (2, 3) or arr.shape[-1] != self.n:
            raise ValueError(f"spikes must have shape (T, {self.n}) or (T, B, {self.n}); got {arr.shape}")
        if arr.dtype == bool:
            arr = arr.astype(np.float64)
        self.spikes = arr
        self.bipolar = bool(np.any(arr < 0))  # negative entries fire negative spikes
        self.start_step = start_step

    def companions(self) -> tuple:
        """The current array that drives this source, added to the network with it."""
        return (
            CurrentInput(self, self.spikes, receptor="drive", start_step=self.start_step, name=f"{self.name}.drive"),
        )

    @updates("x")
    def deliver(drive):
        return drive

    def threshold(x):
        return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)

    def output(x):
        return x
