"""Linear regression on structural descriptors: Boattini ridge and CAGE.

* ``boattini_ridge`` — E. Boattini, F. Smallenburg, L. Filion, "Averaging local structure to
  predict the dynamic propensity in supercooled liquids", Phys. Rev. Lett. 127, 088007 (2021):
  radial bond-order descriptors coarse-grained over neighbours, then (regularised) linear
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
The ridge strength is one value per species, chosen on the validation split only as the one
with the best pooled Pearson correlation (GlassBench's score) averaged over the times (a
choice per time would fit the noise of a small validation split); the final model is then
refitted on train + validation at that strength (``refit=False`` keeps the train-only fit).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.learn.base import Estimator, register
from glassml.learn.features import (
    flatten_species_models,
    unflatten_species_models,
    Scaler,
    descriptor_key,
    pearson_columns,
    require,
    split_rows,
    stack_feature_sets,
    stack_targets,
    stack_types,
)
from glassml.store.dataset import Sample

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


class _SpeciesRidge(Estimator):
    """Per-species ridge regression of all times at once on the descriptor arrays of
    ``descriptor_sets``, concatenated."""

    def __init__(self, seed: int = 0, alphas: Sequence[float] = DEFAULT_ALPHAS, refit: bool = True, **params: Any):
        super().__init__(seed=seed, alphas=[float(a) for a in alphas], refit=bool(refit), **params)
        self.alphas = [float(a) for a in alphas]
        self.refit = bool(refit)
        self.models_: dict[int, dict[str, np.ndarray]] = {}

    @property
    def feature_keys(self) -> list[str]:
        return [descriptor_key(set_name, positions) for set_name, positions in self.descriptor_sets]

    def fit(self, train: Sequence[Sample], val: Sequence[Sample], target: str = "md_prop") -> "Estimator":
        """Choose the ridge strength on ``val``; with ``refit`` (default) the final model is then
        fitted on train + val at that strength (the test split is never read)."""
        keys = self.feature_keys
        require(train, [*keys, target], self.name)
        require(val, [*keys, target], self.name)
        xt, yt, st = stack_feature_sets(train, keys), stack_targets(train, target), stack_types(train)
        xv, yv, sv = stack_feature_sets(val, keys), stack_targets(val, target), stack_types(val)
        if xt.shape[1] != xv.shape[1]:
            raise GlassmlError(f"{self.name}: train and validation descriptors differ in width ({xt.shape[1]} vs {xv.shape[1]})")
        self.models_ = {}
        chosen: dict[str, float] = {}
        val_r: dict[str, list[float | None]] = {}
        for sp in np.unique(st):
            mt, mv = st == sp, sv == sp
            scaler = Scaler().fit(xt[mt])
            ymean = yt[mt].mean(axis=0)
            path = ridge_path(scaler.transform(xt[mt]), yt[mt] - ymean, self.alphas)  # (A, F, T)
            n_times = yt.shape[1]
            if mv.sum() >= 3:
                zv = scaler.transform(xv[mv])
                scores = np.stack([pearson_columns(zv @ path[i] + ymean, yv[mv]) for i in range(len(self.alphas))])
                finite = np.isfinite(scores)
                mean = np.where(finite, scores, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
                best = int(np.argmax(mean))  # one strength for all times
                best_r = scores[best]
            else:  # species absent from validation: middle of the grid, recorded as such
                best = len(self.alphas) // 2
                best_r = np.full(n_times, np.nan)
            coef = path[best]  # (F, T)
            if self.refit and mv.sum() >= 3:
                x_all, y_all = np.concatenate([xt[mt], xv[mv]]), np.concatenate([yt[mt], yv[mv]])
                scaler = Scaler().fit(x_all)
                ymean = y_all.mean(axis=0)
                coef = ridge_path(scaler.transform(x_all), y_all - ymean, [self.alphas[best]])[0]
            self.models_[int(sp)] = {"mean": scaler.mean, "scale": scaler.scale, "coef": coef, "intercept": ymean}
            chosen[str(int(sp))] = self.alphas[best]
            val_r[str(int(sp))] = [None if not np.isfinite(r) else float(r) for r in best_r]
        self.info_.update({"target": target, "features": keys, "alpha": chosen, "val_pearson": val_r,
                           "refit_on_train_and_val": self.refit, "n_features": int(xt.shape[1])})
        return self

    def predict(self, samples: Sequence[Sample]) -> list[np.ndarray]:
        if not self.models_:
            raise GlassmlError(f"{self.name}: fit the model before predicting")
        keys = self.feature_keys
        require(samples, keys, self.name)
        x, sp = stack_feature_sets(samples, keys), stack_types(samples)
        n_times = next(iter(self.models_.values()))["coef"].shape[1]
        out = np.zeros((x.shape[0], n_times))
        for s in np.unique(sp):
            m = self.models_.get(int(s))
            if m is None:
                raise GlassmlError(f"{self.name}: species {int(s)} was not in the training set")
            rows = sp == s
            out[rows] = ((x[rows] - m["mean"]) / m["scale"]) @ m["coef"] + m["intercept"]
        return split_rows(out, samples)

    def _state(self) -> dict[str, Any]:
        return flatten_species_models(self.models_)

    def _set_state(self, state: dict[str, Any]) -> None:
        self.models_ = unflatten_species_models(state, ("mean", "scale", "coef", "intercept"))


@register("boattini_ridge")
class BoattiniRidge(_SpeciesRidge):
    """Ridge regression on Boattini's coarse-grained bond-order descriptors (PRL 127, 088007, 2021)."""

    descriptor_sets = (("boattini", None),)


@register("cage")
class CageLinear(_SpeciesRidge):
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
class CombinedRidge(_SpeciesRidge):
    """Ridge regression on every static descriptor set of the initial configuration and its
    inherent structure: Boattini's bond order (Boattini et al. PRL 2021), Jung's physics-inspired
    set (Jung, Biroli, Berthier PRL 2023), the softness functions (Cubuk et al. PRL 2015) and
    the inherent-state displacement (after Widmer-Cooper & Harrowell, PRL 96, 185701 (2006)).
    """

    requires = ("initial_positions_inherent",)
    descriptor_sets = (("boattini", None), ("jung", None), ("softness", None), ("displacement", None))
