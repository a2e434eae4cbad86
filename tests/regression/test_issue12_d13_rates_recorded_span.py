"""Issue 13: info and plot rates use the recorded end step and the recorded neurons.

Before the fix the rate divided by the planned duration (an interrupted run
looked 20x quieter) and by the whole population (a monitor on 100 of 200
neurons showed half the rate).
"""

import numpy as np
import pytest

import simcore as sc
from monitors.reader import file_info, load_spikes
from netkit import driven_lif


class Stop(Exception):
    pass


def _run(path):
    net = sc.Network("half")
    pop = driven_lif(net, 200)
    mon = net.add(sc.SpikeMonitor(pop, neurons=np.arange(100)))
    net.add(sc.PopulationRateMonitor(pop))
    net.build(batch_size=2, dt=0.1, seed=7, chunk_steps=100)

    def stop(network):
        if network.t >= 1000:  # 100 ms of a planned 2000 ms
            raise Stop

    with pytest.raises(Stop):
        net.run(2000.0, out=path, callback=stop)
    return mon


def test_rate_of_an_interrupted_run_on_half_the_population(tmp_path):
    path = tmp_path / "half.h5"
    mon = _run(path)
    expected = mon.steps.size / (100 * 2 * 0.1)  # spikes / (recorded neurons * samples * 0.1 s)
    assert expected > 1.0
    entry = file_info(path)["spikes"]["pop"]
    assert entry["rate_hz"] == pytest.approx(expected)
    assert entry["n_recorded"] == 100 and entry["recorded_ms"] == pytest.approx(100.0)
    sd = load_spikes(path)
    assert sd.rate_hz() == pytest.approx(expected)


def test_plotted_rate_uses_the_recorded_span(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from monitors.plotting import plot_rate

    path = tmp_path / "half.h5"
    mon = _run(path)
    sd = load_spikes(path)
    ax = Figure().subplots()
    plot_rate(ax, sd, bin_ms=10.0)
    line = ax.lines[0]
    x, y = line.get_xdata(), line.get_ydata()
    assert x.max() < 100.0  # bins end where the run stopped, not at 2000 ms
    assert np.mean(y) == pytest.approx(mon.steps.size / (100 * 2 * 0.1), rel=1e-6)
