"""Energies and forces of a configuration under a :class:`~glassml.systems.models.Model`.

Neighbour pairs come from vesin (periodic cell lists, half list); two-dimensional systems are
embedded in a slab whose third length exceeds twice the cutoff, so no spurious images appear.
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError


def _as_box(box, d: int) -> np.ndarray:
    box = np.asarray(box, dtype=float)
    if box.ndim == 0:
        box = np.full(d, float(box))
    if box.shape != (d,) or np.any(~np.isfinite(box)) or np.any(box <= 0):
        raise GlassmlError(f"box must be a positive scalar or {d} lengths, got {box.tolist()}")
    return box


def neighbor_pairs(positions: np.ndarray, box, cutoff: float):
    """Half list of pairs closer than ``cutoff``: (i, j, r_ij vectors (j - i, minimum image), |r_ij|)."""
    import vesin

    x = np.asarray(positions, dtype=float)
    if x.ndim != 2 or x.shape[1] not in (2, 3):
        raise GlassmlError(f"positions must have shape (N, 2) or (N, 3), got {x.shape}")
    d = x.shape[1]
    box = _as_box(box, d)
    x = np.mod(x, box)
    if d == 2:
        x = np.column_stack([x, np.zeros(len(x))])
        lengths = np.array([box[0], box[1], 2.0 * cutoff + 1.0])
    else:
        lengths = box
    nl = vesin.NeighborList(cutoff=float(cutoff), full_list=False)
    i, j, vec, dist = nl.compute(points=x, box=np.diag(lengths), periodic=True, quantities="ijDd")
    return i.astype(np.int64), j.astype(np.int64), vec[:, :d], dist


def energies_and_forces(model, positions, types, box, diameters=None):
    """Per-particle energies (N,) (half of each pair energy to each partner), forces (N, d) and virial.

    Returns ``(energy_per_particle, forces, virial)`` with ``virial = sum_pairs r_ij . f_ij``
    (so the pressure is ``(N T + virial / d) / V``).
    """
    x = np.asarray(positions, dtype=float)
    types = np.asarray(types)
    n = len(x)
    if types.shape != (n,):
        raise GlassmlError(f"types must have shape ({n},), got {types.shape}")
    if x.ndim != 2 or x.shape[1] != model.dimension:
        raise GlassmlError(f"model {model.name} is {model.dimension}-D; positions have shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise GlassmlError("positions hold non-finite values")
    if model.polydisperse:
        if diameters is None:
            raise GlassmlError(f"model {model.name} is polydisperse: the sample needs 'diameters'")
        diameters = np.asarray(diameters, float)
        if diameters.shape != (n,):
            raise GlassmlError(f"diameters must have shape ({n},), got {diameters.shape}")
    i, j, vec, r = neighbor_pairs(x, box, model.max_cutoff(diameters))
    si = sj = None
    if model.polydisperse:
        si, sj = diameters[i], diameters[j]
    v = model.pair_energy(r, types[i], types[j], si, sj)
    fmag = model.pair_force_magnitude(r, types[i], types[j], si, sj)
    e = np.zeros(n)
    np.add.at(e, i, 0.5 * v)
    np.add.at(e, j, 0.5 * v)
    fvec = (fmag / np.where(r > 0, r, 1.0))[:, None] * vec  # force on j from i (repulsive: along vec)
    f = np.zeros_like(x)
    for k in range(x.shape[1]):
        f[:, k] = np.bincount(j, fvec[:, k], minlength=n) - np.bincount(i, fvec[:, k], minlength=n)
    virial = float(np.sum(fmag * r))
    return e, f, virial


def pressure(model, positions, types, box, temperature: float, diameters=None) -> float:
    """Virial pressure P = (N T + W / d) / V at kinetic temperature ``temperature``."""
    x = np.asarray(positions)
    d = x.shape[1]
    box = _as_box(box, d)
    _, _, w = energies_and_forces(model, x, types, box, diameters)
    return float((len(x) * temperature + w / d) / np.prod(box))
