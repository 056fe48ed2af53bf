"""Array-level helpers shared by the feature learners: scaling, the one Pearson, hold-out splits.

A feature learner sees one row per particle: its descriptor vector ``X[i]`` (F values), its
target at every time ``y[i]`` (T values), its species and the configuration (group) it belongs
to.  Turning a dataset into these rows is :mod:`glassml.bench.adapter`'s job; nothing here
knows how samples are stored.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from glassml.errors import GlassmlError


class Scaler:
    """Standardise columns with the training mean and standard deviation (constant columns kept at 0)."""

    def __init__(self, mean: np.ndarray | None = None, scale: np.ndarray | None = None):
        self.mean = mean
        self.scale = scale

    def fit(self, x: np.ndarray) -> "Scaler":
        self.mean = x.mean(axis=0)
        std = x.std(axis=0)
        self.scale = np.where(std > 1e-12, std, 1.0)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.scale

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return z * self.scale + self.mean


def pearson_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``a`` (n, T) with the same column of ``b`` (n, T).

    The rows are pooled: every particle of every configuration is one pair, which is
    GlassBench's score when the columns are times (Jung et al., arXiv 2311.14752).  A column
    that is constant in ``a`` or ``b``, or fewer than two rows, gives NaN: a constant field has
    no correlation (not a round-off value).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2:
        raise GlassmlError(f"pearson_columns needs two (n, T) arrays of one shape, got {a.shape} and {b.shape}")
    if a.shape[0] < 2:
        return np.full(a.shape[1], np.nan)
    constant = (np.ptp(a, axis=0) == 0) | (np.ptp(b, axis=0) == 0)
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    ok = (den > 0) & ~constant
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, (a * b).sum(axis=0) / np.where(ok, den, 1.0), np.nan)


def holdout_split(groups: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (train, held-out) row masks for model selection without validation data.

    Whole groups (configurations) are held out when there are at least two, so that selection
    sees configurations it was not trained on; with a single group, rows are held out at random.
    At least one group (row) is held out and at least one kept.
    """
    groups = np.asarray(groups)
    if not 0.0 < float(fraction) < 1.0:
        raise GlassmlError(f"validation_fraction must lie strictly between 0 and 1, got {fraction!r}")
    rng = np.random.default_rng(seed)
    labels = np.unique(groups)
    if labels.size >= 2:
        k = min(max(1, int(round(fraction * labels.size))), labels.size - 1)
        held = np.isin(groups, rng.choice(labels, size=k, replace=False))
    else:
        n = groups.size
        if n < 2:
            raise GlassmlError(f"cannot hold out validation rows from 1 sample (n_samples = {n}); "
                               "give validation data or more rows")
        k = min(max(1, int(round(fraction * n))), n - 1)
        held = np.zeros(n, dtype=bool)
        held[rng.choice(n, size=k, replace=False)] = True
    return ~held, held


def flatten_species_models(models: dict[int, dict[str, np.ndarray]]) -> dict[str, object]:
    """Per-species parameter dicts as one flat state (``s<species>_<name>`` arrays)."""
    state: dict[str, object] = {"species": sorted(models)}
    for sp, m in models.items():
        for k, v in m.items():
            state[f"s{sp}_{k}"] = np.asarray(v)
    return state


def unflatten_species_models(state: dict, names: Sequence[str]) -> dict[int, dict[str, np.ndarray]]:
    """Inverse of :func:`flatten_species_models` for the parameter ``names``."""
    return {int(sp): {k: np.asarray(state[f"s{sp}_{k}"]) for k in names} for sp in state["species"]}
