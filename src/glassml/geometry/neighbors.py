"""Neighbor queries: the one pair search of glassml, reused by every pair computation.

:class:`NeighborQuery` wraps vesin's cell list (Fraux et al., the ``vesin`` package) for
orthorhombic and triclinic boxes in two and three dimensions.  vesin works in three
dimensions; a two-dimensional system is embedded in the plane ``z = 0`` with a non-periodic
third axis, so no pair can cross that axis.  vesin is imported on first use only.

Conventions
-----------
* A box is a :class:`~glassml.geometry.Box` or its edge lengths ``(d,)`` (a scalar is
  broadcast).  Periodic axes may hold positions anywhere (they are imaged); a non-periodic
  axis must hold positions inside the box, which is ``[-L/2, L/2)`` when any coordinate on
  that axis is negative (GlassBench's centred convention) and ``[0, L)`` otherwise.
* The pair vector is ``r_ij = r_j - r_i`` taken under the minimum-image convention, and the
  distance is its norm.  Because a periodic cutoff may not exceed half the box's smallest
  periodic width, every pair appears with exactly one image; :attr:`Neighbors.shifts` says which.
* ``all_images=True`` lifts that limit for the few computations that need every periodic
  image closer than the cutoff (pair potentials and cage states of boxes smaller than twice
  their interaction range): a pair then appears once per image, a particle may be its own
  neighbor through a periodic image, and ``vectors = x[j] - x[i] + shifts @ box.matrix``.
* :class:`Neighbors` is a full list sorted by ``i`` then ``j`` (then by shift for
  ``all_images``), a CSR layout: the neighbors of ``i`` are ``j[offsets[i]:offsets[i+1]]``.
  The order is a pure function of the input, so results are reproducible bit for bit.

Bad input (NaN, wrong shapes, a non-positive box, points outside a non-periodic box,
overlapping particles, a cutoff longer than half the box without ``all_images``) raises
:class:`glassml.GlassmlError`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry.box import Box, as_positions

#: Two particles closer than this (in reduced units) are taken to overlap.
OVERLAP_DISTANCE = 1e-6


@dataclass(frozen=True)
class Neighbors:
    """A full, sorted neighbor list in CSR form.

    Attributes
    ----------
    n_particles:
        Number of particles ``N``.
    cutoff:
        Search radius; pairs with ``distance < cutoff`` are included.
    i, j:
        int64 arrays (P,): central particle and neighbor, sorted by ``i`` then ``j``
        (then by shift in a list built with ``all_images=True``).
    vectors:
        float64 (P, d): ``r_j - r_i`` under minimum image (or through the pair's periodic
        image, :attr:`shifts`, in a list built with ``all_images=True``).
    distances:
        float64 (P,): ``|vectors|``.
    offsets:
        int64 (N + 1,): the neighbors of particle ``k`` are rows ``offsets[k]:offsets[k+1]``.
    """

    n_particles: int
    cutoff: float
    i: np.ndarray
    j: np.ndarray
    vectors: np.ndarray
    distances: np.ndarray
    offsets: np.ndarray
    positions: np.ndarray | None = field(default=None, repr=False, compare=False)
    box: Box | None = field(default=None, repr=False, compare=False)

    @cached_property
    def shifts(self) -> np.ndarray:
        """int64 (P, d) periodic image of each pair: ``vectors = x[j] - x[i] + shifts @ box.matrix``."""
        if self.positions is None or self.box is None:
            raise GlassmlError("this neighbor list was built without positions and box; shifts are unknown")
        raw = self.vectors - (self.positions[self.j] - self.positions[self.i])
        return np.rint(self.box.fractional(raw)).astype(np.int64)

    @property
    def n_pairs(self) -> int:
        return int(self.i.shape[0])

    @property
    def counts(self) -> np.ndarray:
        """Number of neighbors of each particle, (N,)."""
        return np.diff(self.offsets)

    def within(self, cutoff: float) -> "Neighbors":
        """The sub-list of pairs closer than ``cutoff`` (<= this list's cutoff); order kept."""
        if cutoff > self.cutoff + 1e-12:
            raise GlassmlError(f"cannot restrict a neighbor list of cutoff {self.cutoff} to a longer cutoff {cutoff}")
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
            positions=self.positions,
            box=self.box,
        )


def _offsets(i: np.ndarray, n: int) -> np.ndarray:
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=offsets[1:])
    return offsets


def _sorted_full_list(i: np.ndarray, j: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Both directions of a half list, sorted by (i, j): a counting sort, O(pairs)."""
    from glassml.geometry.kernels import csr_symmetrise

    return csr_symmetrise(i, j, n)


class NeighborQuery:
    """Pairs of particles within a cutoff, in a 2D or 3D orthorhombic or triclinic box.

    Parameters
    ----------
    positions:
        (N, d) coordinates, d = 2 or 3; periodic axes may hold them anywhere (they are imaged).
    box:
        A :class:`~glassml.geometry.Box`, edge lengths (scalar or (d,)) or a lower-triangular
        (d, d) cell matrix.
    periodic:
        A bool or d bools, used when ``box`` is not already a :class:`Box`.

    Examples
    --------
    >>> q = NeighborQuery(positions, box=15.0)
    >>> nb = q.neighbors(1.5)          # full, sorted, CSR
    >>> nb.j[nb.offsets[0]:nb.offsets[1]]   # neighbors of particle 0
    """

    def __init__(self, positions, box, *, periodic=True):
        self.positions = as_positions(positions)
        self.dimension = self.positions.shape[1]
        self.box = Box.from_any(box, self.dimension, periodic=periodic)
        self.periodic = self.box.periodic
        self.lengths = self.box.lengths
        self.n_particles = self.positions.shape[0]
        self._check_inside()
        self._cache: dict[tuple[float, bool], Neighbors] = {}

    def _check_inside(self) -> None:
        for a in np.flatnonzero(~self.periodic):
            x = self.positions[:, a]
            if x.size == 0:
                continue
            lo = -self.lengths[a] / 2 if x.min() < 0 else 0.0
            hi = lo + self.lengths[a]
            bad = np.flatnonzero((x < lo) | (x > hi))
            if bad.size:
                k = int(bad[0])
                raise GlassmlError(
                    f"particle {k} lies outside the non-periodic box along axis {a} "
                    f"({x[k]:.6g} not in [{lo:.6g}, {hi:.6g}]); enlarge the box or make the axis periodic"
                )

    def check_cutoff(self, cutoff: float, *, all_images: bool = False) -> float:
        """Validate a cutoff: positive, finite and (unless ``all_images``) at most half the
        box's smallest periodic width."""
        cutoff = float(cutoff)
        if not np.isfinite(cutoff) or cutoff <= 0:
            raise GlassmlError(f"cutoff must be positive and finite, got {cutoff}")
        half = self.box.half_width
        if cutoff > half and not all_images:
            raise GlassmlError(
                f"cutoff {cutoff:g} is longer than half the periodic box ({half:g}); "
                "use a shorter cutoff or a larger system"
            )
        return cutoff

    def _vesin_inputs(self):
        d = self.dimension
        pts = np.zeros((self.n_particles, 3), dtype=np.float64)
        cell = np.zeros((3, 3), dtype=np.float64)
        pts[:, :d] = self.box.wrap(self.positions)
        cell[:d, :d] = self.box.matrix
        periodic3 = [bool(p) for p in self.periodic] + [False] * (3 - d)
        if d == 2:
            cell[2, 2] = 1.0  # a flat, non-periodic third axis
        return pts, cell, periodic3

    def _vesin(self, cutoff: float, quantities: str, *, full_list: bool = False):
        vesin = import_vesin()
        pts, cell, periodic3 = self._vesin_inputs()
        out = vesin.NeighborList(cutoff=cutoff, full_list=full_list).compute(pts, cell, periodic3, quantities)
        # indices are size_t (< 2^63): reinterpret without copying
        return [q.view(np.int64) if q.dtype == np.uint64 else q for q in out]

    def half_pairs(self, cutoff: float, *, check_overlap: bool = True, all_images: bool = False,
                   return_vectors: bool = False):
        """Each pair once, in vesin's (deterministic) order: ``(i, j, distances)``, or
        ``(i, j, vectors, distances)`` with ``return_vectors``.

        Cheaper than :meth:`neighbors` for long cutoffs where only distances are needed
        (coarse-graining over many neighbors).  The vectors ``r_j - r_i`` (d columns) are
        vesin's, computed from the positions wrapped into the box.  With ``all_images`` the
        cutoff may exceed half the box and a pair appears once per periodic image closer than
        the cutoff (a particle and its own image included, as ``i == j``).
        """
        cutoff = self.check_cutoff(cutoff, all_images=all_images)
        if self.n_particles < (1 if all_images else 2):
            z = np.zeros(0, dtype=np.int64)
            empty = (z, z, np.zeros((0, self.dimension)), np.zeros(0))
            return empty if return_vectors else (z, z, np.zeros(0))
        if return_vectors:
            i, j, vec, d = self._vesin(cutoff, "ijDd")
            vec = np.ascontiguousarray(vec[:, : self.dimension])
        else:
            i, j, d = self._vesin(cutoff, "ijd")
        i, j, d = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64), np.asarray(d, dtype=np.float64)
        keep = d < cutoff
        if not keep.all():
            i, j, d = i[keep], j[keep], d[keep]
            if return_vectors:
                vec = vec[keep]
        if check_overlap:
            _check_overlap(i, j, d)
        return (i, j, vec, d) if return_vectors else (i, j, d)

    def neighbors(self, cutoff: float, *, check_overlap: bool = True, all_images: bool = False) -> Neighbors:
        """The full neighbor list within ``cutoff`` (cached per cutoff).

        With ``all_images`` the cutoff may exceed half the box: each pair then appears once per
        periodic image closer than the cutoff, sorted by shift, and a particle may neighbor its
        own image (``i == j``).
        """
        cutoff = self.check_cutoff(cutoff, all_images=all_images)
        key = (cutoff, bool(all_images))
        if key in self._cache:
            return self._cache[key]
        if all_images:
            ii, jj, vec = self._all_images(cutoff)
            dist = np.sqrt(np.einsum("pk,pk->p", vec, vec))
        else:
            if self.n_particles < 2:
                i = j = np.zeros(0, dtype=np.int64)
            else:
                i, j = (np.asarray(q, dtype=np.int64) for q in self._vesin(cutoff, "ij"))
            # symmetrise the half list, order it by (i, j), then recompute vectors from the
            # caller's coordinates
            ii, jj = _sorted_full_list(i, j, self.n_particles)
            if self.box.is_triclinic:
                vec = self.box.minimum_image(self.positions[jj] - self.positions[ii])
                dist = np.sqrt(np.einsum("pk,pk->p", vec, vec))
            else:
                from glassml.geometry.kernels import pair_vectors

                vec, dist = pair_vectors(self.positions, ii, jj, self.lengths, self.periodic)
        keep = dist < cutoff  # vesin includes r == cutoff within rounding; make it strict
        if not keep.all():
            ii, jj, vec, dist = ii[keep], jj[keep], vec[keep], dist[keep]
        if check_overlap:
            _check_overlap(ii, jj, dist)
        nb = Neighbors(self.n_particles, cutoff, ii, jj, vec, dist, _offsets(ii, self.n_particles),
                       positions=self.positions, box=self.box)
        self._cache[key] = nb
        return nb

    def _all_images(self, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Full list over every periodic image: (i, j, vectors), sorted by i, j, then shift."""
        d = self.dimension
        if self.n_particles == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros((0, d))
        i, j, s = self._vesin(cutoff, "ijS", full_list=True)
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        # vesin's shifts refer to the wrapped positions p = x - n @ matrix; refer them to x
        n = np.rint(self.box.fractional(self.positions - self.box.wrap(self.positions))).astype(np.int64)
        shifts = np.asarray(s, dtype=np.int64)[:, :d] + n[i] - n[j]
        order = np.lexsort((*shifts.T[::-1], j, i))
        i, j, shifts = i[order], j[order], shifts[order]
        vec = self.box.with_images(self.positions[j] - self.positions[i], shifts)
        return i, j, vec


def import_vesin():
    """vesin, imported without its optional torch support unless torch is already loaded.

    vesin tries ``import torch`` to accept torch tensors; glassml passes numpy arrays only, and
    that import costs seconds on every command-line call.
    """
    if "vesin" in sys.modules or "torch" in sys.modules:
        import vesin

        return vesin
    sys.modules["torch"] = None  # makes vesin's ``import torch`` fail fast, for this import only
    try:
        import vesin
    finally:
        del sys.modules["torch"]
    return vesin


def _check_overlap(i: np.ndarray, j: np.ndarray, d: np.ndarray) -> None:
    if d.size and d.min() < OVERLAP_DISTANCE:
        k = int(np.argmin(d))
        raise GlassmlError(
            f"particles {int(i[k])} and {int(j[k])} overlap (distance {d[k]:.3g}); remove duplicated particles"
        )


def neighbors(positions, box, cutoff: float, *, periodic=True) -> Neighbors:
    """Shortcut: ``NeighborQuery(positions, box, periodic=periodic).neighbors(cutoff)``."""
    return NeighborQuery(positions, box, periodic=periodic).neighbors(cutoff)
