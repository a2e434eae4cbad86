"""LIB, the dual-trace bipolar neuron (docs/contract.md §3.4): see :class:`LIB`."""

from __future__ import annotations

from simcore.base.params import Choice, Decay, Param, ParamSpec
from .base import NeuronModel, compile_phase, updates
from .lif import decay_from

HALVES = ("alpha", "beta", "gamma", "theta", "scale", "rec_weight")
#: decay name -> time-constant name
DECAYS = {
    "alpha_pos": "tau_syn_pos",
    "alpha_neg": "tau_syn_neg",
    "beta_pos": "tau_mem_pos",
    "beta_neg": "tau_mem_neg",
    "gamma_pos": "tau_rec_pos",
    "gamma_neg": "tau_rec_neg",
}

#: the LIB's parameters, for the event engine and the dense mode (simcore.grad.LIBLayer) alike
LIB_SPEC = ParamSpec(
    Decay("tau_syn_pos", "alpha_pos", 5.0, "positive synaptic trace"),
    Decay("tau_syn_neg", "alpha_neg", 5.0, "negative synaptic trace"),
    Decay("tau_mem_pos", "beta_pos", 20.0, "positive membrane half"),
    Decay("tau_mem_neg", "beta_neg", 20.0, "negative membrane half"),
    Decay("tau_rec_pos", "gamma_pos", 20.0, "positive recurrent trace"),
    Decay("tau_rec_neg", "gamma_neg", 20.0, "negative recurrent trace"),
    Param("theta_pos", 1.0, "1", "positive threshold", "positive"),
    Param("theta_neg", 1.0, "1", "negative threshold", "positive"),
    Param("scale_pos", 1.0, "1", "value carried by a positive spike"),
    Param("scale_neg", 1.0, "1", "value carried by a negative spike"),
    Param("rec_weight_pos", 0.0, "1", "weight of rec_p in drive"),
    Param("rec_weight_neg", 0.0, "1", "weight of rec_n in drive"),
    Param("bias", 0.0, "1", "constant drive per step"),
    Choice("reset", ("subtract", "none"), "subtract", "what a spike does to mem"),
)


class LIB(NeuronModel):
    """Dual-trace bipolar neuron, docs/contract.md §3.4.

    Every trace has a positive and a negative half, each with its own decay; the
    true value is their sum. Per neuron, at step ``t`` (``[x]+ = max(x, 0)``,
    ``[x]- = min(x, 0)``, ``H(x) = 1 if x >= 0``)::

        syn_p = alpha_pos*syn_p + [I]+          syn_n = alpha_neg*syn_n + [I]-
        drive = syn_p + syn_n + rec_weight_pos*rec_p + rec_weight_neg*rec_n + bias
        mem_p = beta_pos*mem_p + [drive]+       mem_n = beta_neg*mem_n + [drive]-
        m     = mem_p + mem_n
        s_pos = H(m - theta_pos)                s_neg = H(-m - theta_neg)
        out   = scale_pos*s_pos - scale_neg*s_neg          # the value the spike carries
        reset "subtract": mem_p -= theta_pos*s_pos;  mem_n += theta_neg*s_neg
        rec_p = gamma_pos*rec_p + [out]+        rec_n = gamma_neg*rec_n + [out]-

    Every expression is evaluated in this written order (``drive`` left to
    right), so the dense (BPTT) mode, which follows the same text, gives
    bit-identical spikes. ``rec`` enters ``drive`` one step later (it is updated
    after the spike, in ``post``). Since ``theta_pos, theta_neg > 0``, ``s_pos``
    and ``s_neg`` are never both 1; the spike code is ``s = s_pos - s_neg``
    (``+1``, ``-1`` or ``0``) and spike monitors record it as the polarity.
    Synapses deliver ``w * out``.

    Phases: integrate decays ``syn`` and ``mem`` (``alpha*syn``, ``beta*mem``);
    deliver adds ``[I]+``/``[I]-``, forms ``drive`` from the ``rec`` of the
    previous step and adds ``[drive]+``/``[drive]-``; threshold returns
    ``+1.0``, ``-1.0`` or ``0.0``; reset subtracts the threshold from the half
    that fired; output is ``out``; post updates ``rec`` every step.

    With equal halves (``alpha_pos == alpha_neg`` and so on) the model is the
    single-trace LIB ``syn = alpha*syn + I``, ``mem = beta*mem + drive``, bipolar
    spikes at ``+-theta``, ``out = scale*s``: :meth:`LIB.single_trace` builds it.
    In real arithmetic the two are equal; in floating point the sum of two
    halves may differ from one trace in the last bit (``alpha*p + alpha*n`` vs
    ``alpha*(p + n)``), which never happens when one half is zero.

    Decays are given as ``alpha_pos`` ... ``gamma_neg`` or as time constants
    ``tau_syn_pos/neg`` (alpha), ``tau_mem_pos/neg`` (beta), ``tau_rec_pos/neg``
    (gamma), exactly as the dense mode (``simcore.grad.LIBLayer``) takes them.
    Reset ``'subtract'`` (the contract) or ``'none'``. Receptor: ``I`` (the
    summed input of the step). State: ``syn_p, syn_n, mem_p, mem_n, rec_p,
    rec_n`` (initial 0).
    """

    state = {"syn_p": 0.0, "syn_n": 0.0, "mem_p": 0.0, "mem_n": 0.0, "rec_p": 0.0, "rec_n": 0.0}
    spec = LIB_SPEC
    receptors = ("I",)
    bipolar = True

    def __init__(self, n, **kwargs):
        super().__init__(n, **kwargs)
        #: negative-half parameters that copy the positive half (single_trace)
        self.tied: tuple = ()

    @classmethod
    def single_trace(cls, n, *, alpha, beta, theta, gamma=0.0, scale=1.0, rec_weight=0.0, bias=0.0, **kwargs) -> "LIB":
        """The single-trace LIB: every ``*_neg`` parameter equals its ``*_pos`` one.

        ``syn = alpha*syn + I``, ``drive = syn + rec_weight*rec + bias``,
        ``mem = beta*mem + drive``, spikes at ``mem >= theta`` (+1) and
        ``mem <= -theta`` (-1), ``out = scale*s``, ``rec = gamma*rec + out``.
        A parameter given as a Distribution is drawn once and shared by both halves.
        """
        shared = {
            "alpha": alpha,
            "beta": beta,
            "gamma": gamma,
            "theta": theta,
            "scale": scale,
            "rec_weight": rec_weight,
        }
        halves = {f"{k}_{side}": v for k, v in shared.items() for side in ("pos", "neg")}
        pop = cls(n, bias=bias, **halves, **kwargs)
        pop.tied = tuple(f"{k}_neg" for k in HALVES)
        return pop

    def phase_functions(self):
        fns = dict(self._phase_functions)
        if self.options["reset"] == "none":
            fns["reset"] = _RESET_NONE
        return fns

    def derive(self, values, dt):
        out = {k: decay_from(values, k, tau, dt, self.model) for k, tau in DECAYS.items()}
        out.update({k: values[k] for k in self.spec.plain()})
        for key in self.tied:
            out[key] = out[key[:-4] + "_pos"]
        return out

    def describe(self):
        d = super().describe()
        d["single_trace"] = bool(self.tied)
        return d

    @updates("syn_p", "syn_n", "mem_p", "mem_n")
    def integrate(syn_p, syn_n, mem_p, mem_n, alpha_pos, alpha_neg, beta_pos, beta_neg):
        return alpha_pos * syn_p, alpha_neg * syn_n, beta_pos * mem_p, beta_neg * mem_n

    @updates("syn_p", "syn_n", "mem_p", "mem_n")
    def deliver(syn_p, syn_n, mem_p, mem_n, rec_p, rec_n, I, rec_weight_pos, rec_weight_neg, bias):
        # [x]+ and [x]- with a zero of x's own type (x - x): a float32 run stays in float32
        # arithmetic, like the dense mode, instead of carrying float64 intermediates into drive
        zero = I - I
        syn_p = syn_p + (I if I > zero else zero)
        syn_n = syn_n + (I if I < zero else zero)
        drive = syn_p + syn_n + rec_weight_pos * rec_p + rec_weight_neg * rec_n + bias
        zero = drive - drive
        mem_p = mem_p + (drive if drive > zero else zero)
        mem_n = mem_n + (drive if drive < zero else zero)
        return syn_p, syn_n, mem_p, mem_n

    def threshold(mem_p, mem_n, theta_pos, theta_neg):
        m = mem_p + mem_n
        if m - theta_pos >= 0.0:
            return 1.0
        if -m - theta_neg >= 0.0:
            return -1.0
        return 0.0

    @updates("mem_p", "mem_n")
    def reset(mem_p, mem_n, s, theta_pos, theta_neg):
        s_pos = 1.0 if s > 0.0 else 0.0
        s_neg = 1.0 if s < 0.0 else 0.0
        return mem_p - theta_pos * s_pos, mem_n + theta_neg * s_neg

    def output(s, scale_pos, scale_neg):
        s_pos = 1.0 if s > 0.0 else 0.0
        s_neg = 1.0 if s < 0.0 else 0.0
        return scale_pos * s_pos - scale_neg * s_neg

    @updates("rec_p", "rec_n")
    def post(rec_p, rec_n, s, scale_pos, scale_neg, gamma_pos, gamma_neg):
        s_pos = 1.0 if s > 0.0 else 0.0
        s_neg = 1.0 if s < 0.0 else 0.0
        out = scale_pos * s_pos - scale_neg * s_neg
        return gamma_pos * rec_p + max(out, 0.0), gamma_neg * rec_n + min(out, 0.0)


@updates("mem_p", "mem_n")
def _reset_none(mem_p, mem_n):
    return mem_p, mem_n


_RESET_NONE = compile_phase("LIB", "reset", _reset_none)
