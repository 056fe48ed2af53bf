"""Collective observables: hand-built systems with answers worked out here, and agreement with
atooms-pp (MSD, Fs, Q, chi4, alpha2, S4 per wave vector) and freud (MSD) to 1e-6 relative on
the same trajectories."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from glassml.dynamics import from_arrays
from glassml.dynamics.observables import (
    Observables,
    chi4,
    lattice_vectors,
    mean_square_displacement,
    non_gaussian_parameter,
    ornstein_zernike_fit,
    overlap,
    self_intermediate_scattering,
    shell_vectors,
    tau_alpha,
)

RTOL = 1e-6


def iso_of(x0, disp, box, types=None, times=None):
    t = np.arange(1, disp.shape[0] + 1, dtype=float) if times is None else times
    types = np.zeros(len(x0), np.int64) if types is None else types
    return from_arrays({"types": types, "box": box, "initial_positions": x0, "positions": x0[None, None] + disp, "times": t})


def test_hand_built_moments_overlap_and_chi4():
    # two particles, four replicas, one time; displacements along x of 0, 0.2, 0.5, 1.0
    d = np.zeros((1, 4, 2, 3))
    d[0, :, 0, 0] = [0.0, 0.2, 0.5, 1.0]  # particle 0
    d[0, :, 1, 0] = [0.1, 0.4, 0.0, 1.0]  # particle 1
    r2 = np.array([0, 0.04, 0.25, 1.0, 0.01, 0.16, 0, 1.0])
    assert mean_square_displacement(d)[0] == pytest.approx(r2.mean())
    assert non_gaussian_parameter(d)[0] == pytest.approx(3 * (r2**2).mean() / (5 * r2.mean() ** 2) - 1)
    k = np.array([[np.pi, 0, 0]])
    assert self_intermediate_scattering(d, k)[0] == pytest.approx(np.mean(np.cos(np.pi * np.sqrt(r2))))
    # overlaps (a = 0.3): replica 0: both in; 1: 0 in, 1 out (0.4); 2: 0 out, 1 in; 3: both out
    # Q_r = 1, 0.5, 0.5, 0 -> Q = 0.5, Var = 0.125, chi4 = N Var = 0.25
    assert overlap(d, 0.3)[0] == pytest.approx(0.5)
    assert chi4(d, 0.3)[1][0] == pytest.approx(0.25)


def test_chi4_iso_versus_total_and_g4_by_hand():
    """Two samples: in sample A both replicas keep both particles (Q = 1, 1), in sample B both
    replicas lose both (Q = 0, 0).  chi4_iso = 0 (no replica-to-replica variance),
    chi4_total = N Var(1, 1, 0, 0) = 2 * 0.25 = 0.5.  The two particles sit 1.05 apart."""
    box = np.array([10.0, 10.0])
    x0 = np.array([[1.0, 1.0], [2.05, 1.0]])
    still = np.zeros((2, 2, 2, 2))
    moved = still.copy()
    moved[1] = [[[0.5, 0], [0, 0.5]], [[0, -0.5], [-0.5, 0]]]
    obs = Observables(k=2 * np.pi, a=0.3, q_max=1.0, r_max=2.0, dr=0.1).compute([iso_of(x0, still, box), iso_of(x0, moved, box)])
    assert obs.chi4_iso[1] == pytest.approx(0.0)
    assert obs.chi4_total[1] == pytest.approx(0.5)
    assert obs.overlap[1] == pytest.approx(0.5)
    # G4 at the bin [1.0, 1.1): ordered pair products w_i w_j summed over 4 replicas = 2 * 2 = 4,
    # ordered pairs x replicas = 2 * 4 = 8, so numerator 4 - 0.5² * 8 = 2; normalisation
    # N rho V_shell n_replicas = 2 * (2 / 100) * pi (1.1² - 1²) * 4
    b = 10
    expected = 2.0 / (2 * 0.02 * np.pi * (1.1**2 - 1.0**2) * 4)
    assert obs.g4[1, b] == pytest.approx(expected)
    assert np.allclose(np.delete(obs.g4[1], b), 0.0)


def test_s4_is_the_variance_of_the_weighted_density():
    rng = np.random.default_rng(3)
    box = np.array([6.0, 6.0, 6.0])
    x0 = rng.uniform(0, 6, (30, 3))
    d = rng.normal(0, 0.3, (2, 5, 30, 3))
    obs = Observables(k=5.0, q_max=2.2, r_max=2.0).compute([iso_of(x0, d, box)])
    qv = lattice_vectors(box, 1e-9, 2.2)
    w = (np.einsum("trnk,trnk->trn", d, d) < 0.09).astype(float)
    W = w @ np.exp(1j * x0 @ qv.T)  # (T, R, n_q)
    s4 = ((np.abs(W) ** 2).mean(axis=1) - np.abs(W.mean(axis=1)) ** 2) / 30
    shells = np.floor(np.linalg.norm(qv, axis=1) / (2 * np.pi / 6) + 0.5)
    for g, s in enumerate(np.unique(shells)):
        np.testing.assert_allclose(obs.s4_total[:, g], s4[:, shells == s].mean(axis=1), rtol=1e-12)
    # one sample: the isoconfigurational and total S4 coincide
    np.testing.assert_allclose(obs.s4_iso, obs.s4_total, rtol=1e-10, atol=1e-12)


def test_ornstein_zernike_fit_recovers_known_parameters():
    q = np.linspace(0.2, 2.0, 12)
    a, xi = ornstein_zernike_fit(q, 12.0 / (1 + (q * 2.5) ** 2), q_fit=2.1)
    assert a == pytest.approx(12.0, rel=1e-6) and xi == pytest.approx(2.5, rel=1e-6)


def test_tau_alpha_interpolates_in_log_time():
    t = np.logspace(-1, 4, 200)
    assert tau_alpha(t, np.exp(-((t / 300.0) ** 0.7))) == pytest.approx(300.0, rel=2e-3)
    assert tau_alpha(t, np.full_like(t, 0.9)) is None
    # exactly linear in log t between the bracketing points
    assert tau_alpha([1.0, 100.0], [1.0, 0.0]) == pytest.approx(100.0 ** (1 - 1 / np.e))


# ------------------------------------------------------------------------------ references
def random_walk(seed=0, n=80, reps=4, times=3, box=7.0):
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0, box, (n, 3))
    steps = rng.normal(0, 0.25, (times, reps, n, 3))
    return x0, np.cumsum(steps, axis=0), np.full(3, box)


def atooms_trajectory(frames, box):
    """An in-memory atooms trajectory whose frames carry unfolded positions."""
    from atooms.system import Cell, Particle, System
    from atooms.trajectory import TrajectoryRam

    th = TrajectoryRam()
    for step, x in enumerate(frames):
        s = System()
        s.cell = Cell(list(box))
        s.particle = [Particle(position=xi.copy(), species="A") for xi in x]
        for p, xi in zip(s.particle, x):
            p.position_unfolded = xi.copy()
        th[step] = s
    th.timestep = 1.0
    return th


def pairs_trajectory(x0, disp_t, box):
    """Frames x0, x0 + Δr_0, x0, x0 + Δr_1, ...: with norigins = R, atooms-pp's time origins
    are exactly the R replicas of one time (lag one frame, every other frame an origin)."""
    frames = []
    for r in range(disp_t.shape[0]):
        frames += [x0, x0 + disp_t[r]]
    return atooms_trajectory(frames, box)


def test_agrees_with_atooms_pp():
    pp = pytest.importorskip("atooms.postprocessing")
    x0, d, box = random_walk()
    reps = d.shape[1]
    kv = shell_vectors(box, 7.2, max_vectors=12)
    obs = Observables(k=7.2, a=0.3, max_kvectors=12).compute([iso_of(x0, d, box)])
    np.testing.assert_allclose(obs.kvectors, kv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(d.shape[0]):
            th = pairs_trajectory(x0, d[t], box)
            msd = pp.MeanSquareDisplacement(th, tgrid=[1.0], norigins=reps)
            msd.compute()
            assert obs.msd[t] == pytest.approx(msd.value[-1], rel=RTOL)
            fs = pp.SelfIntermediateScattering(th, tgrid=[1.0], norigins=reps, kvectors=[list(kv)])
            fs.compute()
            assert obs.fs[t] == pytest.approx(fs.value[0][-1], rel=RTOL)
            c4 = pp.Chi4SelfOverlap(th, tgrid=[1.0], norigins=reps, a=0.3)
            c4.compute()
            assert obs.chi4_total[t] == pytest.approx(c4.value[-1], rel=RTOL)
            q = pp.SelfOverlap(th, tgrid=[1.0], norigins=reps, a=0.3)
            q.compute()
            assert obs.overlap[t] == pytest.approx(q.value[-1], rel=RTOL)
            # atooms-pp averages alpha2 per time origin: compare replica by replica
            for r in range(reps):
                one = atooms_trajectory([x0, x0 + d[t, r]], box)
                a2 = pp.NonGaussianParameter(one, tgrid=[1.0], norigins=1)
                a2.compute()
                assert non_gaussian_parameter(d[t : t + 1, r : r + 1])[0] == pytest.approx(a2.value[-1], rel=RTOL)
            # S4 per single wave vector (atooms-pp subtracts |sum_k <W_k>|^2 over a group of
            # several vectors, glassml sum_k |<W_k>|^2; for one vector per group they coincide)
            qv = lattice_vectors(box, 1e-9, 2.0)[:6]
            s4 = pp.S4ktOverlap(th, tgrid=[1.0], norigins=reps, kvectors=[[v] for v in qv], a=0.3)
            s4.compute()
            w = (np.einsum("rnk,rnk->rn", d[t], d[t]) < 0.09).astype(float)
            W = w @ np.exp(1j * x0 @ qv.T)
            mine = ((np.abs(W) ** 2).mean(axis=0) - np.abs(W.mean(axis=0)) ** 2) / len(x0)
            np.testing.assert_allclose(mine, np.asarray(s4.value[-1], float), rtol=RTOL)


def test_msd_agrees_with_freud():
    freud = pytest.importorskip("freud")
    x0, d, box = random_walk(seed=5)
    obs = Observables(k=7.0).compute([iso_of(x0, d, box)])
    per_rep = []
    for r in range(d.shape[1]):
        frames = np.concatenate([x0[None], x0[None] + d[:, r]])  # reference frame + T times
        msd = freud.msd.MSD(mode="direct").compute(frames).msd
        per_rep.append(msd[1:])
    np.testing.assert_allclose(obs.msd, np.mean(per_rep, axis=0), rtol=RTOL)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 1000), shift=st.floats(-20, 20))
def test_observables_are_permutation_and_translation_invariant(seed, shift):
    """Relabelling particles and translating the whole initial configuration (the phases of
    W(q) change by a common factor) leave every pooled observable unchanged."""
    rng = np.random.default_rng(seed)
    box = np.array([6.0, 7.0])
    x0 = rng.uniform(0, 6, (40, 2))
    d = rng.normal(0, 0.3, (2, 3, 40, 2))
    types = rng.integers(0, 2, 40)
    opts = dict(k=6.0, q_max=2.0, r_max=2.5)
    ref = Observables(**opts).compute([iso_of(x0, d, box, types)])
    perm = rng.permutation(40)
    out = Observables(**opts).compute([iso_of(x0[perm] + shift, d[:, :, perm], box, types[perm])])
    for key in ("msd", "alpha2", "fs", "overlap", "chi4_total", "chi4_iso", "s4_total", "s4_iso", "g4"):
        np.testing.assert_allclose(getattr(out, key), getattr(ref, key), rtol=1e-9, atol=1e-9, err_msg=key)
