"""Reference: partycls 2.0.2 (Paret & Coslovich, JOSS 6, 3723 (2021)), GPL, used only here,
on partycls's own sample files (../shared/data/partycls), read by glassml's extended-XYZ reader:
descriptors, the PCA projection and k-means / Gaussian-mixture labels on the same input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from glassml.store.formats.extxyz import read_extxyz_frames
from glassml.structure import Configuration, RadialBondOrder
from glassml.unsupervised import GaussianMixtureBIC, StandardKMeans, StandardPCA

partycls = pytest.importorskip("partycls")


def _frame(path):
    """First frame of a partycls sample file, read by glassml's extended-XYZ reader (which
    knows the atooms ``cell:`` and RUMD ``sim_box=`` headers): species 0..K-1, positions, box."""
    frame = read_extxyz_frames(path)[0]
    _, types = np.unique(frame.labels, return_inverse=True)
    return types, frame.positions, frame.box


def _rbo_reference(path, fmt=None):
    from partycls.descriptors import RadialBondOrientationalDescriptor

    traj = partycls.Trajectory(str(path), fmt=fmt, last=0) if fmt else partycls.Trajectory(str(path))
    return RadialBondOrientationalDescriptor(traj, lmin=1, lmax=8, bounds=(1.0, 1.5), dr=0.1, delta=0.1, skin=2.5).compute()


@pytest.fixture(scope="module")
def wahnstrom(shared_data):
    path = shared_data / "partycls" / "wahn_N1000.xyz"
    if not path.exists():
        pytest.skip("partycls sample files are not present")
    types, pos, cell = _frame(path)
    assert pos.shape == (1000, 3) and set(types) == {0, 1}
    ours = RadialBondOrder(orders=range(1, 9)).compute(Configuration(pos, cell, types))
    return ours, _rbo_reference(path)


def test_descriptors_agree_on_wahnstrom(wahnstrom):
    ours, ref = wahnstrom
    assert ours.shape == ref.shape == (1000, 48)
    np.testing.assert_allclose(ours, ref, atol=1e-8)


def test_descriptors_agree_on_ternary_rumd(shared_data):
    path = shared_data / "partycls" / "ka-2_N300_rumd_trajectory0000.xyz.gz"
    if not path.exists():
        pytest.skip("partycls sample files are not present")
    types, pos, cell = _frame(path)
    assert set(np.unique(types)) == {0, 1, 2}
    ours = RadialBondOrder(orders=range(1, 9)).compute(Configuration(pos, cell, types))
    np.testing.assert_allclose(ours, _rbo_reference(path, "rumd"), atol=1e-8)


def test_pca_projection_agrees_up_to_sign(wahnstrom):
    from partycls.dim_reduction import PCA
    from partycls.feature_scaling import ZScore

    ours_x, ref_x = wahnstrom
    theirs = PCA(n_components=3).reduce(ZScore().scale(ref_x))
    ours = StandardPCA(n_components=3).fit_transform(ours_x)
    signs = np.sign(np.sum(theirs * ours, axis=0))
    np.testing.assert_allclose(ours * signs, theirs, atol=1e-8)


def test_reader_reads_every_frame_of_the_ka_trajectory(shared_data):
    path = shared_data / "partycls" / "kalj_N150.xyz"
    if not path.exists():
        pytest.skip("partycls sample files are not present")
    frames = read_extxyz_frames(path)
    ref = partycls.Trajectory(str(path), last=2)
    assert len(frames) == 101 and len(ref) == 3
    for k in range(3):
        np.testing.assert_array_equal(frames[k].positions, ref[k].get_property("position"))
        np.testing.assert_array_equal(frames[k].box, ref[k].cell.side)


def test_kmeans_and_gmm_labels_agree(wahnstrom):
    from partycls.clustering import GaussianMixture, KMeans

    latent = StandardPCA(n_components=2).fit_transform(wahnstrom[0])
    km = KMeans(n_clusters=2, n_init=10)
    km.fit(latent)
    assert adjusted_rand_score(km.labels, StandardKMeans(n_clusters=2, seed=0).fit(latent).labels_) >= 0.95
    gm = GaussianMixture(n_clusters=2, n_init=3)
    gm.fit(latent)
    ours = GaussianMixtureBIC(n_components=2, n_init=3, seed=0).fit(latent).labels_
    assert adjusted_rand_score(gm.labels, ours) >= 0.95
