"""Issue 12 (plots a scientist can read): ``spikesim plot`` takes --window, --neurons and --sample,
separates stacked samples, starts the rate axis at 0 and draws thousands of neurons as a density image.

Before the fix the plot had no window or neuron selection, the rate axis started wherever
matplotlib put it, and a raster of thousands of neurons was a black carpet of dots.
"""

import numpy as np
import pytest

from monitors.cli import main
from monitors.sonata import RecordingFile

pytest.importorskip("matplotlib")
from matplotlib.collections import QuadMesh  # noqa: E402

from monitors.plotting import RASTER_MAX_ROWS, plot_recording  # noqa: E402


@pytest.fixture(scope="module")
def rec(tmp_path_factory):
    """2000 neurons x 3 samples, 200 steps of 1 ms, each neuron spiking at 20 Hz on average."""
    path = tmp_path_factory.mktemp("plots") / "big.h5"
    rng = np.random.default_rng(3)
    t, b, n = np.nonzero(rng.random((200, 3, 2000)) < 0.02)
    with RecordingFile(path, metadata={"dt": 1.0, "batch_size": 3, "duration": 200.0}) as rf:
        rf.spike_writer("exc", 2000).append(t * 1.0, n, b)
    return path, (t, b, n)


def _meshes(ax):
    return [c for c in ax.collections if isinstance(c, QuadMesh)]


def test_window_and_neurons_set_the_axes_limits(rec):
    path, _ = rec
    fig = plot_recording(path, window=(50.0, 120.0), neurons=(100, 250), sample=1)
    raster, rate = fig.axes[0], fig.axes[1]
    assert raster.get_xlim() == (50.0, 120.0) and rate.get_xlim() == (50.0, 120.0)
    assert raster.get_ylim() == (99.5, 249.5)  # neuron ids on the axis
    assert not _meshes(raster)  # 150 rows: dots
    t, y = raster.lines[0].get_xdata(), raster.lines[0].get_ydata()
    assert t.min() >= 50.0 and t.max() < 120.0 and y.min() >= 100 and y.max() < 250
    assert rate.get_ylim()[0] == 0.0


def test_neuron_count_means_the_first_neurons(rec):
    path, _ = rec
    fig = plot_recording(path, neurons=40, sample=0)
    assert fig.axes[0].get_ylim() == (-0.5, 39.5)
    assert fig.axes[0].get_xlim() == (0.0, 200.0)  # the recorded span by default


def test_stacked_samples_have_separator_lines(rec):
    path, (t, b, n) = rec
    fig = plot_recording(path, sample=None, neurons=(0, 90))  # 3 x 90 = 270 rows: dots
    raster = fig.axes[0]
    assert raster.get_ylim() == (-0.5, 269.5)
    separators = sorted(
        line.get_ydata()[0] for line in raster.lines if len(set(line.get_ydata())) == 1 and len(line.get_ydata()) == 2
    )
    assert separators == [89.5, 179.5]
    dots = raster.lines[0]
    assert len(dots.get_xdata()) == int(np.count_nonzero(n < 90))
    assert [tick.get_text() for tick in raster.get_yticklabels()] == ["sample 0", "sample 1", "sample 2"]
    assert fig.axes[1].get_ylim()[0] == 0.0


def test_density_image_above_the_row_threshold(rec):
    path, (t, b, n) = rec
    assert RASTER_MAX_ROWS == 300
    dots = plot_recording(path, sample=0, neurons=(0, RASTER_MAX_ROWS))
    assert not _meshes(dots.axes[0]) and len(dots.axes[0].lines[0].get_xdata()) > 0
    fig = plot_recording(path, sample=0, neurons=(0, RASTER_MAX_ROWS + 1))
    assert len(_meshes(fig.axes[0])) == 1
    fig = plot_recording(path, sample=0)  # 2000 neurons
    (mesh,) = _meshes(fig.axes[0])
    assert not fig.axes[0].lines  # no carpet of dots
    rate = np.asarray(mesh.get_array())
    assert rate.shape == (100, 125)  # 100 neuron bins of 20 x 125 time bins of 1.6 ms
    # cells hold rates in Hz: summed back to counts they give every spike of sample 0
    neurons_per_row = 2000 / rate.shape[0]
    bin_s = 200.0 / rate.shape[1] / 1000.0
    assert np.sum(rate) * neurons_per_row * bin_s == pytest.approx(np.count_nonzero(b == 0), rel=1e-6)
    assert fig.axes[0].get_ylim() == (-0.5, 1999.5)
    stacked = plot_recording(path, sample=None)  # 6000 rows: density, bins never across samples
    raster = stacked.axes[0]
    assert len(_meshes(raster)) == 1
    assert sorted(line.get_ydata()[0] for line in raster.lines) == [1999.5, 3999.5]


def test_cli_options_write_a_png(rec, tmp_path, capsys):
    path, _ = rec
    out = tmp_path / "w.png"
    assert main(["plot", str(path), "-o", str(out), "--window", "20:80", "--neurons", "0:200", "--sample", "2"]) == 0
    assert out.stat().st_size > 1000 and "wrote" in capsys.readouterr().out
    assert main(["plot", str(path), "-o", str(out), "--neurons", "50", "--sample", "all"]) == 0


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--window", "80"], "--window"),
        (["--window", "a:b"], "--window"),
        (["--window", "80:20"], "--window"),
        (["--window", "nan:20"], "--window"),
        (["--window", "500:900"], "--window"),  # outside the recorded 0..200 ms
        (["--neurons", "0:0"], "--neurons"),
        (["--neurons", "x"], "--neurons"),
        (["--neurons", "5:3"], "--neurons"),
        (["--neurons", "1:2:3"], "--neurons"),
        (["--neurons", "2500:2600"], "--neurons"),  # beyond the 2000 neurons
        (["--sample", "-1"], "--sample"),
        (["--sample", "3"], "--sample"),  # batch 3
        (["--sample", "one"], "--sample"),
        (["--dpi", "0"], "--dpi"),
    ],
)
def test_bad_values_are_one_line_errors_naming_the_flag(rec, tmp_path, capsys, args, flag):
    path, _ = rec
    out = tmp_path / "bad.png"
    assert main(["plot", str(path), "-o", str(out)] + args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("spikesim: error: ") and flag in err, err
    assert not out.exists()
