"""Bond-order descriptors against slow references written here (2D bond orders, radial
densities, coarse-graining), and the first-minimum cutoffs of g(r) on GlassBench's KA2D and
KA (3D) configurations.  Comparisons with freud, partycls, scipy and sympy live in
tests/validation/test_structure_*.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassml.structure.descriptors.base import Configuration, coarse_grain
from glassml.structure.descriptors.bondorder import (
    Boattini,
    RadialBondOrder,
    RadialDensity,
    SmoothedBondOrder,
    first_minimum_cutoffs,
)


def liquid_like(n=400, dim=3, rho=1.2, seed=0, k=2):
    """Random positions with a soft minimum distance (a cheap liquid-like configuration)."""
    rng = np.random.default_rng(seed)
    L = (n / rho) ** (1 / dim)
    pos = rng.uniform(-L / 2, L / 2, (n, dim))
    types = (rng.random(n) < 0.25).astype(np.int64) if k == 2 else rng.integers(0, k, n)
    return pos, L, types


# ---------------------------------------------------------------- slow references (2D, coarse-graining)


def _slow_pairs(pos, L, cutoff):
    d = pos[None, :, :] - pos[:, None, :]
    d -= L * np.round(d / L)
    r = np.linalg.norm(d, axis=-1)
    np.fill_diagonal(r, np.inf)
    return d, r


def slow_planar_bo(pos, L, orders, weight):
    """q_l(i) = |sum_j w(r_ij, i, j) e^{i l phi_ij}| / sum_j w, by brute force."""
    d, r = _slow_pairs(pos, L, None)
    n = len(pos)
    out = np.zeros((n, len(orders)))
    for i in range(n):
        w = np.array([weight(r[i, j], i, j) for j in range(n)])
        phi = np.arctan2(d[i, :, 1], d[i, :, 0])
        for a, l in enumerate(orders):
            z = w.sum()
            out[i, a] = abs((w * np.exp(1j * l * phi)).sum()) / z if z > 0 else 0.0
    return out


def test_2d_radial_and_smoothed_bond_order_match_slow_reference():
    pos, L, types = liquid_like(n=150, dim=2, seed=5, k=3)
    conf = Configuration(pos, L, types)
    rbo = RadialBondOrder(orders=[1, 4, 6], bounds=(1.0, 1.2), dr=0.1, delta=0.1, skin=2.5)
    X = rbo.compute(conf)
    for s, dn in enumerate([1.0, 1.1, 1.2]):
        ref = slow_planar_bo(pos, L, [1, 4, 6], lambda r, i, j: math.exp(-((r - dn) ** 2) / 0.02) if r < 1.45 else 0.0)
        np.testing.assert_allclose(X[:, [s, 3 + s, 6 + s]], ref, atol=1e-9)
    rc = np.array([[1.4, 1.2, 1.3], [1.2, 1.1, 1.2], [1.3, 1.2, 1.35]])
    X = SmoothedBondOrder(orders=[2, 6], cutoffs=rc).compute(conf)
    ref = slow_planar_bo(
        pos, L, [2, 6], lambda r, i, j: math.exp(-((r / rc[types[i], types[j]]) ** 8)) if r < 1.3 * rc[types[i], types[j]] else 0.0
    )
    np.testing.assert_allclose(X, ref, atol=1e-9)


def test_radial_density_matches_slow_reference():
    pos, L, types = liquid_like(n=200, dim=3, seed=6)
    conf = Configuration(pos, L, types)
    rho = RadialDensity(distances=[1.0, 1.3], delta=0.1, skin=3.0)
    X = rho.compute(conf)
    _, r = _slow_pairs(pos, L, None)
    for s in range(2):
        for a, dn in enumerate([1.0, 1.3]):
            w = np.where((r < 1.6) & (types[None, :] == s), np.exp(-((r - dn) ** 2) / 0.02), 0.0)
            np.testing.assert_allclose(X[:, 2 * s + a], w.sum(axis=1), atol=1e-12)


def test_boattini_coarse_graining_matches_slow_reference():
    pos, L, types = liquid_like(n=200, dim=3, seed=7)
    conf = Configuration(pos, L, types)
    b = Boattini(orders=[2, 6], bounds=(1.0, 1.1), levels=2, coarse_length=2.0)
    X = b.compute(conf)
    n0 = X.shape[1] // 3
    _, r = _slow_pairs(pos, L, None)
    np.fill_diagonal(r, 0.0)
    w = np.where(r < 2.0, np.exp(-r / 2.0), 0.0)
    w /= w.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(X[:, n0 : 2 * n0], w @ X[:, :n0], atol=1e-10)
    np.testing.assert_allclose(X[:, 2 * n0 :], w @ X[:, n0 : 2 * n0], atol=1e-10)
    assert b.names[0].endswith("_cg0") and b.names[-1].endswith("_cg2")
    np.testing.assert_allclose(coarse_grain(conf, X[:, :1], 2.0), X[:, n0 : n0 + 1])


# ---------------------------------------------------------------- first minima of g(r)


def test_first_minimum_cutoffs_between_the_shells_of_a_checkerboard():
    """A jittered square checkerboard: unlike pairs touch at 1, like pairs never do (their first
    shell is the diagonal, sqrt 2, their second at 2).  Each cutoff sits between the pair's own
    first and second shells."""
    m = 20
    rng = np.random.default_rng(4)
    grid = np.stack(np.meshgrid(np.arange(m), np.arange(m), indexing="ij"), -1).reshape(-1, 2)
    types = grid.sum(axis=1) % 2
    pos = grid + rng.normal(0, 0.04, grid.shape)
    rc = first_minimum_cutoffs(Configuration(pos, float(m), types))
    assert np.allclose(rc, rc.T)
    assert 1.05 < rc[0, 1] < np.sqrt(2) - 0.05, rc
    assert np.sqrt(2) + 0.05 < rc[0, 0] < 1.95 and np.sqrt(2) + 0.05 < rc[1, 1] < 1.95, rc


def _voronoi_fraction_within(conf, rc):
    """For each species pair: the fraction of pairs closer than rc[a, b] that are Voronoi
    (Delaunay) neighbors.  A first-shell cutoff keeps it near 1; a cutoff in the second shell
    does not."""
    from glassml.structure.descriptors.physics import DelaunayNeighbors

    dn = DelaunayNeighbors(conf)
    k = conf.n_species
    voronoi = set(zip(dn.i.tolist(), dn.j.tolist()))
    nb = conf.neighbors(float(rc.max()))
    ti, tj = conf.types[nb.i], conf.types[nb.j]
    out = np.ones((k, k))
    for a in range(k):
        for b in range(k):
            sel = np.flatnonzero((ti == a) & (tj == b) & (nb.distances < rc[a, b]))
            if sel.size:
                out[a, b] = np.mean([(int(nb.i[s]), int(nb.j[s])) in voronoi for s in sel])
    return out


@pytest.mark.parametrize("key", ["initial_positions", "initial_positions_inherent"])
def test_first_minimum_cutoffs_on_glassbench_2d(key, ka2d_tc05):
    """KA2D (sigma_BB = 0.88, sigma_CC = 0.94): B-B pairs rarely touch (g_BB below 0.3 up to
    1.25), so the highest peak of g_BB (1.5 and 1.8) is the second shell.  The cutoffs must end
    the contact shell: B-B and C-C between their contact peak and the second shell, and the
    pairs inside a cutoff almost all Voronoi neighbors (beyond 1.4 no B-B pair is)."""
    with np.load(ka2d_tc05) as f:
        L = float(f["box"])
        pos = f[key].astype(np.float64)
        types = f["types"].astype(np.int64) - 1
    conf = Configuration(pos, L, types)
    rc = first_minimum_cutoffs(conf)
    assert rc.shape == (3, 3) and np.allclose(rc, rc.T)
    assert 1.0 < rc[1, 1] < 1.3, rc  # B-B: contacts at 0.93-1.25, second shell from 1.3
    assert 1.15 < rc[2, 2] < 1.5, rc  # C-C: contact peak 1.03, second-shell peak 1.63
    assert 1.3 < rc[0, 0] < 1.5 and 1.1 < rc[0, 1] < 1.35, rc  # A-A, A-B: sigma 1.0, 0.8
    assert np.all(_voronoi_fraction_within(conf, rc) > 0.9), _voronoi_fraction_within(conf, rc)


def test_first_minimum_cutoffs_on_ka3d(botan_ka3d_tc07):
    """Kob-Andersen 3D at T = 0.44: g_BB has only a shoulder at contact (0.9-1.1) under its
    second-shell peak (1.4); the cutoff ends the shoulder.  A-A and A-B have clean minima."""
    with np.load(botan_ka3d_tc07) as f:
        pos = f["initial_positions"].astype(np.float64)
        types = f["types"].astype(np.int64)
    conf = Configuration(pos, 15.05658, types)
    rc = first_minimum_cutoffs(conf)
    assert 0.95 < rc[1, 1] < 1.2, rc
    assert 1.38 < rc[0, 0] < 1.48 and 1.2 < rc[0, 1] < 1.32, rc
    assert _voronoi_fraction_within(conf, rc)[1, 1] > 0.95
