"""SpikeMonitor: every spike of a population (or of chosen neurons and samples).

Results as numpy arrays: ``steps`` (int64), ``times`` (ms), ``neurons``,
``samples`` and ``polarity`` (+1, or -1 for a negative LIB spike), ordered by
step, then sample, then neuron; ``raster()`` gives the dense ``(T, B, N)``
array of polarities.
"""

from __future__ import annotations

import numpy as np

from .base import Monitor
from .kernels import spike_gather, spike_record, spike_room

#: events buffered per sample between drains, at least one step of the whole population
DEFAULT_BUFFER_EVENTS = 1 << 22


class SpikeBlock:
    """One block of spikes: parallel arrays ``steps, neurons, samples, polarity``."""

    __slots__ = ("steps", "neurons", "samples", "polarity")

    def __init__(self, steps, neurons, samples, polarity):
        self.steps, self.neurons, self.samples, self.polarity = steps, neurons, samples, polarity

    def __len__(self):
        return int(self.steps.shape[0])

    @staticmethod
    def concatenate(blocks):
        if not blocks:
            return SpikeBlock(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8))
        return SpikeBlock(*(np.concatenate([getattr(b, f) for b in blocks]) for f in SpikeBlock.__slots__))

    def take(self, mask):
        return SpikeBlock(*(getattr(self, f)[mask] for f in SpikeBlock.__slots__))


class SpikeMonitor(Monitor):
    """Record spikes of ``population`` (all neurons and samples unless ``neurons``/``samples`` say)."""

    def __init__(
        self,
        population,
        neurons=None,
        *,
        samples=None,
        name=None,
        keep_in_memory=True,
        buffer_events: int | None = None,
    ):
        super().__init__(population, samples=samples, name=name, keep_in_memory=keep_in_memory)
        if not population.spiking:
            raise ValueError(f"{population.model} {population.name!r} does not spike; use a StateMonitor")
        self.neuron_ids = self._neurons(neurons)
        self.buffer_events = buffer_events
        self._blocks: list[SpikeBlock] = []
        self._pending: list[SpikeBlock] = []
        self._pending_last: int | None = None  # the last step of the one pending block when it is in order

    def build(self, ctx) -> None:
        self.ctx = ctx
        B, n_rec = ctx.batch_size, int(self.neuron_ids.size)
        budget = self.buffer_events or DEFAULT_BUFFER_EVENTS
        self.capacity = max(2 * n_rec, budget // B, 16)
        self.neuron_mask = np.zeros(self.population.n, dtype=np.bool_)
        self.neuron_mask[self.neuron_ids] = True
        self.sample_ids = self._samples(B)
        self.sample_mask = np.zeros(B, dtype=np.bool_)
        self.sample_mask[self.sample_ids] = True
        self.buf_t = np.zeros((B, self.capacity), dtype=np.int64)
        self.buf_i = np.zeros((B, self.capacity), dtype=np.int32)
        self.buf_c = np.zeros((B, self.capacity), dtype=np.int8)
        self.count = np.zeros(B, dtype=np.int64)
        self.n_record = n_rec

    def emit(self, kb) -> None:
        p = kb.unique(f"mon_{self.name}")
        pop = self.population
        count = kb.arg(self.count, f"{p}_count")
        room, n_rec, cap = (
            kb.func(spike_room, "spike_room"),
            kb.arg(self.n_record, p + "_nrec"),
            kb.arg(self.capacity, p + "_cap"),
        )
        kb.stop_if(
            f"not {room}(b, {count}, {n_rec}, {cap})",
            window=f"not {room}(b, {count}, {n_rec} * n_steps, {cap})",
        )
        spikes = pop.runtime
        args = ", ".join(
            [
                kb.arg(spikes.spike_idx, f"{p}_idx"),
                kb.arg(spikes.spike_code, f"{p}_code"),
                kb.arg(spikes.spike_cnt, f"{p}_cnt"),
                kb.arg(self.neuron_mask, f"{p}_nmask"),
                kb.arg(self.sample_mask, f"{p}_smask"),
                kb.arg(self.buf_t, f"{p}_buf_t"),
                kb.arg(self.buf_i, f"{p}_buf_i"),
                kb.arg(self.buf_c, f"{p}_buf_c"),
                count,
            ]
        )
        kb.add("record", f"{kb.func(spike_record, 'spike_record')}(b, t, {args})")

    def state_arrays(self) -> dict:
        return {} if self.ctx is None else {"count": self.count}

    def export_results(self) -> dict:
        blk = self._all()
        return {f: np.array(getattr(blk, f), copy=True) for f in SpikeBlock.__slots__}

    def import_results(self, results: dict) -> None:
        if results:
            self._blocks = [SpikeBlock(*(np.asarray(results[f]) for f in SpikeBlock.__slots__))]
            self._pending, self._pending_last = [], None

    @property
    def nbytes(self) -> int:
        if self.ctx is None:
            return 0
        return self.buf_t.nbytes + self.buf_i.nbytes + self.buf_c.nbytes + self.count.nbytes

    def collect(self) -> None:
        """Move buffered events to a pending list, merged by step (:func:`spike_gather`); empty the buffers."""
        n = int(self.count[self.sample_ids].sum())
        if n:
            block = SpikeBlock(
                np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int8)
            )
            in_order, last = spike_gather(
                self.buf_t,
                self.buf_i,
                self.buf_c,
                self.count,
                self.sample_ids,
                *(getattr(block, f) for f in SpikeBlock.__slots__),
            )
            self._pending_last = int(last) if in_order and not self._pending else None  # None: sort at the flush
            self._pending.append(block)
        self.count[...] = 0

    def flush(self, base: int, upto: int) -> None:
        """Publish every pending spike of a step ``< upto``, ordered by step, sample, neuron."""
        self.collect()
        if not self._pending:
            return
        if len(self._pending) == 1 and self._pending_last is not None and self._pending_last < upto:
            block, self._pending = self._pending[0], []  # one drain of the chunk, already in order: no sort
            self._publish(block)
            return
        pending = SpikeBlock.concatenate(self._pending)
        done = pending.steps < upto
        ready, rest = pending.take(done), pending.take(~done)
        self._pending, self._pending_last = ([rest] if len(rest) else []), None
        order = np.lexsort((ready.neurons, ready.samples, ready.steps))
        self._publish(ready.take(order))

    def _publish(self, block: SpikeBlock) -> None:
        if len(block) == 0:
            return
        if self.keep_in_memory:
            self._blocks.append(block)
        for sink in self.sinks:
            sink.write_spikes(self, block)

    # ----- results
    def _all(self) -> SpikeBlock:
        if len(self._blocks) > 1:
            self._blocks = [SpikeBlock.concatenate(self._blocks)]
        return self._blocks[0] if self._blocks else SpikeBlock.concatenate([])

    @property
    def steps(self) -> np.ndarray:
        return self._all().steps

    @property
    def times(self) -> np.ndarray:
        """Spike times in ms (``step * dt``)."""
        return self._all().steps * (self.ctx.dt if self.ctx else 0.0)

    @property
    def neurons(self) -> np.ndarray:
        return self._all().neurons

    @property
    def samples(self) -> np.ndarray:
        return self._all().samples

    @property
    def polarity(self) -> np.ndarray:
        return self._all().polarity

    def count_per_neuron(self, sample: int | None = None) -> np.ndarray:
        """Spike counts ``(N,)`` of one sample, or ``(B, N)`` for all."""
        blk = self._all()
        B = self.ctx.batch_size
        counts = np.zeros((B, self.population.n), dtype=np.int64)
        np.add.at(counts, (blk.samples, blk.neurons), 1)
        return counts if sample is None else counts[sample]

    def raster(self, n_steps: int | None = None, start_step: int = 0) -> np.ndarray:
        """Dense ``(T, B, N)`` int8 raster of polarities from ``start_step``."""
        blk = self._all()
        if n_steps is None:
            n_steps = (
                int(self.population.network.t - start_step)
                if self.population.network
                else int(blk.steps.max(initial=-1) + 1)
            )
        out = np.zeros((n_steps, self.ctx.batch_size, self.population.n), dtype=np.int8)
        keep = (blk.steps >= start_step) & (blk.steps < start_step + n_steps)
        out[blk.steps[keep] - start_step, blk.samples[keep], blk.neurons[keep]] = blk.polarity[keep]
        return out

    def spike_trains(self, sample: int = 0) -> dict:
        """``{neuron: times in ms}`` for one sample."""
        blk = self._all()
        sel = blk.samples == sample
        return {int(i): blk.steps[sel & (blk.neurons == i)] * self.ctx.dt for i in self.neuron_ids}

    def reset(self) -> None:
        """Forget what was recorded."""
        self._blocks, self._pending, self._pending_last = [], [], None
        if self.ctx is not None:
            self.count[...] = 0

    def describe(self):
        return {**super().describe(), "n_neurons": int(self.neuron_ids.size)}

    #: how monitors.recording stores this monitor (a /spikes group)
    record_kind = "spikes"
