"""The unsupervised pipeline (standardise, reduce, cluster) and the order parameter it gives.

:class:`StructuralClusters` runs one of four methods on per-particle descriptors, separately
for each species (a mixture of species would otherwise be split by species first):

========  ===================================================  =================================
method    latent coordinates (``transform``)                   clusters (``predict``)
========  ===================================================  =================================
``ae``    autoencoder bottleneck (``components`` wide)         Gaussian mixture on the latents, K by BIC
``pca``   first ``components`` principal components            Gaussian mixture on the latents, K by BIC
``gmm``   membership probabilities of each component           Gaussian mixture on the standardised
                                                               features, K = ``components`` or by BIC
``kmeans`` distances to the K centres                          k-means on the standardised features,
                                                               K = ``components`` (default 2)
========  ===================================================  =================================

This is the procedure of Boattini et al., Nat. Commun. 11, 5479 (2020) (``ae``) and its PCA
variant of Coslovich, Jack & Paret, J. Chem. Phys. 157, 204503 (2022) (``pca``).

:class:`UnsupervisedOrderParameter` adds the one choice that needs dynamics: which cluster is
the *slow* one.  It is the cluster whose membership probability correlates most negatively with
the propensity on the rows given to ``fit`` (train/validation only, never test); the order
parameter of a particle is its membership probability of that cluster (Boattini et al.'s
``P_red``).  :func:`propensity_correlations` gives Pearson and Spearman coefficients against
propensity at every time, per species.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from glassml.errors import GlassmlError
from glassml.unsupervised.clustering import GaussianMixtureBIC, StandardKMeans
from glassml.unsupervised.reducers import Autoencoder, StandardPCA, check_features

METHODS = ("ae", "pca", "gmm", "kmeans")


def _species(species, n: int) -> np.ndarray:
    if species is None:
        return np.zeros(n, dtype=np.int64)
    s = np.asarray(species)
    if s.shape != (n,):
        raise GlassmlError(f"species must have shape ({n},), one entry per row, got {s.shape}")
    return s.astype(np.int64)


class StructuralClusters(BaseEstimator):
    """Standardise, reduce and cluster per-particle descriptors, one pipeline per species.

    Fitted attributes: ``pipelines_`` ({species: {"reducer", "clusterer"}}), ``species_``,
    ``n_features_in_``, ``bic_`` ({species: {K: BIC}}, for the mixture methods),
    ``n_clusters_`` ({species: K}).

    Parameters
    ----------
    method:
        ``ae``, ``pca``, ``gmm`` or ``kmeans`` (see the module docstring).
    components:
        ``ae``/``pca``: latent dimension (default 2); ``gmm``: number of components (None: by
        BIC); ``kmeans``: number of clusters (default 2).
    min_clusters, max_clusters:
        The range BIC chooses the number of Gaussian components from.
    per_species:
        Fit one pipeline per species (True) or one for all rows.
    seed:
        Seed of every stochastic step (autoencoder weights, mixture and k-means starts).
    ae_epochs, ae_hidden, ae_weight_decay:
        Passed to :class:`~glassml.unsupervised.reducers.Autoencoder`.
    """

    def __init__(self, method: str = "pca", components: int | None = None, min_clusters: int = 2, max_clusters: int = 6,
                 per_species: bool = True, seed: int = 0, ae_epochs: int = 100, ae_hidden: int | None = None,
                 ae_weight_decay: float = 1e-5):
        self.method = method
        self.components = components
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.per_species = per_species
        self.seed = seed
        self.ae_epochs = ae_epochs
        self.ae_hidden = ae_hidden
        self.ae_weight_decay = ae_weight_decay

    # ------------------------------------------------------------------ building blocks
    def _make(self):
        m, k, seed = self.method, self.components, int(self.seed)
        if m not in METHODS:
            raise GlassmlError(f"unknown method {m!r}; choose one of {', '.join(METHODS)}")
        gm = GaussianMixtureBIC(min_components=int(self.min_clusters), max_components=int(self.max_clusters), seed=seed)
        if m == "pca":
            return StandardPCA(n_components=2 if k is None else int(k)), gm
        if m == "ae":
            return Autoencoder(n_components=2 if k is None else int(k), hidden=self.ae_hidden, epochs=int(self.ae_epochs),
                               weight_decay=float(self.ae_weight_decay), seed=seed), gm
        scaler = StandardPCA(n_components=None)  # standardisation and a full rotation: distances are unchanged
        if m == "gmm":
            if k is not None:
                gm.set_params(n_components=int(k))
            return scaler, gm
        return scaler, StandardKMeans(n_clusters=2 if k is None else int(k), seed=seed)

    def _groups(self, species: np.ndarray) -> dict[int, np.ndarray]:
        if not self.per_species:
            return {-1: np.ones(species.size, dtype=bool)}
        return {int(s): species == s for s in np.unique(species)}

    def _key(self, s: int) -> int:
        return s if self.per_species else -1

    # ------------------------------------------------------------------ API
    def fit(self, X, species=None) -> "StructuralClusters":
        """Fit the reducer and the clusterer on the rows of ``X`` (per species)."""
        X = check_features(X)
        sp = _species(species, X.shape[0])
        self.pipelines_, self.bic_, self.n_clusters_ = {}, {}, {}
        for s, rows in self._groups(sp).items():
            k = self.components
            if k is not None and self.method in ("gmm", "kmeans") and int(k) > int(rows.sum()):
                raise GlassmlError(f"{int(k)} clusters asked for but species {s} has only {int(rows.sum())} particles; "
                                   f"choose K <= {int(rows.sum())}")
            if k is not None and self.method in ("pca", "ae") and int(k) > X.shape[1]:
                raise GlassmlError(f"{int(k)} latent components asked for but the descriptors have only {X.shape[1]} features")
            reducer, clusterer = self._make()
            Z = reducer.fit(X[rows]).transform(X[rows])
            clusterer.fit(Z)
            self.pipelines_[s] = {"reducer": reducer, "clusterer": clusterer}
            if isinstance(clusterer, GaussianMixtureBIC):
                self.bic_[s] = dict(clusterer.bic_)
                self.n_clusters_[s] = clusterer.n_components_
            else:
                self.n_clusters_[s] = int(clusterer.n_clusters)
        self.species_ = np.asarray(sorted(self.pipelines_))
        self.n_features_in_ = X.shape[1]
        return self

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, Any]:
        """The fitted pipelines as flat numpy arrays and JSON values (see :meth:`from_state`)."""
        if not hasattr(self, "pipelines_"):
            raise GlassmlError("fit the clustering before saving it")
        st: dict[str, Any] = {"params": self.get_params(), "keys": [int(k) for k in self.pipelines_],
                              "n_features_in": int(self.n_features_in_),
                              "bic": {str(s): {str(k): v for k, v in c.items()} for s, c in self.bic_.items()}}
        for s, p in self.pipelines_.items():
            r, c = p["reducer"], p["clusterer"]
            pre = f"u{s}_".replace("-", "m")
            if isinstance(r, StandardPCA):
                st[pre + "mean"], st[pre + "scale"], st[pre + "components"] = r.mean_, r.scale_, r.components_
                st[pre + "evr"] = r.explained_variance_ratio_
            else:
                st[pre + "mean"], st[pre + "scale"] = r.mean_, r.scale_
                for k, (w, b) in enumerate(r.weights_):
                    st[f"{pre}w{k}"], st[f"{pre}b{k}"] = w, b
            if isinstance(c, GaussianMixtureBIC):
                m = c.mixture_
                st[pre + "weights"], st[pre + "means"] = m.weights_, m.means_
                st[pre + "covariances"], st[pre + "precisions_cholesky"] = m.covariances_, m.precisions_cholesky_
            else:
                st[pre + "centers"] = c.cluster_centers_
        return st

    @classmethod
    def from_state(cls, st: dict[str, Any]) -> "StructuralClusters":
        """Rebuild fitted pipelines from :meth:`state` (arrays may come back from an ``.npz``)."""
        from sklearn.mixture import GaussianMixture

        est = cls(**st["params"])
        est.pipelines_, est.n_clusters_ = {}, {}
        est.bic_ = {int(s): {int(k): float(v) for k, v in c.items()} for s, c in st["bic"].items()}
        for s in st["keys"]:
            pre = f"u{s}_".replace("-", "m")
            reducer, clusterer = est._make()
            reducer.mean_, reducer.scale_ = np.asarray(st[pre + "mean"]), np.asarray(st[pre + "scale"])
            reducer.n_features_in_ = int(st["n_features_in"])
            if isinstance(reducer, StandardPCA):
                reducer.components_ = np.asarray(st[pre + "components"])
                reducer.explained_variance_ratio_ = np.asarray(st[pre + "evr"])
            else:
                reducer.weights_ = [(np.asarray(st[f"{pre}w{k}"]), np.asarray(st[f"{pre}b{k}"])) for k in range(4)]
            width = reducer.components_.shape[0] if isinstance(reducer, StandardPCA) else int(reducer.n_components)
            if isinstance(clusterer, GaussianMixtureBIC):
                w = np.asarray(st[pre + "weights"])
                gm = GaussianMixture(n_components=w.size, covariance_type=clusterer.covariance_type)
                gm.weights_, gm.means_ = w, np.asarray(st[pre + "means"])
                gm.covariances_ = np.asarray(st[pre + "covariances"])
                gm.precisions_cholesky_ = np.asarray(st[pre + "precisions_cholesky"])
                gm.precisions_ = np.einsum("kij,klj->kil", gm.precisions_cholesky_, gm.precisions_cholesky_) \
                    if gm.precisions_cholesky_.ndim == 3 else gm.precisions_cholesky_ ** 2
                clusterer.mixture_, clusterer.n_components_ = gm, int(w.size)
                clusterer.means_, clusterer.weights_ = gm.means_, gm.weights_
                clusterer.bic_ = est.bic_.get(int(s), {})
            else:
                clusterer.cluster_centers_ = np.asarray(st[pre + "centers"])
            clusterer.n_features_in_ = width
            est.pipelines_[int(s)] = {"reducer": reducer, "clusterer": clusterer}
            est.n_clusters_[int(s)] = int(clusterer.n_components_ if isinstance(clusterer, GaussianMixtureBIC)
                                          else clusterer.cluster_centers_.shape[0])
        est.species_ = np.asarray(sorted(est.pipelines_))
        est.n_features_in_ = int(st["n_features_in"])
        return est

    def _apply(self, X, species, what: str) -> list[tuple[np.ndarray, np.ndarray]]:
        if not hasattr(self, "pipelines_"):
            raise GlassmlError("fit the clustering before using it")
        X = check_features(X, min_rows=1)
        sp = _species(species, X.shape[0])
        out = []
        for s in np.unique(sp):
            key = self._key(int(s))
            if key not in self.pipelines_:
                raise GlassmlError(f"species {int(s)} was not in the data the clustering was fitted on")
            rows = sp == s if self.per_species else np.ones(sp.size, dtype=bool)
            p = self.pipelines_[key]
            Z = p["reducer"].transform(X[rows])
            if what == "latent":
                val = p["clusterer"].predict_proba(Z) if self.method == "gmm" else (
                    p["clusterer"].transform(Z) if self.method == "kmeans" else Z)
            elif what == "proba":
                val = p["clusterer"].predict_proba(Z)
            else:
                val = p["clusterer"].predict(Z)
            out.append((rows, val))
            if not self.per_species:
                break
        return out

    def _stack(self, parts, n: int, width: int | None) -> np.ndarray:
        if width is None:
            out = np.zeros(n, dtype=np.int64)
        else:
            out = np.full((n, width), np.nan)
        for rows, val in parts:
            if width is None:
                out[rows] = val
            else:
                out[rows, : val.shape[1]] = val
        return out

    def transform(self, X, species=None) -> np.ndarray:
        """Latent coordinates (n, c); species with fewer clusters than the widest are NaN-padded
        (``gmm`` and ``kmeans`` latents are one column per cluster)."""
        parts = self._apply(X, species, "latent")
        return self._stack(parts, np.asarray(X).shape[0], max(v.shape[1] for _, v in parts))

    def predict(self, X, species=None) -> np.ndarray:
        """Cluster labels (n,), numbered 0..K-1 within each species."""
        return self._stack(self._apply(X, species, "labels"), np.asarray(X).shape[0], None)

    def predict_proba(self, X, species=None) -> np.ndarray:
        """Membership probabilities (n, K_max), NaN-padded for species with fewer clusters."""
        parts = self._apply(X, species, "proba")
        return self._stack(parts, np.asarray(X).shape[0], max(v.shape[1] for _, v in parts))


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else float("nan")


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import rankdata

    return _pearson(rankdata(a), rankdata(b))


def _targets(propensity, n: int) -> np.ndarray:
    y = np.asarray(propensity, dtype=np.float64)
    if y.ndim == 1:
        y = y[None]
    if y.ndim != 2 or y.shape[1] != n:
        raise GlassmlError(f"propensity must be (T, {n}) or ({n},), got {np.asarray(propensity).shape}")
    return y


def propensity_correlations(order, propensity, species=None) -> dict[int, dict[str, list[float]]]:
    """Pearson and Spearman coefficients of an order parameter against propensity at every time,
    per species: ``{species: {"pearson": [T], "spearman": [T], "n": count}}``.

    ``order`` is (n,); ``propensity`` (T, n) or (n,); the particles of all configurations are
    pooled.  Spearman's coefficient is the Pearson coefficient of the ranks (Spearman, Am. J.
    Psychol. 15, 72 (1904)).
    """
    o = np.asarray(order, dtype=np.float64).reshape(-1)
    y = _targets(propensity, o.size)
    sp = _species(species, o.size)
    out: dict[int, dict[str, Any]] = {}
    for s in np.unique(sp):
        rows = (sp == s) & np.isfinite(o)
        out[int(s)] = {"pearson": [_pearson(o[rows], y[t, rows]) for t in range(y.shape[0])],
                       "spearman": [_spearman(o[rows], y[t, rows]) for t in range(y.shape[0])],
                       "n": int(rows.sum())}
    return out


class UnsupervisedOrderParameter(BaseEstimator):
    """Boattini et al.'s unsupervised order parameter (Nat. Commun. 11, 5479 (2020)): the
    probability that a particle belongs to the structurally *slow* cluster found by
    :class:`StructuralClusters`, without using dynamics except to say which cluster is slow.

    ``fit(X, propensity, species)`` fits the clustering on ``X`` and chooses, per species, the
    cluster whose membership probability has the most negative Pearson correlation with the
    propensity (averaged over the times given).  Give it training and validation rows only:
    the test split must not take part in that choice.  ``transform`` returns the order
    parameter (n,); high means structurally slow.

    Parameters are those of :class:`StructuralClusters`.  Fitted attributes: ``clusters_``
    (the fitted :class:`StructuralClusters`), ``slow_cluster_`` ({species: cluster}),
    ``selection_pearson_`` ({species: [r(P_c, propensity) averaged over times, per cluster c]}).
    """

    def __init__(self, method: str = "pca", components: int | None = None, min_clusters: int = 2, max_clusters: int = 6,
                 per_species: bool = True, seed: int = 0, ae_epochs: int = 100, ae_hidden: int | None = None,
                 ae_weight_decay: float = 1e-5):
        self.method = method
        self.components = components
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.per_species = per_species
        self.seed = seed
        self.ae_epochs = ae_epochs
        self.ae_hidden = ae_hidden
        self.ae_weight_decay = ae_weight_decay

    def fit(self, X, propensity, species=None) -> "UnsupervisedOrderParameter":
        X = check_features(X)
        y = _targets(propensity, X.shape[0])
        if not np.all(np.isfinite(y)):
            raise GlassmlError("propensity holds NaN or infinite values")
        sp = _species(species, X.shape[0])
        self.clusters_ = StructuralClusters(**self.get_params()).fit(X, sp)
        return self.choose_slow_cluster(X, y, sp)

    def choose_slow_cluster(self, X, propensity, species=None) -> "UnsupervisedOrderParameter":
        """Choose, per species, the slow cluster of the fitted ``clusters_`` on these rows
        (which may differ from the rows the clustering was fitted on); returns self."""
        X = check_features(X)
        y = _targets(propensity, X.shape[0])
        if not np.all(np.isfinite(y)):
            raise GlassmlError("propensity holds NaN or infinite values")
        sp = _species(species, X.shape[0])
        if self.per_species:  # rows of a species the clustering never saw cannot take part
            known = np.isin(sp, list(self.clusters_.n_clusters_))
            X, y, sp = X[known], y[:, known], sp[known]
        proba = self.clusters_.predict_proba(X, sp) if X.shape[0] else np.zeros((0, 1))
        self.slow_cluster_, self.selection_pearson_ = {}, {}
        groups = {int(s): sp == s for s in np.unique(sp)} if self.per_species else {-1: np.ones(sp.size, dtype=bool)}
        for s, rows in groups.items():
            if s not in self.clusters_.n_clusters_:  # a species the clustering never saw: nothing to choose
                continue
            k = self.clusters_.n_clusters_[s]
            r = [float(np.nanmean([_pearson(proba[rows, c], y[t, rows]) for t in range(y.shape[0])])) for c in range(k)]
            self.selection_pearson_[s] = r
            finite = [v if np.isfinite(v) else np.inf for v in r]
            self.slow_cluster_[s] = int(np.argmin(finite))
        for s in self.clusters_.n_clusters_:
            if s not in self.slow_cluster_:  # a species absent from these rows: no choice can be made
                self.slow_cluster_[s], self.selection_pearson_[s] = 0, []
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X, species=None) -> np.ndarray:
        """The order parameter (n,): membership probability of the slow cluster of each row's species."""
        if not hasattr(self, "clusters_"):
            raise GlassmlError("fit the order parameter before using it")
        X = check_features(X, min_rows=1)
        sp = _species(species, X.shape[0])
        proba = self.clusters_.predict_proba(X, sp)
        out = np.empty(X.shape[0])
        for s in np.unique(sp):
            rows = sp == s
            key = int(s) if self.per_species else -1
            out[rows] = proba[rows, self.slow_cluster_[key]]
        return out
