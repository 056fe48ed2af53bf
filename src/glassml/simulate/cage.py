"""Cage states: average particle positions while rearrangements are forbidden.

Alkemade, Smallenburg and Filion (J. Chem. Phys. 158, 134512 (2023), "Improving the prediction
of glassy dynamics by pinpointing the local cage") define the *cage state* of a configuration as
the configuration of average particle positions when particle rearrangements are forbidden, and
show that structure measured on it predicts dynamic propensity better than the initial or the
inherent state.  Here rearrangements are forbidden by confining every particle to the Voronoi
cell of its initial position (a move that brings particle i closer to another particle's initial
position than to its own is rejected); all particles move at once by Metropolis Monte Carlo at
the configuration's temperature under the model's own potential, and the positions are averaged
over the production sweeps.  The constraint used in the paper's own code may differ in detail
(see the simulate guide in the documentation).
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import Box, NeighborQuery
from glassml.simulate import montecarlo


def _shift_list(query: NeighborQuery, radius: float):
    """Full neighbor list (CSR: offsets, neighbors, shift vectors) over every periodic image
    closer than ``radius``, so the kernel needs no minimum image and any image a particle can
    reach while caged is in the list."""
    nb = query.neighbors(radius, all_images=True)
    shift = query.box.with_images(np.zeros(nb.vectors.shape), nb.shifts)
    return nb.offsets, np.ascontiguousarray(nb.j), np.ascontiguousarray(shift)


def cage_state(model, positions, types, box, temperature: float, *, seed: int = 0, diameters=None,
               n_equilibration: int = 200, n_production: int = 1000, step: float = 0.08,
               max_excursion: float = 0.6, return_info: bool = False):
    """Cage state (N, d) of ``positions`` (unwrapped, continuous with ``positions``).

    The pair lists are built once, over every periodic image within the model's cutoff plus
    ``2 max_excursion``, so that range may exceed half the box (N = 300 KA3D at rho = 1.2 needs
    this); it must not exceed the box's smallest width, where a particle would interact with
    its own image (a :class:`~glassml.errors.GlassmlError` says so).

    Parameters
    ----------
    box: edge lengths (scalar or (d,)) or a :class:`~glassml.geometry.Box`.
    temperature: temperature of the Monte Carlo inside the cages.
    n_equilibration, n_production: Monte Carlo sweeps (N attempted moves each) before and during averaging.
    step: maximum displacement per attempted move.
    max_excursion: a particle never moves farther than this from its initial position (bounds the
        neighbor lists; cage rattling amplitudes are ~0.1-0.2 in dense liquids).
    """
    x0 = np.array(positions, dtype=np.float64)
    n, d = x0.shape
    box = Box.from_any(box, d)
    types = np.ascontiguousarray(types, dtype=np.int64)
    if not (np.isfinite(temperature) and temperature > 0):
        raise GlassmlError(f"temperature must be positive, got {temperature}")
    if not (np.isfinite(max_excursion) and max_excursion > 0 and np.isfinite(step) and step > 0):
        raise GlassmlError(f"step and max_excursion must be positive, got {step} and {max_excursion}")
    diam = np.ones(n) if diameters is None else np.array(diameters, dtype=np.float64)
    params = montecarlo.model_params(model)
    radius = model.max_cutoff(diameters) + 2.0 * max_excursion
    width = 2.0 * box.half_width
    if radius > width:
        raise GlassmlError(
            f"box too small for cage states: its smallest width {width:.4g} is below the cutoff plus twice "
            f"max_excursion ({radius:.4g}), so a particle would meet its own image; use a larger system"
        )
    y0 = box.wrap(x0)  # work in the wrapped frame; shift back at the end
    query = NeighborQuery(y0, box)
    start, nbr, shift = _shift_list(query, radius)
    gstart, gnbr, gshift = _shift_list(query, 2.0 * max_excursion)
    y = y0.copy()
    rng = np.random.default_rng(seed)
    seeds = rng.integers(1, 2**31 - 1, size=2)
    beta = 1.0 / temperature
    common = (types, diam, *params, start, nbr, shift, gstart, gnbr, gshift, float(max_excursion), beta, float(step))
    montecarlo.cage_sweeps(y, y0, *common, int(n_equilibration), int(seeds[0]))
    xsum, acc = montecarlo.cage_sweeps(y, y0, *common, int(n_production), int(seeds[1]))
    xsum = xsum + n_production * (x0 - y0)
    xc = xsum / n_production
    if return_info:
        return xc, {"acceptance": acc / (n * n_production), "sweeps": n_production, "equilibration_sweeps": n_equilibration,
                    "temperature": float(temperature), "step": step, "constraint": "initial Voronoi cell"}
    return xc
