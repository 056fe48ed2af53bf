"""Coslovich's comparison of descriptor families (Coslovich, Jack & Paret, "Dimensionality
reduction of local structure in glassy binary mixtures", J. Chem. Phys. 157, 204503 (2022)).

For each family of descriptors: the variance explained by each principal component, how well
the autoencoder's leading latent coordinate matches the first principal component
(|corr(PC1, AE)|), and how strongly the first principal component and the cluster order
parameter correlate with propensity, as one table::

    feats = descriptor_families(conf)                 # {"steinhardt": X, "sbo": X, "rbo": X, "gr": X}
    table = compare_families(feats, propensity, types, select=left_half)

The families (:data:`FAMILIES`), computed by :mod:`glassml.structure`:

* ``steinhardt``: bond orientational order q_l, l = 1..8, neighbors within the first minimum
  of g_AA(r) (:class:`~glassml.structure.Steinhardt`);
* ``sbo``: smoothed bond order, l = 1..8, on the first minima of g_ab(r)
  (:class:`~glassml.structure.SmoothedBondOrder`);
* ``rbo``: radial bond order, l = 1..8 on shells 1.0..1.5 (:class:`~glassml.structure.RadialBondOrder`);
* ``gr``: radial descriptor, per-species Gaussian-smoothed densities on shells 0.8..2.0
  (width 0.1), a per-particle g_ab(r) (:class:`~glassml.structure.RadialDensity`).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from glassml.errors import GlassmlError
from glassml.unsupervised.order import UnsupervisedOrderParameter, _pearson, _targets
from glassml.unsupervised.reducers import Autoencoder, StandardPCA, check_features, leading_coordinate

#: family name -> what it is
FAMILIES: dict[str, str] = {
    "steinhardt": "bond orientational order q_1..q_8 (Steinhardt et al. 1983)",
    "sbo": "smoothed bond orientational order, l = 1..8 (Coslovich)",
    "rbo": "radial bond orientational order, l = 1..8, shells 1.0..1.5 (Boattini et al. 2021)",
    "gr": "radial descriptor: per-species smoothed g(r), shells 0.8..2.0",
}


def descriptor_families(conf, families=tuple(FAMILIES)) -> dict[str, np.ndarray]:
    """The (N, F) features of each family of :data:`FAMILIES` on one
    :class:`glassml.structure.Configuration`."""
    from glassml.structure import RadialBondOrder, RadialDensity, SmoothedBondOrder, Steinhardt, first_minimum_cutoffs

    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise GlassmlError(f"unknown descriptor family {', '.join(unknown)}; choose from {', '.join(FAMILIES)}")
    cut = first_minimum_cutoffs(conf)
    make = {
        "steinhardt": lambda: Steinhardt(orders=range(1, 9), cutoff=float(cut[0, 0]), wl=False, average=False),
        "sbo": lambda: SmoothedBondOrder(orders=range(1, 9), cutoffs=cut),
        "rbo": lambda: RadialBondOrder(orders=range(1, 9)),
        "gr": lambda: RadialDensity(bounds=(0.8, 2.0), dr=0.1, delta=0.1),
    }
    return {f: make[f]().compute(conf) for f in families}


def compare_families(features: Mapping[str, np.ndarray], propensity, species=None, *, select=None, species_of_interest: int = 0,
                     n_variance: int = 4, autoencoder: bool = True, ae_epochs: int = 100, seed: int = 0) -> list[dict[str, Any]]:
    """One row per family: explained variance, |corr(PC1, AE)|, and correlations with propensity.

    Each row: ``family``, ``n_features``, ``explained_variance`` (first ``n_variance``
    ratios), ``two_component_variance``, ``pc1_ae`` (|corr(PC1, AE leading coordinate)|,
    all rows), ``pc1_propensity`` (|Pearson(PC1, propensity)| per time on the reporting rows:
    the sign of a principal component is arbitrary), ``order_propensity`` (Pearson of the
    order parameter, membership of the slow cluster of a Gaussian mixture on the first two
    principal components, per time on the reporting rows), ``n_clusters``.

    Parameters
    ----------
    features:
        {family: (n, F)} descriptors of the same n particles.
    propensity:
        (T, n) or (n,) propensity.
    species:
        (n,) species; the analysis runs on ``species_of_interest`` (type A by default).
    select:
        (n,) bool: the rows on which the slow cluster is chosen; every correlation is reported
        on the other rows (default: the first half of the rows choose, the second half report).
    n_variance:
        How many explained-variance ratios to report.
    autoencoder:
        Train the autoencoder (needs torch) for |corr(PC1, AE)|.
    ae_epochs, seed:
        Autoencoder training length and the seed of every stochastic step.
    """
    rows_out = []
    first = next(iter(features.values()))
    n = np.asarray(first).shape[0]
    y = _targets(propensity, n)
    sp = np.zeros(n, dtype=np.int64) if species is None else np.asarray(species, dtype=np.int64)
    if select is None:
        select = np.arange(n) < n // 2
    select = np.asarray(select, dtype=bool)
    if select.shape != (n,):
        raise GlassmlError(f"select must be a boolean array of shape ({n},)")
    a = sp == species_of_interest
    if a.sum() < 4:
        raise GlassmlError(f"species {species_of_interest} has {int(a.sum())} particles: too few to compare")
    fit, rep = a & select, a & ~select
    for family, X in features.items():
        X = check_features(X, what=f"{family} features")
        if X.shape[0] != n:
            raise GlassmlError(f"{family}: {X.shape[0]} rows, expected {n}")
        Xa = X[a]
        pca = StandardPCA(n_components=None).fit(Xa)
        pc = StandardPCA(n_components=min(2, X.shape[1])).fit(Xa)
        pc1 = pc.transform(X)[:, 0]
        row: dict[str, Any] = {"family": family, "n_features": int(X.shape[1]),
                               "explained_variance": [float(v) for v in pca.explained_variance_ratio_[:n_variance]],
                               "two_component_variance": float(pca.explained_variance_ratio_[:2].sum())}
        if autoencoder:
            ae = Autoencoder(n_components=min(2, X.shape[1]), epochs=ae_epochs, seed=seed).fit(Xa)
            row["pc1_ae"] = abs(_pearson(pc1[a], leading_coordinate(ae.transform(Xa))))
        row["pc1_propensity"] = [abs(_pearson(pc1[rep], y[t, rep])) for t in range(y.shape[0])]
        op = UnsupervisedOrderParameter(method="pca", components=min(2, X.shape[1]), seed=seed).fit(X[fit], y[:, fit])
        order = op.transform(X[rep])
        row["order_propensity"] = [_pearson(order, y[t, rep]) for t in range(y.shape[0])]
        row["n_clusters"] = int(op.clusters_.n_clusters_[0])
        rows_out.append(row)
    return rows_out
