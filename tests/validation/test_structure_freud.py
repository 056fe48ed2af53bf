"""Reference: freud (glotzerlab/freud; freud-analysis on PyPI; Ramasubramani et al., Comput.
Phys. Commun. 254, 107275 (2020)), for Steinhardt q_l, w_l and Lechner-Dellago averages."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.structure import Configuration, Steinhardt

pytest.importorskip("freud")


def liquid_like(n, dim=3, rho=1.2, seed=0):
    """Random positions of two species (1/4 B) at number density ``rho``."""
    rng = np.random.default_rng(seed)
    L = (n / rho) ** (1 / dim)
    return rng.uniform(-L / 2, L / 2, (n, dim)), L, (rng.random(n) < 0.25).astype(np.int64)


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
    pos, L, types = liquid_like(500 if dim == 3 else 600, dim=dim, seed=dim)
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


def test_steinhardt_glassbench_2d_matches_freud(ka2d_tc05):
    with np.load(ka2d_tc05) as f:
        L = float(f["box"])
        pos = f["initial_positions_inherent"].astype(np.float64)
    X = Steinhardt(orders=[6], cutoff=1.6, wl=False, average=False).compute(Configuration(pos, L))
    ql, _ = _freud_steinhardt(pos, L, 2, 6, 1.6, average=False, wl=False)
    np.testing.assert_allclose(X[:, 0], ql, atol=FREUD_ATOL)
