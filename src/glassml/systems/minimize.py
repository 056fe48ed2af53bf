"""FIRE energy minimisation on glassml's own (numpy) potential.

FIRE: Bitzek, Koskinen, Gähler, Moseler and Gumbsch, PRL 97, 170201 (2006), with the
standard parameters (N_min 5, f_inc 1.1, f_dec 0.5, alpha_start 0.1, f_alpha 0.99).  This is
the reference minimiser used to check potentials (e.g. on GlassBench's inherent structures);
campaigns use LAMMPS's FIRE (:mod:`glassml.simulate.engine`) for speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from glassml.errors import GlassmlError
from glassml.systems.compute import energies_and_forces


@dataclass
class MinimizeResult:
    positions: np.ndarray
    energy_per_particle: float
    max_force: float
    n_steps: int
    converged: bool


def fire(forces: Callable[[np.ndarray], tuple[float, np.ndarray]], positions, *, force_tolerance: float = 1e-8,
         max_steps: int = 100_000, dt: float = 0.002, dt_max: float = 0.02,
         force_norm: str = "max") -> MinimizeResult:
    """FIRE on any force field: ``forces(x) -> (energy_per_particle, F)`` with ``F`` of the shape of
    ``x`` (zero rows keep particles in place: a frozen matrix).  Stops when the force norm is below
    ``force_tolerance`` (unit masses).

    ``force_norm``: ``"max"``, the largest ``|F_i|``, or ``"global"``, the 2-norm of the whole
    force vector (LAMMPS' ``minimize`` criterion).  ``max_force`` of the result is that norm.
    """
    if force_norm not in ("max", "global"):
        raise GlassmlError(f"force_norm must be 'max' or 'global', got {force_norm!r}")

    def norm(f: np.ndarray) -> float:
        return float(np.max(np.linalg.norm(f, axis=1))) if force_norm == "max" else float(np.linalg.norm(f))

    x = np.array(positions, dtype=float)
    v = np.zeros_like(x)
    alpha, n_pos = 0.1, 0
    e, f = forces(x)
    step = 0
    fmax = norm(f)
    while step < max_steps and fmax >= force_tolerance:
        power = float(np.sum(f * v))
        if power > 0:
            vn, fn = np.linalg.norm(v), np.linalg.norm(f)
            v = (1 - alpha) * v + alpha * vn * f / max(fn, 1e-300)
            n_pos += 1
            if n_pos > 5:
                dt = min(dt * 1.1, dt_max)
                alpha *= 0.99
        else:
            x -= 0.5 * dt * v
            v[:] = 0.0
            dt *= 0.5
            alpha, n_pos = 0.1, 0
        # semi-implicit Euler (as in the FIRE 2.0 paper's MD integrator)
        v += dt * f
        x += dt * v
        e, f = forces(x)
        fmax = norm(f)
        step += 1
    return MinimizeResult(x, float(e), fmax, step, fmax < force_tolerance)


def fire_minimize(model, positions, types, box, *, diameters=None, force_tolerance: float = 1e-8,
                  max_steps: int = 100_000, dt: float = 0.002, dt_max: float = 0.02,
                  force_norm: str = "max") -> MinimizeResult:
    """Minimise ``model``'s energy (:func:`fire`); positions stay unwrapped, ``box`` may be triclinic
    (a :class:`~glassml.geometry.Box`)."""

    def forces(x: np.ndarray) -> tuple[float, np.ndarray]:
        e, f, _ = energies_and_forces(model, x, types, box, diameters)
        return float(e.mean()), f

    return fire(forces, positions, force_tolerance=force_tolerance, max_steps=max_steps, dt=dt, dt_max=dt_max,
                force_norm=force_norm)
