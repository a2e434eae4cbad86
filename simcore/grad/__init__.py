"""Dense-gradient (BPTT) mode: placeholder docstring, completed below."""
from .layers import LIFLayer, ALIFLayer, LIBLayer, Readout, ResidualBlock, SNN, Tape, kaiming_uniform
from .losses import cross_entropy, mse, firing_rate_l2, branching_factor, accuracy
