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
(see the README (Simulation section)).
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.simulate import _mc


def _shift_list(y, box, radius):
    """Full neighbour list (CSR) with explicit periodic shift vectors, from vesin (any box size)."""
    import vesin

    n, d = y.shape
    pts = y if d == 3 else np.column_stack([y, np.zeros(n)])
    lengths = box if d == 3 else np.array([box[0], box[1], 2.0 * radius + 1.0])
    i, j, s = vesin.NeighborList(cutoff=float(radius), full_list=True).compute(
        points=pts, box=np.diag(lengths), periodic=True, quantities="ijS")
    order = np.lexsort((j, i))
    i, j, s = i[order].astype(np.int64), j[order].astype(np.int64), s[order][:, :d]
    start = np.zeros(n + 1, np.int64)
    np.add.at(start, i + 1, 1)
    return np.cumsum(start), np.ascontiguousarray(j), np.ascontiguousarray(s * box)


def cage_state(model, positions, types, box, temperature: float, *, seed: int = 0, diameters=None,
               n_equilibration: int = 200, n_production: int = 1000, step: float = 0.08,
               max_excursion: float = 0.6, return_info: bool = False):
    """Cage state (N, d) of ``positions`` (unwrapped, continuous with ``positions``).

    Parameters
    ----------
    temperature: temperature of the Monte Carlo inside the cages.
    n_equilibration, n_production: Monte Carlo sweeps (N attempted moves each) before and during averaging.
    step: maximum displacement per attempted move.
    max_excursion: a particle never moves farther than this from its initial position (bounds the
        neighbour lists; cage rattling amplitudes are ~0.1-0.2 in dense liquids).
    """
    x0 = np.array(positions, dtype=np.float64)
    n, d = x0.shape
    box = np.full(d, float(box)) if np.ndim(box) == 0 else np.asarray(box, dtype=np.float64)
    types = np.ascontiguousarray(types, dtype=np.int64)
    if not (np.isfinite(temperature) and temperature > 0):
        raise GlassmlError(f"temperature must be positive, got {temperature}")
    diam = np.ones(n) if diameters is None else np.array(diameters, dtype=np.float64)
    params = _mc.model_params(model)
    y0 = np.mod(x0, box)  # work in the wrapped frame; shift back at the end
    start, nbr, shift = _shift_list(y0, box, model.max_cutoff(diameters) + 2.0 * max_excursion)
    gstart, gnbr, gshift = _shift_list(y0, box, 2.0 * max_excursion)
    y = y0.copy()
    rng = np.random.default_rng(seed)
    seeds = rng.integers(1, 2**31 - 1, size=2)
    beta = 1.0 / temperature
    common = (types, diam, *params, start, nbr, shift, gstart, gnbr, gshift, float(max_excursion), beta, float(step))
    _mc.cage_sweeps(y, y0, *common, int(n_equilibration), int(seeds[0]))
    xsum, acc = _mc.cage_sweeps(y, y0, *common, int(n_production), int(seeds[1]))
    xsum = xsum + n_production * (x0 - y0)
    xc = xsum / n_production
    if return_info:
        return xc, {"acceptance": acc / (n * n_production), "sweeps": n_production, "equilibration_sweeps": n_equilibration,
                    "temperature": float(temperature), "step": step, "constraint": "initial Voronoi cell"}
    return xc
