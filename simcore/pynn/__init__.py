"""PyNN on spikesim: ``import simcore.pynn as sim`` runs a PyNN script written for pyNN.nest.

The module follows PyNN's backend layout (``pyNN.mock``, ``pyNN.nest``): the
simulator state and ``ID`` (:mod:`.simulator`), the standard cell, synapse
and current-source types (:mod:`.standardmodels`), ``Population``,
``PopulationView`` and ``Assembly`` (:mod:`.populations`), ``Projection``
(:mod:`.projections`) and recording to neo (:mod:`.recording`). The spikesim
network is built at the first ``run`` (docs/contract.md §2 fixes delays and
queues at build). Extension: ``setup(batch_size=B)`` runs ``B`` independent
samples at once; every block then has one segment per sample. docs/pynn.md
lists what is supported and what raises :class:`NotSupported`.

To run PyNN's own examples (``python examples/X.py spikesim``)::

    import sys, simcore.pynn
    sys.modules["pyNN.spikesim"] = simcore.pynn
"""

from __future__ import annotations

import secrets

from pyNN import common, errors, random, space  # noqa: F401
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.connectors import (
    AllToAllConnector,
    ArrayConnector,
    CloneConnector,
    CSAConnector,  # noqa: F401
    DisplacementDependentProbabilityConnector,
    DistanceDependentProbabilityConnector,
    FixedNumberPostConnector,
    FixedNumberPreConnector,
    FixedProbabilityConnector,
    FixedTotalNumberConnector,
    FromFileConnector,
    FromListConnector,
    IndexBasedProbabilityConnector,
    OneToOneConnector,
    SmallWorldConnector,
)
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import get_io
from pyNN.space import Space  # noqa: F401
from pyNN.standardmodels import StandardCellType

from . import simulator
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .projections import Projection
from .simulator import NotSupported, state  # noqa: F401
from .standardmodels import (
    ACSource,
    AdditiveWeightDependence,
    DCSource,
    EIF_cond_exp_isfa_ista,  # noqa: F401
    HH_cond_exp,
    IF_cond_alpha,
    IF_cond_exp,
    IF_curr_alpha,
    IF_curr_exp,
    Izhikevich,
    MultiplicativeWeightDependence,
    NearestSpikePairRule,
    NoisyCurrentSource,
    SpikePairRule,
    SpikeSourceArray,
    SpikeSourcePoisson,
    StaticSynapse,
    STDPMechanism,
    StepCurrentSource,
    TsodyksMarkramSynapse,
)


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a new network. spikesim extensions: ``batch_size`` (independent samples, default 1),
    ``seed`` (or NEST's ``rng_seed``: spikesim's random streams), ``dtype`` ("float64" or "float32")."""
    extra = dict(extra_params)
    max_delay = extra.pop("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, max_delay=max_delay)
    batch_size = extra.pop("batch_size", 1)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}")
    seed = extra.pop("seed", extra.pop("rng_seed", None))
    dtype = extra.pop("dtype", "float64")
    if extra.pop("spike_precision", "on_grid") != "on_grid":
        raise NotSupported("spike_precision='off_grid' (spikes are on the time grid)")
    for ignored in ("verbosity", "threads", "rng_type", "label"):  # NEST's; nothing to do here
        extra.pop(ignored, None)
    if extra:
        raise NotSupported(f"setup() options {sorted(extra)}")
    if timestep <= 0:
        raise ValueError(f"timestep must be > 0 ms; got {timestep!r}")
    state.clear()
    state.dt = float(timestep)
    state.min_delay = min_delay
    state.max_delay = max_delay
    state.batch_size = batch_size
    state.seed = secrets.randbits(32) if seed is None else int(seed)
    state.dtype = dtype
    return 0


def end(compatible_output=True):
    """Write the data asked for with ``record(..., to_file=...)``; free the network."""
    for population, variables, filename in state.write_on_end:
        population.write_data(get_io(filename), variables)
    state.write_on_end = []
    if state.net is not None:
        state.net.close()


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, num_processes, rank = common.build_state_queries(
    simulator
)

create = common.build_create(Population)
connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)
record = common.build_record(simulator)


def record_v(source, filename):
    return record(["v"], source, filename)


def record_gsyn(source, filename):
    return record(["gsyn_exc", "gsyn_inh"], source, filename)


def list_standard_models():
    """The PyNN standard cell types this backend runs."""
    return [
        obj.__name__
        for obj in globals().values()
        if isinstance(obj, type) and issubclass(obj, StandardCellType) and obj is not StandardCellType
    ]


def network():
    """The spikesim :class:`simcore.Network` behind the PyNN objects (``None`` before the first run)."""
    return state.net
