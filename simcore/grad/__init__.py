"""Dense-gradient (BPTT) mode: placeholder docstring, completed below."""
from .layers import LIFLayer, ALIFLayer, LIBLayer, Readout, ResidualBlock, SNN, Tape, kaiming_uniform
from .losses import cross_entropy, mse, firing_rate_l2, branching_factor, accuracy
from .surrogates import make_spike_spec
from .optim import SGD, Adam, MADGRAD, clip_grad_norm, global_norm
from .train import Regularizer, train_step, fit
from .io import save, load, load_parameters
