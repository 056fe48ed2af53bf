"""Reference: freud (glotzerlab/freud, an independent C++ library), freud.locality.AABBQuery,
on random boxes and on GlassBench's real KA2D file (Jung et al., arXiv:2311.14752, CC-BY-4.0).

freud works in single precision: distances agree to float32 rounding, and a pair closer to the
cutoff than that rounding may be on either side, so such pairs are left out of the comparison.
freud writes a triclinic cell with tilt *factors* ``xy = tilt_xy / ly``, ``xz = tilt_xz / lz``,
``yz = tilt_yz / lz`` (its box matrix has columns ``(lx, 0, 0)``, ``(xy ly, ly, 0)``,
``(xz lz, yz lz, lz)``), where glassml, like LAMMPS, stores the tilts themselves.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassml.geometry import Box, NeighborQuery

freud = pytest.importorskip("freud")

#: pairs this close to the cutoff may fall on either side in single precision
EDGE = 1e-4


def freud_box(box: Box):
    """The same cell as a freud box (tilt factors = tilt / length)."""
    lx, ly = box.lengths[:2]
    if box.dimension == 2:
        return freud.box.Box(lx, ly, xy=box.tilts[0] / ly, is2D=True)
    lz = box.lengths[2]
    xy, xz, yz = box.tilts
    return freud.box.Box(lx, ly, lz, xy / ly, xz / lz, yz / lz)


def freud_pairs(box: Box, pos: np.ndarray, cutoff: float):
    """freud's full list: (i, j, distances, vectors r_j - r_i), sorted by (i, j)."""
    fbox = freud_box(box)
    pts = np.zeros((len(pos), 3), dtype=np.float32)
    pts[:, : box.dimension] = pos
    pts = fbox.wrap(pts)
    nl = freud.locality.AABBQuery(fbox, pts).query(pts, {"r_max": cutoff, "exclude_ii": True}).toNeighborList()
    i, j = nl.query_point_indices.astype(np.int64), nl.point_indices.astype(np.int64)
    order = np.lexsort((j, i))
    return i[order], j[order], nl.distances[order], nl.vectors[order][:, : box.dimension]


def compare(box: Box, pos: np.ndarray, cutoff: float) -> int:
    """Assert that glassml and freud find the same pairs, distances and vectors; return the count."""
    nb = NeighborQuery(pos, box).neighbors(cutoff)
    fi, fj, fd, fv = freud_pairs(box, pos, cutoff)
    ours = {(a, b): k for k, (a, b) in enumerate(zip(nb.i.tolist(), nb.j.tolist()))}
    theirs = {(a, b): k for k, (a, b) in enumerate(zip(fi.tolist(), fj.tolist()))}
    for pair in set(ours) ^ set(theirs):  # only pairs at the cutoff may differ
        a, b = pair
        r = np.linalg.norm(box.minimum_image(pos[b] - pos[a]))
        assert abs(r - cutoff) < EDGE, (pair, r)
    common = sorted(set(ours) & set(theirs))
    k_ours = [ours[p] for p in common]
    k_theirs = [theirs[p] for p in common]
    np.testing.assert_allclose(nb.distances[k_ours], fd[k_theirs], rtol=2e-6, atol=2e-5)
    np.testing.assert_allclose(nb.vectors[k_ours], fv[k_theirs], atol=5e-5)
    assert len(common) > 0.99 * nb.n_pairs
    return len(common)


def test_freud_box_matrix_is_the_lammps_cell():
    box = Box([6.0, 7.0, 8.0], tilts=[1.0, 0.5, -1.0])
    np.testing.assert_allclose(freud_box(box).to_matrix(), box.matrix.T, atol=1e-6)
    box2 = Box([9.0, 8.0], tilts=[2.0])
    np.testing.assert_allclose(freud_box(box2).to_matrix()[:2, :2], box2.matrix.T, atol=1e-6)


def test_random_orthorhombic_3d_box():
    rng = np.random.default_rng(21)
    box = Box([11.0, 12.5, 14.0])
    pos = rng.uniform(-box.lengths / 2, box.lengths / 2, (1500, 3))
    for cutoff in (1.2, 2.5, 5.4):
        assert compare(box, pos, cutoff) > 0


@pytest.mark.parametrize(
    "box",
    [Box([11.0, 12.0, 13.0], tilts=[2.0, -1.5, 3.0]), Box([14.0, 12.0], tilts=[-3.5])],
    ids=["3d", "2d"],
)
def test_random_triclinic_box(box):
    rng = np.random.default_rng(box.dimension)
    frac = rng.uniform(-0.5, 0.5, (1200, box.dimension))
    pos = frac @ box.matrix
    for cutoff in (1.5, 0.95 * box.half_width):
        assert compare(box, pos, cutoff) > 0


def test_glassbench_ka2d(ka2d_tc05):
    if not ka2d_tc05.exists():
        pytest.skip(f"GlassBench sample not found at {ka2d_tc05}")
    with np.load(ka2d_tc05) as f:
        side = float(f["box"])
        pos = f["initial_positions"].astype(np.float64)
    assert pos.shape == (1290, 2)
    box = Box([side, side])
    # the initial positions are unwrapped (some lie beyond the box): glassml images them itself
    assert np.abs(pos).max() > side / 2
    for cutoff in (1.485, 2.0, 5.0):
        assert compare(box, pos, cutoff) > 1290
