"""FromArrays(i, j) with weight= an array applies each weight to its own (i, j) pair (issue 11: the
weights used to land in the internal sorted order, on the wrong synapses)."""

import numpy as np

import simcore as sc


def test_weights_follow_their_pairs():
    i = np.array([2, 0, 1, 0])
    j = np.array([0, 2, 1, 0])
    w = np.array([10.0, 20.0, 30.0, 40.0])
    net = sc.Network()
    a = net.add(sc.LIF(3, name="a"))
    b = net.add(sc.LIF(3, name="b"))
    proj = net.connect(a, b, sc.FromArrays(i, j), weight=w)
    net.build(seed=0)
    dense = proj.to_scipy().toarray()
    for ii, jj, ww in zip(i, j, w):
        assert dense[ii, jj] == ww
