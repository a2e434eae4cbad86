"""A user's synapse rule through the same jitted path (docs/contract.md §3.7): reward-modulated STDP with an
eligibility trace and a neuromodulator input, written as the docs/plasticity.md example (under 40 lines)."""

import math

import numpy as np
import pytest

import simcore as sc
from synapses import SynapseModel, updates


class RewardSTDP(SynapseModel):
    """Pair STDP into an eligibility trace ``e``; the weight moves by ``lr * reward * e`` every step."""

    synapse = {"w": None, "e": 0.0}
    pre = {"x": "tau_pre"}
    post = {"y": "tau_post"}
    params = {
        "A_pre": 1.0,
        "A_post": -1.0,
        "tau_pre": 20.0,
        "tau_post": 20.0,
        "tau_e": 200.0,
        "lr": 0.01,
        "w_min": 0.0,
        "w_max": 1.0,
    }

    @updates("e")
    def on_pre(w, e, y):  # deliver w; a pre after a post depresses the eligibility
        return w, e + y

    @updates("x")
    def pre_spike(x, A_pre):
        return x + A_pre

    @updates("y")
    def post_spike(y, A_post):
        return y + A_post

    @updates("e")
    def on_post(e, x):  # a post after a pre raises it
        return e + x

    @updates("w", "e")
    def on_step(w, e, modulator, lr, tau_e, dt):
        return w + lr * modulator * e, e * math.exp(-dt / tau_e)


def run(reward, t_pre=5, t_post=10, steps=60, batch="per_sample", B=1):
    spikes = np.zeros((steps, 1))
    spikes[t_pre, 0] = 1.0
    drive = np.zeros((steps, 1))
    drive[t_post, 0] = 5.0
    net = sc.Network()
    src = net.add(sc.SpikeArraySource(1, spikes, name="src"))
    tgt = net.add(sc.LIF(1, beta=0.0, threshold=1.0, name="tgt"))
    net.add(sc.CurrentInput(tgt, drive))
    proj = net.connect(
        src, tgt, sc.AllToAll(), weight=0.5, delay_steps=1, synapse=RewardSTDP(), batch=batch, modulator=reward
    )
    net.run(steps=steps, dt=1.0, seed=0, batch_size=B)
    return proj


def test_no_reward_no_change_and_a_reward_pulse_applies_the_eligibility():
    assert run(np.zeros(60)).weights[0, 0] == 0.5
    reward = np.zeros(60)
    reward[30] = 1.0
    # eligibility after the pair: x at the post spike = exp(-4/20) (arrival at 6, post at 10); it decays by
    # exp(-1/200) per step from the step after it was raised (10) up to the reward (30)
    e = math.exp(-4 / 20) * math.exp(-(30 - 10) / 200)
    np.testing.assert_allclose(run(reward).weights[0, 0], 0.5 + 0.01 * e, rtol=1e-12)


def test_a_rule_that_reads_the_modulator_needs_one():
    net = sc.Network()
    a = net.add(sc.LIF(2))
    with pytest.raises(ValueError, match="RewardSTDP reads 'modulator'"):
        net.connect(a, a, sc.AllToAll(), synapse=RewardSTDP(), batch="per_sample")
