"""Plots of a recording: raster, population rate, traces (optional: needs matplotlib).

matplotlib is imported only inside these functions, so ``monitors`` imports
without it; each function raises ``ImportError`` naming the ``plot`` extra when
it is missing.  Figures are built with ``matplotlib.figure.Figure`` directly
(no pyplot, no GUI backend), so plotting works headless.
"""
from __future__ import annotations

import numpy as np

from .reader import SpikeData, Trace, list_populations, load_report, load_spikes, list_variables

__all__ = ["require_matplotlib", "plot_raster", "plot_rate", "plot_traces", "plot_recording"]

_MISSING = ("plotting needs matplotlib, which is not installed; "
            "install the plot extra: pip install 'spikesim[plot]'")


def require_matplotlib():
    """Import and return ``matplotlib``, or raise ``ImportError`` naming the ``plot`` extra."""
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as exc:
        raise ImportError(_MISSING) from exc
    return matplotlib


def plot_raster(ax, spikes: SpikeData, sample: int | None = None, markersize: float = 2.0):
    """Dot raster of ``spikes`` (time in ms against neuron) on ``ax``.

    Negative (LIB) spikes are drawn in a second colour.  With several samples
    and ``sample=None`` the samples are stacked, sample ``b`` at neuron
    offset ``b * n_nodes``.
    """
    t, ids, smp, pol = spikes.timestamps, spikes.node_ids.astype(np.int64), spikes.sample_ids, spikes.polarity
    if sample is not None:
        keep = smp == sample
        t, ids, smp, pol = t[keep], ids[keep], smp[keep], pol[keep]
    n = spikes.n_nodes or (int(ids.max()) + 1 if ids.size else 1)
    y = ids + (smp.astype(np.int64) - min(spikes.samples)) * n if sample is None else ids
    pos = pol > 0
    ax.plot(t[pos], y[pos], ls="", marker="|" if t.size < 20000 else ",", ms=markersize * 2,
            color="k", label="+1")
    if np.any(~pos):
        ax.plot(t[~pos], y[~pos], ls="", marker="|", ms=markersize * 2, color="tab:red", label="-1")
        ax.legend(loc="upper right", fontsize="small")
    rows = n if sample is not None else n * len(spikes.samples)
    ax.set_ylim(-0.5, rows - 0.5)
    ax.set_ylabel("neuron" if sample is not None or len(spikes.samples) == 1 else "sample * N + neuron")
    ax.set_title(f"{spikes.population}: {len(t)} spikes")
    return ax


def plot_rate(ax, spikes: SpikeData, bin_ms: float | None = None, sample: int | None = None):
    """Population rate in Hz (spikes per neuron per second, averaged over samples) on ``ax``."""
    t = spikes.timestamps if sample is None else spikes.timestamps[spikes.sample_ids == sample]
    n_samples = len(spikes.samples) if sample is None else 1
    # per recorded neuron, up to the end the run reached (not the planned duration)
    n = spikes.n_recorded or spikes.n_nodes or (int(spikes.node_ids.max()) + 1 if len(spikes) else 1)
    end = spikes.t_end if spikes.t_end is not None else (
        spikes.duration if spikes.duration else (float(t.max()) + (spikes.dt or 1.0) if t.size else 1.0))
    if bin_ms is None:
        bin_ms = max(spikes.dt or 1.0, end / 100.0)
    edges = np.arange(0.0, end + bin_ms, bin_ms)
    counts, _ = np.histogram(t, bins=edges)
    rate = counts / (n * n_samples * bin_ms / 1000.0)
    ax.step(edges[:-1], rate, where="post", color="k")
    ax.set_ylabel("rate (Hz)")
    return ax


def plot_traces(ax, trace: Trace, sample: int = 0, max_traces: int = 10):
    """Up to ``max_traces`` recorded neurons of ``trace`` (one sample) against time."""
    data = trace.data if trace.data.ndim == 2 else trace.data[:, sample]
    k = min(max_traces, data.shape[1])
    for i in range(k):
        ax.plot(trace.times, data[:, i], lw=0.8, label=str(int(trace.node_ids[i])))
    unit = f" ({trace.unit})" if trace.unit else ""
    ax.set_ylabel(f"{trace.variable}{unit}")
    if k <= 10:
        ax.legend(loc="upper right", fontsize="x-small", ncol=min(k, 5), title="neuron")
    return ax


def plot_recording(path, out=None, population: str | None = None, sample: int | None = 0,
                   dpi: int = 100):
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
        Sample to draw; None stacks all samples in the raster.
    dpi : int

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
        raise ValueError(f"population must be one of {tuple(pops)}; got {population!r}")
    has_spikes = population in info["spikes"]
    variables = list_variables(path, population) if population in info["reports"] else []
    n_axes = 2 * has_spikes + len(variables[:3])
    heights = ([3, 1] if has_spikes else []) + [1.5] * len(variables[:3])
    fig = Figure(figsize=(8, 1.2 + 1.3 * sum(heights)), dpi=dpi)
    axes = fig.subplots(n_axes, 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    i = 0
    if has_spikes:
        spikes = load_spikes(path, population, sample=sample)  # validates sample
        plot_raster(axes[0], spikes)
        plot_rate(axes[1], spikes)
        i = 2
    for var in variables[:3]:
        trace = load_report(path, population, var, sample=0 if sample is None else sample)
        plot_traces(axes[i], trace)
        i += 1
    axes[-1].set_xlabel("time (ms)")
    status = "" if info["completed"] else "  [incomplete run]"
    fig.suptitle(f"{population} (sample {'all' if sample is None else sample}){status}")
    fig.tight_layout()
    if out is not None:
        fig.savefig(out)
    return fig
