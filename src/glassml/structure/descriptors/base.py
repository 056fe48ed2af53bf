"""The compute-object protocol every descriptor follows, and the configuration it reads.

A descriptor is configured once (its parameters are plain JSON values, recorded with the
features), then :meth:`Descriptor.compute` turns a :class:`Configuration` into an (N, F)
float64 array whose columns are named by :attr:`Descriptor.names`::

    conf = Configuration(positions, box, types)
    rbo = RadialBondOrder(orders=range(1, 9))
    X = rbo.compute(conf)          # (N, F)
    rbo.names                      # F feature names

One :class:`Configuration` holds one :class:`~glassml.geometry.NeighborQuery`, so
descriptors computed on the same configuration share neighbor lists (cached per cutoff).
"""

from __future__ import annotations

import abc
from typing import Any, Callable, TypeVar

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import NeighborQuery, Neighbors

T = TypeVar("T")


class Configuration:
    """Positions, box and species of one configuration, with a shared neighbor query.

    Parameters
    ----------
    positions:
        (N, d) coordinates, d = 2 or 3.
    box:
        Orthorhombic box edge lengths (scalar or (d,)).
    types:
        (N,) integer species 0..K-1 (default: all 0).
    n_species:
        K; default ``types.max() + 1``.  Fix it when features must line up across samples.
    periodic:
        A bool or d bools.
    model:
        A :class:`glassml.systems.Model` (or its registry name), needed by energy descriptors.
    diameters:
        (N,) particle diameters for polydisperse models.
    reference:
        (N, d) thermal positions when ``positions`` are a relaxed state (inherent or cage);
        read by descriptors that compare the two.
    """

    def __init__(self, positions, box, types=None, *, n_species: int | None = None, periodic=True, model=None,
                 diameters=None, reference=None):
        self.query = NeighborQuery(positions, box, periodic=periodic)
        self.positions = self.query.positions
        self.box = self.query.lengths
        self.periodic = self.query.periodic
        self.dimension = self.query.dimension
        n = self.query.n_particles
        if types is None:
            types = np.zeros(n, dtype=np.int64)
        t = np.asarray(types)
        if t.shape != (n,):
            raise GlassmlError(f"types must have shape ({n},), got {t.shape}")
        if t.size and not np.issubdtype(t.dtype, np.integer):
            if not np.all(t == np.round(t)):
                raise GlassmlError("types must be integer species 0..K-1")
        t = t.astype(np.int64)
        if t.size and t.min() < 0:
            raise GlassmlError(f"unknown species {int(t.min())}: species are integers 0..K-1")
        k = int(t.max()) + 1 if t.size else 1
        if n_species is None:
            n_species = k
        elif k > n_species:
            raise GlassmlError(f"unknown species {k - 1}: this configuration has species 0..{n_species - 1}")
        self.types = t
        self.n_species = int(n_species)
        if isinstance(model, str):
            from glassml.systems import get_model

            model = get_model(model)
        if model is not None:
            if model.dimension != self.dimension:
                raise GlassmlError(f"model {model.name} is {model.dimension}-D but positions are {self.dimension}-D")
            if self.n_species > model.n_species:
                raise GlassmlError(f"unknown species {self.n_species - 1}: model {model.name} has species 0..{model.n_species - 1}")
        self.model = model
        self.diameters = None if diameters is None else np.asarray(diameters, dtype=np.float64)
        self.reference = None if reference is None else np.asarray(reference, dtype=np.float64)
        if self.reference is not None and self.reference.shape != self.positions.shape:
            raise GlassmlError(f"reference positions have shape {self.reference.shape}, positions {self.positions.shape}")
        self._energies: np.ndarray | None = None
        self._derived: dict[str, Any] = {}

    @property
    def n_particles(self) -> int:
        return self.query.n_particles

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """A structure derived from this configuration (Voronoi cells, Delaunay neighbors, ...),
        built by ``build()`` on first use and shared by every descriptor computed on it."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    def capped_cutoff(self, cutoff: float) -> float:
        """``cutoff``, shortened to just under :attr:`glassml.geometry.Box.half_width` when it is
        longer (the longest cutoff a minimum-image pair search allows)."""
        return min(cutoff, self.query.box.half_width * (1 - 1e-9))

    def neighbors(self, cutoff: float) -> Neighbors:
        """Full sorted neighbor list within ``cutoff`` (shared, cached)."""
        return self.query.neighbors(cutoff)

    def vectors3(self, nb: Neighbors) -> np.ndarray:
        """Pair vectors as (P, 3) (2D vectors get z = 0)."""
        if nb.vectors.shape[1] == 3:
            return np.ascontiguousarray(nb.vectors)
        return np.ascontiguousarray(np.c_[nb.vectors, np.zeros(nb.vectors.shape[0])])

    def energies(self) -> np.ndarray:
        """Per-particle potential energy ``e_i = 1/2 sum_j V(r_ij)`` from the model (cached).

        Computed by :func:`glassml.systems.potential_energies` (the one source of pair
        energies); this is what LAMMPS' ``compute pe/atom`` reports for pair interactions.
        """
        if self._energies is None:
            if self.model is None:
                raise GlassmlError("energy descriptors need a model: pass model=... (e.g. 'ka3d', 'ka2d')")
            from glassml.systems.compute import potential_energies

            self._energies = potential_energies(self.model, self.positions, self.types, self.query.box, self.diameters)
        return self._energies


class Descriptor(abc.ABC):
    """Base class: parameters in, (N, F) features and F names out.

    Subclasses declare what they need: ``dimensions`` (the dimensions they are defined in) and
    ``needs_periodic_box`` (tessellation-based descriptors).
    """

    #: the dimensions the descriptor is defined in
    dimensions: tuple[int, ...] = (2, 3)
    #: True for descriptors built on a periodic tessellation (Voronoi, Delaunay)
    needs_periodic_box: bool = False

    def __init__(self, **params: Any):
        self.params: dict[str, Any] = params
        self.features: np.ndarray | None = None
        self.names: list[str] = []

    def compute(self, conf: Configuration) -> np.ndarray:
        """Compute the features of ``conf``; store them in ``features``/``names``; return them."""
        name = type(self).__name__
        if conf.dimension not in self.dimensions:
            spoken = " or ".join({2: "two", 3: "three"}[d] for d in self.dimensions)
            raise GlassmlError(f"{name} is defined for {spoken}-dimensional systems only, got {conf.dimension}-D positions")
        if self.needs_periodic_box and not conf.periodic.all():
            raise GlassmlError(f"{name} needs a fully periodic box")
        features, names = self._compute(conf)
        features = np.ascontiguousarray(features, dtype=np.float64)
        if features.shape != (conf.n_particles, len(names)):
            raise AssertionError(f"{name}: {features.shape} vs {len(names)} names")
        self.features, self.names = features, list(names)
        return features

    @abc.abstractmethod
    def _compute(self, conf: Configuration) -> tuple[np.ndarray, list[str]]:
        """The (N, F) features and F names of one configuration."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


def coarse_grain(conf: Configuration, x: np.ndarray, length: float, *, cutoff: float | None = None) -> np.ndarray:
    """Neighbor average ``xbar_i = sum_j w_ij x_j / sum_j w_ij`` with ``w_ij = exp(-r_ij/length)``
    over ``j = i`` and every j with ``r_ij < cutoff`` (default ``cutoff = length``).

    This is the recursive averaging of Boattini, Smallenburg & Filion, PRL 127, 088007 (2021).
    """
    from scipy import sparse

    cutoff = float(length if cutoff is None else cutoff)
    nb = conf.neighbors(cutoff)
    n = conf.n_particles
    w = np.exp(-nb.distances / length)
    rows = np.concatenate([nb.i, np.arange(n)])
    cols = np.concatenate([nb.j, np.arange(n)])
    vals = np.concatenate([w, np.ones(n)])
    mat = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    norm = np.asarray(mat.sum(axis=1)).ravel()
    return (mat @ x) / norm[:, None]


def fmt(x: float) -> str:
    """Compact number for feature names (1.0 -> '1', 0.25 -> '0.25')."""
    return f"{float(x):g}"


def linear_grid(start: float, stop: float, step: float) -> list[float]:
    """``start, start + step, ..., stop`` (both ends included), rounded to 10 decimals so that
    the values, and the feature names made from them, do not carry rounding noise."""
    n = int(round((stop - start) / step)) + 1
    return [round(start + k * step, 10) for k in range(n)]
