"""Gaussian mixture with BIC, k-means: the number of clusters, determinism, bad K."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.unsupervised import GaussianMixtureBIC, StandardKMeans, bic_curve


def blobs(k, n=150, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])[:k]
    return np.concatenate([c + rng.normal(size=(n, 2)) for c in centres]), np.repeat(np.arange(k), n)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_bic_finds_the_number_of_blobs(k):
    X, truth = blobs(k)
    gm = GaussianMixtureBIC(min_components=1, max_components=5, seed=0).fit(X)
    assert gm.n_components_ == k
    assert min(gm.bic_, key=gm.bic_.get) == k and sorted(gm.bic_) == [1, 2, 3, 4, 5]
    # BIC = -2 log L + p log n, with p = K-1 weights + 2K means + 3K covariance entries in 2D
    from sklearn.mixture import GaussianMixture

    ref = GaussianMixture(n_components=k, n_init=2, random_state=0, reg_covar=1e-6).fit(X)
    p = (k - 1) + 2 * k + 3 * k
    assert gm.bic_[k] == pytest.approx(-2 * ref.score(X) * len(X) + p * np.log(len(X)), rel=1e-6)
    assert bic_curve(X, [1, 2])[1] == pytest.approx(gm.bic_[1])


def test_labels_are_deterministic_and_ordered():
    X, truth = blobs(3)
    a = GaussianMixtureBIC(n_components=3, seed=5).fit(X)
    b = GaussianMixtureBIC(n_components=3, seed=5).fit(X[::-1])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    # numbered by the centres' coordinates, x first: (0, 0) -> 0, (0, 6) -> 1, (6, 0) -> 2
    assert np.mean(a.labels_ == np.array([0, 2, 1])[truth]) > 0.99
    km = StandardKMeans(n_clusters=3, seed=1).fit(X)
    np.testing.assert_array_equal(km.labels_, StandardKMeans(n_clusters=3, seed=1).fit(X).labels_)
    np.testing.assert_allclose(km.predict_proba(X).sum(1), 1)
    np.testing.assert_allclose(a.predict_proba(X).sum(1), 1)


def test_too_many_clusters_is_a_glassml_error():
    X, _ = blobs(1, n=5)
    with pytest.raises(GlassmlError, match="only 5 particles"):
        StandardKMeans(n_clusters=6).fit(X)
    with pytest.raises(GlassmlError, match="only 5 particles"):
        GaussianMixtureBIC(n_components=6).fit(X)
