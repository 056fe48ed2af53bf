"""Standardised PCA against a hand calculation; the autoencoder's determinism and save/load."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.unsupervised import Autoencoder, StandardPCA, check_features, leading_coordinate


def correlated(n=400, seed=0):
    """Rows with one dominant direction (a latent t) in 5 features, plus noise."""
    rng = np.random.default_rng(seed)
    t = rng.normal(size=n)
    X = np.outer(t, [1.0, -2.0, 0.5, 3.0, 1.0]) + 0.3 * rng.normal(size=(n, 5))
    return X * [1.0, 10.0, 0.1, 1.0, 5.0] + [0.0, 3.0, -1.0, 2.0, 7.0], t


def test_pca_is_the_eigenproblem_of_the_correlation_matrix():
    X, _ = correlated()
    pca = StandardPCA(n_components=None).fit(X)
    z = (X - X.mean(0)) / X.std(0)
    w, v = np.linalg.eigh(np.cov(z.T, bias=True))
    w, v = w[::-1], v[:, ::-1]
    np.testing.assert_allclose(pca.explained_variance_ratio_, w / w.sum(), rtol=1e-10)
    proj = pca.transform(X)
    for k in range(5):
        np.testing.assert_allclose(np.abs(proj[:, k]), np.abs(z @ v[:, k]), atol=1e-9)
    # the sign convention: each component's largest loading is positive
    assert np.all(pca.components_[np.arange(5), np.abs(pca.components_).argmax(1)] > 0)


def test_autoencoder_leading_coordinate_matches_pc1_and_is_deterministic(tmp_path):
    X, t = correlated(300, seed=1)
    pc1 = StandardPCA(n_components=1).fit_transform(X)[:, 0]
    ae = Autoencoder(n_components=2, hidden=20, epochs=40, batch_size=100, learning_rate=3e-3, seed=4).fit(X)
    latent = ae.transform(X)
    assert abs(np.corrcoef(pc1, leading_coordinate(latent))[0, 1]) > 0.9
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]
    again = Autoencoder(n_components=2, hidden=20, epochs=40, batch_size=100, learning_rate=3e-3, seed=4).fit(X).transform(X)
    np.testing.assert_array_equal(latent, again)
    ae.save(tmp_path / "ae.npz")
    np.testing.assert_array_equal(Autoencoder.load(tmp_path / "ae.npz").transform(X), latent)
    assert Autoencoder.load(tmp_path / "ae.npz").get_params() == ae.get_params()


def test_bad_input_is_a_glassml_error():
    X, _ = correlated(20)
    X[3, 2] = np.nan
    with pytest.raises(GlassmlError, match="NaN"):
        check_features(X)
    with pytest.raises(GlassmlError, match="NaN"):
        StandardPCA().fit(X)
    with pytest.raises(GlassmlError, match="n_components"):
        StandardPCA(n_components=9).fit(np.ones((20, 3)))
    with pytest.raises(GlassmlError, match="fit"):
        StandardPCA().transform(np.ones((2, 3)))
