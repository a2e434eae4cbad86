"""Allocate a population's arrays and generate its per-neuron loop.

This is where a :class:`neurons.base.NeuronModel` meets the engine: the
model's per-neuron functions are called by name from generated code, so a
user's model runs through exactly the path of the built-in ones (MODELS.md 3.6).
"""
from __future__ import annotations

import numpy as np

from neurons.base import SPECIAL_ARGS, NeuronModel, draw_initial_state
from . import random as rnd
from .context import BuildContext
from .kernels.rng import normal as rng_normal
from .kernels.rng import uniform as rng_uniform


def build_population(pop: NeuronModel, ctx: BuildContext) -> None:
    """Allocate state, receptor buffers, kernel parameters and the spike list."""
    B, N, dtype = ctx.batch_size, pop.n, ctx.dtype
    params = pop.realize_params(rnd.network_generator(ctx.seed, pop.name, rnd.PARAMS), ctx.dt)
    pop.kernel_params = {k: np.ascontiguousarray(np.broadcast_to(v, (N,)), dtype=dtype) for k, v in params.items()}
    pop.arrays = {}
    for var in pop.state_defaults():
        pop.arrays[var] = draw_initial_state(
            pop, var, B, dtype, lambda b, v=var: rnd.sample_generator(ctx.seed, f"{pop.name}.{v}", rnd.INIT, b))
    pop.buffers = {r: np.zeros((B, N), dtype=dtype) for r in pop.receptor_names()}
    pop.spike_idx = np.zeros((B, N), dtype=np.int32)
    pop.spike_code = np.zeros((B, N), dtype=np.int8)
    pop.spike_val = np.zeros((B, N), dtype=dtype)
    pop.spike_cnt = np.zeros(B, dtype=np.int64)
    pop.spike_flag = np.zeros((B, N), dtype=dtype)  # s of the last step, every neuron
    pop.rng_state = rnd.stream_states(ctx.seed, pop.name, rnd.NOISE, B)
    _check_phase_arguments(pop)


def reset_population_state(pop: NeuronModel, ctx: BuildContext) -> None:
    """Put state back to its initial draw; empty buffers and spike lists."""
    for var in pop.state_defaults():
        pop.arrays[var][...] = draw_initial_state(
            pop, var, ctx.batch_size, ctx.dtype,
            lambda b, v=var: rnd.sample_generator(ctx.seed, f"{pop.name}.{v}", rnd.INIT, b))
    for buf in pop.buffers.values():
        buf[...] = 0
    pop.spike_cnt[...] = 0
    pop.rng_state[...] = rnd.stream_states(ctx.seed, pop.name, rnd.NOISE, ctx.batch_size)


def _check_phase_arguments(pop: NeuronModel) -> None:
    known = set(pop.state_defaults()) | set(pop.receptor_names()) | set(pop.kernel_params) | set(SPECIAL_ARGS)
    fns = pop.phase_functions()
    for phase, fn in fns.items():
        for arg in fn.arg_names:
            if arg not in known:
                raise TypeError(
                    f"{pop.model}.{phase} reads {arg!r}, which is not a state variable, receptor, "
                    f"parameter or one of {SPECIAL_ARGS}; known names: {sorted(known)}")
            if arg == "s" and phase not in ("reset", "output", "post"):
                raise TypeError(f"{pop.model}.{phase} reads 's', which exists only in reset, output and post")
        for var in fn.updates:
            if var not in pop.state_defaults():
                raise TypeError(f"{pop.model}.{phase} updates {var!r}, which is not a state variable")
    if pop.receptor_names() and "deliver" not in fns:
        raise TypeError(f"{pop.model} has receptors {pop.receptor_names()} but no deliver function")
    if pop.spiking and "threshold" not in fns:
        raise TypeError(f"{pop.model} is spiking but has no threshold function")


def _kernel_param(kb, arr: np.ndarray, hint: str) -> str:
    """A parameter as the kernel reads it: a scalar when uniform (hoisted, fewer loads), else ``name[i]``."""
    if arr.size and np.all(arr == arr[0]):
        return kb.arg(arr.dtype.type(arr[0]), hint)
    return f"{kb.arg(arr, hint)}[i]"


def emit_population(pop: NeuronModel, kb, dt_arg: str) -> None:
    """Generate phases 1-4 of ``pop`` for sample ``b`` at step ``t``.

    Two passes over the neurons. The first runs integrate, deliver,
    threshold, reset and post; it has no data-dependent stores, so LLVM can
    vectorise it: ``reset`` is computed for every neuron and kept where
    ``s != 0`` (phase functions are pure; a reset that draws random numbers
    is called only on spikes, to keep the streams of non-spiking neurons
    untouched). The second pass lists the spiking neurons (index, polarity,
    the value ``output`` gives) for the delay queues and monitors.
    """
    p = kb.unique(f"p_{pop.name}")
    local = {var: f"{p}_{var}" for var in pop.state_defaults()}
    local.update({r: f"{p}_in_{r}" for r in pop.receptor_names()})
    state_arg = {var: kb.arg(arr, f"{p}_{var}_arr") for var, arr in pop.arrays.items()}
    buf_arg = {r: kb.arg(buf, f"{p}_{r}_buf") for r, buf in pop.buffers.items()}
    par_expr = {k: _kernel_param(kb, arr, f"{p}_{k}") for k, arr in pop.kernel_params.items()}
    rng = kb.arg(pop.rng_state, f"{p}_rng")
    idx = kb.arg(pop.spike_idx, f"{p}_spike_idx")
    code = kb.arg(pop.spike_code, f"{p}_spike_code")
    val = kb.arg(pop.spike_val, f"{p}_spike_val")
    cnt = kb.arg(pop.spike_cnt, f"{p}_spike_cnt")
    flag = kb.arg(pop.spike_flag, f"{p}_spike_flag")
    f_uniform = kb.func(rng_uniform, "rng_uniform")
    f_normal = kb.func(rng_normal, "rng_normal")
    s = f"{p}_s"

    def call(phase, fn, prefix=""):
        name = kb.func(fn, f"{pop.model}_{phase}")
        args = []
        for a in fn.arg_names:
            if a in local:
                args.append(local[a])
            elif a in par_expr:
                args.append(par_expr[a])
            elif a == "t":
                args.append("t")
            elif a == "dt":
                args.append(dt_arg)
            elif a == "s":
                args.append(s)
            elif a == "uniform":
                args.append(f"{f_uniform}({rng}, b)")
            elif a == "normal":
                args.append(f"{f_normal}({rng}, b)")
        return f"{name}({', '.join(args)})"

    def assign(phase, fn):
        return f"{', '.join(local[v] for v in fn.updates)} = {call(phase, fn)}"

    fns = pop.phase_functions()
    body = [f"{local[v]} = {state_arg[v]}[b, i]" for v in pop.arrays]
    for r in pop.receptor_names():
        body += [f"{local[r]} = {buf_arg[r]}[b, i]", f"{buf_arg[r]}[b, i] = 0"]
    for phase in ("integrate", "deliver"):
        if phase in fns:
            body.append(assign(phase, fns[phase]))
    body.append(f"{s} = {call('threshold', fns['threshold'])}" if "threshold" in fns else f"{s} = 0.0")
    if "reset" in fns:
        reset = fns["reset"]
        if {"uniform", "normal"} & set(reset.arg_names):
            body += [f"if {s} != 0.0:", "    " + assign("reset", reset)]
        else:
            tmp = [f"{p}_reset_{v}" for v in reset.updates]
            body.append(f"{', '.join(tmp)} = {call('reset', reset)}")
            body += [f"{local[v]} = {t_} if {s} != 0.0 else {local[v]}" for v, t_ in zip(reset.updates, tmp)]
    if "post" in fns:
        body.append(assign("post", fns["post"]))
    if pop.spiking:
        body.append(f"{flag}[b, i] = {s}")
    body += [f"{state_arg[v]}[b, i] = {local[v]}" for v in pop.arrays]

    lines = [f"for i in range({idx}.shape[1]):"] + ["    " + line for line in body]
    if not pop.spiking:  # a readout: nothing to list
        kb.add("neurons", f"# population {pop.name!r} ({pop.model})\n" + "\n".join(lines))
        return
    lines += [f"{cnt}[b] = 0", f"for i in range({idx}.shape[1]):", f"    {s} = {flag}[b, i]", f"    if {s} != 0.0:"]
    spike = []
    if "output" in fns:
        out_fn = fns["output"]
        spike += [f"{local[v]} = {state_arg[v]}[b, i]" for v in out_fn.arg_names if v in state_arg]
        value = call("output", out_fn)
    else:
        value = s
    spike += [f"k = {cnt}[b]", f"{idx}[b, k] = i", f"{code}[b, k] = np.int8({s})",
              f"{val}[b, k] = {value}", f"{cnt}[b] = k + 1"]
    lines += ["        " + line for line in spike]
    kb.add("neurons", f"# population {pop.name!r} ({pop.model})\n" + "\n".join(lines))
