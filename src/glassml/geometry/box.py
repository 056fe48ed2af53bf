"""Simulation boxes: orthorhombic and triclinic, periodic or not, in two and three dimensions.

A :class:`Box` follows LAMMPS's convention for a triclinic cell: edge lengths ``(lx, ly[, lz])``
and tilt factors ``xy`` (2D) or ``(xy, xz, yz)`` (3D), so that the lattice vectors, the rows of
:attr:`Box.matrix`, are ``a = (lx, 0, 0)``, ``b = (xy, ly, 0)``, ``c = (xz, yz, lz)``.  An
orthorhombic box has zero tilts.

The minimum image of a separation vector is taken in fractional coordinates,
``s -= round(s)``.  This is the true minimum image for every vector shorter than half the
smallest perpendicular width of the cell (:attr:`Box.half_width`), which is the longest cutoff
:class:`~glassml.geometry.NeighborQuery` accepts; for an orthorhombic box it is the plain
per-axis fold.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml.errors import GlassmlError


def as_positions(positions: Any) -> np.ndarray:
    """Validate positions (N, d) with d in {2, 3}, all finite; return a float64 C array."""
    pos = np.ascontiguousarray(positions, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[1] not in (2, 3):
        raise GlassmlError(f"positions must have shape (N, 2) or (N, 3), got {pos.shape}")
    if not np.all(np.isfinite(pos)):
        raise GlassmlError("positions contain NaN or infinite values")
    return pos


def as_lengths(box: Any, dimension: int) -> np.ndarray:
    """Edge lengths ``(d,)`` of an orthorhombic box given as a scalar, ``(d,)`` or a diagonal ``(d, d)``."""
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


def as_periodic(periodic: Any, dimension: int) -> np.ndarray:
    """Periodicity per axis: a bool or ``d`` bools, as a ``(d,)`` bool array."""
    per = np.asarray(periodic, dtype=bool)
    if per.ndim == 0:
        per = np.full(dimension, bool(per))
    if per.shape != (dimension,):
        raise GlassmlError(f"periodic must be a bool or {dimension} bools, got shape {per.shape}")
    return per


class Box:
    """An orthorhombic or triclinic simulation box.

    Parameters
    ----------
    lengths:
        Edge lengths ``(d,)`` (a scalar needs ``dimension``); d = 2 or 3.
    tilts:
        LAMMPS tilt factors: ``xy`` in 2D, ``(xy, xz, yz)`` in 3D; ``None`` for orthorhombic.
    periodic:
        A bool or ``d`` bools.  Tilted boxes must be periodic along every axis.
    dimension:
        Needed only when ``lengths`` is a scalar.

    Examples
    --------
    >>> box = Box([10.0, 10.0], tilts=[1.0])     # a sheared 2D box, strain 0.1
    >>> box.minimum_image(np.array([[9.5, 0.2]]))
    array([[-0.5,  0.2]])
    """

    def __init__(self, lengths: Any, tilts: Any = None, *, periodic: Any = True, dimension: int | None = None):
        if dimension is None:
            dimension = int(np.size(lengths)) if np.ndim(lengths) else 3
        if dimension not in (2, 3):
            raise GlassmlError(f"a box has 2 or 3 dimensions, got {dimension}")
        self.lengths = as_lengths(lengths, dimension)
        self.dimension = dimension
        n_tilts = 1 if dimension == 2 else 3
        t = np.zeros(n_tilts) if tilts is None else np.atleast_1d(np.asarray(tilts, dtype=np.float64))
        if t.shape != (n_tilts,) or not np.all(np.isfinite(t)):
            raise GlassmlError(f"a {dimension}D box takes {n_tilts} finite tilt factor(s), got {np.asarray(tilts).tolist()}")
        self.tilts = t
        self.periodic = as_periodic(periodic, dimension)
        if self.is_triclinic and not self.periodic.all():
            raise GlassmlError("a tilted box must be periodic along every axis")
        m = np.diag(self.lengths)
        m[1, 0] = t[0]
        if dimension == 3:
            m[2, 0], m[2, 1] = t[1], t[2]
        self.matrix = m
        self._inverse = np.linalg.inv(m)

    @classmethod
    def from_any(cls, box: Any, dimension: int, *, periodic: Any = True) -> "Box":
        """A :class:`Box` from a Box, a scalar, ``(d,)`` lengths or a ``(d, d)`` lower-triangular matrix."""
        if isinstance(box, Box):
            if box.dimension != dimension:
                raise GlassmlError(f"the box is {box.dimension}D but the positions are {dimension}D")
            return box
        arr = np.asarray(box, dtype=np.float64)
        if arr.ndim == 2 and arr.shape == (dimension, dimension):
            if not np.allclose(np.triu(arr, 1), 0.0):
                raise GlassmlError("a box matrix must be lower triangular (rows a, b, c as in LAMMPS)")
            tilts = [arr[1, 0]] if dimension == 2 else [arr[1, 0], arr[2, 0], arr[2, 1]]
            return cls(np.diag(arr), None if not np.any(tilts) else tilts, periodic=periodic, dimension=dimension)
        return cls(arr, periodic=periodic, dimension=dimension)

    @property
    def is_triclinic(self) -> bool:
        return bool(np.any(self.tilts != 0.0))

    @property
    def volume(self) -> float:
        """Volume (area in 2D)."""
        return float(np.prod(self.lengths))

    @property
    def half_width(self) -> float:
        """Half the smallest perpendicular width among the periodic directions (``inf`` if none)."""
        if not self.periodic.any():
            return float("inf")
        if not self.is_triclinic:
            return 0.5 * float(self.lengths[self.periodic].min())
        # width along axis k = volume / |area of the face spanned by the other lattice vectors|
        widths = 1.0 / np.linalg.norm(self._inverse, axis=0)
        return 0.5 * float(widths[self.periodic].min())

    def fractional(self, positions: np.ndarray) -> np.ndarray:
        """Fractional coordinates ``s`` with ``x = s @ matrix``."""
        return np.asarray(positions, dtype=np.float64) @ self._inverse

    def cartesian(self, fractional: np.ndarray) -> np.ndarray:
        return np.asarray(fractional, dtype=np.float64) @ self.matrix

    def minimum_image(self, vectors: np.ndarray) -> np.ndarray:
        """Separation vectors folded to their minimum image along the periodic axes (new array)."""
        v = np.array(vectors, dtype=np.float64)
        if not self.is_triclinic:
            for a in np.flatnonzero(self.periodic):
                v[..., a] -= self.lengths[a] * np.round(v[..., a] / self.lengths[a])
            return v
        s = v @ self._inverse
        s -= np.round(s)
        return s @ self.matrix

    def wrap(self, positions: np.ndarray) -> np.ndarray:
        """Positions folded into the cell ``[0, 1)`` in fractional coordinates along periodic axes (new array).

        In an orthorhombic box each periodic coordinate becomes ``np.mod(x, L)``, the exact
        remainder rounded once (it may round up to ``L`` itself for tiny negative ``x``).
        """
        x = np.array(positions, dtype=np.float64)
        if not self.is_triclinic:
            for a in np.flatnonzero(self.periodic):
                x[..., a] = np.mod(x[..., a], self.lengths[a])
            return x
        s = x @ self._inverse
        s[..., self.periodic] -= np.floor(s[..., self.periodic])
        return s @ self.matrix

    def images(self, positions: np.ndarray) -> np.ndarray:
        """Integer image counts (LAMMPS ``ix iy iz``) of positions: the cell each one lies in.

        ``floor`` of the fractional coordinates along periodic axes, 0 along the others, so that
        ``with_images(x - images(x) @ matrix, images(x))`` gives ``x`` back; the inverse of
        :meth:`with_images`.
        """
        x = np.asarray(positions, dtype=np.float64)
        if x.shape[-1:] != (self.dimension,):
            raise GlassmlError(f"positions must have shape (..., {self.dimension}), got {x.shape}")
        s = x / self.lengths if not self.is_triclinic else x @ self._inverse
        out = np.zeros(x.shape, dtype=np.int64)
        out[..., self.periodic] = np.floor(s[..., self.periodic])
        return out

    def unwrap(self, frames: np.ndarray) -> np.ndarray:
        """Continuous trajectories from wrapped frames ``(T, N, d)``.

        Each step between consecutive frames is taken as its minimum image, so a particle must
        move less than :attr:`half_width` between frames.
        """
        x = np.asarray(frames, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.dimension:
            raise GlassmlError(f"frames must have shape (T, N, {self.dimension}), got {x.shape}")
        steps = self.minimum_image(np.diff(x, axis=0))
        return np.concatenate([x[:1], x[:1] + np.cumsum(steps, axis=0)], axis=0)

    def with_images(self, positions: np.ndarray, images: np.ndarray) -> np.ndarray:
        """Unwrapped positions from wrapped ``positions`` and integer image counts (LAMMPS ``ix iy iz``)."""
        x = np.asarray(positions, dtype=np.float64)
        n = np.asarray(images, dtype=np.float64)
        if not self.is_triclinic:
            return x + n * self.lengths
        return x + n @ self.matrix

    def as_dict(self) -> dict[str, Any]:
        return {"lengths": self.lengths.tolist(), "tilts": self.tilts.tolist(), "periodic": self.periodic.tolist()}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Box) and self.dimension == other.dimension
                and np.array_equal(self.lengths, other.lengths) and np.array_equal(self.tilts, other.tilts)
                and np.array_equal(self.periodic, other.periodic))

    def __repr__(self) -> str:
        tilt = f", tilts={self.tilts.tolist()}" if self.is_triclinic else ""
        per = "" if self.periodic.all() else f", periodic={self.periodic.tolist()}"
        return f"Box({self.lengths.tolist()}{tilt}{per})"


def minimum_image(vectors: np.ndarray, box: Any) -> np.ndarray:
    """Minimum image of separation vectors ``(..., d)`` in ``box`` (a :class:`Box` or lengths)."""
    v = np.asarray(vectors)
    return Box.from_any(box, v.shape[-1]).minimum_image(v)


def wrap(positions: np.ndarray, box: Any) -> np.ndarray:
    """Positions folded into ``box`` (a :class:`Box` or lengths); see :meth:`Box.wrap`."""
    x = np.asarray(positions)
    return Box.from_any(box, x.shape[-1]).wrap(x)


def unwrap(frames: np.ndarray, box: Any) -> np.ndarray:
    """Continuous trajectories ``(T, N, d)`` from wrapped frames; see :meth:`Box.unwrap`."""
    x = np.asarray(frames)
    return Box.from_any(box, x.shape[-1]).unwrap(x)
