"""Run a group of unconnected neurons in Brian2 (runtime, numpy, float64) with input arrays, as spikesim does.

Input ``values[t, i]`` for a receptor is added after Brian2's threshold in step
``t`` (a ``run_regularly`` in the ``synapses`` slot), which is phase 2 of step
``t`` in spikesim (docs/contract.md §1); a current is written into a variable
there and held over the next state update, as spikesim's ``I_stim``. The
state is recorded at the end of each step (after the reset), as spikesim's
StateMonitor does.
"""

import numpy as np

from benchmarks.references.brian2 import ReferenceUnavailable, import_brian2

__all__ = ["ReferenceUnavailable", "run_group"]


def run_group(
    eqs,
    n,
    steps,
    *,
    namespace,
    threshold,
    reset=None,
    refractory=False,
    method="exponential_euler",
    inputs=None,
    init=None,
    record=("v",),
    after_update=None,
    dt_ms=0.1,
):
    """Simulate ``n`` neurons for ``steps`` steps; returns ``(spike steps, spike neurons, {var: (steps, n)})``.

    ``inputs``: ``{code: values (steps, n)}`` where ``code`` uses the name
    ``{stim}`` (e.g. ``"g_ex += {stim}*nS"``); ``after_update``: code run after
    the state update of every step (exact propagation of extra variables).
    ``namespace`` values carry Brian2 units; ``init`` too.
    """
    b2 = import_brian2()
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    dt = dt_ms * b2.ms
    G = b2.NeuronGroup(
        n,
        eqs,
        threshold=threshold,
        reset=reset,
        refractory=refractory,
        method=method,
        namespace=dict(namespace),
        dt=dt,
        name="harness",
    )
    for var, value in (init or {}).items():
        setattr(G, var, value)
    if after_update:  # run_regularly objects belong to G and run with it
        G.run_regularly(after_update, when="groups", order=1, name="harness_after")
    for k, (code, values) in enumerate((inputs or {}).items()):
        G.namespace[f"harness_in{k}"] = b2.TimedArray(np.asarray(values, dtype=np.float64), dt=dt)
        G.run_regularly(code.replace("{stim}", f"harness_in{k}(t, i)"), when="synapses", name=f"harness_run{k}")
    spikes = b2.SpikeMonitor(G, name="harness_spikes")
    state = b2.StateMonitor(G, list(record), record=True, when="end", name="harness_state")
    net = b2.Network(G, spikes, state)
    net.run(steps * dt)
    trace = {var: np.asarray(getattr(state, var + "_")).T for var in record}
    return np.round(np.asarray(spikes.t_) / (dt_ms * 1e-3)).astype(int), np.asarray(spikes.i[:]), trace
