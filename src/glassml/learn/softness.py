"""Softness: a linear SVM separating rearranging from non-rearranging particles.

E. D. Cubuk et al., "Identifying structural flow defects in disordered solids using
machine-learning methods", Phys. Rev. Lett. 114, 108001 (2015); S. S. Schoenholz, E. D. Cubuk,
D. M. Sussman, E. Kaxiras, A. J. Liu, "A structural approach to relaxation in glassy liquids",
Nature Physics 12, 469 (2016).  Descriptors: radial structure functions
G(i; mu) = sum_j exp(-(r_ij - mu)^2 / 2L^2) per neighbor species (the ``softness`` set of
:mod:`glassml.structure`).  Softness S_i is the signed distance of particle i's descriptor
vector to the SVM's separating hyperplane.

**What "rearranging" means here.**  The original work labels a particle rearranging when its
hop indicator p_hop exceeds a threshold within a short window.  glassml's datasets hold
isoconfigurational propensities, not single-trajectory hops, so the label is a propensity
proxy, defined per species and per configuration at one time t*:

* rearranging: propensity in the top ``q_high`` fraction (default 10 %) of its species;
* non-rearranging: propensity in the bottom ``q_low`` fraction (default 50 %);
* particles in between are left out of the SVM fit (as Cubuk et al. leave out ambiguous ones).

t* and the SVM's C are hyper-parameters chosen on the validation split (never on the test
split), by the mean pooled Pearson correlation of the final predictor; every (t*, C) tried is
recorded in ``info_["validation_trials"]``.  The SVM itself is :func:`linear_svm`, which takes
labels that are exactly +1 and -1 and orients the hyperplane so that S > 0 on the +1
(rearranging) side.  To turn softness into a propensity predictor,
each time t gets a linear map ``prop_t ~ a_t + b_t S`` fitted by least squares on the
training split.  ``info_["softness_pearson_val"]`` records corr(S, propensity) per time per
species on the validation split: the "softness correlates with dynamics" number.

Without validation data, a ``validation_fraction`` of the training configurations is held out
(chosen with ``seed``) to choose t* and C, and the model is fitted on the rest, exactly as it
would be with that held-out part given as validation.  The configuration of each row
(``groups``) defines the per-configuration quantiles of the labels; without it all rows form
one configuration.

Example::

    model = Softness().fit(X, y, species=s, groups=g, validation=(X_val, y_val, s_val, g_val))
    S = model.softness(X_test, species=s_test)          # (n,) signed distances
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.learn.base import FeatureEstimator, register
from glassml.learn.features import Scaler, flatten_species_models, pearson_columns, unflatten_species_models


def linear_svm(X: np.ndarray, y: np.ndarray, C: float, *, seed: int = 0, balanced: bool = False,
               max_iter: int = 10000) -> tuple[np.ndarray, float]:
    """Linear SVM separating rows labelled +1 (rearranging) from rows labelled -1 (non-rearranging).

    Returns the unit normal ``w`` and offset ``b`` of the hyperplane, oriented so that
    ``X @ w + b`` (the softness: a signed distance in the units of ``X``) is positive on the
    +1 side.  Labels must be exactly -1 and +1, both present; leave out unlabelled rows before
    calling.  ``balanced`` weights the classes inversely to their sizes.  scikit-learn's
    ``LinearSVC`` (primal solver, squared hinge loss) does the fit.
    """
    from sklearn.svm import LinearSVC

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise GlassmlError(f"linear_svm: X must be (n, features) and y (n,), got {X.shape} and {y.shape}")
    classes = np.unique(y)
    if classes.tolist() != [-1, 1]:
        raise GlassmlError(f"linear_svm: labels must be -1 (non-rearranging) and +1 (rearranging), both present; got {classes.tolist()}")
    svm = LinearSVC(C=float(C), dual=False, max_iter=int(max_iter), random_state=int(seed),
                    class_weight="balanced" if balanced else None)
    svm.fit(X, y.astype(np.int64))
    # classes_ = [-1, +1]: coef_ points towards +1, so S > 0 on the rearranging side
    w = svm.coef_[0].astype(np.float64)
    norm = float(np.linalg.norm(w)) or 1.0
    return w / norm, float(svm.intercept_[0]) / norm


def rearranging_labels(prop: np.ndarray, groups: np.ndarray, q_high: float, q_low: float) -> np.ndarray:
    """+1 (rearranging), -1 (non-rearranging) or 0 (left out) for each particle.

    ``prop`` is the propensity at t* of particles of one species; ``groups`` the configuration
    each belongs to; quantiles are taken within each configuration.
    """
    labels = np.zeros(prop.shape[0], dtype=np.int64)
    for g in np.unique(groups):
        m = groups == g
        p = prop[m]
        hi, lo = np.quantile(p, 1.0 - q_high), np.quantile(p, q_low)
        lab = np.zeros(p.shape[0], dtype=np.int64)
        lab[p >= hi] = 1
        lab[(p <= lo) & (lab == 0)] = -1
        labels[m] = lab
    return labels


@register("softness")
class Softness(FeatureEstimator):
    """Linear-SVM softness (Cubuk 2015, Schoenholz 2016) with a per-time linear map to propensity.

    Parameters
    ----------
    c_grid:
        Values of the SVM's C to choose from.
    q_high, q_low:
        Fractions of each species' particles in a configuration labelled rearranging (top)
        and non-rearranging (bottom) at t*.
    validation_fraction:
        Share of the training configurations held out to choose t* and C when ``fit`` gets
        no validation data.
    seed:
        Seed of the SVM solver and of that hold-out split.
    """

    descriptor_sets = (("softness", None),)

    def __init__(self, c_grid: Sequence[float] = (0.01, 0.1, 1.0), q_high: float = 0.1, q_low: float = 0.5,
                 validation_fraction: float = 0.2, seed: int = 0):
        self.c_grid = c_grid
        self.q_high = q_high
        self.q_low = q_low
        self.validation_fraction = validation_fraction
        self.seed = seed

    # -- pieces -------------------------------------------------------------------------
    def _svm(self, z: np.ndarray, labels: np.ndarray, c: float) -> tuple[np.ndarray, float]:
        keep = labels != 0
        if len(np.unique(labels[keep])) < 2:
            raise GlassmlError(f"{self.name}: training set has no rearranging/non-rearranging contrast")
        return linear_svm(z[keep], labels[keep], c, seed=self.seed, balanced=True, max_iter=5000)

    @staticmethod
    def _linear_map(s: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Least squares y_t = a_t + b_t s for every time column of y."""
        sc = s - s.mean()
        var = float(sc @ sc)
        slope = (sc @ (y - y.mean(axis=0))) / var if var > 0 else np.zeros(y.shape[1])
        return y.mean(axis=0) - slope * s.mean(), slope

    # -- fitting ------------------------------------------------------------------------
    def _fit(self, X, Y, species, groups, validation):
        c_grid = [float(c) for c in self.c_grid]
        q_high, q_low = float(self.q_high), float(self.q_low)
        if not c_grid:
            raise GlassmlError(f"{self.name}: c_grid is empty; give at least one value of C")
        if not (0.0 < q_high < 1.0 and 0.0 < q_low < 1.0 and q_high + q_low <= 1.0):
            raise GlassmlError(f"{self.name}: need 0 < q_high, q_low < 1 and q_high + q_low <= 1, "
                               f"got q_high={q_high}, q_low={q_low}")
        if validation is not None:
            (xt, yt, st, gt), (xv, yv, sv, _) = (X, Y, species, groups), validation
            selection = "validation data"
        else:
            (xt, yt, st, gt), (xv, yv, sv, _), selection = self._holdout(X, Y, species, groups)
        n_times = yt.shape[1]
        self.models_ = {}
        info_choice, info_r, info_val, info_trials = {}, {}, {}, {}
        for sp in np.unique(st):
            mt, mv = st == sp, sv == sp
            scaler = Scaler().fit(xt[mt])
            zt, zv = scaler.transform(xt[mt]), scaler.transform(xv[mv])
            best = None
            trials = info_trials[str(int(sp))] = []
            for t_star in range(n_times):
                labels = rearranging_labels(yt[mt, t_star], gt[mt], q_high, q_low)
                for c in c_grid:
                    w, b = self._svm(zt, labels, c)
                    s_train = zt @ w + b
                    a, slope = self._linear_map(s_train, yt[mt])
                    if mv.sum() >= 3:
                        r = pearson_columns((zv @ w + b)[:, None] * slope + a, yv[mv])
                        crit = float(np.nanmean(r)) if np.isfinite(r).any() else -np.inf
                    else:
                        crit = -np.inf
                    trials.append({"t_star_index": int(t_star), "C": c,
                                   "val_mean_pearson": None if not np.isfinite(crit) else crit})
                    if best is None or crit > best[0]:
                        best = (crit, t_star, c, w, b, a, slope)
            crit, t_star, c, w, b, a, slope = best
            self.models_[int(sp)] = {"mean": scaler.mean, "scale": scaler.scale, "w": w, "b": np.array([b]),
                                     "a": a, "slope": slope}
            info_choice[str(int(sp))] = {"t_star_index": int(t_star), "C": c}
            s_val = zv @ w + b
            if mv.sum() >= 3:
                r_s = pearson_columns(np.repeat(s_val[:, None], n_times, axis=1), yv[mv])
                info_r[str(int(sp))] = [None if not np.isfinite(v) else float(v) for v in r_s]
            info_val[str(int(sp))] = None if not np.isfinite(crit) else crit
        return {
            "chosen": info_choice, "softness_pearson_val": info_r, "val_mean_pearson": info_val, "selection": selection,
            "validation_trials": info_trials,
            "label_definition": f"rearranging = top {q_high:.0%} propensity of its species in its configuration "
                                f"at t*, non-rearranging = bottom {q_low:.0%}",
        }

    # -- prediction ---------------------------------------------------------------------
    def softness(self, X, species=None) -> np.ndarray:
        """Softness S (signed distance to the species' hyperplane) of every row of ``X``: (n,)."""
        X, sp, _ = self._check_predict_arrays(X, species, None)
        return self._softness(X, sp)

    def _softness(self, X: np.ndarray, species: np.ndarray) -> np.ndarray:
        s = np.zeros(X.shape[0])
        for k in np.unique(species):
            m = self.models_.get(int(k))
            if m is None:
                raise GlassmlError(f"{self.name}: species {int(k)} was not in the training set")
            rows = species == k
            s[rows] = ((X[rows] - m["mean"]) / m["scale"]) @ m["w"] + m["b"][0]
        return s

    def _predict_rows(self, X, species, groups):
        s = self._softness(X, species)
        out = np.zeros((X.shape[0], self.n_outputs_))
        for k in np.unique(species):
            m = self.models_[int(k)]
            rows = species == k
            out[rows] = m["a"][None, :] + m["slope"][None, :] * s[rows][:, None]
        return out

    def _model_state(self) -> dict[str, Any]:
        return flatten_species_models(self.models_)

    def _set_model_state(self, state: dict[str, Any]) -> None:
        self.models_ = unflatten_species_models(state, ("mean", "scale", "w", "b", "a", "slope"))
