"""Every descriptor is invariant under translation, periodic re-imaging, particle permutation
(features follow the particles) and rotation where it should be: the symmetries of the box
for periodic systems, any rotation for an open cluster (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from glassml.structure import (
    AngularStructure,
    Boattini,
    Configuration,
    Hexatic,
    LocalDensity,
    PhysicsInspired,
    PotentialEnergy,
    RadialBondOrder,
    RadialStructure,
    SmoothedBondOrder,
    Steinhardt,
    TanakaTheta,
)

SETTINGS = settings(max_examples=4, deadline=None)


def lattice_system(dim: int, seed: int):
    """A jittered lattice with the model's composition (no overlaps, liquid-like counts)."""
    from glassml.systems import get_model

    model = get_model("ka3d" if dim == 3 else "ka2d")
    m = 6 if dim == 3 else 12
    n = m**dim
    box = model.box_for(n)
    a = box[0] / m
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.arange(m)] * dim, indexing="ij"), -1).reshape(-1, dim)
    pos = (grid + 0.5) * a + rng.normal(0, 0.12, (n, dim)) - box / 2
    types = rng.permutation(model.types_for(n))
    return pos, box, types, model


def descriptors(dim: int, periodic: bool = True):
    k = 2 if dim == 3 else 3
    out = [
        Steinhardt(cutoff=1.5),
        RadialBondOrder(),
        SmoothedBondOrder(cutoffs=np.full((k, k), 1.4)),
        Boattini(orders=[2, 4, 6], levels=1, coarse_length=2.0),
        RadialStructure(bounds=(0.5, 2.0), step=0.25),
        AngularStructure(xis=(1.0, 2.0), zetas=(1, 2), cutoff=2.0),
        LocalDensity(cutoff=2.5),
        PotentialEnergy(),
    ]
    if periodic:
        out += [PhysicsInspired(lengths=(0, 1, 2)), TanakaTheta()]
        if dim == 2:
            out.append(Hexatic())
    return out


def compute_all(pos, box, types, model, dim, periodic=True):
    conf = Configuration(pos, box, types, model=model, periodic=periodic)
    return [d.compute(conf).copy() for d in descriptors(dim, periodic)]


VORONOI_BASED = (PhysicsInspired, TanakaTheta, Hexatic)


def assert_same(a_list, b_list, dim):
    for a, b, d in zip(a_list, b_list, descriptors(dim)):
        # Voronoi cells come from freud, which stores positions in single precision
        tol = 2e-4 if isinstance(d, VORONOI_BASED) else 1e-8
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=type(d).__name__)


@pytest.mark.parametrize("dim", [2, 3])
@SETTINGS
@given(seed=st.integers(0, 1000), shift=st.lists(st.floats(-30, 30), min_size=3, max_size=3),
       images=st.lists(st.integers(-2, 2), min_size=3, max_size=3))
def test_translation_and_periodic_reimaging(dim, seed, shift, images):
    pos, box, types, model = lattice_system(dim, seed)
    ref = compute_all(pos, box, types, model, dim)
    moved = pos + np.asarray(shift[:dim])
    moved[::4] += np.asarray(images[:dim]) * box
    assert_same(ref, compute_all(moved, box, types, model, dim), dim)


@pytest.mark.parametrize("dim", [2, 3])
@SETTINGS
@given(seed=st.integers(0, 1000), perm_seed=st.integers(0, 2**31))
def test_permutation(dim, seed, perm_seed):
    pos, box, types, model = lattice_system(dim, seed)
    ref = compute_all(pos, box, types, model, dim)
    perm = np.random.default_rng(perm_seed).permutation(len(pos))
    got = compute_all(pos[perm], box, types[perm], model, dim)
    assert_same([r[perm] for r in ref], got, dim)


@pytest.mark.parametrize("dim", [2, 3])
@SETTINGS
@given(seed=st.integers(0, 1000), axes_seed=st.integers(0, 2**31))
def test_symmetries_of_the_periodic_box(dim, seed, axes_seed):
    """Axis permutations and reflections map a cubic/square periodic box onto itself."""
    pos, box, types, model = lattice_system(dim, seed)
    ref = compute_all(pos, box, types, model, dim)
    rng = np.random.default_rng(axes_seed)
    rot = np.eye(dim)[rng.permutation(dim)] * rng.choice([-1.0, 1.0], dim)[:, None]
    assert_same(ref, compute_all(pos @ rot.T, box, types, model, dim), dim)


@pytest.mark.parametrize("dim", [2, 3])
@SETTINGS
@given(seed=st.integers(0, 1000), angles=st.lists(st.floats(0, 2 * np.pi), min_size=3, max_size=3))
def test_any_rotation_of_an_open_cluster(dim, seed, angles):
    """Without periodic images every rotation is a symmetry (non-Voronoi descriptors)."""
    from scipy.spatial.transform import Rotation

    pos, box, types, model = lattice_system(dim, seed)
    big = np.full(dim, 4 * box[0])  # a non-periodic box that holds the cluster in any orientation
    ref = compute_all(pos, big, types, model, dim, periodic=False)
    if dim == 3:
        rot = Rotation.from_euler("zyx", angles).as_matrix()
    else:
        c, s = np.cos(angles[0]), np.sin(angles[0])
        rot = np.array([[c, -s], [s, c]])
    got = compute_all(pos @ rot.T, big, types, model, dim, periodic=False)
    for a, b, d in zip(ref, got, descriptors(dim, periodic=False)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8, err_msg=type(d).__name__)
