"""Reference: an independent, hand-written LAMMPS input for the Kob-Andersen mixture (random
insertion, its own minimisation and Nose-Hoover run), compared with glassml's engine on mean
potential energy and pressure."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.simulate.engine import LammpsEngine
from glassml.simulate.protocols import equilibrate, melt
from glassml.systems import get_model


def _independent_lammps(temperature: float, n: int, t_eq: float, t_run: float, seed: int):
    """A hand-written LAMMPS input for the Kob–Andersen mixture, independent of glassml's engine."""
    from glassml.systems.lammps import load_lammps

    lmp = load_lammps().lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    nb = n // 5
    side = (n / 1.2) ** (1 / 3)
    script = f"""
units lj
atom_style atomic
region box block 0 {side} 0 {side} 0 {side}
create_box 2 box
create_atoms 1 random {n - nb} {seed} box overlap 0.7 maxtry 1000
create_atoms 2 random {nb} {seed + 1} box overlap 0.7 maxtry 1000
mass * 1.0
pair_style lj/cut 2.5
pair_coeff 1 1 1.0 1.0 2.5
pair_coeff 1 2 1.5 0.8 2.0
pair_coeff 2 2 0.5 0.88 2.2
pair_modify shift yes
neighbor 0.3 bin
minimize 1e-4 1e-4 1000 10000
reset_timestep 0
timestep 0.005
velocity all create {temperature} {seed + 2} dist gaussian
fix 1 all nvt temp {temperature} {temperature} 0.5
thermo_modify norm yes
run {int(t_eq / 0.005)}
variable pe equal pe
variable p equal press
"""
    lmp.commands_string(script)
    pe, pr = [], []
    for _ in range(int(t_run / 0.005) // 50):
        lmp.command("run 50 pre no post no")
        pe.append(lmp.get_thermo("pe"))
        pr.append(lmp.get_thermo("press"))
    lmp.close()
    return np.array(pe), np.array(pr)


def _mean_err(a, blocks=8):
    b = np.array([x.mean() for x in np.array_split(a, blocks)])
    return a.mean(), b.std(ddof=1) / np.sqrt(blocks)


@pytest.mark.parametrize("temperature", [1.0, pytest.param(0.6, marks=pytest.mark.slow)])
def test_ka3d_energy_and_pressure_match_an_independent_lammps_script(temperature):
    n = 400
    t_eq, t_run = (10.0, 20.0) if temperature >= 1.0 else (100.0, 100.0)
    pe_ref, pr_ref = _independent_lammps(temperature, n, t_eq, t_run, seed=12345)
    eng = LammpsEngine.from_model(get_model("ka3d"), n, seed=9)
    try:
        melt(eng, time=2.0)
        rep = equilibrate(eng, temperature, t_eq + t_run, check_time=t_run, seed=10)
    finally:
        eng.close()
    m1, e1 = _mean_err(pe_ref)
    m2, e2 = _mean_err(pr_ref)
    assert abs(rep.potential_energy - m1) < 4 * np.hypot(e1, rep.potential_energy_error) + 2e-3, (rep.potential_energy, m1)
    assert abs(rep.pressure - m2) < 4 * np.hypot(e2, rep.pressure_error) + 2e-2, (rep.pressure, m2)
    # and the comparison has teeth: the other temperature is far outside these errors
    assert abs(rep.potential_energy - (m1 + 0.3)) > 4 * np.hypot(e1, rep.potential_energy_error)
