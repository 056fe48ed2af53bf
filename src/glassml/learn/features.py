"""Shared plumbing for feature-based estimators: stacking descriptors and targets, scaling.

A feature-based estimator sees every particle of every configuration as one row: its
descriptor vector (a ``desc_<set>`` array of shape (N, F) per sample) and its target at every
time (a ``(T, N)`` array per sample, transposed here to ``(N, T)`` rows).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.store.dataset import Sample

#: Where each kind of particle position lives in a sample, and the suffix its descriptors get.
POSITION_SUFFIX = {
    "initial_positions": "",
    "initial_positions_inherent": "_inherent",
    "initial_positions_cage": "_cage",
}


def descriptor_key(set_name: str, positions: str | None = None) -> str:
    """Sample array name of descriptor set ``set_name`` computed on ``positions``.

    ``desc_<set>`` for the set's default positions, ``desc_<set>_cage`` for cage positions, etc.
    """
    if positions is None:
        return f"desc_{set_name}"
    if positions not in POSITION_SUFFIX:
        raise GlassmlError(f"unknown positions {positions!r}; use one of {', '.join(POSITION_SUFFIX)}")
    return f"desc_{set_name}{POSITION_SUFFIX[positions]}"


def require(samples: Sequence[Sample], keys: Sequence[str], who: str) -> None:
    """Raise a :class:`GlassmlError` naming the first sample that lacks one of ``keys``."""
    if not samples:
        raise GlassmlError(f"{who}: no samples given")
    for s in samples:
        for k in keys:
            if k not in s:
                raise GlassmlError(f"{who} needs array '{k}', which this sample lacks", s.path)


def stack_features(samples: Sequence[Sample], key: str) -> np.ndarray:
    """Rows of every particle of every sample: (sum N, F) float64."""
    blocks = []
    for s in samples:
        x = np.asarray(s[key], dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        if x.shape[0] != s.n_particles:
            raise GlassmlError(f"'{key}' has {x.shape[0]} rows for {s.n_particles} particles", s.path)
        blocks.append(x)
    widths = {b.shape[1] for b in blocks}
    if len(widths) != 1:
        raise GlassmlError(f"'{key}' has different numbers of features across samples: {sorted(widths)}")
    return np.concatenate(blocks, axis=0)


def stack_feature_sets(samples: Sequence[Sample], keys: Sequence[str]) -> np.ndarray:
    """Rows of several descriptor arrays side by side: (sum N, F_1 + F_2 + ...)."""
    return np.concatenate([stack_features(samples, k) for k in keys], axis=1)


def stack_targets(samples: Sequence[Sample], target: str) -> np.ndarray:
    """Rows (sum N, T) of the target at every time."""
    blocks = []
    for s in samples:
        y = np.asarray(s[target], dtype=np.float64)
        if y.ndim != 2 or y.shape[1] != s.n_particles:
            raise GlassmlError(f"'{target}' must have shape (T, {s.n_particles}), got {y.shape}", s.path)
        blocks.append(y.T)
    if len({b.shape[1] for b in blocks}) != 1:
        raise GlassmlError(f"'{target}' has different numbers of times across samples")
    return np.concatenate(blocks, axis=0)


def stack_types(samples: Sequence[Sample]) -> np.ndarray:
    return np.concatenate([np.asarray(s["types"]).astype(np.int64) for s in samples])


def sample_index(samples: Sequence[Sample]) -> np.ndarray:
    """For every stacked row, the index of the sample it came from."""
    return np.concatenate([np.full(s.n_particles, i, dtype=np.int64) for i, s in enumerate(samples)])


def split_rows(rows: np.ndarray, samples: Sequence[Sample]) -> list[np.ndarray]:
    """Undo the stacking: (sum N, T) rows -> one (T, N) array per sample."""
    out, start = [], 0
    for s in samples:
        n = s.n_particles
        out.append(np.ascontiguousarray(rows[start : start + n].T))
        start += n
    return out


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
    """Pearson correlation of each column of ``a`` with the same column of ``b`` (NaN if constant)."""
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(axis=0) / np.where(den > 0, den, 1.0), np.nan)


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
