"""Isoconfigurational trajectories as the dynamics package sees them.

A sample of a glassml dataset holds one initial configuration ``initial_positions`` (N, d)
and ``positions`` (T, R, N, d): the *unwrapped* positions of R isoconfigurational replicas
(same positions, velocities drawn afresh; Widmer-Cooper, Harrowell & Fynewever, PRL 93,
135701, 2004) at T times.  Everything in :mod:`glassml.dynamics` starts from the
displacements ``positions[t, r] - initial_positions``.

Wrapped starts.  Replica positions are unwrapped continuations of the initial
configuration, so the displacement is a plain difference *if* ``initial_positions`` is the
unwrapped start.  A writer may instead store a start folded into the box while the
replicas continue from the unfolded one; then a displacement is off by a whole box vector.
We remove such offsets with the minimum image (:meth:`glassml.geometry.Box.minimum_image`)
of the displacement at the FIRST stored time only: the shift is that displacement minus its
minimum image, whole box vectors, and the same shift is applied at every later time.  This
is exact as long as no particle moved more than half a box length by the first stored time,
which is checked.  The GlassBench KA2D files need no shift: their starts are unwrapped
(coordinates reach beyond the box) and the largest displacement component at t = 0.1 is
0.21 for L = 32.9.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import Box


@dataclass
class Isoconfigurational:
    """Displacements of R replicas of one initial configuration at T times.

    Attributes
    ----------
    types: (N,) int, species 0..K-1 (0 = A).
    box: (d,) float, orthorhombic box lengths.
    initial_positions: (N, d) float, the configuration every replica starts from.
    times: (T,) float, the times of the stored positions.
    displacements: (T, R, N, d) float, ``positions[t, r] - initial_positions`` (unwrapped).
    """

    types: np.ndarray
    box: np.ndarray
    initial_positions: np.ndarray
    times: np.ndarray
    displacements: np.ndarray

    @property
    def n_times(self) -> int:
        return int(self.displacements.shape[0])

    @property
    def n_replicas(self) -> int:
        return int(self.displacements.shape[1])

    @property
    def n_particles(self) -> int:
        return int(self.displacements.shape[2])

    @property
    def dimension(self) -> int:
        return int(self.displacements.shape[3])


def displacements(initial_positions: np.ndarray, positions: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Displacements (T, R, N, d) of unwrapped replica positions from the initial configuration.

    Args:
        initial_positions: (N, d) start, unwrapped or folded into the box.
        positions: (T, R, N, d) unwrapped replica positions.
        box: (d,) box lengths.

    A folded start is repaired with the minimum image of the first stored time's
    displacement (see the module docstring); raises :class:`GlassmlError` if that would be
    ambiguous (a first-time displacement within 1e-6 of half a box).
    """
    x0 = np.asarray(initial_positions, dtype=float)
    pos = np.asarray(positions, dtype=float)
    box = np.asarray(box, dtype=float)
    d = pos - x0[None, None]
    first = Box.from_any(box, d.shape[-1]).minimum_image(d[0])  # (R, N, d)
    shift = d[0] - first  # the whole box vectors the minimum image removed (an exact difference)
    if np.any(shift != 0):
        if np.any(np.abs(np.abs(first) - box / 2) < 1e-6 * box):
            raise GlassmlError("cannot tell a folded start from a half-box displacement at the first stored time")
        d -= shift[None]
    return d


def from_arrays(arrays, *, times=None, path: str | os.PathLike | None = None, need_times: int = 1) -> Isoconfigurational:
    """Build an :class:`Isoconfigurational` from a sample's arrays, checking every shape.

    Args:
        arrays: mapping (or :class:`glassml.store.Sample`) with ``types``, ``box``,
            ``initial_positions``, ``positions`` and optionally ``times``.
        times: the dataset time grid, used when the sample has no ``times``.
        path: the sample file, named in error messages.
        need_times: the fewest time points the caller can work with.
    """
    def has(key):
        try:
            return key in arrays
        except TypeError:
            return False

    for key in ("types", "box", "initial_positions"):
        if not has(key):
            raise GlassmlError(f"missing array '{key}'", path)
    if not has("positions"):
        raise GlassmlError("no replica trajectories ('positions' is missing): run the isoconfigurational simulation first", path)
    types = np.asarray(arrays["types"])
    if types.ndim != 1 or not np.issubdtype(types.dtype, np.integer) or types.size == 0:
        raise GlassmlError(f"'types' must be a non-empty 1-D integer array, got {types.dtype} {types.shape}", path)
    n = types.shape[0]
    x0 = np.asarray(arrays["initial_positions"], dtype=float)
    if x0.ndim != 2 or x0.shape[0] != n or x0.shape[1] not in (2, 3):
        raise GlassmlError(f"'initial_positions' must have shape ({n}, d), got {x0.shape}", path)
    dim = x0.shape[1]
    box = np.asarray(arrays["box"], dtype=float)
    box = np.full(dim, float(box)) if box.ndim == 0 else box
    if box.shape != (dim,) or np.any(~np.isfinite(box)) or np.any(box <= 0):
        raise GlassmlError(f"'box' must be a positive scalar or {dim} lengths, got {box.tolist()}", path)
    pos = np.asarray(arrays["positions"], dtype=float)
    if pos.ndim == 3:  # GlassBench layout: one time, (R, N, d)
        pos = pos[None]
    if pos.ndim != 4:
        raise GlassmlError(f"'positions' must have shape (T, R, N, d), got {pos.shape}", path)
    if pos.shape[1] == 0:
        raise GlassmlError("'positions' holds no replicas", path)
    if pos.shape[0] == 0:
        raise GlassmlError("'positions' holds no time points", path)
    if pos.shape[2] != n or pos.shape[3] != dim:
        raise GlassmlError(
            f"particle numbers do not match: 'types' has {n} particles in {dim}-d, 'positions' has shape {pos.shape}", path
        )
    if not np.all(np.isfinite(pos)):
        raise GlassmlError("'positions' holds non-finite values", path)
    if has("times"):
        t = np.asarray(arrays["times"], dtype=float).reshape(-1)
    elif times is not None:
        t = np.asarray(times, dtype=float).reshape(-1)
    else:
        raise GlassmlError("no time grid: the sample has no 'times' and the manifest has none", path)
    if t.shape[0] != pos.shape[0]:
        raise GlassmlError(f"'positions' has {pos.shape[0]} time points but the time grid has {t.shape[0]}", path)
    if t.shape[0] < need_times:
        raise GlassmlError(f"only {t.shape[0]} time point(s); this needs at least {need_times} to follow the dynamics", path)
    if np.any(np.diff(t) <= 0):
        raise GlassmlError("the time grid must increase strictly", path)
    return Isoconfigurational(types=types.astype(np.int64), box=box, initial_positions=x0, times=t, displacements=displacements(x0, pos, box))
