"""Every registered descriptor set is invariant under translation, periodic re-imaging, particle
permutation (features follow the particles) and rotation where it should be: the symmetries of
the box for periodic systems, any rotation for an open cluster (hypothesis).  The sets come from
the registry, with their data-dependent parameters resolved as describe() resolves them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from glassml.structure import Configuration, get_set, list_sets

SETTINGS = settings(max_examples=4, deadline=None)


def lattice_system(dim: int, seed: int):
    """A jittered lattice with the model's composition (no overlaps, liquid-like counts), and a
    second, slightly displaced copy that plays the thermal configuration of the first."""
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
    thermal = pos + rng.normal(0, 0.05, (n, dim))
    return pos, thermal, box, types, model


_DESCRIPTORS: dict[tuple[int, int], list] = {}


def descriptors(dim: int, seed: int, periodic: bool = True):
    """The compute objects of every registered set, parameters resolved on the unmoved system."""
    if (dim, seed) not in _DESCRIPTORS:
        pos, thermal, box, types, model = lattice_system(dim, seed)
        conf = Configuration(pos, box, types, model=model, reference=thermal)
        out = []
        for name in list_sets():
            spec = get_set(name)
            out += spec.make(dim, **spec.resolve(conf, {}))
        _DESCRIPTORS[(dim, seed)] = out
    return [d for d in _DESCRIPTORS[(dim, seed)] if periodic or not d.needs_periodic_box]


def compute_all(pos, thermal, box, types, model, dim, seed, periodic=True):
    conf = Configuration(pos, box, types, model=model, periodic=periodic, reference=thermal)
    return [d.compute(conf).copy() for d in descriptors(dim, seed, periodic)]


def assert_same(a_list, b_list, dim, seed):
    for a, b, d in zip(a_list, b_list, descriptors(dim, seed)):
        # tessellations come from freud, which stores positions in single precision
        tol = 2e-4 if d.needs_periodic_box else 1e-8
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=type(d).__name__)


@pytest.mark.parametrize("dim", [2, 3])
@SETTINGS
@given(seed=st.integers(0, 1000), shift=st.lists(st.floats(-30, 30), min_size=3, max_size=3),
       images=st.lists(st.integers(-2, 2), min_size=3, max_size=3))
def test_translation_and_periodic_reimaging(dim, seed, shift, images):
    pos, thermal, box, types, model = lattice_system(dim, seed)
    ref = compute_all(pos, thermal, box, types, model, dim, seed)
    moved, moved_thermal = pos + np.asarray(shift[:dim]), thermal + np.asarray(shift[:dim])
    moved[::4] += np.asarray(images[:dim]) * box
    moved_thermal[1::3] -= np.asarray(images[:dim]) * box
    assert_same(ref, compute_all(moved, moved_thermal, box, types, model, dim, seed), dim, seed)


@pytest.mark.parametrize("dim", [2, 3])
@SETTINGS
@given(seed=st.integers(0, 1000), perm_seed=st.integers(0, 2**31))
def test_permutation(dim, seed, perm_seed):
    pos, thermal, box, types, model = lattice_system(dim, seed)
    ref = compute_all(pos, thermal, box, types, model, dim, seed)
    perm = np.random.default_rng(perm_seed).permutation(len(pos))
    got = compute_all(pos[perm], thermal[perm], box, types[perm], model, dim, seed)
    assert_same([r[perm] for r in ref], got, dim, seed)


@pytest.mark.parametrize("dim", [2, 3])
@SETTINGS
@given(seed=st.integers(0, 1000), axes_seed=st.integers(0, 2**31))
def test_symmetries_of_the_periodic_box(dim, seed, axes_seed):
    """Axis permutations and reflections map a cubic/square periodic box onto itself."""
    pos, thermal, box, types, model = lattice_system(dim, seed)
    ref = compute_all(pos, thermal, box, types, model, dim, seed)
    rng = np.random.default_rng(axes_seed)
    rot = np.eye(dim)[rng.permutation(dim)] * rng.choice([-1.0, 1.0], dim)[:, None]
    assert_same(ref, compute_all(pos @ rot.T, thermal @ rot.T, box, types, model, dim, seed), dim, seed)


@pytest.mark.parametrize("dim", [2, 3])
@SETTINGS
@given(seed=st.integers(0, 1000), angles=st.lists(st.floats(0, 2 * np.pi), min_size=3, max_size=3))
def test_any_rotation_of_an_open_cluster(dim, seed, angles):
    """Without periodic images every rotation is a symmetry (descriptors that need no periodic
    tessellation)."""
    from scipy.spatial.transform import Rotation

    pos, thermal, box, types, model = lattice_system(dim, seed)
    big = np.full(dim, 4 * box[0])  # a non-periodic box that holds the cluster in any orientation
    ref = compute_all(pos, thermal, big, types, model, dim, seed, periodic=False)
    if dim == 3:
        rot = Rotation.from_euler("zyx", angles).as_matrix()
    else:
        c, s = np.cos(angles[0]), np.sin(angles[0])
        rot = np.array([[c, -s], [s, c]])
    got = compute_all(pos @ rot.T, thermal @ rot.T, big, types, model, dim, seed, periodic=False)
    for a, b, d in zip(ref, got, descriptors(dim, seed, periodic=False)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8, err_msg=type(d).__name__)
