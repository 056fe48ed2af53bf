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

Both fit one ridge model per species with all times at once (closed form through an SVD);
the ridge strength is chosen per species and per time on the validation split only, by the
pooled Pearson correlation that GlassBench scores.
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
    stack_features,
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
    """Per-species ridge regression of all times at once on one descriptor array."""

    def __init__(self, seed: int = 0, alphas: Sequence[float] = DEFAULT_ALPHAS, **params: Any):
        super().__init__(seed=seed, alphas=[float(a) for a in alphas], **params)
        self.alphas = [float(a) for a in alphas]
        self.models_: dict[int, dict[str, np.ndarray]] = {}

    @property
    def feature_key(self) -> str:
        set_name, positions = self.descriptor_sets[0]
        return descriptor_key(set_name, positions)

    def fit(self, train: Sequence[Sample], val: Sequence[Sample], target: str = "md_prop") -> "Estimator":
        key = self.feature_key
        require(train, [key, target], self.name)
        require(val, [key, target], self.name)
        xt, yt, st = stack_features(train, key), stack_targets(train, target), stack_types(train)
        xv, yv, sv = stack_features(val, key), stack_targets(val, target), stack_types(val)
        if xt.shape[1] != xv.shape[1]:
            raise GlassmlError(f"{self.name}: train and validation descriptors differ in width ({xt.shape[1]} vs {xv.shape[1]})")
        self.models_ = {}
        chosen: dict[str, list[float]] = {}
        val_r: dict[str, list[float]] = {}
        for sp in np.unique(st):
            mt, mv = st == sp, sv == sp
            scaler = Scaler().fit(xt[mt])
            zt = scaler.transform(xt[mt])
            ymean = yt[mt].mean(axis=0)
            path = ridge_path(zt, yt[mt] - ymean, self.alphas)  # (A, F, T)
            n_times = yt.shape[1]
            if mv.sum() >= 3:
                zv = scaler.transform(xv[mv])
                scores = np.stack([pearson_columns(zv @ path[i] + ymean, yv[mv]) for i in range(len(self.alphas))])
                scores = np.nan_to_num(scores, nan=-np.inf)
                best = scores.argmax(axis=0)  # per time
                best_r = scores[best, np.arange(n_times)]
            else:  # species absent from validation: middle of the grid, recorded as such
                best = np.full(n_times, len(self.alphas) // 2)
                best_r = np.full(n_times, np.nan)
            coef = path[best, :, np.arange(n_times)].T  # (F, T)
            self.models_[int(sp)] = {"mean": scaler.mean, "scale": scaler.scale, "coef": coef, "intercept": ymean}
            chosen[str(int(sp))] = [self.alphas[b] for b in best]
            val_r[str(int(sp))] = [None if not np.isfinite(r) else float(r) for r in best_r]
        self.info_.update({"target": target, "features": key, "alpha_per_time": chosen, "val_pearson": val_r,
                           "n_features": int(xt.shape[1])})
        return self

    def predict(self, samples: Sequence[Sample]) -> list[np.ndarray]:
        if not self.models_:
            raise GlassmlError(f"{self.name}: fit the model before predicting")
        key = self.feature_key
        require(samples, [key], self.name)
        x, sp = stack_features(samples, key), stack_types(samples)
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
    """CAGE: ridge regression on descriptors of the cage-averaged positions (Alkemade et al., JCP 2023).

    Needs ``initial_positions_cage`` in every sample; without it the runner skips this model
    and records why.
    """

    requires = ("initial_positions_cage",)
    descriptor_sets = (("boattini", "initial_positions_cage"),)
