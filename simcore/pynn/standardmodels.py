"""PyNN's standard cell, synapse and current-source types on spikesim models (units: docs/contract.md §3.9).

Each cell type keeps PyNN's parameters translated to NEST's names and units
(mV, ms, pF, nS, pA: the units of the spikesim models, docs/models.md) and says
how to make its spikesim population (:meth:`make`), how a PyNN weight (nA or
uS) becomes the model's weight (:meth:`weight_factor`) and how a PyNN current
(nA) becomes the model's input ``I`` (:meth:`current_factor`).
"""

from __future__ import annotations

import numpy as np
from pyNN.standardmodels import build_translations, cells, electrodes, synapses

import simcore as sc
from .simulator import NotSupported, state


def _value(a):
    """A scalar where every neuron has the same value (faster kernels), else the (N,) array."""
    a = np.asarray(a, dtype=float)
    return float(a.flat[0]) if a.size and np.all(a == a.flat[0]) else a


def _curr_translations():
    return build_translations(
        ("v_rest", "E_L"),
        ("v_reset", "V_reset"),
        ("cm", "C_m", 1000.0),
        ("tau_m", "tau_m"),
        ("tau_refrac", "t_ref"),
        ("tau_syn_E", "tau_syn_ex"),
        ("tau_syn_I", "tau_syn_in"),
        ("v_thresh", "V_th"),
        ("i_offset", "I_e", 1000.0),
    )


def _cond_translations():
    return build_translations(
        ("v_rest", "E_L"),
        ("v_reset", "V_reset"),
        ("cm", "C_m", 1000.0),
        ("tau_m", "g_L", "cm/tau_m*1000.0", "C_m/g_L"),
        ("tau_refrac", "t_ref"),
        ("tau_syn_E", "tau_syn_ex"),
        ("tau_syn_I", "tau_syn_in"),
        ("v_thresh", "V_th"),
        ("i_offset", "I_e", 1000.0),
        ("e_rev_E", "E_ex"),
        ("e_rev_I", "E_in"),
    )


class SpikesimCell:
    """What every cell type adds to PyNN's: the spikesim model and its unit conversions."""

    #: PyNN variable -> (spikesim state variable, PyNN value per native unit)
    variable_map: dict = {"v": ("v", 1.0)}
    #: the model's input for current sources
    current_receptor = "I"
    receptor_map = {"excitatory": "exc", "inhibitory": "inh"}

    def make(self, n, p, init, name):
        """The spikesim population of ``n`` cells with PyNN parameters ``p``; every cell type defines it."""
        raise NotImplementedError(
            f"{type(self).__name__} must define make(n, p, init, name): the interface method "
            "each standard cell type implements"
        )

    def weight_factor(self, p, dt):
        """Model weight per PyNN weight (uS -> nS or nA -> pA: 1000), per neuron or scalar."""
        return 1000.0

    def current_factor(self, p, dt):
        """Model input ``I`` per nA of a current source."""
        return 1000.0

    def extras(self, component, p):
        """Components the model needs beside the population (e.g. a constant input); none by default."""
        return []

    def native_init(self, values):
        """PyNN initial values -> spikesim ``init``."""
        init = {}
        for var, arr in values.items():
            if var not in self.variable_map:
                raise NotSupported(f"initial values of {var!r} for {type(self).__name__}")
            native, scale = self.variable_map[var]
            init[native] = np.asarray(arr, dtype=float) / scale
        return init


class IF_curr_exp(SpikesimCell, cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = _curr_translations()

    def make(self, n, p, init, name):
        # LIFBio's trace is R*I in mV (docs/contract.md §3.2): dv/dt = (g - (v - E_L))/tau_m, g = I*tau_m/C_m;
        # i_offset shifts the rest to E_L + R*I_e exactly
        e_l = p["E_L"] + p["I_e"] * p["tau_m"] / p["C_m"]
        return sc.LIFBio(
            n,
            E_L=_value(e_l),
            V_th=_value(p["V_th"]),
            V_reset=_value(p["V_reset"]),
            tau_m=_value(p["tau_m"]),
            t_ref=_value(p["t_ref"]),
            tau_syn={"exc": _value(p["tau_syn_ex"]), "inh": _value(p["tau_syn_in"])},
            delta=("I",),
            init=init,
            name=name,
        )

    def weight_factor(self, p, dt):
        return 1000.0 * p["tau_m"] / p["C_m"]

    def current_factor(self, p, dt):
        # a jump of v by R*I*(1 - P) in step t is the exact propagator of a current held over (t-1, t]: the
        # current acts one step earlier than on the other models, which hold it over [t, t+1) (docs/pynn.md)
        return 1000.0 * p["tau_m"] / p["C_m"] * (1.0 - np.exp(-dt / p["tau_m"]))


class IF_curr_alpha(SpikesimCell, cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__
    translations = _curr_translations()
    variable_map = {"v": ("v", 1.0), "isyn_exc": ("I_ex", 0.001), "isyn_inh": ("I_in", 0.001)}

    def make(self, n, p, init, name):
        return sc.LIFCurrAlpha(n, init=init, name=name, **{k: _value(v) for k, v in p.items()})


class _Cond(SpikesimCell):
    variable_map = {"v": ("v", 1.0), "gsyn_exc": ("g_ex", 0.001), "gsyn_inh": ("g_in", 0.001)}
    model = None

    def make(self, n, p, init, name):
        return self.model(n, init=init, name=name, **{k: _value(v) for k, v in p.items()})


class IF_cond_exp(_Cond, cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    translations = _cond_translations()
    model = sc.LIFCondExp


class IF_cond_alpha(_Cond, cells.IF_cond_alpha):
    __doc__ = cells.IF_cond_alpha.__doc__
    translations = _cond_translations()
    model = sc.LIFCondAlpha


class EIF_cond_exp_isfa_ista(_Cond, cells.EIF_cond_exp_isfa_ista):
    __doc__ = cells.EIF_cond_exp_isfa_ista.__doc__
    translations = build_translations(
        ("cm", "C_m", 1000.0),
        ("tau_refrac", "t_ref"),
        ("v_spike", "V_peak"),
        ("v_reset", "V_reset"),
        ("v_rest", "E_L"),
        ("tau_m", "g_L", "cm/tau_m*1000.0", "C_m/g_L"),
        ("i_offset", "I_e", 1000.0),
        ("a", "a"),
        ("b", "b", 1000.0),
        ("delta_T", "Delta_T"),
        ("tau_w", "tau_w"),
        ("v_thresh", "V_th"),
        ("e_rev_E", "E_ex"),
        ("tau_syn_E", "tau_syn_ex"),
        ("e_rev_I", "E_in"),
        ("tau_syn_I", "tau_syn_in"),
    )
    variable_map = {"v": ("v", 1.0), "gsyn_exc": ("g_ex", 0.001), "gsyn_inh": ("g_in", 0.001), "w": ("w", 0.001)}
    model = sc.AdExCondExp


class HH_cond_exp(_Cond, cells.HH_cond_exp):
    __doc__ = cells.HH_cond_exp.__doc__
    translations = build_translations(
        ("gbar_Na", "g_Na", 1000.0),
        ("gbar_K", "g_K", 1000.0),
        ("g_leak", "g_L", 1000.0),
        ("cm", "C_m", 1000.0),
        ("v_offset", "V_T"),
        ("e_rev_Na", "E_Na"),
        ("e_rev_K", "E_K"),
        ("e_rev_leak", "E_L"),
        ("e_rev_E", "E_ex"),
        ("e_rev_I", "E_in"),
        ("tau_syn_E", "tau_syn_ex"),
        ("tau_syn_I", "tau_syn_in"),
        ("i_offset", "I_e", 1000.0),
    )
    variable_map = {
        "v": ("v", 1.0),
        "gsyn_exc": ("g_ex", 0.001),
        "gsyn_inh": ("g_in", 0.001),
        "m": ("m", 1.0),
        "h": ("h", 1.0),
        "n": ("n", 1.0),
    }
    model = sc.HHCondExp


class Izhikevich(SpikesimCell, cells.Izhikevich):
    __doc__ = cells.Izhikevich.__doc__
    translations = build_translations(("a", "a"), ("b", "b"), ("c", "c"), ("d", "d"), ("i_offset", "I_e", 1000.0))
    variable_map = {"v": ("v", 1.0), "u": ("u", 1.0)}
    receptor_map = {"excitatory": "I", "inhibitory": "I"}

    def make(self, n, p, init, name):
        return sc.Izhikevich(n, init=init, name=name, **{k: _value(p[k]) for k in "abcd"})

    def extras(self, component, p):
        i_e = np.asarray(p["I_e"], dtype=float)  # NEST izhikevich: I_e in pA with C = 1 pF, a constant input I
        return [sc.DCSource(component, _value(i_e), receptor="I")] if np.any(i_e != 0.0) else []

    def weight_factor(self, p, dt):
        # PyNN's Izhikevich synapses jump v by the weight in mV (NEST izhikevich); spikesim's input I is a
        # rate (mV/ms) held for one step: a jump of w mV is I = w/dt
        return 1.0 / dt

    def current_factor(self, p, dt):
        return 1000.0  # NEST: I in pA with C = 1 pF, i.e. mV/ms


class SpikeSourcePoisson(SpikesimCell, cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = build_translations(("rate", "rate"), ("start", "start"), ("duration", "duration"))
    variable_map = {}

    def make(self, n, p, init, name):
        rate, start, duration = p["rate"], p["start"], p["duration"]
        if np.all(start == 0.0) and np.all(duration >= 1e9):
            return sc.PoissonGroup(n, rate=_value(rate), name=name)
        # a finite window: the trains are drawn here, one per sample, from the run's seed
        dt = state.dt
        first = int(np.floor(start.min() / dt + 0.5))
        last = int(np.floor((start + duration).max() / dt + 0.5))
        if last - first > 10**6:
            raise NotSupported("SpikeSourcePoisson with start > 0 and a window over 10^6 steps")
        steps = np.arange(first, last)[:, None]
        inside = (steps >= np.floor(start / dt + 0.5)) & (steps < np.floor((start + duration) / dt + 0.5))
        rng = np.random.default_rng([state.seed, 7919, self._key])
        draws = rng.random((last - first, state.batch_size, n)) < (rate * dt / 1000.0)
        spikes = (draws & inside[:, None, :]).astype(np.float64)
        return sc.SpikeArraySource(n, spikes, start_step=first, name=name)


class SpikeSourceArray(SpikesimCell, cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = build_translations(("spike_times", "spike_times"))
    variable_map = {}

    def make(self, n, p, init, name):
        dt = state.dt
        trains = [np.floor(np.asarray(seq.value, dtype=float) / dt + 0.5).astype(np.int64) for seq in p["spike_times"]]
        allsteps = np.concatenate(trains) if trains else np.zeros(0, np.int64)
        first = int(allsteps.min()) if allsteps.size else 0
        last = int(allsteps.max()) + 1 if allsteps.size else 1
        spikes = np.zeros((last - first, n))
        for k, steps in enumerate(trains):
            spikes[steps - first, k] = 1.0
        return sc.SpikeArraySource(n, spikes, start_step=first, name=name)


# ----- synapses
class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))

    def _get_minimum_delay(self):
        return state.min_delay if state.min_delay != "auto" else state.dt

    def spikesim_model(self, params, factor):
        return None


class TsodyksMarkramSynapse(synapses.TsodyksMarkramSynapse):
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__
    translations = build_translations(
        ("weight", "weight"), ("delay", "delay"), ("U", "U"), ("tau_rec", "tau_rec"), ("tau_facil", "tau_facil")
    )

    def _get_minimum_delay(self):
        return state.min_delay if state.min_delay != "auto" else state.dt

    def spikesim_model(self, params, factor):
        return sc.TsodyksMarkram(U=params["U"], tau_rec=params["tau_rec"], tau_fac=params["tau_facil"])


class STDPMechanism(synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = build_translations(
        ("weight", "weight"), ("delay", "delay"), ("dendritic_delay_fraction", "dendritic_delay_fraction")
    )

    def __init__(
        self,
        timing_dependence=None,
        weight_dependence=None,
        voltage_dependence=None,
        dendritic_delay_fraction=1.0,
        weight=0.0,
        delay=None,
    ):
        if voltage_dependence is not None:
            raise NotSupported("voltage-dependent STDP")
        if timing_dependence is None or weight_dependence is None:
            raise NotSupported("STDPMechanism without both a timing and a weight dependence")
        super().__init__(timing_dependence, weight_dependence, None, dendritic_delay_fraction, weight, delay)

    def _get_minimum_delay(self):
        return state.min_delay if state.min_delay != "auto" else state.dt

    def spikesim_model(self, params, factor):
        """sc.STDP for NEST's stdp_synapse semantics: dw+ = A_plus*f+ exp(-dt/tau_plus), dw- = -A_minus*f-..."""
        w_min, w_max = params["w_min"] * factor, params["w_max"] * factor
        if isinstance(self.weight_dependence, AdditiveWeightDependence):
            # additive: dw = A_plus*w_max per pair (NEST lambda*Wmax), depression A_minus*w_max
            a_pre, a_post, dep = params["A_plus"] * w_max, -params["A_minus"] * w_max, "additive"
        else:
            # multiplicative: dw+ = A_plus*(w_max - w), dw- = -A_minus*(w - w_min)
            a_pre, a_post, dep = params["A_plus"], -params["A_minus"], "multiplicative"
        return sc.STDP(
            A_pre=a_pre,
            A_post=a_post,
            tau_pre=params["tau_plus"],
            tau_post=params["tau_minus"],
            w_min=w_min,
            w_max=w_max,
            weight_dependence=dep,
            pairing=self.timing_dependence.pairing,
        )


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = build_translations(
        ("tau_plus", "tau_plus"), ("tau_minus", "tau_minus"), ("A_plus", "A_plus"), ("A_minus", "A_minus")
    )
    pairing = "all_to_all"


class NearestSpikePairRule(SpikePairRule):
    """SpikePairRule with nearest-spike pairing (spikesim ``pairing="nearest"``)."""

    pairing = "nearest"


# ----- current sources
class _Source:
    """A current source: kept as PyNN parameters, made into a spikesim stimulus per target population."""

    def __init__(self, **parameters):
        object.__setattr__(self, "_targets", [])
        super().__init__(**parameters)

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        for name, value in parameters.items():
            self.parameter_space[name] = value

    def get_native_parameters(self):
        return self.parameter_space

    def inject_into(self, cells):
        state.require_unbuilt("injecting a current source")
        from .populations import resolve

        for pop, index in resolve(cells):
            if not pop.celltype.injectable:
                raise TypeError(f"cannot inject current into {pop.celltype.__class__.__name__} ({pop.label})")
            self._targets.append((pop, index))
        if self not in state.current_sources:
            state.current_sources.append(self)

    def _build(self, net):
        ps = self.parameter_space
        ps.shape = (1,)
        ps.evaluate(simplify=True)
        values = {name: ps[name] for name in ps.keys()}
        for pop, index in self._targets:
            factor = np.asarray(pop._factor("current"), dtype=float)
            factor = factor[index] if factor.ndim else float(factor)
            net.add(self._stimulus(pop._component[index], values, factor, pop.celltype.current_receptor))

    def _get_data(self):
        raise NotSupported(f"recording the current of {type(self).__name__}")


class DCSource(_Source, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"), ("stop", "stop"))

    def _stimulus(self, target, p, factor, receptor):
        return sc.DCSource(
            target, p["amplitude"] * factor, start=p["start"], stop=min(p["stop"], 1e15), receptor=receptor
        )


class ACSource(_Source, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = build_translations(
        ("amplitude", "amplitude"),
        ("start", "start"),
        ("stop", "stop"),
        ("frequency", "frequency"),
        ("offset", "offset"),
        ("phase", "phase"),
    )

    def _stimulus(self, target, p, factor, receptor):
        # PyNN's phase is that of t - start (pyNN.neuron, pyNN.brian2; pyNN.nest measured the same);
        # spikesim's ACSource (NEST's ac_generator) takes the phase at t = 0
        phase = p["phase"] - 360.0 * p["frequency"] * p["start"] / 1000.0
        return sc.ACSource(
            target,
            p["amplitude"] * factor,
            p["frequency"],
            offset=p["offset"] * factor,
            phase=phase,
            start=p["start"],
            stop=min(p["stop"], 1e15),
            receptor=receptor,
        )


class StepCurrentSource(_Source, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))

    def _stimulus(self, target, p, factor, receptor):
        amplitudes = np.asarray(p["amplitudes"].value, dtype=float)
        return sc.StepCurrentSource(
            target,
            np.asarray(p["times"].value, dtype=float),
            amplitudes[:, None] * np.broadcast_to(factor, (target_size(target),)),
            receptor=receptor,
        )


class NoisyCurrentSource(_Source, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__
    translations = build_translations(
        ("mean", "mean"), ("start", "start"), ("stop", "stop"), ("stdev", "stdev"), ("dt", "dt")
    )

    def _stimulus(self, target, p, factor, receptor):
        if abs(p["dt"] - state.dt) > 1e-9 * state.dt:
            raise NotSupported(
                f"NoisyCurrentSource with dt={p['dt']} different from the timestep {state.dt} "
                "(a new value is drawn every step)"
            )
        # white noise, one value per step: the OU current with a vanishing time constant (P = exp(-1000) = 0)
        return sc.NoisyCurrent(
            target,
            p["mean"] * factor,
            p["stdev"] * np.abs(factor),
            state.dt * 1e-3,
            start=p["start"],
            stop=min(p["stop"], 1e15),
            receptor=receptor,
        )


def target_size(target) -> int:
    return int(getattr(target, "n", None) or len(target))
