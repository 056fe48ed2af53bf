"""Reference: atooms-pp (Coslovich, https://framagit.org/atooms/postprocessing, installed from PyPI as
``atooms-pp``), an independent implementation of MSD, Fs, Q, chi4, alpha2, S4 and cage-relative
coordinates, run on the same trajectories; agreement to 1e-6 relative."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from glassml.data import isoconfigurational as iso_of, random_walk
from glassml.dynamics.observables import Observables, lattice_vectors, non_gaussian_parameter, shell_vectors
from glassml.dynamics.targets import cage_relative_propensity, initial_neighbors

RTOL = 1e-6


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


def test_cage_relative_agrees_with_atooms_pp_helper():
    """atooms-pp's cage-relative coordinates x_i - <x_j>_{j in N_i} (neighbors within a radius
    in the initial frame, minimum image) give, frame to frame, the same cage-relative
    displacement magnitude as cr_prop with sigma = 1 and shell = radius."""
    cage = pytest.importorskip("atooms.postprocessing.cage_relative")
    rng = np.random.default_rng(7)
    box = np.array([8.0, 8.0])
    g = (np.stack(np.meshgrid(np.arange(8), np.arange(8), indexing="ij"), -1).reshape(-1, 2) + 0.5).astype(float)
    x0 = g + rng.normal(0, 0.1, g.shape)
    types = np.zeros(len(x0), np.int64)
    d = rng.normal(0, 0.15, (2, 3, len(x0), 2))
    i, j, rij, s = initial_neighbors(x0, types, box, np.ones((1, 1)), 1.3)
    mine = cage_relative_propensity(d, i, j)
    nl, nb = cage.find_neighbors(x0, np.ones(len(x0), np.int32), 1.3, box)
    c0 = cage.get_cage_relative_coord(x0, nb, nl, box)
    ref = np.zeros_like(mine)
    for t in range(d.shape[0]):
        for r in range(d.shape[1]):
            ct = cage.get_cage_relative_coord(x0 + d[t, r], nb, nl, box)
            ref[t] += np.linalg.norm(ct - c0, axis=1) / d.shape[1]
    np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-12)
