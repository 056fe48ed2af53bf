"""Neighbour queries: one abstraction, reused by every pair descriptor and by graph construction.

All pair searches in :mod:`glassml.structure` go through :class:`NeighborQuery`, which wraps
vesin's cell list (Fraux et al., the ``vesin`` package) for orthorhombic boxes in two and
three dimensions.  vesin works in three dimensions; a two-dimensional system is embedded in
the plane ``z = 0`` with a non-periodic third axis, so no pair can cross that axis.

Conventions (used everywhere in :mod:`glassml.structure`)
---------------------------------------------------------
* A box is given as its edge lengths ``(d,)`` (a scalar is broadcast).  Periodic axes may hold
  positions anywhere (they are imaged); a non-periodic axis must hold positions inside the box,
  which is ``[-L/2, L/2)`` when any coordinate on that axis is negative (GlassBench's centred
  convention) and ``[0, L)`` otherwise.
* The pair vector is ``r_ij = r_j - r_i`` taken under the minimum-image convention, and the
  distance is its norm.  Because a periodic cutoff may not exceed half the shortest periodic
  edge, every pair appears with exactly one image.
* :class:`Neighbors` is a full list sorted by ``i`` then ``j`` (a CSR layout: the neighbours of
  ``i`` are ``j[offsets[i]:offsets[i+1]]``).  The order is a pure function of the input,
  so results are reproducible bit for bit.

Bad input (NaN, wrong shapes, a non-positive box, points outside a non-periodic box,
overlapping particles, a cutoff longer than half the box) raises :class:`glassml.GlassmlError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError

#: Two particles closer than this (in reduced units) are taken to overlap.
OVERLAP_DISTANCE = 1e-6


@dataclass(frozen=True)
class Neighbors:
    """A full, sorted neighbour list in CSR form.

    Attributes
    ----------
    n_particles:
        Number of particles ``N``.
    cutoff:
        Search radius; pairs with ``distance < cutoff`` are included.
    i, j:
        int64 arrays (P,): central particle and neighbour, sorted by ``i`` then ``j``.
    vectors:
        float64 (P, d): ``r_j - r_i`` under minimum image.
    distances:
        float64 (P,): ``|vectors|``.
    offsets:
        int64 (N + 1,): the neighbours of particle ``k`` are rows ``offsets[k]:offsets[k+1]``.
    """

    n_particles: int
    cutoff: float
    i: np.ndarray
    j: np.ndarray
    vectors: np.ndarray
    distances: np.ndarray
    offsets: np.ndarray

    @property
    def n_pairs(self) -> int:
        return int(self.i.shape[0])

    @property
    def counts(self) -> np.ndarray:
        """Number of neighbours of each particle, (N,)."""
        return np.diff(self.offsets)

    def within(self, cutoff: float) -> "Neighbors":
        """The sub-list of pairs closer than ``cutoff`` (<= this list's cutoff); order kept."""
        if cutoff > self.cutoff + 1e-12:
            raise GlassmlError(f"cannot restrict a neighbour list of cutoff {self.cutoff} to a longer cutoff {cutoff}")
        keep = self.distances < cutoff
        i = self.i[keep]
        return Neighbors(
            self.n_particles,
            float(cutoff),
            i,
            self.j[keep],
            self.vectors[keep],
            self.distances[keep],
            _offsets(i, self.n_particles),
        )


def _offsets(i: np.ndarray, n: int) -> np.ndarray:
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=offsets[1:])
    return offsets


def as_box(box, dimension: int) -> np.ndarray:
    """Edge lengths ``(d,)`` of an orthorhombic box given as a scalar or ``(d,)`` array."""
    arr = np.asarray(box, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(dimension, float(arr))
    elif arr.ndim == 2 and arr.shape == (dimension, dimension) and np.allclose(arr, np.diag(np.diag(arr))):
        arr = np.diag(arr).copy()
    if arr.shape != (dimension,):
        raise GlassmlError(f"box must be a scalar or {dimension} edge lengths, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise GlassmlError(f"box lengths must be positive and finite, got {arr.tolist()}")
    return arr


def as_positions(positions) -> np.ndarray:
    """Validate positions (N, d) with d in {2, 3}, finite; return a float64 C array."""
    pos = np.ascontiguousarray(positions, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[1] not in (2, 3):
        raise GlassmlError(f"positions must have shape (N, 2) or (N, 3), got {pos.shape}")
    if not np.all(np.isfinite(pos)):
        raise GlassmlError("positions contain NaN or infinite values")
    return pos


def as_periodic(periodic, dimension: int) -> np.ndarray:
    per = np.asarray(periodic, dtype=bool)
    if per.ndim == 0:
        per = np.full(dimension, bool(per))
    if per.shape != (dimension,):
        raise GlassmlError(f"periodic must be a bool or {dimension} bools, got shape {per.shape}")
    return per


def _sorted_full_list(i: np.ndarray, j: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Both directions of a half list, sorted by (i, j): a counting sort, O(pairs)."""
    from glassml.structure._kernels import csr_symmetrise

    return csr_symmetrise(i, j, n)


def minimum_image(vectors: np.ndarray, box: np.ndarray, periodic: np.ndarray) -> np.ndarray:
    """Fold difference vectors into the minimum image along the periodic axes (in place)."""
    for a in np.flatnonzero(periodic):
        vectors[:, a] -= box[a] * np.round(vectors[:, a] / box[a])
    return vectors


class NeighborQuery:
    """Pairs of particles within a cutoff, in a 2D or 3D orthorhombic box.

    Parameters
    ----------
    positions:
        (N, d) coordinates, d = 2 or 3.
    box:
        Edge lengths, a scalar or (d,).
    periodic:
        A bool or d bools; periodic axes use the minimum-image convention.

    Examples
    --------
    >>> q = NeighborQuery(positions, box=15.0)
    >>> nb = q.neighbors(1.5)          # full, sorted, CSR
    >>> nb.j[nb.offsets[0]:nb.offsets[1]]   # neighbours of particle 0
    """

    def __init__(self, positions, box, *, periodic=True):
        self.positions = as_positions(positions)
        self.dimension = self.positions.shape[1]
        self.box = as_box(box, self.dimension)
        self.periodic = as_periodic(periodic, self.dimension)
        self.n_particles = self.positions.shape[0]
        self._check_inside()
        self._cache: dict[float, Neighbors] = {}

    def _check_inside(self) -> None:
        for a in np.flatnonzero(~self.periodic):
            x = self.positions[:, a]
            if x.size == 0:
                continue
            lo = -self.box[a] / 2 if x.min() < 0 else 0.0
            hi = lo + self.box[a]
            bad = np.flatnonzero((x < lo) | (x > hi))
            if bad.size:
                k = int(bad[0])
                raise GlassmlError(
                    f"particle {k} lies outside the non-periodic box along axis {a} "
                    f"({x[k]:.6g} not in [{lo:.6g}, {hi:.6g}]); enlarge the box or make the axis periodic"
                )

    def check_cutoff(self, cutoff: float) -> float:
        """Validate a cutoff: positive, finite and at most half the shortest periodic edge."""
        cutoff = float(cutoff)
        if not np.isfinite(cutoff) or cutoff <= 0:
            raise GlassmlError(f"cutoff must be positive and finite, got {cutoff}")
        if self.periodic.any():
            half = 0.5 * float(self.box[self.periodic].min())
            if cutoff > half:
                raise GlassmlError(
                    f"cutoff {cutoff:g} is longer than half the periodic box ({half:g}); "
                    "use a shorter cutoff or a larger system"
                )
        return cutoff

    def _vesin_inputs(self):
        d = self.dimension
        pts = np.zeros((self.n_particles, 3), dtype=np.float64)
        cell = np.zeros((3, 3), dtype=np.float64)
        periodic3 = [False, False, False]
        for a in range(d):
            if self.periodic[a]:
                L = self.box[a]
                pts[:, a] = self.positions[:, a] - L * np.floor(self.positions[:, a] / L)
                cell[a, a] = L
                periodic3[a] = True
            else:
                pts[:, a] = self.positions[:, a]
                cell[a, a] = self.box[a]
        if d == 2:
            cell[2, 2] = 1.0  # a flat, non-periodic third axis
        return pts, cell, periodic3

    def half_pairs(self, cutoff: float, *, check_overlap: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each pair once (``i``, ``j``, ``distance``), in vesin's (deterministic) order.

        Cheaper than :meth:`neighbors` for long cutoffs where only distances are needed
        (coarse-graining over many neighbours).
        """
        cutoff = self.check_cutoff(cutoff)
        import vesin

        pts, cell, periodic3 = self._vesin_inputs()
        if self.n_particles < 2:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        nl = vesin.NeighborList(cutoff=cutoff, full_list=False)
        i, j, d = nl.compute(pts, cell, periodic3, "ijd")
        # indices are size_t (< 2^63): reinterpret without copying
        i = i.view(np.int64) if i.dtype == np.uint64 else np.asarray(i, dtype=np.int64)
        j = j.view(np.int64) if j.dtype == np.uint64 else np.asarray(j, dtype=np.int64)
        d = np.asarray(d, dtype=np.float64)
        keep = d < cutoff
        if not keep.all():
            i, j, d = i[keep], j[keep], d[keep]
        if check_overlap and d.size and d.min() < OVERLAP_DISTANCE:
            k = int(np.argmin(d))
            raise GlassmlError(
                f"particles {int(i[k])} and {int(j[k])} overlap (distance {d[k]:.3g}); remove duplicated particles"
            )
        return i, j, d

    def neighbors(self, cutoff: float, *, check_overlap: bool = True) -> Neighbors:
        """The full neighbour list within ``cutoff`` (cached per cutoff)."""
        cutoff = self.check_cutoff(cutoff)
        if cutoff in self._cache:
            return self._cache[cutoff]
        import vesin

        pts, cell, periodic3 = self._vesin_inputs()
        if self.n_particles < 2:
            i = j = np.zeros(0, dtype=np.int64)
        else:
            nl = vesin.NeighborList(cutoff=cutoff, full_list=False)
            i, j = nl.compute(pts, cell, periodic3, "ij")
            i = np.asarray(i, dtype=np.int64)
            j = np.asarray(j, dtype=np.int64)
        # symmetrise the half list, order it by (i, j), then recompute vectors from the
        # caller's coordinates
        ii, jj = _sorted_full_list(i, j, self.n_particles)
        from glassml.structure._kernels import pair_vectors

        vec, dist = pair_vectors(self.positions, ii, jj, self.box, self.periodic)
        keep = dist < cutoff  # vesin includes r == cutoff within rounding; make it strict
        if not keep.all():
            ii, jj, vec, dist = ii[keep], jj[keep], vec[keep], dist[keep]
        if check_overlap and dist.size and dist.min() < OVERLAP_DISTANCE:
            k = int(np.argmin(dist))
            raise GlassmlError(
                f"particles {int(ii[k])} and {int(jj[k])} overlap (distance {dist[k]:.3g}); "
                "remove duplicated particles"
            )
        nb = Neighbors(self.n_particles, cutoff, ii, jj, vec, dist, _offsets(ii, self.n_particles))
        self._cache[cutoff] = nb
        return nb


def neighbors(positions, box, cutoff: float, *, periodic=True) -> Neighbors:
    """Shortcut: ``NeighborQuery(positions, box, periodic=periodic).neighbors(cutoff)``."""
    return NeighborQuery(positions, box, periodic=periodic).neighbors(cutoff)
