"""Plots of a recording: raster, population rate, traces (optional: needs matplotlib).

matplotlib is imported only inside these functions, so ``monitors`` imports
without it; each function raises ``ImportError`` naming the ``plot`` extra when
it is missing.  Figures are built with ``matplotlib.figure.Figure`` directly
(no pyplot, no GUI backend), so plotting works headless.
"""

from __future__ import annotations

import numpy as np

from .reader import SpikeData, Trace, list_populations, load_report, load_spikes, list_variables

__all__ = ["require_matplotlib", "plot_raster", "plot_rate", "plot_traces", "plot_recording", "RASTER_MAX_ROWS"]

_MISSING = "plotting needs matplotlib, which is not installed; install the plot extra: pip install 'spikesim[plot]'"


def require_matplotlib():
    """Import and return ``matplotlib``, or raise ``ImportError`` naming the ``plot`` extra."""
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as exc:
        raise ImportError(_MISSING) from exc
    return matplotlib


#: above this many raster rows (neurons x stacked samples) the raster is a density image
RASTER_MAX_ROWS = 300
#: neuron bins of a density image (at most, over all stacked samples) ...
DENSITY_ROWS = 100
#: ... and its time bins (at most; never narrower than one step): cells of a
#: few expected spikes at cortical rates, not a speckle of zeros and ones
DENSITY_TIME_BINS = 125


def _span(spikes: SpikeData) -> tuple[float, float]:
    """``(start, end)`` in ms of what was recorded (falls back on the spikes themselves)."""
    t0 = spikes.t_start if spikes.t_start is not None else 0.0
    if spikes.t_end is not None:
        t1 = spikes.t_end
    elif spikes.duration:
        t1 = t0 + spikes.duration
    else:
        t1 = float(spikes.timestamps.max()) + (spikes.dt or 1.0) if len(spikes) else t0 + (spikes.dt or 1.0)
    return float(t0), float(t1)


def _selection(spikes: SpikeData, sample, window, neurons):
    """Spikes inside ``window`` and ``neurons`` (and ``sample``): ``t, ids, samples, polarity, lo, hi``."""
    t, ids = spikes.timestamps, spikes.node_ids.astype(np.int64)
    smp, pol = spikes.sample_ids, spikes.polarity
    n = spikes.n_nodes or (int(ids.max()) + 1 if ids.size else 1)
    lo, hi = (0, n) if neurons is None else neurons
    keep = (ids >= lo) & (ids < hi)
    if window is not None:
        keep &= (t >= window[0]) & (t < window[1])
    if sample is not None:
        keep &= smp == sample
    return t[keep], ids[keep], smp[keep], pol[keep], lo, hi


def plot_raster(
    ax,
    spikes: SpikeData,
    sample: int | None = None,
    markersize: float = 2.0,
    window: tuple | None = None,
    neurons: tuple | None = None,
    max_rows: int = RASTER_MAX_ROWS,
):
    """Raster of ``spikes`` (time in ms against neuron) on ``ax``.

    Parameters
    ----------
    sample : int, optional
        Draw only this sample; by default every sample in ``spikes`` is
        drawn, stacked (sample ``j`` of ``spikes.samples`` above sample
        ``j - 1``), with a line between two samples.
    window : (start, stop), optional
        Time window in ms (the x limits); the recorded span by default.
    neurons : (lo, hi), optional
        Neurons ``lo <= id < hi``; all by default.
    max_rows : int
        Rows (neurons x stacked samples) above which a density image
        replaces the dots: the rate in Hz of each cell of a 2-D histogram
        over time bins (``DENSITY_TIME_BINS``) and neuron bins
        (``DENSITY_ROWS``, never across two samples), so that thousands of
        neurons do not merge into a black carpet.  The colour scale ends at
        the 99.5th percentile (brighter cells are clipped, the colour bar
        says so) so that one busy cell does not darken the rest.

    Negative (LIB) spikes are drawn in a second colour (in a density image:
    the cell's net rate, positive minus negative, on a diverging scale).
    Returns the artist that holds the spikes (``QuadMesh`` for a density image).
    """
    t, ids, smp, pol, lo, hi = _selection(spikes, sample, window, neurons)
    width = hi - lo
    blocks = [sample] if sample is not None else list(spikes.samples)
    block_of = np.searchsorted(np.asarray(blocks), smp)
    # one sample: y is the neuron id; stacked samples: sample j's neurons lo..hi-1 at j*width + 0..width-1
    base = lo if len(blocks) == 1 else 0
    y = ids - lo + block_of.astype(np.int64) * width + base
    rows = width * len(blocks)
    t0, t1 = window if window is not None else _span(spikes)
    what = f"{len(t)} spikes"
    if rows > max_rows:
        artist, bins = _density(ax, t, y - base, pol, width, len(blocks), (t0, t1), spikes.dt, base)
        what += f"; rate (Hz) per {bins}"
    else:
        pos = pol > 0
        (artist,) = ax.plot(t[pos], y[pos], ls="", marker="|", ms=markersize * 2, color="k", label="+1")
        if np.any(~pos):
            ax.plot(t[~pos], y[~pos], ls="", marker="|", ms=markersize * 2, color="tab:red", label="-1")
            ax.legend(loc="upper right", fontsize="small")
    for j in range(1, len(blocks)):
        ax.axhline(j * width - 0.5, color="tab:orange", lw=1.0)
    ax.set_xlim(t0, t1)
    ax.set_ylim(base - 0.5, base + rows - 0.5)
    if len(blocks) > 1:
        ax.set_yticks([(j + 0.5) * width - 0.5 for j in range(len(blocks))], [f"sample {b}" for b in blocks])
        ax.set_ylabel(f"neurons {lo}:{hi} per sample")
    else:
        ax.set_ylabel("neuron")
    ax.set_title(f"{spikes.population}: {what}", fontsize="medium")
    return artist


def _density(ax, t, y, pol, width: int, n_blocks: int, span, dt, base: int):
    """Draw the rate (Hz) of each time bin x neuron bin; return ``(QuadMesh, "k neurons x s ms")``."""
    t0, t1 = span
    step = max(float(dt or 0.0), (t1 - t0) / DENSITY_TIME_BINS)
    t_edges = t0 + step * np.arange(int(np.ceil((t1 - t0) / step - 1e-9)) + 1)
    per_block = max(1, DENSITY_ROWS // n_blocks)
    k = int(np.ceil(width / per_block))  # neurons per bin, never across two samples
    inner = np.arange(0, width, k)
    y_edges = np.concatenate([j * width + inner for j in range(n_blocks)] + [[n_blocks * width]]).astype(float)
    signed = bool(np.any(pol < 0))
    h, _, _ = np.histogram2d(t, y, bins=(t_edges, y_edges), weights=pol.astype(float) if signed else None)
    neurons_per_bin = np.diff(y_edges)
    rate = h.T / (neurons_per_bin[:, None] * np.diff(t_edges)[None, :] / 1000.0)
    y_draw = y_edges + base - 0.5
    top = float(np.percentile(np.abs(rate), 99.5)) if rate.size else 0.0
    vmax = top if top > 0 else (float(np.abs(rate).max()) if rate.size else 0.0) or 1.0
    clipped = rate.size and float(np.abs(rate).max()) > vmax
    if signed:
        mesh = ax.pcolormesh(t_edges, y_draw, rate, cmap="RdBu_r", vmin=-vmax, vmax=vmax, rasterized=True)
    else:
        mesh = ax.pcolormesh(t_edges, y_draw, rate, cmap="viridis", vmin=0.0, vmax=vmax, rasterized=True)
    cax = ax.inset_axes([1.01, 0.0, 0.015, 1.0])
    extend = ("both" if signed else "max") if clipped else "neither"
    ax.figure.colorbar(mesh, cax=cax, label="rate (Hz)", extend=extend)
    return mesh, f"{k} neuron{'s' * (k > 1)} x {step:g} ms"


def plot_rate(
    ax,
    spikes: SpikeData,
    bin_ms: float | None = None,
    sample: int | None = None,
    window: tuple | None = None,
    neurons: tuple | None = None,
):
    """Population rate in Hz (spikes per neuron per second, averaged over samples) on ``ax``.

    ``window`` (ms) and ``neurons`` (``(lo, hi)``) restrict it like the
    raster; the rate axis starts at 0.
    """
    t, _, _, _, lo, hi = _selection(spikes, sample, window, neurons)
    n_samples = len(spikes.samples) if sample is None else 1
    # per recorded neuron, up to the end the run reached (not the planned duration)
    n = spikes.n_recorded or spikes.n_nodes or (int(spikes.node_ids.max()) + 1 if len(spikes) else 1)
    if neurons is not None:
        n = hi - lo  # per neuron of the selection
    t0, t1 = window if window is not None else _span(spikes)
    if bin_ms is None:
        bin_ms = max(spikes.dt or 1.0, (t1 - t0) / 100.0)
    edges = np.arange(t0, t1 + bin_ms, bin_ms)
    counts, _ = np.histogram(t, bins=edges)
    rate = counts / (n * n_samples * bin_ms / 1000.0)
    ax.step(edges[:-1], rate, where="post", color="k")
    ax.set_ylim(bottom=0.0, top=max(1.0, float(rate.max()) * 1.1) if rate.size else 1.0)
    ax.set_ylabel("rate (Hz)")
    return ax


def plot_traces(
    ax, trace: Trace, sample: int = 0, max_traces: int = 10, window: tuple | None = None, neurons: tuple | None = None
):
    """Up to ``max_traces`` recorded neurons of ``trace`` (one sample) against time.

    ``window`` (ms) and ``neurons`` (``(lo, hi)``) restrict it like the raster.
    """
    data = trace.data if trace.data.ndim == 2 else trace.data[:, sample]
    cols = np.arange(data.shape[1])
    if neurons is not None:
        ids = trace.node_ids.astype(np.int64)
        cols = cols[(ids >= neurons[0]) & (ids < neurons[1])]
    rows = (
        np.ones(trace.times.shape[0], dtype=bool)
        if window is None
        else (trace.times >= window[0]) & (trace.times < window[1])
    )
    k = min(max_traces, cols.size)
    for i in cols[:k]:
        ax.plot(trace.times[rows], data[rows, i], lw=0.8, label=str(int(trace.node_ids[i])))
    unit = f" ({trace.unit})" if trace.unit else ""
    ax.set_ylabel(f"{trace.variable}{unit}")
    if k == 0:
        ax.text(0.5, 0.5, "no recorded neuron in the selection", transform=ax.transAxes, ha="center")
    elif k <= 10:
        ax.legend(loc="upper right", fontsize="x-small", ncol=min(k, 5), title="neuron")
    return ax


def _check_window(window, span):
    if window is None:
        return None
    try:
        start, stop = (float(x) for x in window)
    except (TypeError, ValueError):
        raise ValueError(f"window (--window) must be (start, stop) in ms; got {window!r}") from None
    if not (np.isfinite(start) and np.isfinite(stop) and start < stop):
        raise ValueError(f"window (--window) must have finite start < stop (ms); got {start:g}:{stop:g}")
    if span is not None and (stop <= span[0] or start >= span[1]):
        raise ValueError(
            f"window (--window) {start:g}:{stop:g} ms lies outside the recorded span [{span[0]:g}, {span[1]:g}] ms"
        )
    return start, stop


def _check_neurons(neurons, n_nodes):
    if neurons is None:
        return None
    if isinstance(neurons, (int, np.integer)) and not isinstance(neurons, bool):
        neurons = (0, int(neurons))
    try:
        lo, hi = neurons
        if any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) for x in (lo, hi)):
            raise TypeError
    except (TypeError, ValueError):
        raise ValueError(f"neurons (--neurons) must be a count or a range (lo, hi) of ints; got {neurons!r}") from None
    lo, hi = int(lo), int(hi)
    if not 0 <= lo < hi:
        raise ValueError(f"neurons (--neurons) must satisfy 0 <= lo < hi; got {lo}:{hi}")
    if n_nodes is not None and lo >= n_nodes:
        raise ValueError(f"neurons (--neurons) {lo}:{hi} starts beyond the population's {n_nodes} neurons")
    return lo, hi if n_nodes is None else min(hi, int(n_nodes))


def plot_recording(
    path,
    out=None,
    population: str | None = None,
    sample: int | None = 0,
    dpi: int = 100,
    window: tuple | None = None,
    neurons=None,
    max_rows: int = RASTER_MAX_ROWS,
):
    """Raster + population rate (+ traces when recorded) of one population of a recording.

    Parameters
    ----------
    path : str or os.PathLike
        Recording file.
    out : str or os.PathLike, optional
        Save the figure there (format from the extension).
    population : str, optional
        Population to draw; by default the first one with spikes (else with
        a report).
    sample : int or None, default 0
        Sample to draw; None stacks all samples in the raster (a line between
        two samples) and averages the rate over them.
    dpi : int
    window : (start, stop), optional
        Time window in ms; the recorded span by default.
    neurons : int or (lo, hi), optional
        Neurons to draw: the first ``neurons``, or ``lo <= id < hi``.
    max_rows : int
        Raster rows above which the raster is a density image
        (:func:`plot_raster`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_matplotlib()
    from matplotlib.figure import Figure

    from .reader import file_info

    info = file_info(path)
    pops = list_populations(path)
    if not pops:
        raise ValueError(f"{str(path)!r} holds no spikes and no reports to plot")
    if population is None:
        population = sorted(info["spikes"])[0] if info["spikes"] else pops[0]
    elif population not in pops:
        raise ValueError(f"population (--population) must be one of {tuple(pops)}; got {population!r}")
    has_spikes = population in info["spikes"]
    batch = int(info["spikes"][population]["batch_size"]) if has_spikes else int(info["batch_size"] or 1)
    if sample is not None and (
        isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not 0 <= int(sample) < batch
    ):
        raise ValueError(f"sample (--sample) must be an int in [0, {batch}) or 'all'; got {sample!r}")
    n_nodes = info["spikes"][population]["n_nodes"] if has_spikes else None
    neurons = _check_neurons(neurons, n_nodes)
    variables = list_variables(path, population) if population in info["reports"] else []
    spikes = load_spikes(path, population, sample=sample) if has_spikes else None
    span = _span(spikes) if spikes is not None else None
    window = _check_window(window, span)
    n_axes = 2 * has_spikes + len(variables[:3])
    heights = ([3, 1] if has_spikes else []) + [1.5] * len(variables[:3])
    fig = Figure(figsize=(9, 1.2 + 1.3 * sum(heights)), dpi=dpi)
    axes = fig.subplots(n_axes, 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    i = 0
    if has_spikes:
        plot_raster(axes[0], spikes, window=window, neurons=neurons, max_rows=max_rows)
        plot_rate(axes[1], spikes, window=window, neurons=neurons)
        i = 2
    for var in variables[:3]:
        trace = load_report(path, population, var, sample=0 if sample is None else sample)
        plot_traces(axes[i], trace, window=window, neurons=neurons)
        i += 1
    if window is not None:
        axes[0].set_xlim(*window)
    axes[-1].set_xlabel("time (ms)")
    status = "" if info["completed"] else "  [incomplete run]"
    fig.suptitle(f"{population} (sample {'all, stacked' if sample is None else sample}){status}")
    fig.tight_layout()
    if out is not None:
        fig.savefig(out)
    return fig
