"""Unsupervised structure: reducers, clusterers and the unsupervised order parameter.

What local structure reveals when nobody tells the algorithm which particles move
(Boattini et al., Nat. Commun. 11, 5479 (2020); Coslovich, Jack & Paret, J. Chem. Phys. 157,
204503 (2022)):

* reducers (scikit-learn transformers): :class:`StandardPCA` (z-score, then PCA) and
  :class:`Autoencoder` (torch, the paper's architecture, a bottleneck and weight decay);
* clusterers: :class:`GaussianMixtureBIC` (number of components by BIC) and
  :class:`StandardKMeans`;
* :class:`StructuralClusters` (standardise, reduce, cluster, per species) and
  :class:`UnsupervisedOrderParameter` (membership probability of the slow cluster, chosen on
  the rows given to ``fit`` only); :func:`propensity_correlations` (Pearson and Spearman per
  time and species);
* :func:`cluster`: all of it on a stored descriptor set of a dataset, resumable, with figures;
* :func:`compare_families` / :func:`descriptor_families`: Coslovich's comparison of descriptor
  families (explained variance, PCA against the autoencoder, correlation with propensity).
"""

from glassml.unsupervised.clustering import GaussianMixtureBIC, StandardKMeans, bic_curve
from glassml.unsupervised.comparison import FAMILIES, compare_families, descriptor_families
from glassml.unsupervised.dataset import cluster, output_arrays
from glassml.unsupervised.order import (
    METHODS,
    StructuralClusters,
    UnsupervisedOrderParameter,
    propensity_correlations,
)
from glassml.unsupervised.reducers import Autoencoder, StandardPCA, check_features, leading_coordinate

__all__ = [
    "Autoencoder",
    "FAMILIES",
    "GaussianMixtureBIC",
    "METHODS",
    "StandardKMeans",
    "StandardPCA",
    "StructuralClusters",
    "UnsupervisedOrderParameter",
    "bic_curve",
    "check_features",
    "cluster",
    "compare_families",
    "descriptor_families",
    "leading_coordinate",
    "output_arrays",
    "propensity_correlations",
]
