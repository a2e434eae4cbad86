"""The component protocol: what every part of a network implements.

A :class:`~simcore.network.Network` is a list of components. Populations,
spike sources, projections, stimuli and monitors (built-in or written by a
user) all implement this one small interface, and the network assembles them
without knowing their classes, the way Brian2's ``Network`` sorts objects by
``when``/``order``:

``build(ctx)``
    draw what is random, allocate every array (once);
``bytes_per_step(ctx)``
    memory its per-step buffers take per step of a chunk (bounds the chunk);
``nbytes``
    memory of its arrays once built;
``emit(kb)``
    write its code fragments into the sections of the generated kernel
    (:data:`simcore.base.codegen.SECTIONS`), see :mod:`simcore.base.codegen`;
``after_kernel()`` / ``after_chunk(base, upto)``
    Python between kernel calls: ``after_kernel`` after a call that stopped
    before the chunk's end because a buffer could overflow (monitors drain
    it), ``after_chunk`` once every sample finished the chunk (monitors
    publish rows);
``finish_run()``
    when a run ends normally (pending weight updates of plastic synapses);
``kernel_stale()``
    whether the kernel holds a value the user changed since (a uniform
    weight kept as a scalar), so the network generates it again;
``reset_state(ctx)``
    back to the state of step 0 (initial state redrawn, queues emptied);
``state_arrays()``
    the arrays that a run continues from (checkpoints, docs/contract.md §7):
    ``export_state()`` copies them, ``import_state(d)`` writes them back;
    ``export_results()`` / ``import_results(d)``: what a monitor recorded so
    far (its position in its output);
``schedule()``
    who runs in which phase, for :meth:`Network.schedule`;
``describe()``
    a JSON-friendly description.

Attributes: ``role`` (``"population"``, ``"stimulus"``, ``"projection"`` or
``"monitor"``: the list of the network it is shown in), ``emit_order`` (the
order in which components write into a section of the kernel: stimuli
before projections, so a target sums stimulus input first, docs/contract.md
§2), ``addable_after_build`` (monitors may join a built network).
"""

from __future__ import annotations

import abc

import numpy as np

#: roles of components; the network lists each role apart (``net.populations`` ...)
ROLES = ("population", "stimulus", "projection", "monitor")


class Component(abc.ABC):
    """Base class of everything a :class:`~simcore.network.Network` holds; see the module docstring."""

    role: str = ""
    emit_order: int = 0
    addable_after_build: bool = False
    name: str | None = None

    # ----- assembling
    def name_prefix(self) -> str:
        """Prefix of the name given when the user gives none (``prefix0``, ``prefix1`` ...)."""
        return type(self).__name__.lower() + "_"

    def members(self) -> tuple:
        """Populations this component refers to; each must be in the network first."""
        return ()

    def runs_after(self) -> tuple:
        """``((before, after), ...)``: populations whose step must come before another's within a step
        (a zero-delay projection, docs/contract.md §2); this component's code then follows ``before``'s."""
        return ()

    def companions(self) -> tuple:
        """Components that join the network together with this one (added right after it)."""
        return ()

    # ----- building
    @abc.abstractmethod
    def build(self, ctx) -> None:
        """Draw what is random and allocate every array, once."""

    def bytes_per_step(self, ctx) -> int:
        """Bytes of per-step buffers for each step of a chunk (0: none)."""
        return 0

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays this component holds once built."""
        return sum(int(a.nbytes) for a in self.state_arrays().values())

    @abc.abstractmethod
    def emit(self, kb) -> None:
        """Write this component's code fragments into the kernel builder ``kb``."""

    # ----- running
    def after_kernel(self) -> None:
        """Called after a kernel call that stopped early because a buffer could fill up: drain it."""

    def after_chunk(self, base: int, upto: int) -> None:
        """Called once every sample finished the steps ``base <= t < upto``."""

    def finish_run(self) -> None:
        """Called when a run ends normally (plastic synapses apply pending weight updates)."""

    def kernel_stale(self) -> bool:
        """Whether the generated kernel holds a value the user changed since (then it is generated again)."""
        return False

    def reset_state(self, ctx) -> None:
        """Back to step 0: what ``build`` drew for the run state, drawn again."""

    # ----- checkpoints
    def state_arrays(self) -> dict:
        """The arrays a run continues from, by name (views, not copies)."""
        return {}

    def export_state(self) -> dict:
        """Copies of :meth:`state_arrays`."""
        return {k: np.array(v, copy=True) for k, v in self.state_arrays().items()}

    def import_state(self, state: dict) -> None:
        """Write arrays saved by :meth:`export_state` back, checking names, shapes and dtypes."""
        own = self.state_arrays()
        if set(state) != set(own):
            raise ValueError(f"state of {self.name!r} has arrays {sorted(state)}; expected {sorted(own)}")
        for key, target in own.items():
            value = np.asarray(state[key])
            if value.shape != target.shape or value.dtype != target.dtype:
                raise ValueError(
                    f"{self.name}.{key} has shape {value.shape} and dtype {value.dtype}; "
                    f"expected {target.shape} and {target.dtype}"
                )
            target[...] = value

    def export_results(self) -> dict:
        """What a monitor recorded so far, as arrays of any length (restored with the state)."""
        return {}

    def import_results(self, results: dict) -> None:
        """Take back what :meth:`export_results` gave (a restored monitor goes on from there)."""

    def restored(self, step: int) -> None:
        """After :meth:`import_state`, once the network stands at ``step``: rebuild what the state leaves out."""

    # ----- inspection
    def schedule(self) -> dict:
        """``{phase or section: [text, ...]}``: what this component does when (for printing)."""
        return {}

    def describe(self) -> dict:
        return {"name": self.name, "kind": type(self).__name__}
