"""The softness field: a linear SVM trained on rearranging against non-rearranging particles.

Cubuk, Schoenholz, Rieser, Malone, Rottler, Durian, Kaxiras & Liu, "Identifying structural flow
defects in disordered solids using machine-learning methods", PRL 114, 108001 (2015);
Schoenholz, Cubuk, Sussman, Kaxiras & Liu, "A structural approach to relaxation in glassy
liquids", Nat. Phys. 12, 469 (2016).

The training set, as those papers build it:

* **rearranging** particles: p_hop > p_c (one example per rearrangement event, at the frame
  of its largest p_hop);
* **non-rearranging** particles: p_hop <= p_c at every frame of the ``history`` frames before
  (and including) the example's frame, history = τα in frames;
* the two classes **balanced** by drawing the same number of each at random (``seed``);
* descriptors: the radial and angular structure functions of each particle at that frame
  (:class:`~glassml.structure.RadialStructure`, :class:`~glassml.structure.AngularStructure`).

:class:`SoftnessField` standardises the descriptors, fits a linear SVM for each C of
``c_grid`` and keeps the C with the best accuracy on the validation set.  Softness S is the
signed distance to the separating hyperplane in standardised descriptor units (the weight
vector is normalised to length one); S > 0 on the rearranging side.  ``score`` gives the
accuracy on held-out labelled particles; the chance level of a balanced set is 1/2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from glassml.errors import GlassmlError

if TYPE_CHECKING:  # annotations only: the class is documented with glassml.dynamics
    from glassml.dynamics.rearrangements import Rearrangements


def training_labels(phop: np.ndarray, events: Rearrangements, history: int, *, first_frame: int = 0,
                    positives: str = "peak") -> np.ndarray:
    """(F, N) labels on the rows of a p_hop array: +1, -1 or 0 (not in the training set).

    ``positives="peak"`` labels one frame per event (its largest p_hop); ``positives="active"``
    labels every frame with p_hop > p_c (a particle is rearranging there, the definition of
    Cubuk et al. 2015), which gives more examples when only some frames are described.

    Parameters
    ----------
    phop:
        (F, N) p_hop, row k at trajectory frame ``first_frame + k``.
    events:
        the rearrangement events of the same p_hop and threshold
        (:func:`glassml.dynamics.rearrangements.events_from_phop`).
    history:
        frames (τα) a non-rearranging particle must have stayed at or below the threshold,
        up to and including the example's frame.
    """
    p = np.asarray(phop, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != events.n_particles:
        raise GlassmlError(f"p_hop must be (frames, {events.n_particles}), got {p.shape}")
    if history < 1:
        raise GlassmlError(f"history must be at least one frame, got {history}")
    labels = np.zeros(p.shape, dtype=np.int8)
    # quiet[k, i]: p_hop <= p_c over rows k-history+1 .. k (a sliding count of active rows)
    active = np.concatenate([np.zeros((1, p.shape[1])), np.cumsum(p > events.threshold, axis=0)])
    if p.shape[0] >= history:
        recent = active[history:] - active[:-history]
        labels[history - 1:][recent == 0] = -1
    if positives == "active":
        labels[p > events.threshold] = 1
        return labels
    if positives != "peak":
        raise GlassmlError(f"positives must be 'peak' or 'active', got {positives!r}")
    rows = events.peak - first_frame
    inside = (rows >= 0) & (rows < p.shape[0])
    labels[rows[inside], events.particle[inside]] = 1
    return labels


def balanced_sample(labels: np.ndarray, n_per_class: int | None = None, *, seed: int = 0,
                    mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw the same number of +1 and -1 examples from (F, N) ``labels``.

    ``mask`` (F, N) bool restricts the candidates (e.g. one species).  Returns
    (rows, particles, y) sorted by row; ``n_per_class`` defaults to the size of the
    smaller class.
    """
    lab = np.asarray(labels)
    if mask is not None:
        lab = np.where(mask, lab, 0)
    pos, neg = np.flatnonzero(lab.ravel() == 1), np.flatnonzero(lab.ravel() == -1)
    if pos.size == 0:
        raise GlassmlError("no rearrangements found among the candidates: lower the p_hop threshold or use a longer trajectory")
    if neg.size == 0:
        raise GlassmlError("no non-rearranging particles: every candidate rearranged within the history window")
    n = min(pos.size, neg.size) if n_per_class is None else int(n_per_class)
    if n > min(pos.size, neg.size):
        raise GlassmlError(f"asked for {n} examples per class, only {pos.size} rearranging and {neg.size} non-rearranging exist")
    rng = np.random.default_rng(seed)
    flat = np.sort(np.concatenate([rng.choice(pos, n, replace=False), rng.choice(neg, n, replace=False)]))
    rows, particles = np.unravel_index(flat, lab.shape)
    return rows, particles, lab.ravel()[flat].astype(np.int64)


class SoftnessField:
    """Linear-SVM softness with C chosen by validation accuracy.

    Parameters
    ----------
    c_grid:
        values of the SVM's C to try.
    seed:
        seed of the SVM solver.

    Fitted attributes
    -----------------
    mean_, scale_ (F,): the training descriptors' mean and standard deviation (standardisation).
    C_: the chosen C.  coef_ (F,), intercept_: the hyperplane in standardised units,
    ||coef_|| = 1.  validation_accuracy_: {C: accuracy on the validation set}.
    train_accuracy_: accuracy on the training set at C_.
    """

    def __init__(self, c_grid: Sequence[float] = (0.001, 0.01, 0.1, 1.0, 10.0), seed: int = 0):
        self.c_grid = c_grid
        self.seed = seed

    def _svm(self, z: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
        from glassml.learn.softness import linear_svm

        return linear_svm(z, y, c, seed=self.seed)

    @staticmethod
    def _check(X, y, what: str) -> tuple[np.ndarray, np.ndarray]:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise GlassmlError(f"{what}: X must be (n, features) and y (n,), got {X.shape} and {y.shape}")
        if not np.all(np.isfinite(X)):
            raise GlassmlError(f"{what}: descriptors contain NaN or infinite values")
        if not set(np.unique(y).tolist()) <= {-1, 1}:
            raise GlassmlError(f"{what}: labels must be +1 (rearranging) or -1 (non-rearranging)")
        if np.unique(y).size < 2:
            raise GlassmlError(f"{what}: needs both rearranging (+1) and non-rearranging (-1) particles")
        return X, y.astype(np.int64)

    def fit(self, X, y, validation: tuple) -> "SoftnessField":
        """Fit on (X, y) for each C; keep the C with the best accuracy on ``validation`` = (X_val, y_val)."""
        X, y = self._check(X, y, "training set")
        Xv, yv = self._check(*validation, "validation set")
        if Xv.shape[1] != X.shape[1]:
            raise GlassmlError(f"validation set has {Xv.shape[1]} descriptors, training set {X.shape[1]}")
        if not list(self.c_grid):
            raise GlassmlError("c_grid is empty; give at least one value of C")
        std = X.std(axis=0)
        self.mean_, self.scale_ = X.mean(axis=0), np.where(std > 1e-12, std, 1.0)  # constant columns stay 0
        z, zv = (X - self.mean_) / self.scale_, (Xv - self.mean_) / self.scale_
        self.validation_accuracy_ = {}
        best = None
        for c in self.c_grid:
            w, b = self._svm(z, y, c)
            acc = float(np.mean(np.where(zv @ w + b > 0, 1, -1) == yv))
            self.validation_accuracy_[float(c)] = acc
            if best is None or acc > best[0]:
                best = (acc, float(c), w, b)
        _, self.C_, self.coef_, self.intercept_ = best
        self.train_accuracy_ = float(np.mean(self.predict(X) == y))
        return self

    def softness(self, X) -> np.ndarray:
        """Softness S: signed distance of each row to the hyperplane (standardised units)."""
        if not hasattr(self, "coef_"):
            raise GlassmlError("SoftnessField is not fitted: call fit first")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.coef_.shape[0]:
            raise GlassmlError(f"expected (n, {self.coef_.shape[0]}) descriptors, got {X.shape}")
        return ((X - self.mean_) / self.scale_) @ self.coef_ + self.intercept_

    def predict(self, X) -> np.ndarray:
        """+1 where S > 0 (predicted rearranging), else -1."""
        return np.where(self.softness(X) > 0, 1, -1)

    def score(self, X, y) -> float:
        """Accuracy on labelled particles (chance level of a balanced set: 1/2)."""
        X, y = self._check(X, y, "test set")
        return float(np.mean(self.predict(X) == y))


def chance_level(y) -> float:
    """Accuracy of always guessing the larger class: the chance level beside an SVM accuracy."""
    y = np.asarray(y)
    return float(max(np.mean(y == 1), np.mean(y == -1)))


def describe_examples(positions, box, types, rows, particles, *, first_frame: int = 0,
                      descriptors=None) -> np.ndarray:
    """Structure functions of the sampled (row, particle) examples: (n, F) features.

    Each needed frame ``first_frame + row`` of ``positions`` (T, N, d) is described once with
    ``descriptors`` (default: :class:`~glassml.structure.RadialStructure` and
    :class:`~glassml.structure.AngularStructure` with their default parameters, the
    Cubuk et al. / Schoenholz et al. sets) and the examples' rows picked out.
    """
    from glassml.structure import AngularStructure, Configuration, RadialStructure

    x = np.asarray(positions, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64)
    particles = np.asarray(particles, dtype=np.int64)
    descriptors = [RadialStructure(), AngularStructure()] if descriptors is None else list(descriptors)
    frames = rows + int(first_frame)
    if frames.size and (frames.min() < 0 or frames.max() >= x.shape[0]):
        raise GlassmlError(f"example frames {frames.min()}..{frames.max()} lie outside the trajectory's {x.shape[0]} frames")
    out = None
    for f in np.unique(frames):
        conf = Configuration(x[f], box, types=types)
        feats = np.concatenate([d.compute(conf) for d in descriptors], axis=1)
        if out is None:
            out = np.empty((rows.size, feats.shape[1]))
        m = frames == f
        out[m] = feats[particles[m]]
    return np.zeros((0, 0)) if out is None else out
