"""Pair lists of the initial configuration (periodic, 2D and 3D) and pair diameters.

Neighbour lists come from a periodic k-d tree (scipy); the pair vectors are recomputed here
with the minimum-image convention, so every cutoff must stay below half the shortest box
length (checked).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from glassml.errors import GlassmlError

#: Pair diameters sigma_ab of the models glassml knows, rows/columns = species 0..K-1.
#: KA3D: Kob & Andersen, PRE 51, 4626 (1995).  KA2D ternary: GlassBench's 2D model
#: (REFERENCES.md, fitted to the GlassBench inherent structure).  Until glassml.systems
#: provides one source of truth, a manifest may give its own ``model["sigma"]`` matrix.
KNOWN_SIGMA: dict[str, list[list[float]]] = {
    "ka3d": [[1.0, 0.8], [0.8, 0.88]],
    "ka2d": [[1.0, 0.8, 0.9], [0.8, 0.88, 0.8], [0.9, 0.8, 0.94]],
}
_ALIASES = {"ka": "ka3d", "kob-andersen": "ka3d", "kob_andersen": "ka3d", "ka2d_ternary": "ka2d", "ka2d-ternary": "ka2d"}


def pair_sigma(model: Mapping[str, Any] | str | None, n_species: int) -> tuple[np.ndarray, str]:
    """Pair diameters (K, K) for a model, and where they came from.

    ``model["sigma"]`` in the manifest wins; then :func:`glassml.systems.get_model` by name;
    then glassml.dynamics' own table; otherwise all ones (the returned source string says
    so, and compute_targets records it in the manifest).  For a polydisperse model the
    matrix is [[1]] and per-pair diameters come from the sample's ``diameters``
    (:class:`PairDiameters`).
    """
    if isinstance(model, Mapping) and model.get("sigma") is not None:
        sigma = np.asarray(model["sigma"], dtype=float)
        source = "manifest model.sigma"
    else:
        name = model.get("name") if isinstance(model, Mapping) else model
        key = str(name or "").lower()
        key = _ALIASES.get(key, key)
        try:
            from glassml.systems import get_model

            m = get_model(key)
            sigma, source = np.asarray(m.sigma, dtype=float), f"glassml.systems.get_model({key!r}).sigma"
            if getattr(m, "polydisperse", False):
                return sigma, source + " (polydisperse: per-pair from diameters)"
        except Exception:  # unknown to glassml.systems (or not installed): fall back
            if key in KNOWN_SIGMA:
                sigma = np.asarray(KNOWN_SIGMA[key], dtype=float)
                source = f"glassml.dynamics KNOWN_SIGMA[{key!r}]"
            else:
                return np.ones((n_species, n_species)), f"unknown model {name!r}: sigma_ab = 1 for every pair"
    if sigma.ndim != 2 or sigma.shape[0] != sigma.shape[1] or sigma.shape[0] < n_species:
        raise GlassmlError(f"pair diameters have shape {sigma.shape} but the samples have {n_species} species")
    return sigma, source


class PairDiameters:
    """sigma_ij of pairs: a (K, K) species table, or the polydisperse non-additive rule.

    Polydisperse rule (Ninarello, Berthier & Coslovich, PRX 7, 021039, 2017):
    sigma_ij = (sigma_i + sigma_j) / 2 * (1 - 0.2 |sigma_i - sigma_j|).
    """

    def __init__(self, table: np.ndarray, types: np.ndarray, diameters: np.ndarray | None = None):
        self.table = np.asarray(table, dtype=float)
        self.types = np.asarray(types)
        self.diameters = None if diameters is None else np.asarray(diameters, dtype=float)

    @property
    def max(self) -> float:
        if self.diameters is not None:
            return float(self.diameters.max())
        present = np.unique(self.types)
        return float(self.table[np.ix_(present, present)].max())

    def __call__(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        if self.diameters is not None:
            si, sj = self.diameters[i], self.diameters[j]
            return 0.5 * (si + sj) * (1.0 - 0.2 * np.abs(si - sj))
        return self.table[self.types[i], self.types[j]]


def minimum_image(vectors: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Fold separation vectors into the box's minimum image."""
    return vectors - box * np.round(vectors / box)


def pairs_within(positions: np.ndarray, box: np.ndarray, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All unordered pairs i < j with minimum-image distance below ``cutoff``.

    Returns ``(i, j, rij)`` with ``rij = x_j - x_i`` (minimum image), sorted by (i, j).
    A periodic k-d tree (scipy ``cKDTree`` with ``boxsize``) finds the pairs; vesin gives
    the same pairs but its import pulls in torch (seconds), too slow for a CLI.
    """
    from scipy.spatial import cKDTree

    x = np.asarray(positions, dtype=float)
    box = np.asarray(box, dtype=float)
    n, dim = x.shape
    if cutoff >= box.min() / 2:
        raise GlassmlError(f"neighbour cutoff {cutoff:g} is not below half the box ({box.min() / 2:g}); the box is too small")
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros((0, dim))
    folded = x - box * np.floor(x / box)
    folded = np.where(folded >= box, folded - box, folded)
    folded = np.where(folded < 0, 0.0, folded)
    pairs = cKDTree(folded, boxsize=box).query_pairs(float(cutoff), output_type="ndarray")
    lo = np.minimum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    hi = np.maximum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    order = np.lexsort((hi, lo))
    lo, hi = lo[order], hi[order]
    rij = minimum_image(x[hi] - x[lo], box)
    inside = np.einsum("pk,pk->p", rij, rij) < cutoff**2
    return lo[inside], hi[inside], rij[inside]
