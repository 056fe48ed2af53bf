"""Energies and forces of a configuration under a :class:`~glassml.systems.models.Model`.

Pairs come from :class:`glassml.geometry.NeighborQuery` (vesin's half list) over every
periodic image closer than the cutoff, so a box smaller than twice the cutoff is handled as
LAMMPS handles it.
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import Box, NeighborQuery


def neighbor_pairs(positions: np.ndarray, box, cutoff: float):
    """Half list of pairs closer than ``cutoff``: ``(i, j, r_ij, |r_ij|)`` with ``r_ij = r_j - r_i``.

    Every periodic image closer than ``cutoff`` counts (a pair may appear once per image, and
    a particle may pair with its own image when the box is shorter than the cutoff).
    ``box`` is anything :class:`glassml.geometry.Box` accepts (scalar, lengths, Box).
    """
    return NeighborQuery(positions, box).half_pairs(cutoff, all_images=True, return_vectors=True)


def _check_inputs(model, positions, types, diameters):
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
    return x, types, diameters


def _pair_diameters(model, diameters, i, j):
    return (diameters[i], diameters[j]) if model.polydisperse else (None, None)


def _half_sums(i: np.ndarray, j: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """``e_k = 1/2 sum over pairs containing k of v``: each pair's value split between its two particles."""
    return 0.5 * (np.bincount(i, v, minlength=n) + np.bincount(j, v, minlength=n))


def potential_energies(model, positions, types, box, diameters=None) -> np.ndarray:
    """Per-particle potential energy (N,): half of each pair energy to each partner, as LAMMPS'
    ``compute pe/atom`` reports for pair interactions."""
    x, types, diameters = _check_inputs(model, positions, types, diameters)
    i, j, _, r = neighbor_pairs(x, box, model.max_cutoff(diameters))
    v = model.pair_energy(r, types[i], types[j], *_pair_diameters(model, diameters, i, j))
    return _half_sums(i, j, v, len(x))


def energies_and_forces(model, positions, types, box, diameters=None):
    """Per-particle energies (N,) (as :func:`potential_energies`), forces (N, d) and virial.

    Returns ``(energy_per_particle, forces, virial)`` with ``virial = sum_pairs r_ij . f_ij``
    (so the pressure is ``(N T + virial / d) / V``).
    """
    x, types, diameters = _check_inputs(model, positions, types, diameters)
    n = len(x)
    i, j, vec, r = neighbor_pairs(x, box, model.max_cutoff(diameters))
    si, sj = _pair_diameters(model, diameters, i, j)
    v = model.pair_energy(r, types[i], types[j], si, sj)
    fmag = model.pair_force_magnitude(r, types[i], types[j], si, sj)
    e = _half_sums(i, j, v, n)
    virial = float(np.sum(fmag * r))
    return e, _pair_forces(i, j, vec, r, fmag, n), virial


def virial_pressure_tensor(model, positions, types, box, diameters=None) -> np.ndarray:
    """The configurational part of the pressure tensor, ``P_ab = (1/V) sum_pairs f(r) r_a r_b / r``,
    (d, d), with ``f = -V'(r)`` (Irving–Kirkwood; what LAMMPS' ``compute pressure ... virial``
    reports).  At zero temperature it is the whole pressure tensor, and the shear stress of a
    sheared solid is ``sigma_xy = -P_xy``.  ``box`` may be triclinic (a :class:`~glassml.geometry.Box`).
    """
    x, types, diameters = _check_inputs(model, positions, types, diameters)
    i, j, vec, r = neighbor_pairs(x, box, model.max_cutoff(diameters))
    si, sj = _pair_diameters(model, diameters, i, j)
    fmag = model.pair_force_magnitude(r, types[i], types[j], si, sj)
    w = (fmag / np.where(r > 0, r, 1.0))[:, None, None] * vec[:, :, None] * vec[:, None, :]
    return w.sum(axis=0) / Box.from_any(box, x.shape[1]).volume


def frozen_matrix_forces(model, positions, types, box, mobile, diameters=None) -> tuple[float, np.ndarray]:
    """Forces (N, d) on the ``mobile`` particles ((N,) bool) from every pair that holds one, zero on
    the others (a frozen matrix), and the energy per particle of those pairs.

    Pairs of two frozen particles are left out: they cannot move, and under an affine map taken
    about a point (the frozen-matrix probes of :mod:`glassml.mechanics.yield_stress`) those that
    straddle the periodic seam may overlap.
    """
    x, types, diameters = _check_inputs(model, positions, types, diameters)
    mobile = np.asarray(mobile, bool)
    q = NeighborQuery(x, box)
    i, j, vec, r = q.half_pairs(model.max_cutoff(diameters), check_overlap=False, return_vectors=True)
    keep = mobile[i] | mobile[j]
    i, j, vec, r = i[keep], j[keep], vec[keep], r[keep]
    si, sj = _pair_diameters(model, diameters, i, j)
    f = _pair_forces(i, j, vec, r, model.pair_force_magnitude(r, types[i], types[j], si, sj), len(x))
    f[~mobile] = 0.0
    return float(model.pair_energy(r, types[i], types[j], si, sj).sum() / len(x)), f


def _pair_forces(i, j, vec, r, fmag, n: int) -> np.ndarray:
    """(n, d) forces from the pairs' force magnitudes ``-V'(r)`` along ``vec = r_j - r_i``."""
    fvec = (fmag / np.where(r > 0, r, 1.0))[:, None] * vec  # force on j from i (repulsive: along vec)
    f = np.zeros((n, vec.shape[1]))
    for k in range(vec.shape[1]):
        f[:, k] = np.bincount(j, fvec[:, k], minlength=n) - np.bincount(i, fvec[:, k], minlength=n)
    return f


def configurational_temperature(model, positions, types, box, diameters=None) -> float:
    """Temperature read from the positions alone, ``k T = <|grad U|^2> / <laplacian U>``
    (Rugh, PRL 78, 772 (1997); Butler, Ayton, Jepps & Evans, J. Chem. Phys. 109, 6519 (1998)).

    Given one configuration it returns ``|grad U|^2 / laplacian U`` of that configuration; pass
    several (an array (M, N, d)) to get the ratio of the sums, the estimator of the ensemble's
    temperature.  It checks that configurations and a model belong together: configurations
    sampled at temperature T under the same potential give T, whatever the dynamics or masses.
    """
    x = np.asarray(positions, dtype=float)
    frames = x[None] if x.ndim == 2 else x
    grad2 = laplacian = 0.0
    for frame in frames:
        frame, t, d = _check_inputs(model, frame, types, diameters)
        i, j, vec, r = neighbor_pairs(frame, box, model.max_cutoff(d))
        si, sj = _pair_diameters(model, d, i, j)
        fmag = model.pair_force_magnitude(r, t[i], t[j], si, sj)
        curvature = model.pair_curvature(r, t[i], t[j], si, sj)
        grad2 += float(np.sum(_pair_forces(i, j, vec, r, fmag, len(frame)) ** 2))
        # each pair enters the laplacian of both partners: 2 (V'' + (dim - 1) V' / r); a pair
        # of a particle with its own periodic image keeps its length when the particle moves
        laplacian += float(2 * np.sum(np.where(i != j, curvature - (frame.shape[1] - 1) * fmag / r, 0.0)))
    if laplacian <= 0:
        raise GlassmlError("the laplacian of the potential energy is not positive: no configurational temperature")
    return grad2 / laplacian
