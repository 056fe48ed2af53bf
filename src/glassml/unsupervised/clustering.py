"""Clustering of per-particle descriptors or latent coordinates: a Gaussian mixture whose
number of components is chosen by the Bayesian information criterion, and k-means.

Both are scikit-learn's estimators (:class:`~sklearn.mixture.GaussianMixture`,
:class:`~sklearn.cluster.KMeans`) behind the same small interface: ``fit(X)`` returns the
clusterer, ``predict(X)`` gives labels 0..K-1, ``predict_proba(X)`` membership probabilities
(one-hot for k-means).  Labels are numbered in a fixed order (by the first coordinate of the
cluster centre), so the same data and seed always give the same labels.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from glassml.errors import GlassmlError
from glassml.unsupervised.reducers import check_features


def _check_k(k: int, n: int, what: str) -> int:
    k = int(k)
    if k < 1:
        raise GlassmlError(f"{what}: the number of clusters must be at least 1, got {k}")
    if k > n:
        raise GlassmlError(f"{what}: {k} clusters asked for but only {n} particles given; choose K <= {n}")
    return k


def _centre_order(centres: np.ndarray) -> np.ndarray:
    """Permutation that numbers clusters by their centre's coordinates (first, then second...)."""
    return np.lexsort(np.asarray(centres).T[::-1])


class GaussianMixtureBIC(ClusterMixin, BaseEstimator):
    """A Gaussian mixture whose number of components minimises the Bayesian information
    criterion (Schwarz, Ann. Stat. 6, 461 (1978)), as Boattini et al. choose it on the latent
    space of their autoencoder (Nat. Commun. 11, 5479 (2020)).

    Fitted attributes: ``n_components_``, ``bic_`` ({K: BIC} for every K tried),
    ``means_``, ``weights_``, ``mixture_`` (the fitted scikit-learn model, components
    renumbered), ``n_features_in_``.

    Parameters
    ----------
    n_components:
        A fixed number of components (None: choose by BIC from ``min_components`` to
        ``max_components``).
    min_components, max_components:
        The range BIC chooses from.
    covariance_type:
        Passed to :class:`sklearn.mixture.GaussianMixture` (``full`` by default).
    n_init:
        Restarts of the EM fit per K (the best likelihood is kept).
    seed:
        Seed of the initialisation.
    """

    def __init__(self, n_components: int | None = None, min_components: int = 1, max_components: int = 6,
                 covariance_type: str = "full", n_init: int = 2, seed: int = 0):
        self.n_components = n_components
        self.min_components = min_components
        self.max_components = max_components
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.seed = seed

    def _candidates(self, n: int) -> list[int]:
        if self.n_components is not None:
            return [_check_k(self.n_components, n, "Gaussian mixture")]
        lo, hi = int(self.min_components), int(self.max_components)
        if lo < 1 or hi < lo:
            raise GlassmlError(f"Gaussian mixture: need 1 <= min_components <= max_components, got {lo}, {hi}")
        _check_k(lo, n, "Gaussian mixture")
        return list(range(lo, min(hi, n) + 1))

    def fit(self, X, y=None) -> "GaussianMixtureBIC":
        from sklearn.mixture import GaussianMixture

        X = check_features(X)
        best, self.bic_ = None, {}
        for k in self._candidates(X.shape[0]):
            gm = GaussianMixture(n_components=k, covariance_type=self.covariance_type, n_init=int(self.n_init),
                                 random_state=int(self.seed), reg_covar=1e-6).fit(X)
            self.bic_[k] = float(gm.bic(X))
            if best is None or self.bic_[k] < self.bic_[best[0]]:
                best = (k, gm)
        k, gm = best
        order = _centre_order(gm.means_)
        gm.weights_ = gm.weights_[order]
        gm.means_ = gm.means_[order]
        if gm.covariance_type in ("full", "diag", "spherical"):
            gm.covariances_ = gm.covariances_[order]
            gm.precisions_cholesky_ = gm.precisions_cholesky_[order]
            gm.precisions_ = gm.precisions_[order]
        self.mixture_ = gm
        self.n_components_ = k
        self.means_ = gm.means_
        self.weights_ = gm.weights_
        self.n_features_in_ = X.shape[1]
        self.labels_ = self.predict(X)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Membership probabilities (n, K) of every component."""
        self._check_fitted()
        return self.mixture_.predict_proba(self._check(X))

    def predict(self, X) -> np.ndarray:
        """The most probable component of each row, 0..K-1."""
        return np.argmax(self.predict_proba(X), axis=1)

    def _check(self, X) -> np.ndarray:
        X = check_features(X, min_rows=1)
        if X.shape[1] != self.n_features_in_:
            raise GlassmlError(f"Gaussian mixture was fitted on {self.n_features_in_} features, got {X.shape[1]}")
        return X

    def _check_fitted(self) -> None:
        if not hasattr(self, "mixture_"):
            raise GlassmlError("Gaussian mixture: call fit before predict")


class StandardKMeans(ClusterMixin, BaseEstimator):
    """k-means (Lloyd, IEEE Trans. Inf. Theory 28, 129 (1982)), scikit-learn's implementation,
    for comparison with the Gaussian mixture (partycls' default clustering; Paret & Coslovich,
    JOSS 6, 3723 (2021)).

    Fitted attributes: ``cluster_centers_``, ``inertia_``, ``labels_``, ``n_features_in_``.

    Parameters
    ----------
    n_clusters:
        K.
    n_init:
        Restarts (the lowest inertia is kept).
    seed:
        Seed of the initialisation.
    """

    def __init__(self, n_clusters: int = 2, n_init: int = 10, seed: int = 0):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.seed = seed

    def fit(self, X, y=None) -> "StandardKMeans":
        from sklearn.cluster import KMeans

        X = check_features(X)
        k = _check_k(self.n_clusters, X.shape[0], "k-means")
        km = KMeans(n_clusters=k, n_init=int(self.n_init), random_state=int(self.seed)).fit(X)
        order = _centre_order(km.cluster_centers_)
        self.cluster_centers_ = km.cluster_centers_[order]
        self.inertia_ = float(km.inertia_)
        self.n_features_in_ = X.shape[1]
        self.labels_ = self.predict(X)
        return self

    def transform(self, X) -> np.ndarray:
        """Distance of each row to every cluster centre, (n, K)."""
        if not hasattr(self, "cluster_centers_"):
            raise GlassmlError("k-means: call fit before predict")
        X = check_features(X, min_rows=1)
        if X.shape[1] != self.n_features_in_:
            raise GlassmlError(f"k-means was fitted on {self.n_features_in_} features, got {X.shape[1]}")
        return np.linalg.norm(X[:, None, :] - self.cluster_centers_[None], axis=2)

    def predict(self, X) -> np.ndarray:
        """The nearest centre of each row, 0..K-1."""
        return np.argmin(self.transform(X), axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Hard memberships (n, K): 1 for the nearest centre, 0 elsewhere."""
        labels = self.predict(X)
        return np.eye(self.cluster_centers_.shape[0])[labels]


def bic_curve(X, ks: Sequence[int], *, covariance_type: str = "full", seed: int = 0) -> dict[int, float]:
    """BIC of a Gaussian mixture of each K in ``ks`` fitted to ``X`` ({K: BIC})."""
    gm = GaussianMixtureBIC(min_components=min(ks), max_components=max(ks), covariance_type=covariance_type, seed=seed)
    gm.fit(X)
    return {k: v for k, v in gm.bic_.items() if k in set(ks)}
