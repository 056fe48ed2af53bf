"""Collective observables on hand-built systems with answers worked out here, and their
invariances.  Agreement with independent codes (atooms-pp, freud) is in tests/validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassml.data import isoconfigurational as iso_of
from glassml.dynamics.observables import (
    Observables,
    chi4,
    lattice_vectors,
    mean_square_displacement,
    non_gaussian_parameter,
    ornstein_zernike_fit,
    overlap,
    self_intermediate_scattering,
    self_overlap,
    susceptibilities,
    tau_alpha,
)

RTOL = 1e-6


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
    # the one chi4 definition, on the per-replica overlaps of each sample
    iso, total = susceptibilities([self_overlap(still, 0.3), self_overlap(moved, 0.3)], 2)
    np.testing.assert_array_equal(iso, obs.chi4_iso)
    np.testing.assert_array_equal(total, obs.chi4_total)
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
