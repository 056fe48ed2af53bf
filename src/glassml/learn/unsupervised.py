"""The unsupervised order parameter on the leaderboard, beside the supervised learners.

``unsupervised`` — Boattini, Marín-Aguilar, Mitra, Foffi, Smallenburg & Filion, "Autonomously
revealing hidden local structures in supercooled liquids", Nat. Commun. 11, 5479 (2020):
standardise Boattini's bond-order descriptors, reduce them (PCA by default, or their
autoencoder), fit a Gaussian mixture with the number of components chosen by BIC, and use the
membership probability of the *slow* cluster as a structural order parameter
(:class:`glassml.unsupervised.UnsupervisedOrderParameter`).  The structure is learnt without
the target.  The target is used for two things, on the training and validation rows only:

* the choice of the slow cluster (the one whose membership correlates most negatively with
  the propensity), on the validation rows (without them, on a held-out ``validation_fraction``
  of the training configurations);
* a per-species, per-time linear read-out ``y = a + b P_slow`` (two numbers per species and
  time) on the same rows, so that predictions are in the target's units.  It does not change
  a correlation score.

The Gaussian mixture and the reducer are fitted on the training rows.

The test split takes part in neither.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml.errors import GlassmlError
from glassml.learn.base import FeatureEstimator, register
from glassml.unsupervised import StructuralClusters, UnsupervisedOrderParameter


@register("unsupervised")
class UnsupervisedOrder(FeatureEstimator):
    """Boattini et al.'s unsupervised order parameter (Nat. Commun. 11, 5479 (2020)) as a
    propensity predictor (see the module docstring).

    Parameters
    ----------
    method:
        ``pca`` or ``ae`` (the reducer before the Gaussian mixture), or ``gmm`` (the mixture on
        the standardised descriptors).
    components:
        Latent dimension (``pca``/``ae``) or number of Gaussian components (``gmm``).
    max_clusters:
        Largest number of Gaussian components BIC chooses from.
    ae_epochs:
        Autoencoder training epochs (``ae`` only).
    validation_fraction:
        Share of the training configurations held out to choose the slow cluster when ``fit``
        gets no validation data.
    seed:
        Seed of every stochastic step.
    """

    descriptor_sets = (("boattini", None),)
    #: the structure is learnt without the target: it cannot overfit a structure-to-target map
    supervised = False

    def __init__(self, method: str = "pca", components: int | None = 2, max_clusters: int = 6, ae_epochs: int = 100,
                 validation_fraction: float = 0.2, seed: int = 0):
        self.validation_fraction = validation_fraction
        self.method = method
        self.components = components
        self.max_clusters = max_clusters
        self.ae_epochs = ae_epochs
        self.seed = seed

    def _fit(self, X, Y, species, groups, validation):
        if self.method not in ("pca", "ae", "gmm"):
            raise GlassmlError(f"{self.name}: method must be pca, ae or gmm (a membership probability), got {self.method!r}")
        if validation is not None:
            (xt, _, st, _), (xv, yv, sv, _) = (X, Y, species, groups), validation
            selection = "validation data"
        else:
            (xt, _, st, _), (xv, yv, sv, _), selection = self._holdout(X, Y, species, groups)
        k = self.components
        if k is not None and self.method in ("pca", "ae"):
            k = min(int(k), X.shape[1])
        op = UnsupervisedOrderParameter(method=self.method, components=k, max_clusters=int(self.max_clusters),
                                        ae_epochs=int(self.ae_epochs), seed=int(self.seed))
        # the structure is learnt without the target; the slow cluster is chosen on the selection rows
        op.clusters_ = StructuralClusters(**op.get_params()).fit(xt, st)
        op.choose_slow_cluster(xv, yv.T, sv)
        X, Y, species = xv, yv, sv  # the read-out is fitted on the selection rows too
        order = op.transform(X, species)
        self.order_ = op
        self.readout_ = {}
        for s in np.unique(species):
            rows = species == s
            o = order[rows]
            A = np.c_[np.ones(o.size), o]
            coef, *_ = np.linalg.lstsq(A, Y[rows], rcond=None)  # (2, T)
            self.readout_[int(s)] = coef
        return {"slow_cluster": {str(k): v for k, v in op.slow_cluster_.items()},
                "n_clusters": {str(k): v for k, v in op.clusters_.n_clusters_.items()},
                "selection_pearson": {str(k): v for k, v in op.selection_pearson_.items()},
                "selection": selection}

    def order_parameter(self, X, species=None) -> np.ndarray:
        """The order parameter itself (membership probability of the slow cluster), (n,)."""
        X, sp, _ = self._check_predict_arrays(X, species, None)
        return self.order_.transform(X, sp)

    def _predict_rows(self, X, species, groups):
        order = self.order_.transform(X, species)
        out = np.zeros((X.shape[0], self.n_outputs_))
        for s in np.unique(species):
            rows = species == s
            coef = self.readout_[int(s)]
            out[rows] = coef[0] + order[rows, None] * coef[1]
        return out

    def _model_state(self) -> dict[str, Any]:
        st = self.order_.clusters_.state()
        out: dict[str, Any] = {f"clusters_{k}": v for k, v in st.items()}
        out["slow_cluster"] = {str(k): int(v) for k, v in self.order_.slow_cluster_.items()}
        out["selection_pearson"] = {str(k): v for k, v in self.order_.selection_pearson_.items()}
        out["readout_species"] = [int(s) for s in self.readout_]
        for s, coef in self.readout_.items():
            out[f"readout_{s}"] = np.asarray(coef)
        return out

    def _set_model_state(self, state: dict[str, Any]) -> None:
        st = {k[len("clusters_"):]: v for k, v in state.items() if k.startswith("clusters_")}
        op = UnsupervisedOrderParameter(**{k: v for k, v in st["params"].items()
                                           if k in UnsupervisedOrderParameter._get_param_names()})
        op.clusters_ = StructuralClusters.from_state(st)
        op.slow_cluster_ = {int(k): int(v) for k, v in state["slow_cluster"].items()}
        op.selection_pearson_ = {int(k): v for k, v in state["selection_pearson"].items()}
        op.n_features_in_ = op.clusters_.n_features_in_
        self.order_ = op
        self.readout_ = {int(s): np.asarray(state[f"readout_{s}"]) for s in state["readout_species"]}
