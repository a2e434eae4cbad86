"""Triplet STDP of Pfister and Gerstner (2006), all-to-all "full" model (docs/contract.md §3.7)."""

from __future__ import annotations

from simcore.base.params import Param, ParamSpec
from .model import SynapseModel, updates

TRIPLET_SPEC = ParamSpec(
    Param("A2_plus", 5e-10, "1", "pair potentiation amplitude", "nonnegative"),
    Param("A3_plus", 6.2e-3, "1", "triplet potentiation amplitude", "nonnegative"),
    Param("A2_minus", 7e-3, "1", "pair depression amplitude", "nonnegative"),
    Param("A3_minus", 2.3e-4, "1", "triplet depression amplitude", "nonnegative"),
    Param("tau_plus", 16.8, "ms", "time constant of the pre trace r1", "positive"),
    Param("tau_x", 101.0, "ms", "time constant of the pre trace r2", "positive"),
    Param("tau_minus", 33.7, "ms", "time constant of the post trace o1", "positive"),
    Param("tau_y", 125.0, "ms", "time constant of the post trace o2", "positive"),
    Param("w_min", 0.0, "weight", "lower weight bound"),
    Param("w_max", 1.0, "weight", "upper weight bound"),
)


class TripletSTDP(SynapseModel):
    """Triplet STDP of Pfister and Gerstner (2006), all-to-all interactions ("full" model).

    The source of synapse ``k`` has two traces ``r1`` (``tau_plus``) and
    ``r2`` (``tau_x``), the target two traces ``o1`` (``tau_minus``) and
    ``o2`` (``tau_y``); each jumps by 1 at a spike of its neuron and decays
    by ``exp(-dt/tau)`` in phase 1 of every step (docs/contract.md §3.7)::

        arrival of a spike of i at k (phase 2):  deliver w_k
                                                 w_k <- clip(w_k - o1_j * (A2_minus + A3_minus * r2_i), w_min, w_max)
                                                 r1_i += 1;  r2_i += 1
        spike of j (phase 6, learn):             w_k <- clip(w_k + r1_i * (A2_plus + A3_plus * o2_j), w_min, w_max)
                                                 o1_j += 1;  o2_j += 1

    As in the paper, the triplet terms read the other trace of the same side
    taken just before its own increment (``r2(t - eps)``, ``o2(t - eps)``).
    The engine runs ``post_spike`` before ``on_post``, so the target keeps a
    third trace ``o2_before`` (decaying with ``tau_y``), set to ``o2`` just
    before each increment: in the learn phase of a post spike it holds
    ``o2(t - eps)`` exactly. Amplitudes are >= 0; depression subtracts.
    The defaults are the paper's visual-cortex fit of the all-to-all full
    model. ``A3_minus = 0`` gives the "minimal" model. NEST
    calls this model ``stdp_triplet_synapse`` (``Aplus``, ``Aplus_triplet``,
    ``Aminus``, ``Aminus_triplet``, ``tau_plus``, ``tau_plus_triplet``; the
    target's ``tau_minus`` and ``tau_minus_triplet``); Brian2 has no
    built-in and writes it as equations (tests/synapses/test_triplet.py).
    """

    pre = {"r1": "tau_plus", "r2": "tau_x"}
    post = {"o1": "tau_minus", "o2": "tau_y", "o2_before": "tau_y"}
    spec = TRIPLET_SPEC

    @updates("w")
    def on_pre(w, o1, r2, A2_minus, A3_minus):
        return w, w - o1 * (A2_minus + A3_minus * r2)

    @updates("r1", "r2")
    def pre_spike(r1, r2):
        return r1 + 1.0, r2 + 1.0

    @updates("o1", "o2", "o2_before")
    def post_spike(o1, o2):
        return o1 + 1.0, o2 + 1.0, o2

    @updates("w")
    def on_post(w, r1, o2_before, A2_plus, A3_plus):
        return w + r1 * (A2_plus + A3_plus * o2_before)
