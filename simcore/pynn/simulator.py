"""The simulator state of ``simcore.pynn``: a spikesim ``Network`` assembled at the first ``run``.

PyNN builds a network object by object (populations, projections, recorders,
current sources) and may read connections before anything runs; spikesim
builds a whole network at once (docs/contract.md §2: delays, queues and
kernels are fixed when the network is built). The PyNN objects therefore keep
their (native) parameters, connections and recording requests, and
:meth:`State.build` turns them into one :class:`simcore.Network` at the first
``run``; later runs continue it (``run(a); run(b)`` equals ``run(a + b)``).
"""

from __future__ import annotations

import numpy as np
from pyNN import common

import simcore as sc

name = "spikesim"


class ID(int, common.IDMixin):
    """A neuron's global id (PyNN's ``ID``)."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class NotSupported(NotImplementedError):
    """A PyNN feature spikesim does not provide (see docs/pynn.md, "Limits")."""

    def __init__(self, feature: str):
        super().__init__(f"simcore.pynn does not support {feature} (see docs/pynn.md, 'Limits')")


class State(common.control.BaseState):
    """Time, step, batch and the objects to build; ``net`` is the spikesim network once built."""

    def __init__(self):
        super().__init__()
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = 0.1
        self.max_delay = 10.0
        self.batch_size = 1
        self.seed = None
        self.dtype = "float64"
        self.clear()

    # ----- PyNN's protocol
    def clear(self):
        self.recorders = set()
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.id_counter = 0
        self.segment_counter = -1
        self.net = None
        self.write_on_end = []
        self.reset()

    def reset(self):
        """Back to t = 0: the network's state is redrawn from its seed, recordings start a new segment."""
        self.running = False
        self.t_start = 0.0
        self.segment_counter += 1
        if self.net is not None:
            self.net.reset()
            for recorder in self.recorders:
                recorder._clear_simulator()

    @property
    def t(self) -> float:
        return 0.0 if self.net is None else self.net.t * self.dt

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        steps = int(np.floor((tstop - self.t) / self.dt + 0.5))
        if self.net is None:
            self.build()
        if steps > 0:
            self.net.run(steps=steps)
        self.running = True

    # ----- assembling the spikesim network
    def build(self):
        net = sc.Network("pynn")
        for pop in self.populations:
            pop._build(net)
        for prj in self.projections:
            prj._build(net)
        for source in self.current_sources:
            source._build(net)
        for recorder in sorted(self.recorders, key=lambda r: r.population.first_id):
            recorder._build(net)
        if not net.populations:
            raise ValueError("the network has no population: create one before run()")
        net.build(batch_size=self.batch_size, dt=self.dt, seed=self.seed, dtype=self.dtype)
        self.net = net

    def require_unbuilt(self, what: str):
        if self.net is not None:
            raise NotSupported(
                f"{what} after the first run() (the spikesim network is built at the first run; "
                "call setup() again and rebuild the model)"
            )


state = State()
