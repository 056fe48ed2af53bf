"""Energies and forces of a configuration under a :class:`~glassml.systems.models.Model`.

Pairs come from :class:`glassml.geometry.NeighborQuery` (vesin's half list) over every
periodic image closer than the cutoff, so a box smaller than twice the cutoff is handled as
LAMMPS handles it.
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import NeighborQuery


def neighbor_pairs(positions: np.ndarray, box, cutoff: float):
    """Half list of pairs closer than ``cutoff``: ``(i, j, r_ij, |r_ij|)`` with ``r_ij = r_j - r_i``.

    Every periodic image closer than ``cutoff`` counts (a pair may appear once per image, and
    a particle may pair with its own image when the box is shorter than the cutoff).
    ``box`` is anything :class:`glassml.geometry.Box` accepts (scalar, lengths, Box).
    """
    return NeighborQuery(positions, box).half_pairs(cutoff, all_images=True, return_vectors=True)


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
