"""Linear regression on structural descriptors: Boattini ridge and CAGE.

* ``boattini_ridge`` — E. Boattini, F. Smallenburg, L. Filion, "Averaging local structure to
  predict the dynamic propensity in supercooled liquids", Phys. Rev. Lett. 127, 088007 (2021):
  radial bond-order descriptors coarse-grained over neighbors, then (regularised) linear
  regression of the propensity.  R. M. Alkemade et al., J. Chem. Phys. 156, 204503 (2022)
  ("Comparing machine learning techniques for predicting glassy dynamics") show that a linear
  fit on these descriptors is as good as a neural network or a GNN and far cheaper.
* ``cage`` — R. M. Alkemade, F. Smallenburg, L. Filion, "Improving the prediction of glassy
  dynamics by pinpointing the local cage", J. Chem. Phys. 158, 134512 (2023): the same kind
  of descriptors evaluated on *cage-averaged* positions (``initial_positions_cage``), then a
  linear model.  GlassBench (Jung et al., arXiv 2311.14752) lists it as "CAGE".

* ``combined_ridge`` — the same ridge regression on every static descriptor glassml computes
  from the initial configuration and its inherent structure: Boattini's bond order, Jung's
  physics-inspired set, the softness functions and the inherent-state displacement
  (:mod:`glassml.structure.descriptors.displacement`).  A glassml baseline, not a published
  model: it shows how far a linear model goes when the descriptors are pooled.

All fit one ridge model per species with all times at once (closed form through an SVD).
The ridge strength is one value per species, chosen from ``alphas`` on the validation data only
as the one with the best pooled Pearson correlation (GlassBench's score) averaged over the
times (a choice per time would fit the noise of a small validation split); the final model is
then refitted on train + validation at that strength (``refit=False`` keeps the train-only fit).
Without validation data, a ``validation_fraction`` of the training configurations is held out
(chosen with ``seed``) to choose the strength the same way, and the final model is refitted on
all training rows.  A fixed ``alpha`` skips the selection: the model is fitted at that strength
(on train + validation when validation data are given and ``refit`` is on).

Example::

    model = BoattiniRidge().fit(X, y, species=s, validation=(X_val, y_val, s_val))
    y_hat = model.predict(X_test, species=s_test)      # (n, T) like y
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.learn.base import FeatureEstimator, register
from glassml.learn.features import Scaler, flatten_species_models, pearson_columns, unflatten_species_models

DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-4, 4, 17))


def ridge_path(x: np.ndarray, y: np.ndarray, alphas: Sequence[float]) -> np.ndarray:
    """Ridge coefficients of centred ``y`` (n, T) on centred ``x`` (n, F) for every alpha.

    Returns (len(alphas), F, T).  ``alpha`` is per row (the penalty is ``alpha * n * |w|^2``),
    so one grid suits training sets of any size.
    """
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    uty = u.T @ y
    n = x.shape[0]
    out = np.empty((len(alphas), x.shape[1], y.shape[1]))
    for i, a in enumerate(alphas):
        d = s / (s * s + a * n)
        out[i] = vt.T @ (d[:, None] * uty)
    return out


class SpeciesRidge(FeatureEstimator):
    """Per-species ridge regression of all times at once on the descriptor arrays of
    ``descriptor_sets``, side by side (see the module docstring for the selection).

    Parameters
    ----------
    alphas:
        Grid of ridge strengths to choose from (per row: the penalty is ``alpha * n * |w|^2``).
    alpha:
        A fixed strength instead of choosing one from ``alphas`` (None: choose).
    refit:
        Fit the final model on train + validation at the chosen strength.
    validation_fraction:
        Share of the training configurations held out to choose the strength when ``fit`` gets
        no validation data.
    seed:
        Seed of that hold-out split (the fit itself is deterministic).
    """

    def __init__(self, alphas: Sequence[float] = DEFAULT_ALPHAS, alpha: float | None = None, refit: bool = True,
                 validation_fraction: float = 0.2, seed: int = 0):
        self.alphas = alphas
        self.alpha = alpha
        self.refit = refit
        self.validation_fraction = validation_fraction
        self.seed = seed

    def _fit(self, X, Y, species, groups, validation):
        alphas = [float(a) for a in self.alphas] if self.alpha is None else [float(self.alpha)]
        if not alphas:
            raise GlassmlError(f"{self.name}: alphas is empty; give at least one ridge strength")
        refit = bool(self.refit)
        if validation is not None:
            (xt, yt, st, _), (xv, yv, sv, _) = (X, Y, species, groups), validation
            selection = "validation data"
        elif len(alphas) > 1:
            (xt, yt, st, _), (xv, yv, sv, _), selection = self._holdout(X, Y, species, groups)
        else:  # nothing to choose: fit on every training row
            xt, yt, st = X, Y, species
            xv, yv, sv = X[:0], Y[:0], species[:0]
            selection = "none (fixed alpha)"
        self.models_ = {}
        chosen: dict[str, float] = {}
        val_r: dict[str, list[float | None]] = {}
        for sp in np.unique(st):
            mt, mv = st == sp, sv == sp
            scaler = Scaler().fit(xt[mt])
            ymean = yt[mt].mean(axis=0)
            path = ridge_path(scaler.transform(xt[mt]), yt[mt] - ymean, alphas)  # (A, F, T)
            n_times = yt.shape[1]
            if mv.sum() >= 3:
                zv = scaler.transform(xv[mv])
                scores = np.stack([pearson_columns(zv @ path[i] + ymean, yv[mv]) for i in range(len(alphas))])
                finite = np.isfinite(scores)
                mean = np.where(finite, scores, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
                best = int(np.argmax(mean))  # one strength for all times
                best_r = scores[best]
            else:  # species absent from the selection rows: middle of the grid, recorded as such
                best = len(alphas) // 2
                best_r = np.full(n_times, np.nan)
            coef = path[best]  # (F, T)
            if refit and mv.sum() >= 3:
                x_all, y_all = np.concatenate([xt[mt], xv[mv]]), np.concatenate([yt[mt], yv[mv]])
                scaler = Scaler().fit(x_all)
                ymean = y_all.mean(axis=0)
                coef = ridge_path(scaler.transform(x_all), y_all - ymean, [alphas[best]])[0]
            self.models_[int(sp)] = {"mean": scaler.mean, "scale": scaler.scale, "coef": coef, "intercept": ymean}
            chosen[str(int(sp))] = alphas[best]
            val_r[str(int(sp))] = [None if not np.isfinite(r) else float(r) for r in best_r]
        return {"alpha": chosen, "val_pearson": val_r, "selection": selection,
                "refit_on_train_and_val": refit, "n_features": int(X.shape[1])}

    def _predict_rows(self, X, species, groups):
        out = np.zeros((X.shape[0], self.n_outputs_))
        for s in np.unique(species):
            m = self.models_.get(int(s))
            if m is None:
                raise GlassmlError(f"{self.name}: species {int(s)} was not in the training set")
            rows = species == s
            out[rows] = ((X[rows] - m["mean"]) / m["scale"]) @ m["coef"] + m["intercept"]
        return out

    def _model_state(self) -> dict[str, Any]:
        return flatten_species_models(self.models_)

    def _set_model_state(self, state: dict[str, Any]) -> None:
        self.models_ = unflatten_species_models(state, ("mean", "scale", "coef", "intercept"))


@register("boattini_ridge")
class BoattiniRidge(SpeciesRidge):
    """Ridge regression on Boattini's coarse-grained bond-order descriptors (PRL 127, 088007, 2021)."""

    descriptor_sets = (("boattini", None),)


@register("cage")
class CageLinear(SpeciesRidge):
    """CAGE: ridge regression on descriptors of the cage state combined with the initial state
    (Alkemade, Smallenburg & Filion, JCP 158, 134512 (2023): "by combining the cage state
    information with the initial state" the prediction holds from the caging regime on).

    Features: Boattini's descriptors on the cage-averaged positions and on the thermal
    positions.  Needs ``initial_positions_cage`` in every sample; without it the runner skips
    this model and records why.
    """

    requires = ("initial_positions_cage",)
    descriptor_sets = (("boattini", "initial_positions_cage"), ("boattini", None))


@register("combined_ridge")
class CombinedRidge(SpeciesRidge):
    """Ridge regression on every static descriptor set of the initial configuration and its
    inherent structure: Boattini's bond order (Boattini et al. PRL 2021), Jung's physics-inspired
    set (Jung, Biroli, Berthier PRL 2023), the softness functions (Cubuk et al. PRL 2015) and
    the inherent-state displacement (after Widmer-Cooper & Harrowell, PRL 96, 185701 (2006)).
    """

    requires = ("initial_positions_inherent",)
    descriptor_sets = (("boattini", None), ("jung", None), ("softness", None), ("displacement", None))
