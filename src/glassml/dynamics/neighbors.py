"""Pair lists of the initial configuration (periodic, 2D and 3D) and pair diameters.

Pairs come from :class:`glassml.geometry.NeighborQuery` (its half list); the pair vectors are
the minimum images of the caller's (unwrapped) positions, so every cutoff must stay below half
the shortest box length (checked there).  Pair diameters come from :mod:`glassml.systems`,
the one source of model parameters.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import NeighborQuery


def pair_sigma(model: Mapping[str, Any] | str | None, n_species: int) -> tuple[np.ndarray, str]:
    """Pair diameters (K, K) for a model, and where they came from.

    ``model["sigma"]`` in the manifest wins; then :func:`glassml.systems.get_model` by name
    (which knows the aliases); otherwise all ones (the returned source string says so, and
    compute_targets records it in the manifest).  For a polydisperse model the matrix is
    [[1]] and per-pair diameters come from the sample's ``diameters`` (:class:`PairDiameters`).
    """
    from glassml.systems import get_model

    if isinstance(model, Mapping) and model.get("sigma") is not None:
        sigma = np.asarray(model["sigma"], dtype=float)
        source = "manifest model.sigma"
    else:
        name = model.get("name") if isinstance(model, Mapping) else model
        try:
            m = get_model(str(name or ""))
        except GlassmlError:
            return np.ones((n_species, n_species)), f"unknown model {name!r}: sigma_ab = 1 for every pair"
        sigma, source = np.asarray(m.sigma, dtype=float), f"glassml.systems.get_model({m.name!r}).sigma"
        if m.polydisperse:
            return sigma, source + " (polydisperse: per-pair from diameters)"
    if sigma.ndim != 2 or sigma.shape[0] != sigma.shape[1] or sigma.shape[0] < n_species:
        raise GlassmlError(f"pair diameters have shape {sigma.shape} but the samples have {n_species} species")
    return sigma, source


class PairDiameters:
    """sigma_ij of pairs: a (K, K) species table, or the polydisperse non-additive rule of
    :func:`glassml.systems.nonadditive_sigma` (Ninarello, Berthier & Coslovich, PRX 7, 021039,
    2017) when per-particle ``diameters`` are given.
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
            from glassml.systems import nonadditive_sigma

            return nonadditive_sigma(self.diameters[i], self.diameters[j])
        return self.table[self.types[i], self.types[j]]


def pairs_within(positions: np.ndarray, box, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All unordered pairs i < j with minimum-image distance below ``cutoff``.

    Returns ``(i, j, rij)`` with ``rij = x_j - x_i`` (minimum image of the given, possibly
    unwrapped, positions), sorted by (i, j).  ``box`` is anything
    :class:`glassml.geometry.Box` accepts.
    """
    query = NeighborQuery(positions, box)
    x, dim = query.positions, query.dimension
    i, j, _ = query.half_pairs(cutoff)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    order = np.lexsort((hi, lo))
    lo, hi = lo[order], hi[order]
    rij = query.box.minimum_image(x[hi] - x[lo]) if lo.size else np.zeros((0, dim))
    inside = np.einsum("pk,pk->p", rij, rij) < cutoff**2
    return lo[inside], hi[inside], rij[inside]
