"""Pair-based STDP (docs/contract.md §3.7): see :class:`STDP`."""

from __future__ import annotations

from simcore.base.params import Choice, Param, ParamSpec
from .model import SynapseModel, compile_event, updates

STDP_SPEC = ParamSpec(
    Param("A_pre", 0.01, "1", "pre-trace increment (potentiation amplitude)"),
    Param("A_post", -0.0105, "1", "post-trace increment (depression amplitude, < 0 to depress)"),
    Param("tau_pre", 20.0, "ms", "pre-trace time constant", "positive"),
    Param("tau_post", 20.0, "ms", "post-trace time constant", "positive"),
    Param("w_min", 0.0, "weight", "lower weight bound"),
    Param("w_max", 1.0, "weight", "upper weight bound"),
    Choice("weight_dependence", ("additive", "multiplicative"), "additive", "f_plus, f_minus"),
    Choice("pairing", ("all_to_all", "nearest"), "all_to_all", "how spikes pair"),
)


class STDP(SynapseModel):
    """Pair-based spike-timing-dependent plasticity with traces, docs/contract.md §3.7.

    Every synapse ``k`` (source ``i``, target ``j``) has its weight ``w_k``;
    the source has a trace ``x`` and the target a trace ``y``, each decaying
    by ``exp(-dt/tau)`` in phase 1 of every step::

        arrival of a spike of i at k (phase 2):  deliver w_k
                                                 w_k <- clip(w_k + f_minus(w_k) * y_j, w_min, w_max)
                                                 x_i <- x_i + A_pre    (nearest: x_i <- A_pre)
        spike of j (phase 6, learn):             y_j <- y_j + A_post   (nearest: y_j <- A_post)
                                                 w_k <- clip(w_k + f_plus(w_k) * x_i, w_min, w_max)

    ``weight_dependence="additive"``: ``f_plus = f_minus = 1``;
    ``"multiplicative"``: ``f_plus(w) = w_max - w``, ``f_minus(w) = w - w_min``.
    With ``A_post < 0`` the post trace depresses. A pair whose post spike
    comes ``n`` steps after the arrival changes ``w`` by
    ``f_plus * A_pre * exp(-n*dt/tau_pre)``, one whose arrival comes ``n``
    steps after the post spike by ``f_minus * A_post * exp(-n*dt/tau_post)``.
    Timing is taken at the synapse (arrival, after the delay). Traces belong
    to the projection (two projections into one target keep their own).
    """

    pre = {"x": "tau_pre"}
    post = {"y": "tau_post"}
    spec = STDP_SPEC

    def events(self) -> dict:
        additive = self.options["weight_dependence"] == "additive"
        nearest = self.options["pairing"] == "nearest"
        return {
            "on_pre": _ON_PRE["additive" if additive else "multiplicative"],
            "on_post": _ON_POST["additive" if additive else "multiplicative"],
            "pre_spike": _PRE_SPIKE[nearest],
            "post_spike": _POST_SPIKE[nearest],
        }


@updates("w")
def _depress_additive(w, y):
    return w, w + y


@updates("w")
def _depress_multiplicative(w, y, w_min):
    return w, w + (w - w_min) * y


@updates("w")
def _potentiate_additive(w, x):
    return w + x


@updates("w")
def _potentiate_multiplicative(w, x, w_max):
    return w + (w_max - w) * x


@updates("x")
def _pre_all(x, A_pre):
    return x + A_pre


@updates("x")
def _pre_nearest(A_pre):
    return A_pre


@updates("y")
def _post_all(y, A_post):
    return y + A_post


@updates("y")
def _post_nearest(A_post):
    return A_post


_ON_PRE = {
    "additive": compile_event("STDP", "on_pre", _depress_additive),
    "multiplicative": compile_event("STDP", "on_pre", _depress_multiplicative),
}
_ON_POST = {
    "additive": compile_event("STDP", "on_post", _potentiate_additive),
    "multiplicative": compile_event("STDP", "on_post", _potentiate_multiplicative),
}
_PRE_SPIKE = {
    False: compile_event("STDP", "pre_spike", _pre_all),
    True: compile_event("STDP", "pre_spike", _pre_nearest),
}
_POST_SPIKE = {
    False: compile_event("STDP", "post_spike", _post_all),
    True: compile_event("STDP", "post_spike", _post_nearest),
}
