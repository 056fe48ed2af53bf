"""Neighbor queries: glassml.geometry.NeighborQuery, its Neighbors lists and neighbors().

freud comparisons live in tests/validation/test_geometry_freud.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from glassml.errors import GlassmlError
from glassml.geometry import NeighborQuery, Neighbors, neighbors


def brute_pairs(pos, box, cutoff, periodic=True):
    """O(N^2) reference: the set of (i, j, vector) with |r_j - r_i| < cutoff (minimum image)."""
    per = np.broadcast_to(np.asarray(periodic, bool), (pos.shape[1],))
    d = pos[None, :, :] - pos[:, None, :]
    for a in range(pos.shape[1]):
        if per[a]:
            d[..., a] -= box[a] * np.round(d[..., a] / box[a])
    r = np.linalg.norm(d, axis=-1)
    np.fill_diagonal(r, np.inf)
    i, j = np.nonzero(r < cutoff)
    return i, j, d[i, j]


def eight_particles():
    """Eight particles in a non-cubic box: pairs across every face, one isolated particle."""
    box = np.array([6.0, 8.0, 10.0])
    pos = np.array(
        [
            [-2.9, 0.0, 0.0],  # 0 with 1 across x (distance 0.3)
            [2.9, 0.0, 0.1],  # 1
            [0.0, -3.95, 0.0],  # 2 with 3 across y (0.2)
            [0.0, 3.85, 0.0],  # 3
            [1.0, 1.0, -4.9],  # 4 with 5 across z (0.25)
            [1.0, 1.0, 4.85],  # 5
            [-1.0, 2.0, 2.0],  # 6 isolated
            [2.9, -3.95, 4.9],  # 7: near 1? no (y far); corner image of 0? check by brute force
        ]
    )
    return pos, box


def test_eight_particles_periodic_wrapping_non_cubic_box():
    pos, box = eight_particles()
    nb = NeighborQuery(pos, box).neighbors(1.0)
    bi, bj, bv = brute_pairs(pos, box, 1.0)
    assert list(zip(nb.i, nb.j)) == sorted(zip(bi.tolist(), bj.tolist()))
    pairs = dict(zip(zip(nb.i.tolist(), nb.j.tolist()), nb.vectors))
    np.testing.assert_allclose(pairs[(0, 1)], [-0.2, 0.0, 0.1], atol=1e-12)  # r_1 - r_0 through the x face
    np.testing.assert_allclose(pairs[(2, 3)], [0.0, -0.2, 0.0], atol=1e-12)
    np.testing.assert_allclose(pairs[(4, 5)], [0.0, 0.0, -0.25], atol=1e-12)
    assert nb.counts[6] == 0  # isolated particle
    np.testing.assert_allclose(nb.distances, np.linalg.norm(nb.vectors, axis=1))


def test_positions_outside_periodic_box_are_imaged():
    pos, box = eight_particles()
    shifted = pos + np.array([3, -2, 5]) * box  # whole-box images: nothing changes
    a = NeighborQuery(pos, box).neighbors(1.0)
    b = NeighborQuery(shifted, box).neighbors(1.0)
    np.testing.assert_array_equal(a.i, b.i)
    np.testing.assert_array_equal(a.j, b.j)
    np.testing.assert_allclose(a.vectors, b.vectors, atol=1e-9)


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("periodic", [True, False])
def test_random_systems_match_brute_force(dim, periodic):
    rng = np.random.default_rng(dim + 10 * periodic)
    box = rng.uniform(6.0, 9.0, dim)
    pos = rng.uniform(-box / 2, box / 2, (300, dim))
    for cutoff in (0.7, 1.5, 2.9):
        nb = NeighborQuery(pos, box, periodic=periodic).neighbors(cutoff)
        bi, bj, bv = brute_pairs(pos, box, cutoff, periodic)
        order = np.lexsort((bj, bi))
        np.testing.assert_array_equal(nb.i, bi[order])
        np.testing.assert_array_equal(nb.j, bj[order])
        np.testing.assert_allclose(nb.vectors, bv[order], atol=1e-12)
        assert nb.offsets[-1] == nb.n_pairs


def test_mixed_periodicity_2d():
    rng = np.random.default_rng(3)
    box = np.array([7.0, 5.0])
    pos = rng.uniform(0, 1, (200, 2)) * box  # [0, L) convention on the non-periodic axis
    nb = NeighborQuery(pos, box, periodic=[True, False]).neighbors(1.2)
    bi, bj, _ = brute_pairs(pos, box, 1.2, [True, False])
    assert nb.n_pairs == bi.size


def test_within_restricts_a_longer_list():
    rng = np.random.default_rng(4)
    pos = rng.uniform(0, 8, (250, 3))
    q = NeighborQuery(pos, 8.0)
    a = q.neighbors(2.5).within(1.3)
    b = NeighborQuery(pos, 8.0).neighbors(1.3)
    np.testing.assert_array_equal(a.i, b.i)
    np.testing.assert_array_equal(a.j, b.j)
    np.testing.assert_array_equal(a.offsets, b.offsets)


def test_half_pairs_agree_with_full_list():
    rng = np.random.default_rng(5)
    pos = rng.uniform(0, 9, (300, 3))
    q = NeighborQuery(pos, 9.0)
    i, j, d = q.half_pairs(2.0)
    nb = q.neighbors(2.0)
    assert 2 * i.size == nb.n_pairs
    full = set(zip(nb.i.tolist(), nb.j.tolist()))
    assert all((a, b) in full and (b, a) in full for a, b in zip(i.tolist(), j.tolist()))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dim=st.sampled_from([2, 3]),
    shift=st.lists(st.floats(-50, 50), min_size=3, max_size=3),
    images=st.lists(st.integers(-3, 3), min_size=3, max_size=3),
)
def test_neighbor_list_invariances(seed, dim, shift, images):
    """Translation, periodic re-imaging of single particles, and permutation."""
    rng = np.random.default_rng(seed)
    box = rng.uniform(5.0, 8.0, dim)
    n = 60
    pos = rng.uniform(-box / 2, box / 2, (n, dim))
    nb = neighbors(pos, box, 2.0)
    ref = {(a, b): v for a, b, v in zip(nb.i.tolist(), nb.j.tolist(), nb.vectors)}

    # translation + re-imaging some particles by whole boxes
    moved = pos + np.asarray(shift[:dim])
    moved[::3] += np.asarray(images[:dim]) * box
    nb2 = neighbors(moved, box, 2.0)
    np.testing.assert_array_equal(nb.i, nb2.i)
    np.testing.assert_array_equal(nb.j, nb2.j)
    np.testing.assert_allclose(nb.vectors, nb2.vectors, atol=1e-9)

    # permutation: same pairs after relabelling
    perm = rng.permutation(n)  # new index k holds old particle perm[k]
    nb3 = neighbors(pos[perm], box, 2.0)
    for a, b, v in zip(nb3.i.tolist(), nb3.j.tolist(), nb3.vectors):
        np.testing.assert_allclose(ref[(perm[a], perm[b])], v, atol=1e-12)
    assert nb3.n_pairs == nb.n_pairs


def test_neighbors_function_is_the_query():
    rng = np.random.default_rng(7)
    box = np.array([7.0, 6.0])
    pos = rng.uniform(0, 1, (200, 2)) * box
    a = neighbors(pos, box, 1.4)
    b = NeighborQuery(pos, box).neighbors(1.4)
    assert isinstance(a, Neighbors) and isinstance(b, Neighbors)
    np.testing.assert_array_equal(a.i, b.i)
    np.testing.assert_array_equal(a.j, b.j)
    np.testing.assert_array_equal(a.vectors, b.vectors)


# ---------------------------------------------------------------- bad input


def test_cutoff_longer_than_half_box_is_an_error():
    pos, box = eight_particles()
    with pytest.raises(GlassmlError, match="half the periodic box"):
        NeighborQuery(pos, box).neighbors(3.5)


def test_overlapping_particles_are_an_error():
    pos, box = eight_particles()
    pos = np.vstack([pos, pos[2]])
    with pytest.raises(GlassmlError, match="overlap"):
        NeighborQuery(pos, box).neighbors(1.0)


def test_points_outside_non_periodic_box_are_an_error():
    pos, box = eight_particles()
    pos[0, 0] = -3.5
    with pytest.raises(GlassmlError, match="outside the non-periodic box"):
        NeighborQuery(pos, box, periodic=False)


@pytest.mark.parametrize(
    "pos,box",
    [
        (np.full((3, 3), np.nan), 5.0),
        (np.zeros((3, 4)), 5.0),
        (np.zeros((3, 3)), -1.0),
        (np.zeros((3, 3)), [1.0, 2.0]),
    ],
)
def test_malformed_input_is_an_error(pos, box):
    with pytest.raises(GlassmlError):
        NeighborQuery(pos, box)


def test_geometry_neither_imports_torch_nor_needs_it():
    """The ground layer stays light: a neighbor list does not pull in torch (vesin's optional import)."""
    import subprocess
    import sys

    code = ("import sys, numpy as np; from glassml.geometry import NeighborQuery; "
            "nb = NeighborQuery(np.random.default_rng(0).uniform(0, 5, (50, 3)), 5.0).neighbors(1.5); "
            "print(nb.n_pairs > 0, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False"]
