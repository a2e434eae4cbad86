"""Bad input to the dense-gradient mode raises clear errors."""

import numpy as np
import pytest

from simcore.grad import LIFLayer, LIBLayer, ReadoutLayer, SNN, cross_entropy, mse, firing_rate_l2, make_spike_spec


def model():
    return SNN([LIFLayer(3, 4, seed=0)], ReadoutLayer(4, 2, seed=1))


def test_mask_of_wrong_length():
    y = np.zeros((10, 2, 2))
    with pytest.raises(ValueError, match=r"mask must have shape \(10,\)"):
        cross_entropy(y, [0, 1], np.ones(9, bool))
    with pytest.raises(ValueError, match="mask"):
        mse(y, y, np.ones(11, bool))
    # a float mask carries weights (docs/contract.md §4); other dtypes are refused
    with pytest.raises(TypeError, match="boolean or float"):
        cross_entropy(y, [0, 1], np.ones(10, np.int64))
    with pytest.raises(ValueError, match="no step"):
        cross_entropy(y, [0, 1], np.zeros(10, bool))


def test_labels_out_of_range():
    y = np.zeros((10, 2, 2))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        cross_entropy(y, [0, 2])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        cross_entropy(y, [-1, 0])
    with pytest.raises(ValueError, match="labels must have shape"):
        cross_entropy(y, [0, 1, 1])
    with pytest.raises(TypeError, match="integers"):
        cross_entropy(y, [0.0, 1.0])


@pytest.mark.parametrize("delays", [0, [1, 0, 2, 1]])
def test_recurrent_delay_zero(delays):
    with pytest.raises(ValueError, match="recurrent delays must be >= 1"):
        LIFLayer(3, 4, delays=delays)


def test_other_bad_input():
    with pytest.raises(ValueError, match=r"x must have shape \(T, B, 3\)"):
        model().forward(np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match="finite"):
        model().forward(np.full((5, 2, 3), np.nan))
    with pytest.raises(ValueError, match="reset must be one of"):
        LIFLayer(3, 4, reset="substract")
    with pytest.raises(ValueError, match="surrogate must be one of"):
        make_spike_spec("sigmoidish")
    with pytest.raises(ValueError, match="give tau_mem or beta"):
        LIFLayer(3, 4, tau_mem=5.0, beta=0.9)
    with pytest.raises(ValueError, match="beta must lie in"):
        SNN([LIFLayer(3, 4, beta=1.5)])
    with pytest.raises(ValueError, match="does not match"):
        SNN([LIFLayer(3, 4), LIFLayer(5, 2)])
    with pytest.raises(ValueError, match=r"W_rec must have shape \(4, 4\)"):
        LIFLayer(3, 4, W_rec=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="theta_pos must be > 0"):
        SNN([LIBLayer(3, 4, theta_pos=0.0)])
    with pytest.raises(ValueError, match="r_target"):
        firing_rate_l2(np.zeros((3, 2, 4)), np.zeros(3))
    with pytest.raises(TypeError, match="dtype must be"):
        SNN([LIFLayer(3, 4)], dtype=np.int32)
