"""glassml.geometry.Box and NeighborQuery on tiny systems worked out by hand or by brute force
over periodic images (orthorhombic and triclinic, 2D and 3D)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.geometry import Box, NeighborQuery, Neighbors, minimum_image, unwrap, wrap

#: a 3D triclinic cell: a = (6, 0, 0), b = (1, 7, 0), c = (0.5, -1, 8)
TRICLINIC = Box([6.0, 7.0, 8.0], tilts=[1.0, 0.5, -1.0])


def brute_minimum_image(v: np.ndarray, box: Box, reach: int = 2) -> np.ndarray:
    """The shortest of v + n @ matrix over the images n in [-reach, reach]^d (periodic axes only)."""
    ranges = [range(-reach, reach + 1) if p else range(1) for p in box.periodic]
    images = np.array(list(itertools.product(*ranges)), dtype=float) @ box.matrix  # (M, d)
    cand = v[..., None, :] + images  # (..., M, d)
    k = np.argmin(np.einsum("...mk,...mk->...m", cand, cand), axis=-1)
    return np.take_along_axis(cand, k[..., None, None], axis=-2)[..., 0, :]


def brute_pairs(pos: np.ndarray, box: Box, cutoff: float, reach: int = 2):
    """Every (i, j, shift) with |x_j - x_i + shift @ matrix| < cutoff, self-images included."""
    ranges = [range(-reach, reach + 1) if p else range(1) for p in box.periodic]
    out = []
    for i, j in itertools.product(range(len(pos)), repeat=2):
        for n in itertools.product(*ranges):
            if i == j and not any(n):
                continue
            v = pos[j] - pos[i] + np.asarray(n, float) @ box.matrix
            if np.linalg.norm(v) < cutoff:
                out.append((i, j, n, v))
    return out


# ---------------------------------------------------------------- minimum image


def test_orthorhombic_minimum_image_by_hand():
    box = Box([4.0, 6.0])
    np.testing.assert_allclose(box.minimum_image(np.array([3.5, -3.2])), [-0.5, 2.8])
    np.testing.assert_allclose(minimum_image(np.array([[9.0, 0.0, -11.0]]), [4.0, 6.0, 10.0]), [[1.0, 0.0, -1.0]])
    # a non-periodic axis is left alone
    np.testing.assert_allclose(Box([4.0, 6.0], periodic=[True, False]).minimum_image(np.array([3.5, 5.0])), [-0.5, 5.0])


def test_triclinic_minimum_image_by_hand():
    # 2D: a = (10, 0), b = (1, 10); fractional rounding removes a whole a or b
    box = Box([10.0, 10.0], tilts=[1.0])
    np.testing.assert_allclose(box.minimum_image(np.array([9.5, 0.2])), [-0.5, 0.2], atol=1e-12)  # minus a
    np.testing.assert_allclose(box.minimum_image(np.array([1.5, 9.8])), [0.5, -0.2], atol=1e-12)  # minus b
    # 3D: c + (0.1, 0.2, 0.3) - a folds back to (0.1, 0.2, 0.3)
    v = TRICLINIC.matrix[2] - TRICLINIC.matrix[0] + np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(TRICLINIC.minimum_image(v), [0.1, 0.2, 0.3], atol=1e-12)


@pytest.mark.parametrize(
    "box",
    [Box([4.0, 6.0]), Box([5.0, 6.0, 7.0]), Box([10.0, 8.0], tilts=[3.0]), TRICLINIC, Box([6.0, 6.0, 6.0], tilts=[-2.5, 1.5, 2.0])],
    ids=["ortho-2d", "ortho-3d", "tri-2d", "tri-3d", "tri-3d-strong"],
)
def test_minimum_image_equals_brute_force_over_images(box):
    rng = np.random.default_rng(box.dimension)
    frac = rng.uniform(-2.5, 2.5, (4000, box.dimension))
    v = frac @ box.matrix
    ours = box.minimum_image(v)
    ref = brute_minimum_image(v, box, reach=4)
    # fractional rounding is the true minimum image for every vector shorter than half_width
    short = np.linalg.norm(ref, axis=1) < box.half_width
    assert short.sum() > 100
    np.testing.assert_allclose(ours[short], ref[short], atol=1e-10)
    # and always an image of the input vector
    n = box.fractional(v - ours)
    np.testing.assert_allclose(n, np.rint(n), atol=1e-9)


# ---------------------------------------------------------------- wrap, unwrap, images


@pytest.mark.parametrize("box", [Box([4.0, 6.0]), Box([10.0, 8.0], tilts=[3.0]), TRICLINIC], ids=["ortho", "tri-2d", "tri-3d"])
def test_wrap_images_with_images_round_trip(box):
    rng = np.random.default_rng(7)
    x = rng.uniform(-3, 3, (500, box.dimension)) @ box.matrix
    w = box.wrap(x)
    s = box.fractional(w)
    assert np.all((s >= -1e-12) & (s < 1 + 1e-12))
    n = box.images(x)
    assert n.dtype == np.int64
    np.testing.assert_allclose(box.with_images(w, n), x, atol=1e-10)
    np.testing.assert_allclose(wrap(x, box), w)


def test_wrap_orthorhombic_is_the_exact_remainder():
    box = Box([4.0, 6.0])
    x = np.array([[-1.0, 13.0], [4.0, -6.0], [3.999, 0.0]])
    np.testing.assert_array_equal(box.wrap(x), np.mod(x, [4.0, 6.0]))
    np.testing.assert_array_equal(box.images(x), [[-1, 2], [1, -1], [0, 0]])
    # a non-periodic axis is neither wrapped nor imaged
    open_y = Box([4.0, 6.0], periodic=[True, False])
    np.testing.assert_array_equal(open_y.wrap(x)[:, 1], x[:, 1])
    np.testing.assert_array_equal(open_y.images(x)[:, 1], 0)


def test_with_images_by_hand():
    np.testing.assert_allclose(Box([4.0, 5.0]).with_images(np.array([1.0, 2.0]), np.array([1, -2])), [5.0, -8.0])
    # tilted: x + 1 a - 2 b with a = (4, 0), b = (1, 5)
    np.testing.assert_allclose(Box([4.0, 5.0], tilts=[1.0]).with_images(np.array([1.0, 2.0]), np.array([1, -2])), [3.0, -8.0])


@pytest.mark.parametrize("box", [Box([4.0, 6.0, 5.0]), TRICLINIC], ids=["ortho", "tri"])
def test_unwrap_recovers_a_trajectory_from_wrapped_frames(box):
    rng = np.random.default_rng(3)
    steps = rng.normal(0, 0.3, (50, 20, 3))
    traj = rng.uniform(0, 1, (20, 3)) @ box.matrix + np.cumsum(steps, axis=0)  # wanders over many cells
    frames = box.wrap(traj)
    back = unwrap(frames, box)
    np.testing.assert_allclose(back - back[0], traj - traj[0], atol=1e-9)
    assert np.any(box.images(traj) != 0)  # the frames really were wrapped


def test_half_width_by_hand():
    assert Box([4.0, 6.0, 10.0]).half_width == pytest.approx(2.0)
    # 2D, a = (10, 0), b = (5, 10): widths 10 (between lines along a) and 100 / |b| = 8.944
    assert Box([10.0, 10.0], tilts=[5.0]).half_width == pytest.approx(0.5 * 100 / np.sqrt(125))
    assert Box([4.0, 100.0], periodic=[True, False]).half_width == pytest.approx(2.0)
    assert Box([4.0, 100.0], periodic=False).half_width == np.inf


def test_box_from_any_and_equality():
    m = np.array([[6.0, 0, 0], [1.0, 7.0, 0], [0.5, -1.0, 8.0]])
    assert Box.from_any(m, 3) == TRICLINIC
    assert Box.from_any(5.0, 2) == Box([5.0, 5.0])
    assert Box.from_any(np.diag([4.0, 6.0]), 2) == Box([4.0, 6.0])
    assert Box.from_any(TRICLINIC, 3) is TRICLINIC
    assert TRICLINIC.volume == pytest.approx(6 * 7 * 8)
    assert "tilts" in repr(TRICLINIC) and TRICLINIC.as_dict()["tilts"] == [1.0, 0.5, -1.0]


# ---------------------------------------------------------------- neighbor query on a triclinic box


def eight_particles_triclinic():
    """Eight particles in the triclinic cell: pairs across the a, b and c faces (each crossing
    moves the image by a tilted lattice vector), a pair inside the cell, one isolated particle."""
    a, b, c = TRICLINIC.matrix
    p0 = np.array([0.2, 0.3, 0.2])
    p2 = np.array([3.0, 0.2, 4.0])
    p4 = np.array([2.0, 3.5, 0.1])
    p6 = np.array([3.0, 3.5, 4.0])
    pos = np.array([
        p0,
        p0 + np.array([-0.3, 0.2, 0.1]) + a,  # 1: neighbor of 0 through the a face
        p2,
        p2 + np.array([0.25, -0.4, 0.0]) + b,  # 3: neighbor of 2 through the tilted b face
        p4,
        p4 + np.array([0.1, 0.3, -0.4]) + c,  # 4-5 through the c face (c is tilted in x and y)
        p6,  # 6: isolated
        p4 + np.array([0.6, 0.5, 0.3]),  # 7: neighbor of 4 inside the cell, and of 5 through c
    ])
    return pos


def test_triclinic_neighbor_query_equals_brute_force():
    pos = eight_particles_triclinic()
    cutoff = 0.95
    assert cutoff < TRICLINIC.half_width
    nb = NeighborQuery(pos, TRICLINIC).neighbors(cutoff)
    ref = brute_pairs(pos, TRICLINIC, cutoff)
    assert [(i, j) for i, j, _, _ in ref] == list(zip(nb.i.tolist(), nb.j.tolist()))  # brute force is sorted too
    np.testing.assert_allclose(nb.vectors, [v for *_, v in ref], atol=1e-12)
    np.testing.assert_allclose(nb.distances, np.linalg.norm(nb.vectors, axis=1))
    vec = dict(zip(zip(nb.i.tolist(), nb.j.tolist()), nb.vectors))
    np.testing.assert_allclose(vec[(0, 1)], [-0.3, 0.2, 0.1], atol=1e-12)
    np.testing.assert_allclose(vec[(2, 3)], [0.25, -0.4, 0.0], atol=1e-12)
    np.testing.assert_allclose(vec[(5, 4)], [-0.1, -0.3, 0.4], atol=1e-12)
    np.testing.assert_allclose(vec[(4, 7)], [0.6, 0.5, 0.3], atol=1e-12)
    np.testing.assert_allclose(vec[(5, 7)], [0.5, 0.2, 0.7], atol=1e-12)
    assert nb.counts.tolist() == [1, 1, 1, 1, 2, 2, 0, 2]
    # shifts name the image: vectors = x[j] - x[i] + shifts @ matrix
    np.testing.assert_allclose(pos[nb.j] - pos[nb.i] + nb.shifts @ TRICLINIC.matrix, nb.vectors, atol=1e-12)
    shifts = dict(zip(zip(nb.i.tolist(), nb.j.tolist()), nb.shifts.tolist()))
    assert shifts[(0, 1)] == [-1, 0, 0] and shifts[(2, 3)] == [0, -1, 0] and shifts[(4, 5)] == [0, 0, -1]
    assert shifts[(4, 7)] == [0, 0, 0] and shifts[(5, 7)] == [0, 0, 1]


def test_triclinic_query_images_positions_anywhere():
    pos = eight_particles_triclinic()
    moved = pos + np.array([[2, -1, 3], [0, 0, 0], [-4, 2, 1], [1, 1, 1], [0, 3, 0], [-2, 0, 0], [5, 5, -5], [1, 0, -1]]) @ TRICLINIC.matrix
    a = NeighborQuery(pos, TRICLINIC).neighbors(0.95)
    b = NeighborQuery(moved, TRICLINIC).neighbors(0.95)
    np.testing.assert_array_equal(a.i, b.i)
    np.testing.assert_array_equal(a.j, b.j)
    np.testing.assert_allclose(a.vectors, b.vectors, atol=1e-9)
    np.testing.assert_allclose(moved[b.j] - moved[b.i] + b.shifts @ TRICLINIC.matrix, b.vectors, atol=1e-9)


@pytest.mark.parametrize("box", [Box([6.0, 7.0, 8.0]), TRICLINIC, Box([9.0, 8.0], tilts=[2.0])], ids=["ortho", "tri-3d", "tri-2d"])
def test_random_system_equals_brute_force_and_shifts_reproduce_vectors(box):
    rng = np.random.default_rng(11)
    pos = rng.uniform(-0.5, 1.5, (60, box.dimension)) @ box.matrix
    cutoff = 0.9 * box.half_width
    nb = NeighborQuery(pos, box).neighbors(cutoff)
    ref = brute_pairs(pos, box, cutoff)
    assert [(i, j) for i, j, _, _ in ref] == list(zip(nb.i.tolist(), nb.j.tolist()))
    np.testing.assert_allclose(nb.vectors, [v for *_, v in ref], atol=1e-10)
    np.testing.assert_array_equal(nb.shifts, [n for _, _, n, _ in ref])
    i, j, vec, d = NeighborQuery(pos, box).half_pairs(cutoff, return_vectors=True)
    assert 2 * i.size == nb.n_pairs
    np.testing.assert_allclose(np.linalg.norm(vec, axis=1), d, atol=1e-12)
    np.testing.assert_allclose(vec, box.minimum_image(pos[j] - pos[i]), atol=1e-10)


@pytest.mark.parametrize("box", [Box([2.0, 2.5, 3.0]), Box([2.0, 2.5, 3.0], tilts=[0.5, 0.3, -0.4]), Box([2.0, 2.6])],
                         ids=["ortho", "tri", "2d"])
def test_all_images_list_equals_brute_force(box):
    """A cutoff longer than the box: every image, a particle's own ones included, once each."""
    rng = np.random.default_rng(5)
    pos = rng.uniform(-1, 2, (7, box.dimension)) @ box.matrix
    cutoff = 2.2
    q = NeighborQuery(pos, box)
    with pytest.raises(GlassmlError, match="half the periodic box"):
        q.neighbors(cutoff)
    nb = q.neighbors(cutoff, all_images=True)
    ref = brute_pairs(pos, box, cutoff, reach=3)
    assert [(i, j, n) for i, j, n, _ in ref] == list(zip(nb.i.tolist(), nb.j.tolist(), map(tuple, nb.shifts.tolist())))
    np.testing.assert_allclose(nb.vectors, [v for *_, v in ref], atol=1e-10)
    assert np.any(nb.i == nb.j)  # self images
    i, j, vec, d = q.half_pairs(cutoff, all_images=True, return_vectors=True)
    assert 2 * i.size == nb.n_pairs
    np.testing.assert_allclose(np.sort(d), np.sort(nb.distances[::1])[::2], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(vec, axis=1), d, atol=1e-12)


def test_all_images_agrees_with_the_minimum_image_list_below_half_the_box():
    pos = eight_particles_triclinic()
    q = NeighborQuery(pos, TRICLINIC)
    a, b = q.neighbors(0.95), q.neighbors(0.95, all_images=True)
    np.testing.assert_array_equal(a.i, b.i)
    np.testing.assert_array_equal(a.j, b.j)
    np.testing.assert_array_equal(a.shifts, b.shifts)
    np.testing.assert_allclose(a.vectors, b.vectors, atol=1e-12)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make",
    [
        lambda: Box([4.0, -1.0]),
        lambda: Box([4.0, np.inf, 2.0]),
        lambda: Box([1.0, 2.0, 3.0, 4.0]),
        lambda: Box(5.0, dimension=4),
        lambda: Box([4.0, 5.0], tilts=[1.0, 2.0]),
        lambda: Box([4.0, 5.0, 6.0], tilts=[np.nan, 0.0, 0.0]),
        lambda: Box([4.0, 5.0], tilts=[1.0], periodic=[True, False]),
        lambda: Box([4.0, 5.0], periodic=[True, True, True]),
        lambda: Box.from_any(np.array([[4.0, 1.0], [0.0, 5.0]]), 2),
        lambda: Box.from_any(TRICLINIC, 2),
        lambda: Box([4.0, 5.0]).unwrap(np.zeros((3, 2))),
        lambda: Box([4.0, 5.0]).images(np.zeros((3, 3))),
        lambda: NeighborQuery(np.zeros((3, 4)), 5.0),
        lambda: NeighborQuery(np.full((3, 2), np.nan), 5.0),
        lambda: NeighborQuery(np.zeros((3, 3)), [1.0, 2.0]),
        lambda: NeighborQuery(np.eye(3), 5.0).neighbors(2.6),
        lambda: NeighborQuery(np.eye(3), 5.0).neighbors(-1.0),
        lambda: NeighborQuery(np.eye(3), 5.0).half_pairs(np.nan, all_images=True),
        lambda: NeighborQuery(np.eye(3), 5.0).neighbors(2.0).within(2.5),
        lambda: Neighbors(1, 1.0, *[np.zeros(0, np.int64)] * 2, np.zeros((0, 3)), np.zeros(0), np.zeros(2, np.int64)).shifts,
    ],
)
def test_bad_input_is_a_glassml_error(make):
    with pytest.raises(GlassmlError):
        make()
