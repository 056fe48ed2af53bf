"""A particle system whose metastable states and switching rates are known exactly.

Host particles (species 1) sit on a square (cubic) lattice of spacing 1.  In every cell one
guest particle (species 0) hops between two sites: the cell centre (state 0), equidistant from
its 2^d hosts, and the middle of the cell's lower x face (state 1), close to two of them.  The
two sites give the guest different neighbourhoods, so its state can be read from distances to
its neighbours alone.  Each guest is an independent two-state Markov chain: per frame it leaves
state 0 with probability ``p01`` and state 1 with probability ``p10``; every particle also
jitters by Gaussian noise.

The exact answer: the lag-tau transition matrix is ``[[1 - p01, p01], [p10, 1 - p10]]^tau``,
whose second eigenvalue is ``(1 - p01 - p10)^tau``, so the implied timescale is
``-1 / ln(1 - p01 - p10)`` frames at every lag (:func:`exact_timescale`), and the stationary
populations are ``(p10, p01) / (p01 + p10)``.
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.msm.trajectory import Trajectory


def exact_timescale(p01: float, p10: float) -> float:
    """Implied timescale (frames) of the two-state chain: ``-1 / ln(1 - p01 - p10)``."""
    if not (0 < p01 + p10 < 1):
        raise GlassmlError(f"switching probabilities must satisfy 0 < p01 + p10 < 1, got {p01} + {p10}")
    return -1.0 / np.log(1.0 - p01 - p10)


def telegraph_states(n_particles: int, n_frames: int, p01: float, p10: float, rng: np.random.Generator) -> np.ndarray:
    """(F, N) int states of independent two-state chains, started from the stationary law."""
    pi1 = p01 / (p01 + p10)
    s = np.empty((n_frames, n_particles), dtype=np.int64)
    s[0] = rng.random(n_particles) < pi1
    for f in range(1, n_frames):
        u = rng.random(n_particles)
        prev = s[f - 1]
        s[f] = np.where(prev == 0, u < p01, u >= p10)
    return s


def switching_lattice(n_cells: int = 6, n_frames: int = 400, *, p01: float = 0.02, p10: float = 0.03, dimension: int = 2,
                      noise: float = 0.03, seed: int = 0) -> tuple[Trajectory, np.ndarray]:
    """The host-guest lattice above: a :class:`~glassml.msm.trajectory.Trajectory` and the true
    (F, n_guests) states of the guests (species 0, the first ``n_cells**d`` particles)."""
    if dimension not in (2, 3) or n_cells < 3:
        raise GlassmlError("the switching lattice needs dimension 2 or 3 and at least 3 cells per side")
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.arange(n_cells)] * dimension, indexing="ij"), -1).reshape(-1, dimension).astype(float)
    n = len(grid)
    states = telegraph_states(n, n_frames, p01, p10, rng)
    centre = grid + 0.5
    face = centre.copy()
    face[:, 0] -= 0.5
    guests = np.where(states[..., None] == 0, centre[None], face[None])  # (F, n, d)
    hosts = np.broadcast_to(grid, (n_frames, n, dimension))
    x = np.concatenate([guests, hosts], axis=1) + rng.normal(0.0, noise, (n_frames, 2 * n, dimension))
    types = np.concatenate([np.zeros(n, np.int64), np.ones(n, np.int64)])
    box = np.full(dimension, float(n_cells))
    return Trajectory(types, box, x, 1.0, name="switching lattice"), states
