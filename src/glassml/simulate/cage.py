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
(see docs/simulate.md).
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.simulate import _mc


def cage_state(model, positions, types, box, temperature: float, *, seed: int = 0, diameters=None,
               n_equilibration: int = 200, n_production: int = 1000, step: float = 0.08,
               max_excursion: float = 1.0, return_info: bool = False):
    """Cage state (N, d) of ``positions`` (unwrapped, continuous with ``positions``).

    Parameters
    ----------
    temperature: temperature of the Monte Carlo inside the cages.
    n_equilibration, n_production: Monte Carlo sweeps (N attempted moves each) before and during averaging.
    step: maximum displacement per attempted move.
    max_excursion: a particle never moves farther than this from its initial position (bounds the
        Voronoi generator list; larger than any Voronoi cell of a dense liquid).
    """
    x0 = np.array(positions, dtype=np.float64)
    n, d = x0.shape
    box = np.full(d, float(box)) if np.ndim(box) == 0 else np.asarray(box, dtype=np.float64)
    types = np.ascontiguousarray(types, dtype=np.int64)
    if not (np.isfinite(temperature) and temperature > 0):
        raise GlassmlError(f"temperature must be positive, got {temperature}")
    skin = 0.4
    rcut = model.max_cutoff(diameters)
    if np.any(box < 2 * (rcut + skin)) or np.any(box < 4 * max_excursion):
        raise GlassmlError(f"box {box.tolist()} too small for the cage-state sampler (needs > {2 * (rcut + skin):g})")
    diam = np.ones(n) if diameters is None else np.array(diameters, dtype=np.float64)
    params = _mc.model_params(model)
    gen_start, gen_nbr = _mc.build_list(x0, box, 2.0 * max_excursion)
    x = x0.copy()
    rng = np.random.default_rng(seed)
    seeds = rng.integers(1, 2**31 - 1, size=2)
    _mc.mc_sweeps(x, types, diam, box, *params, rcut, skin, 1.0 / temperature, step, 0.0, n_equilibration, 0,
                  int(seeds[0]), True, x0, gen_start, gen_nbr, max_excursion)
    _, xsum, acc, _ = _mc.mc_sweeps(x, types, diam, box, *params, rcut, skin, 1.0 / temperature, step, 0.0,
                                     n_production, 0, int(seeds[1]), True, x0, gen_start, gen_nbr, max_excursion)
    xc = xsum / n_production
    if return_info:
        return xc, {"acceptance": acc / (n * n_production), "sweeps": n_production, "equilibration_sweeps": n_equilibration,
                    "temperature": float(temperature), "step": step, "constraint": "initial Voronoi cell"}
    return xc
