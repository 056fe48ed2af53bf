"""Reference: SciPy (scipy.special.sph_harm_y for the spherical harmonics; scipy.spatial.Voronoi,
i.e. Qhull, for Voronoi cells), independent of the numba harmonics and of freud's voro++ that
glassml uses."""

from __future__ import annotations

import numpy as np

from glassml.structure import Configuration, VoronoiCells
from glassml.structure.harmonics import spherical_harmonics


def test_spherical_harmonics_match_scipy():
    import scipy.special as sp

    rng = np.random.default_rng(0)
    v = rng.normal(size=(64, 3))
    v[0] = [0, 0, 1]
    v[1] = [0, 0, -3]
    y = spherical_harmonics(v, 12)
    r = np.linalg.norm(v, axis=1)
    theta, phi = np.arccos(v[:, 2] / r), np.arctan2(v[:, 1], v[:, 0])
    for l in range(13):
        for m in range(l + 1):
            np.testing.assert_allclose(y[:, l, m], sp.sph_harm_y(l, m, theta, phi), atol=1e-12)


def test_voronoi_matches_scipy_2d(ka2d_inherent):
    from scipy.spatial import Voronoi

    L, pos, types = ka2d_inherent
    conf = Configuration(pos, L, types)
    cells = VoronoiCells(conf)
    wrapped = np.mod(pos, L)
    shifts = np.array([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)]) * L
    allpts = np.concatenate([wrapped + s for s in shifts])
    vor = Voronoi(allpts)
    centre = 4 * len(pos)  # shift (0, 0) block
    perim = np.zeros(len(pos))
    for (p, q), rv in zip(vor.ridge_points, vor.ridge_vertices):
        for a in (p, q):
            if centre <= a < centre + len(pos):
                v = vor.vertices[rv]
                perim[a - centre] += np.linalg.norm(v[0] - v[1])
    np.testing.assert_allclose(cells.surface, perim, rtol=1e-5)
    np.testing.assert_allclose(cells.volumes.sum(), L * L, rtol=1e-6)
