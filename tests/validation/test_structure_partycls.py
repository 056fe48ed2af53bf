"""Reference: partycls 2.0.2 with its Fortran extensions (Paret & Coslovich, JOSS 6, 3723
(2021); github.com/jorisparet/partycls), for the radial (Boattini et al. 2021) and smoothed
(Coslovich) bond-order descriptors."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.structure import Configuration, RadialBondOrder, SmoothedBondOrder


def liquid_like(n, dim=3, rho=1.2, seed=0):
    """Random positions of two species (1/4 B) at number density ``rho``."""
    rng = np.random.default_rng(seed)
    L = (n / rho) ** (1 / dim)
    return rng.uniform(-L / 2, L / 2, (n, dim)), L, (rng.random(n) < 0.25).astype(np.int64)


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
    pos, L, types = liquid_like(400, seed=11)
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
    pos, L, types = liquid_like(400, seed=12)
    traj = _partycls_trajectory(tmp_path, pos, L, types)
    from partycls.descriptors import SmoothedBondOrientationalDescriptor

    rc = np.array([[1.45, 1.25], [1.25, 1.1]])
    traj.nearest_neighbors_cutoffs = [rc[0, 0], rc[0, 1], rc[1, 0], rc[1, 1]]
    ref = SmoothedBondOrientationalDescriptor(traj, lmin=1, lmax=8, cutoff_enlargement=1.3, exponent=8)
    ref_x = ref.compute()
    X = SmoothedBondOrder(orders=range(1, 9), cutoffs=rc, exponent=8, enlargement=1.3).compute(Configuration(pos, L, types))
    np.testing.assert_allclose(X, ref_x, atol=1e-6)
