"""Bond-order descriptors against independent codes: scipy (harmonics), sympy (3j), freud
(Steinhardt q_l, w_l, Lechner-Dellago), partycls (radial and smoothed bond order) and a slow
reference written here (2D and coarse-graining)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from glassml.structure._harmonics import _wigner3j_exact, spherical_harmonics
from glassml.structure.descriptors.base import Configuration, coarse_grain
from glassml.structure.descriptors.bondorder import (
    Boattini,
    RadialBondOrder,
    RadialDensity,
    SmoothedBondOrder,
    Steinhardt,
    first_minimum_cutoffs,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "glassbench-ka2d" / "N1290T0.23_151_tc05.npz"


def liquid_like(n=400, dim=3, rho=1.2, seed=0, k=2):
    """Random positions with a soft minimum distance (a cheap liquid-like configuration)."""
    rng = np.random.default_rng(seed)
    L = (n / rho) ** (1 / dim)
    pos = rng.uniform(-L / 2, L / 2, (n, dim))
    types = (rng.random(n) < 0.25).astype(np.int64) if k == 2 else rng.integers(0, k, n)
    return pos, L, types


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


def test_wigner3j_matches_sympy():
    from sympy.physics.wigner import wigner_3j

    for l in (2, 4, 6, 8):
        for m1 in range(-l, l + 1, 3):
            for m2 in range(-l, l + 1, 2):
                m3 = -m1 - m2
                if abs(m3) <= l:
                    assert abs(_wigner3j_exact(l, l, l, m1, m2, m3) - float(wigner_3j(l, l, l, m1, m2, m3))) < 1e-14


# ---------------------------------------------------------------- freud (Steinhardt)


def _freud_steinhardt(pos, L, dim, l, cutoff, *, average, wl):
    import freud

    box = freud.box.Box.cube(L) if dim == 3 else freud.box.Box.square(L)
    pts = np.c_[pos, np.zeros(len(pos))] if dim == 2 else pos
    pts = box.wrap(pts)
    st = freud.order.Steinhardt(l, average=average, wl=wl, wl_normalize=True)
    st.compute((box, pts), neighbors={"r_max": cutoff, "exclude_ii": True})
    return np.asarray(st.ql), np.asarray(st.particle_order)


# freud stores positions and computes in single precision: agreement is to float32 accuracy
FREUD_ATOL = 5e-5


@pytest.mark.parametrize("dim", [2, 3])
def test_steinhardt_matches_freud(dim):
    pos, L, types = liquid_like(n=500 if dim == 3 else 600, dim=dim, seed=dim)
    conf = Configuration(pos, L, types)
    orders = [2, 4, 6, 8]
    st = Steinhardt(orders=orders, cutoff=1.5)
    X = st.compute(conf)
    col = {n: X[:, k] for k, n in enumerate(st.names)}
    for l in orders:
        ql, wl = _freud_steinhardt(pos, L, dim, l, 1.5, average=False, wl=True)
        np.testing.assert_allclose(col[f"q{l}"], ql, atol=FREUD_ATOL)
        np.testing.assert_allclose(col[f"w{l}"], wl, atol=FREUD_ATOL)
        qb, wb = _freud_steinhardt(pos, L, dim, l, 1.5, average=True, wl=True)
        np.testing.assert_allclose(col[f"qbar{l}"], qb, atol=FREUD_ATOL)
        np.testing.assert_allclose(col[f"wbar{l}"], wb, atol=FREUD_ATOL)


@pytest.mark.skipif(not DATA.exists(), reason="GlassBench KA2D sample not available")
def test_steinhardt_glassbench_2d_matches_freud():
    with np.load(DATA) as f:
        L = float(f["box"])
        pos = f["initial_positions_inherent"].astype(np.float64)
    X = Steinhardt(orders=[6], cutoff=1.6, wl=False, average=False).compute(Configuration(pos, L))
    ql, _ = _freud_steinhardt(pos, L, 2, 6, 1.6, average=False, wl=False)
    np.testing.assert_allclose(X[:, 0], ql, atol=FREUD_ATOL)


# ---------------------------------------------------------------- partycls (radial and smoothed BO)


def _partycls_trajectory(tmp_path, pos, L, types):
    partycls = pytest.importorskip("partycls")
    try:
        from partycls.descriptors import realspace_wrap  # noqa: F401 (Fortran extension)
    except Exception:  # pragma: no cover - depends on the environment
        pytest.skip("partycls installed without its Fortran extensions")
    wrapped = pos - L * np.round(pos / L)
    path = tmp_path / "conf.xyz"
    names = "ABCDEFG"
    with open(path, "w") as fh:
        fh.write(f"{len(pos)}\ncolumns:species,pos cell:{float(L)!r},{float(L)!r},{float(L)!r}\n")
        for t, r in zip(types, wrapped):
            fh.write(f"{names[t]} {float(r[0])!r} {float(r[1])!r} {float(r[2])!r}\n")
    return partycls.Trajectory(str(path))


def test_radial_bond_order_matches_partycls(tmp_path):
    pos, L, types = liquid_like(n=400, seed=11)
    traj = _partycls_trajectory(tmp_path, pos, L, types)
    from partycls.descriptors import RadialBondOrientationalDescriptor

    ref = RadialBondOrientationalDescriptor(traj, lmin=1, lmax=8, bounds=(1.0, 1.5), dr=0.1, delta=0.1, skin=2.5)
    ref_x = ref.compute()
    ours = RadialBondOrder(orders=range(1, 9), bounds=(1.0, 1.5), dr=0.1, delta=0.1, skin=2.5)
    X = ours.compute(Configuration(pos, L, types))
    # partycls' grid is [(l, d) for l in orders for d in distances]: the same order as ours
    assert [(l, round(d, 6)) for l, d in ref.grid] == [(l, round(d, 6)) for l in range(1, 9) for d in ours.params["distances"]]
    np.testing.assert_allclose(X, ref_x, atol=1e-6)


def test_smoothed_bond_order_matches_partycls(tmp_path):
    pos, L, types = liquid_like(n=400, seed=12)
    traj = _partycls_trajectory(tmp_path, pos, L, types)
    from partycls.descriptors import SmoothedBondOrientationalDescriptor

    rc = np.array([[1.45, 1.25], [1.25, 1.1]])
    traj.nearest_neighbors_cutoffs = [rc[0, 0], rc[0, 1], rc[1, 0], rc[1, 1]]
    ref = SmoothedBondOrientationalDescriptor(traj, lmin=1, lmax=8, cutoff_enlargement=1.3, exponent=8)
    ref_x = ref.compute()
    X = SmoothedBondOrder(orders=range(1, 9), cutoffs=rc, exponent=8, enlargement=1.3).compute(Configuration(pos, L, types))
    np.testing.assert_allclose(X, ref_x, atol=1e-6)


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


@pytest.mark.skipif(not DATA.exists(), reason="GlassBench KA2D sample not available")
def test_first_minimum_cutoffs_on_glassbench_2d():
    with np.load(DATA) as f:
        L = float(f["box"])
        pos = f["initial_positions_inherent"].astype(np.float64)
        types = f["types"].astype(np.int64) - 1
    rc = first_minimum_cutoffs(Configuration(pos, L, types))
    assert rc.shape == (3, 3) and np.allclose(rc, rc.T)
    # first peaks near sigma_ab (1.0 AA, 0.8 AB); minima between 1.1 and 1.7 sigma_ab
    assert 1.2 < rc[0, 0] < 1.7 and 0.9 < rc[0, 1] < 1.4
