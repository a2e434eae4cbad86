"""A population's arrays, and the code it writes into the network's kernel.

This is where a :class:`neurons.base.NeuronModel` meets the engine: the
model's per-neuron functions are called by name from generated code, so a
user's model runs through exactly the path of the built-in ones
(docs/contract.md §3.6). :class:`PopulationArrays` holds everything a built
population owns; :class:`PopulationCode` writes phases 1-4 of one population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simcore.base import random as rnd
from simcore.base.context import BuildContext
from simcore.base.kernels.rng import normal as rng_normal
from simcore.base.kernels.rng import uniform as rng_uniform
from simcore.base.layout import staggered
from simcore.base.shards import NotShardable, bounds, join_spikes, window_put, window_take

#: names a phase function may read besides state, receptors and parameters
SPECIAL_ARGS = ("t", "dt", "s", "uniform", "normal")


@dataclass
class PopulationArrays:
    """Every array of a built population (shapes: ``B`` batch, ``N`` neurons).

    ``state``: ``(B, N)`` per state variable; ``receptors``: ``(B, N)`` input
    summed over a step, read and zeroed by the population; ``params``:
    ``(N,)`` kernel parameters in the run dtype; the spike list of the last
    step (``spike_idx`` neuron, ``spike_code`` polarity, ``spike_val`` the
    value the spike carries, ``spike_cnt[b]`` entries used); ``spike_flag``
    ``(B, N)`` the spike code of every neuron; ``rng`` ``(B, 2)`` the
    per-sample random streams.
    """

    state: dict
    receptors: dict
    params: dict
    spike_idx: np.ndarray
    spike_code: np.ndarray
    spike_val: np.ndarray
    spike_cnt: np.ndarray
    spike_flag: np.ndarray
    rng: np.ndarray

    @classmethod
    def allocate(cls, pop, ctx: BuildContext) -> "PopulationArrays":
        """Draw parameters and initial state of ``pop`` and allocate its buffers."""
        B, N, dtype = ctx.batch_size, pop.n, ctx.dtype
        params = pop.realize_params(rnd.network_generator(ctx.seed, pop.name, rnd.PARAMS), ctx.dt)
        names = [*pop.state_defaults(), *pop.receptor_names(), "spike_flag", "spike_idx", "spike_code", "spike_val"]
        slot = {name: k for k, name in enumerate(names)}  # (B, N) arrays walked together: staggered (layout)
        arrays = cls(
            state={var: staggered((B, N), dtype, slot[var]) for var in pop.state_defaults()},
            receptors={r: staggered((B, N), dtype, slot[r]) for r in pop.receptor_names()},
            params={k: np.ascontiguousarray(np.broadcast_to(v, (N,)), dtype=dtype) for k, v in params.items()},
            spike_idx=staggered((B, N), np.int32, slot["spike_idx"]),
            spike_code=staggered((B, N), np.int8, slot["spike_code"]),
            spike_val=staggered((B, N), dtype, slot["spike_val"]),
            spike_cnt=np.zeros(B, dtype=np.int64),
            spike_flag=staggered((B, N), dtype, slot["spike_flag"]),
            rng=np.empty((B, 2), dtype=np.uint64),
        )
        arrays.redraw(pop, ctx)
        return arrays

    def redraw(self, pop, ctx: BuildContext) -> None:
        """State back to its initial draw, buffers and spike lists emptied, streams restarted."""
        for var, arr in self.state.items():
            arr[...] = pop.initial_state(
                var,
                ctx.batch_size,
                ctx.dtype,
                lambda b, v=var: rnd.sample_generator(ctx.seed, f"{pop.name}.{v}", rnd.INIT, b),
            )
        for buf in self.receptors.values():
            buf[...] = 0
        self.spike_cnt[...] = 0
        self.spike_flag[...] = 0
        self.rng[...] = rnd.stream_states(ctx.seed, pop.name, rnd.NOISE, ctx.batch_size)

    def spike_list_args(self, kb, prefix: str) -> list:
        """Kernel argument names of the spike list a projection reads: ``spike_idx, spike_val, spike_cnt``."""
        return [
            kb.arg(self.spike_idx, f"{prefix}_src_idx"),
            kb.arg(self.spike_val, f"{prefix}_src_val"),
            kb.arg(self.spike_cnt, f"{prefix}_src_cnt"),
        ]

    def run_state(self) -> dict:
        """The arrays a run continues from (checkpoints)."""
        out = {f"state.{k}": v for k, v in self.state.items()}
        out.update({f"receptor.{k}": v for k, v in self.receptors.items()})
        out.update(
            {
                "spike_idx": self.spike_idx,
                "spike_code": self.spike_code,
                "spike_val": self.spike_val,
                "spike_cnt": self.spike_cnt,
                "spike_flag": self.spike_flag,
                "rng": self.rng,
            }
        )
        return out


def check_phase_arguments(pop, arrays: PopulationArrays) -> None:
    """Every name a phase function reads or updates exists; raise ``TypeError`` naming it."""
    known = set(pop.state_defaults()) | set(pop.receptor_names()) | set(arrays.params) | set(SPECIAL_ARGS)
    clash = set(arrays.params) & (set(pop.state_defaults()) | set(pop.receptor_names()))
    if clash:
        raise ValueError(
            f"{pop.model} derives kernel parameter(s) {sorted(clash)} named like a state variable "
            "or receptor; rename them"
        )
    fns = pop.phase_functions()
    for phase, fn in fns.items():
        for arg in fn.arg_names:
            if arg not in known:
                raise TypeError(
                    f"{pop.model}.{phase} reads {arg!r}, which is not a state variable, receptor, "
                    f"parameter or one of {SPECIAL_ARGS}; known names: {sorted(known)}"
                )
            if arg == "s" and phase not in ("reset", "output", "post"):
                raise TypeError(f"{pop.model}.{phase} reads 's', which exists only in reset, output and post")
        for var in fn.updates:
            if var not in pop.state_defaults():
                raise TypeError(f"{pop.model}.{phase} updates {var!r}, which is not a state variable")
    _check_fast_path(pop.model, fns)
    if pop.receptor_names() and "deliver" not in fns:
        raise TypeError(f"{pop.model} has receptors {pop.receptor_names()} but no deliver function")
    if pop.spiking and "threshold" not in fns:
        raise TypeError(f"{pop.model} is spiking but has no threshold function")


def _check_fast_path(model: str, fns: dict) -> None:
    """``integrate_fast`` and ``fast_when`` come together, with ``integrate``, and update what it updates."""
    have = [p for p in ("integrate_fast", "fast_when") if p in fns]
    if not have:
        return
    missing = [p for p in ("integrate", "integrate_fast", "fast_when") if p not in fns]
    if missing:
        raise TypeError(
            f"{model} defines {have} without {missing}; a fast path needs integrate, integrate_fast and fast_when"
        )
    if fns["integrate_fast"].updates != fns["integrate"].updates:
        raise TypeError(
            f"{model}.integrate_fast must update what integrate updates, in the same order: "
            f"{fns['integrate'].updates}; got {fns['integrate_fast'].updates}"
        )
    drawn = {"uniform", "normal"} & set(fns["fast_when"].arg_names)
    if drawn:
        raise TypeError(f"{model}.fast_when reads {sorted(drawn)}; it must not draw random numbers")


class PopulationCode:
    """Writes phases 1-4 of one population for sample ``b`` at step ``t``.

    Two passes over the neurons. The *state pass* runs integrate, deliver,
    threshold, reset and post; it has no data-dependent stores, so LLVM can
    vectorise it: ``reset`` is computed for every neuron and kept where
    ``s != 0`` (phase functions are pure; a reset that draws random numbers
    is called only on spikes, to keep the streams of non-spiking neurons
    untouched). The *spike pass* lists the spiking neurons (index, polarity,
    the value ``output`` gives) for the delay queues and monitors. A model
    with a fast path (``integrate_fast``, ``fast_when``; neurons/base.py)
    gets a third, first pass, the check, and two versions of the state pass
    (:meth:`state_loops`).
    """

    def __init__(self, pop, arrays: PopulationArrays, kb):
        self.pop, self.kb, self.arrays = pop, kb, arrays
        self.fns = pop.phase_functions()
        p = self.p = kb.unique(f"p_{pop.name}")
        self.local = {var: f"{p}_{var}" for var in pop.state_defaults()}
        self.local.update({r: f"{p}_in_{r}" for r in pop.receptor_names()})
        self.state = {var: kb.arg(arr, f"{p}_{var}_arr") for var, arr in arrays.state.items()}
        self.buf = {r: kb.arg(buf, f"{p}_{r}_buf") for r, buf in arrays.receptors.items()}
        self.par = {k: _kernel_param(kb, arr, f"{p}_{k}") for k, arr in arrays.params.items()}
        self.rng = kb.arg(arrays.rng, f"{p}_rng")
        self.idx = kb.arg(arrays.spike_idx, f"{p}_spike_idx")
        self.code = kb.arg(arrays.spike_code, f"{p}_spike_code")
        self.val = kb.arg(arrays.spike_val, f"{p}_spike_val")
        self.cnt = kb.arg(arrays.spike_cnt, f"{p}_spike_cnt")
        self.flag = kb.arg(arrays.spike_flag, f"{p}_spike_flag")
        self.s = f"{p}_s"

    def emit(self) -> None:
        if self.kb.shards > 1:
            self.emit_sharded()
            return
        lines = self.state_loops(f"range({self.idx}.shape[1])")
        if self.pop.spiking:
            lines += self.spike_pass()
        self.kb.add("neurons", "\n".join(lines), comment=f"population {self.pop.name!r} ({self.pop.model!r})")

    def emit_sharded(self) -> None:
        """Phases 1-4 for the neurons of shard ``sh``; its spikes listed from the shard's first neuron on.

        The serial ``gather`` section then joins the shard lists in shard order:
        the population's spike list is in ascending neuron order, as unsplit
        (docs/contract.md §6).
        """
        kb, p = self.kb, self.p
        if any({"uniform", "normal"} & set(fn.arg_names) for fn in self.fns.values()):
            raise NotShardable(f"population {self.pop.name!r} draws random numbers in its phase functions")
        limits = kb.arg(bounds(self.pop.n, kb.shards), f"{p}_bounds")
        # unsigned bounds: a signed index read from an array may be negative, and Numba's wraparound test on it
        # keeps LLVM from vectorising the loop (3-4x slower per neuron, measured); ``i`` is only an index here
        lines = self.state_loops(f"range(np.uint64({limits}[sh]), np.uint64({limits}[sh + 1]))")
        if self.pop.spiking:
            batch = self.arrays.spike_cnt.shape[0]
            shard_cnt = kb.arg(np.zeros((batch, kb.shards), dtype=np.int64), f"{p}_shard_cnt")
            lines += self.spike_pass(
                f"{shard_cnt}[b, sh]", f"{limits}[sh]", f"range(np.uint64({limits}[sh]), np.uint64({limits}[sh + 1]))"
            )
            kb.add(
                "gather",
                f"{kb.func(join_spikes, 'join_spikes')}(b, {limits}, {shard_cnt}, {self.idx}, "
                f"{self.code}, {self.val}, {self.cnt})",
            )
            if kb.window > 1:
                self.emit_outbox(limits, shard_cnt)
        kb.add(
            "neurons",
            "\n".join(lines),
            comment=f"population {self.pop.name!r} ({self.pop.model!r}), one shard",
            sharded=True,
        )

    def emit_outbox(self, limits: str, shard_cnt: str) -> None:
        """Windowed layout: each step's shard lists kept in a ``(W, B, N)`` outbox, put back before the join.

        The arrays are allocated here, once per generated kernel (never per step).
        """
        kb, p, arrays = self.kb, self.p, self.arrays
        B, N = arrays.spike_idx.shape
        box = ", ".join(
            kb.arg(np.zeros((kb.window, B, N), dtype=a.dtype), f"{p}_win_{name}")
            for name, a in (("idx", arrays.spike_idx), ("code", arrays.spike_code), ("val", arrays.spike_val))
        )
        box += ", " + kb.arg(np.zeros((kb.window, B, kb.shards), dtype=np.int64), f"{p}_win_cnt")
        lists = f"{limits}, {shard_cnt}, {self.idx}, {self.code}, {self.val}, {box}"
        kb.add("outbox", f"{kb.func(window_put, 'window_put')}(t - tw, b, sh, {lists})", sharded=True)
        kb.add("inbox", f"{kb.func(window_take, 'window_take')}(t - tw, b, {lists})")

    # ----- the two passes
    def state_loops(self, neurons: str) -> list:
        """The state pass over ``neurons``; with a fast path, two versions chosen by ``fast_when`` over all of them.

        The check is a pass of its own over the state at the start of the
        step (an and-reduction LLVM vectorises); the branch is taken once per
        population and step, so both loops stay branch-free.
        """
        if "integrate_fast" not in self.fns:
            return [f"for i in {neurons}:"] + _indent(self.state_pass(), 1)
        ok = f"{self.p}_fast"
        return [
            f"{ok} = True",
            f"for i in {neurons}:",
            f"    {ok} &= {self.call('fast_when', at_i=True)}",
            f"if {ok}:",
            f"    for i in {neurons}:",
            *_indent(self.state_pass("integrate_fast"), 2),
            "else:",
            f"    for i in {neurons}:",
            *_indent(self.state_pass(), 2),
        ]

    def state_pass(self, integrate: str = "integrate") -> list:
        body = [f"{self.local[v]} = {self.state[v]}[b, i]" for v in self.state]
        for r in self.buf:
            body += [f"{self.local[r]} = {self.buf[r]}[b, i]", f"{self.buf[r]}[b, i] = 0"]
        for phase in (integrate, "deliver"):
            if phase in self.fns:
                body.append(self.assign(phase))
        body.append(f"{self.s} = {self.call('threshold')}" if "threshold" in self.fns else f"{self.s} = 0.0")
        if "reset" in self.fns:
            body += self.reset_lines()
        if "post" in self.fns:
            body.append(self.assign("post"))
        if self.pop.spiking:
            body.append(f"{self.flag}[b, i] = {self.s}")
        return body + [f"{self.state[v]}[b, i] = {self.local[v]}" for v in self.state]

    def reset_lines(self) -> list:
        reset = self.fns["reset"]
        if {"uniform", "normal"} & set(reset.arg_names):
            return [f"if {self.s} != 0.0:", "    " + self.assign("reset")]
        tmp = [f"{self.p}_reset_{v}" for v in reset.updates]
        lines = [f"{', '.join(tmp)} = {self.call('reset')}"]
        return lines + [
            f"{self.local[v]} = {t_} if {self.s} != 0.0 else {self.local[v]}" for v, t_ in zip(reset.updates, tmp)
        ]

    def spike_pass(self, counter: str | None = None, offset: str = "0", neurons: str | None = None) -> list:
        """List the spiking neurons: entry ``offset + counter`` (default: the population's ``cnt[b]``)."""
        counter = f"{self.cnt}[b]" if counter is None else counter
        neurons = f"range({self.idx}.shape[1])" if neurons is None else neurons
        lines = [
            f"{counter} = 0",
            f"for i in {neurons}:",
            f"    {self.s} = {self.flag}[b, i]",
            f"    if {self.s} != 0.0:",
        ]
        spike = []
        if "output" in self.fns:
            spike += [
                f"{self.local[v]} = {self.state[v]}[b, i]" for v in self.fns["output"].arg_names if v in self.state
            ]
            value = self.call("output")
        else:
            value = self.s
        at = f"k = {counter}" if offset == "0" else f"k = {offset} + {counter}"
        spike += [
            at,
            f"{self.idx}[b, k] = i",
            f"{self.code}[b, k] = np.int8({self.s})",
            f"{self.val}[b, k] = {value}",
            f"{counter} = k + 1" if offset == "0" else f"{counter} += 1",
        ]
        return lines + _indent(spike, 2)

    # ----- calls of the model's functions
    def call(self, phase: str, at_i: bool = False) -> str:
        """The call of ``phase``; ``at_i``: state and receptors read from their arrays, not from the locals."""
        fn = self.fns[phase]
        name = self.kb.func(fn, f"{self.pop.model}_{phase}")
        return f"{name}({', '.join(self.argument(a, at_i) for a in fn.arg_names)})"

    def assign(self, phase: str) -> str:
        return f"{', '.join(self.local[v] for v in self.fns[phase].updates)} = {self.call(phase)}"

    def argument(self, name: str, at_i: bool = False) -> str:
        """The expression a phase function's argument ``name`` receives."""
        if at_i and name in self.state:
            return f"{self.state[name]}[b, i]"
        if at_i and name in self.buf:
            return f"{self.buf[name]}[b, i]"
        if name in self.local:
            return self.local[name]
        if name in self.par:
            return self.par[name]
        special = {
            "t": "t",
            "dt": self.kb.dt,
            "s": self.s,
            "uniform": f"{self.kb.func(rng_uniform, 'rng_uniform')}({self.rng}, b)",
            "normal": f"{self.kb.func(rng_normal, 'rng_normal')}({self.rng}, b)",
        }
        return special[name]


def _kernel_param(kb, arr: np.ndarray, hint: str) -> str:
    """A parameter as the kernel reads it: a scalar when uniform (hoisted, fewer loads), else ``name[i]``."""
    if arr.size and np.all(arr == arr[0]):
        return kb.arg(arr.dtype.type(arr[0]), hint)
    return f"{kb.arg(arr, hint)}[i]"


def _indent(lines: list, levels: int) -> list:
    return ["    " * levels + line for line in lines]
