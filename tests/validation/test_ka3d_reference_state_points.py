"""KA3D (truncated and shifted, rho = 1.2) against published reference runs.

RUMD3 reference values (gamdpy's science tests and examples, N = 4000): at T = 2.0,
U/N = -4.654 and P = 19.318; at T = 0.80, U/N = -6.346, P ≈ 7.60 and D_A ≈ 5.5e-3.  glassml's
LAMMPS engine at N = 1000 and 500; D_A from the mean-square displacement between 20 and 40
time units, well into the diffusive regime (tau_alpha ≈ 2 at T = 0.8).
"""

from __future__ import annotations

import pytest

from glassml.simulate.protocols import state_point
from glassml.systems import get_model


def _state_point(temperature: float, equilibration: float, production: float, seed: int, n: int) -> dict:
    return state_point(get_model("ka3d"), n, temperature, equilibration, production, seed=seed)


def test_high_temperature_energy_and_pressure():
    r = _state_point(2.0, 10.0, 20.0, seed=21, n=1000)
    assert r["T"] == pytest.approx(2.0, rel=0.02)
    assert r["U"] == pytest.approx(-4.654, rel=0.003)
    assert r["P"] == pytest.approx(19.318, rel=0.01)


def test_supercooled_energy_pressure_and_diffusion():
    r = _state_point(0.8, 20.0, 80.0, seed=31, n=500)
    assert r["U"] == pytest.approx(-6.346, rel=0.003)
    assert r["P"] == pytest.approx(7.60, rel=0.02)
    assert r["D"] == pytest.approx(5.5e-3, rel=0.15)
