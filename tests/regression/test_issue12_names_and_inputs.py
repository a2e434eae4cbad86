"""Regression tests for the defects of issue 12 fixed with the floor plan: names that reach generated
code (3, 9), names of components (14, 16), sizes that cannot fit (14), silent rounding (15), the
private kernel cache (8)."""

import os
import stat

import pytest

import simcore as sc
from simcore.base.codegen import private_dir


def test_3_receptor_named_like_a_parameter_is_refused():
    with pytest.raises(ValueError, match="receptor 'V_th' of LIFBio clashes with the parameter"):
        sc.LIFBio(50, tau_syn={"V_th": 5.0})


def test_3_user_model_names_may_not_clash():
    class Clash(sc.NeuronModel):
        state = {"v": 0.0}
        params = {"v": 1.0}

        def threshold(v):
            return 0.0

    with pytest.raises(ValueError, match="parameter 'v' of Clash clashes with the state variable"):
        Clash(2)


@pytest.mark.parametrize("receptor", ["lambda", "None", "print", "_x", "a b"])
def test_9_receptor_names_must_be_plain_identifiers(receptor):
    with pytest.raises(ValueError, match="receptor of LIFBio"):
        sc.LIFBio(5, tau_syn={receptor: 5.0})


def test_9_model_class_name_cannot_inject_code():
    Evil = type(
        "Evil\nwhile True: pass\n#",
        (sc.NeuronModel,),
        {"state": {"v": 0.0}, "params": {}, "threshold": staticmethod(lambda v: 0.0)},
    )
    net = sc.Network()
    net.add(Evil(2, name="evil"))
    net.run(steps=3, seed=0)  # would hang if the name reached the code raw
    assert "while True" not in [line.strip() for line in net.source.splitlines()]


@pytest.mark.parametrize(
    "name, error", [(123, TypeError), ("", ValueError), ("a/b", ValueError), ("x\x1b[31m", ValueError)]
)
def test_14_16_bad_names_are_refused_at_construction(name, error):
    with pytest.raises(error, match="name"):
        sc.LIF(3, name=name)


def test_14_huge_delays_are_refused_naming_the_projection():
    net = sc.Network()
    a = net.add(sc.LIF(1000, name="a"))
    net.connect(a, a, sc.OneToOne(), delay_steps=10**9, name="long")
    with pytest.raises(ValueError, match="projection 'long'.*GiB"):
        net.build(batch_size=4)
    with pytest.raises(ValueError, match="delay_steps must be < 2147483648"):
        net.connect(a, a, sc.OneToOne(), delay_steps=2**63 - 1)


def test_15_a_duration_that_rounds_to_zero_steps_is_refused():
    net = sc.Network()
    net.add(sc.LIF(2))
    with pytest.raises(ValueError, match="duration 0.04 ms rounds to 0 steps at dt = 0.1 ms"):
        net.run(0.04, dt=0.1)
    with pytest.warns(sc.SpikesimWarning, match="not a whole number of steps"):
        net.run(0.26, dt=0.1)
    assert net.t == 3


def test_8_kernel_cache_folder_is_private(tmp_path):
    path = private_dir(str(tmp_path / "cache"))
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(PermissionError, match="not be writable by others"):
        private_dir(str(shared))


def test_network_name_is_checked():
    with pytest.raises(TypeError, match="network name must be a str"):
        sc.Network(name=5)
