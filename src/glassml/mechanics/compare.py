"""Scoring a per-particle indicator on where plastic events happen (ROC AUC).

The particles of an event are the ``fraction`` with the largest D²min (Falk & Langer, PRE 57,
7192 (1998)); an indicator that predicts plasticity ranks them first.  The score is the area under
the ROC curve: 0.5 for a random indicator, 1 for a perfect one (as in Richard et al., Phys. Rev.
Materials 4, 113609 (2020), who rank indicators by where the first AQS events occur).
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError


def event_particles(d2min: np.ndarray, fraction: float = 0.05) -> np.ndarray:
    """(N,) bool: the ``fraction`` of particles (at least one) with the largest D²min."""
    d = np.asarray(d2min, float)
    if not 0 < fraction < 1:
        raise GlassmlError(f"fraction must be in (0, 1), got {fraction}")
    k = max(1, int(round(fraction * d.size)))
    out = np.zeros(d.size, dtype=bool)
    out[np.argsort(d)[-k:]] = True
    return out


def event_auc(indicator: np.ndarray, d2min: np.ndarray, fraction: float = 0.05) -> float:
    """ROC AUC of ``indicator`` (larger = more likely to rearrange) for the particles of an event."""
    from sklearn.metrics import roc_auc_score

    x = np.asarray(indicator, float)
    if x.shape != np.shape(d2min):
        raise GlassmlError(f"indicator {x.shape} and D2min {np.shape(d2min)} differ in shape")
    return float(roc_auc_score(event_particles(d2min, fraction), x))


def rank_percentile(indicator: np.ndarray, particle: int) -> float:
    """Fraction of the other particles whose ``indicator`` is below that of ``particle`` (1: ranked first)."""
    x = np.asarray(indicator, float)
    others = np.delete(x, int(particle))
    return float((np.sum(others < x[particle]) + 0.5 * np.sum(others == x[particle])) / max(1, others.size))


def summarise_scores(scores: dict[str, list[float]], reference: str = "random") -> dict[str, dict]:
    """Mean, standard error, rank among the indicators and the margin over ``reference`` of each score list.

    An indicator ``beats_reference`` when its mean exceeds the reference's by more than the
    combined standard error ``sqrt(se^2 + se_ref^2)`` of the two means.
    """
    stats = {}
    for name, vals in scores.items():
        v = np.asarray([s for s in vals if np.isfinite(s)], float)
        se = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
        stats[name] = {"mean": float(v.mean()) if v.size else float("nan"), "sem": se, "n": int(v.size)}
    order = sorted(stats, key=lambda k: -stats[k]["mean"] if np.isfinite(stats[k]["mean"]) else np.inf)
    ref = stats.get(reference)
    for rank, name in enumerate(order, 1):
        s = stats[name]
        s["rank"] = rank
        if ref is not None and name != reference:
            margin = s["mean"] - ref["mean"]
            err = float(np.hypot(s["sem"], ref["sem"]))
            s["margin_over_" + reference] = margin
            s["margin_error"] = err
            s["beats_" + reference] = bool(np.isfinite(err) and margin > err)
    return stats


def cross_fitted_softness(descriptors: list[np.ndarray], species: list[np.ndarray], targets: list[np.ndarray],
                          *, n_folds: int = 2, seed: int = 0) -> list[np.ndarray]:
    """Softness of each sample from a linear SVM (:class:`glassml.learn.softness.Softness`, Cubuk et
    al., PRL 114, 108001 (2015)) fitted on the other folds only.

    ``targets`` are per-particle plastic activities (the D²min of each sample's first event); the
    SVM labels the top 10% of each species in each sample as rearranging and the bottom 50% as not.
    Samples are split into ``n_folds`` folds at random (``seed``); each fold is scored by a model that
    never saw it.
    """
    from glassml.learn.softness import Softness

    m = len(descriptors)
    if m < 2 * n_folds or n_folds < 2:
        raise GlassmlError(f"softness needs at least {2 * max(2, n_folds)} samples with events for "
                           f"{max(2, n_folds)}-fold cross-fitting, got {m}")
    folds = np.random.default_rng(seed).permutation(m) % n_folds
    out: list[np.ndarray] = [np.empty(0)] * m
    for k in range(n_folds):
        train = np.flatnonzero(folds != k)
        X = np.concatenate([descriptors[i] for i in train])
        y = np.concatenate([np.log(np.maximum(targets[i], 1e-300)) for i in train])
        s = np.concatenate([species[i] for i in train])
        g = np.concatenate([np.full(len(descriptors[i]), i) for i in train])
        est = Softness(c_grid=(0.01, 0.1, 1.0), seed=seed).fit(X, y, species=s, groups=g)
        for i in np.flatnonzero(folds == k):
            out[i] = est.softness(descriptors[i], species=species[i])
    return out
