"""Small networks that several test files build: one place for their parameters.

``tests/`` is on ``sys.path`` when pytest runs (it holds the root ``conftest.py`` and no ``__init__.py``),
so a test imports these as ``from netkit import driven_lif``.
"""

import simcore as sc


def driven_lif(net, n=40, *, rate=50.0, weight=0.3, n_inputs=400, name="pop"):
    """Add ``n`` LIFBio neurons (rest -60 mV, threshold -50 mV, tau_m 10 ms, 1 ms refractory, one 3 ms
    excitatory receptor, initial v uniform in [-60, -50]) driven by ``n_inputs`` Poisson inputs of ``rate``
    Hz (a scalar or one rate per neuron) and ``weight`` mV each; returns the population."""
    pop = net.add(
        sc.LIFBio(
            n,
            E_L=-60.0,
            V_th=-50.0,
            V_reset=-60.0,
            tau_m=10.0,
            t_ref=1.0,
            tau_syn={"exc": 3.0},
            init={"v": sc.Uniform(-60.0, -50.0)},
            name=name,
        )
    )
    net.add(sc.PoissonInput(pop, n_inputs=n_inputs, rate=rate, weight=weight))
    return pop
