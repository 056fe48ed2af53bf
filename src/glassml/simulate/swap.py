"""Swap Monte Carlo for the polydisperse soft-sphere model.

Ninarello, Berthier and Coslovich (PRX 7, 021039 (2017)) equilibrate their continuously
polydisperse, non-additive r^-12 model far below the mode-coupling temperature by adding
*swap* moves to ordinary Metropolis Monte Carlo: with probability ``p_swap`` (they use 0.2) an
attempt picks two particles and exchanges their diameters, accepted with the Metropolis rule.
This module implements that algorithm in numba (Verlet lists with a skin, rebuilt when a
particle has moved more than half the skin; :func:`glassml.simulate.montecarlo.build_list` says why
the kernel builds them itself).  :func:`swap_and_plain_runs` records the trajectories the
speed-up is measured from: with and without swaps, from the same swap-equilibrated
configuration at the same temperature; :func:`glassml.dynamics.relaxation.swap_speedup`
compares their relaxation times.  Time is counted in Monte Carlo sweeps (N attempted moves,
swaps included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import as_positions
from glassml.simulate import montecarlo
from glassml.simulate.engine import lattice_positions
from glassml.systems import get_model, polydisperse_diameters


class SwapMonteCarlo:
    """A polydisperse configuration evolved by (swap) Monte Carlo.

    Parameters
    ----------
    model: ``poly-swap-2d`` / ``poly-swap-3d`` (or their :class:`~glassml.systems.Model`).
    n: number of particles (ignored when ``positions`` is given).
    temperature: Monte Carlo temperature.
    p_swap: probability that an attempt is a diameter swap (0: plain Monte Carlo dynamics).
    step: maximum displacement of a translational move.
    """

    def __init__(self, model, n: int = 500, temperature: float = 0.2, *, seed: int = 0, p_swap: float = 0.2,
                 step: float = 0.12, positions=None, diameters=None, density: float | None = None, skin: float = 0.8):
        self.model = get_model(model) if isinstance(model, str) else model
        if not self.model.polydisperse:
            raise GlassmlError(f"swap Monte Carlo needs a polydisperse model, got {self.model.name}")
        if not (np.isfinite(temperature) and temperature > 0):
            raise GlassmlError(f"temperature must be positive, got {temperature}")
        if not 0.0 <= p_swap < 1.0:
            raise GlassmlError(f"p_swap must be in [0, 1), got {p_swap}")
        self.rng = np.random.default_rng(seed)
        d = self.model.dimension
        if positions is None:
            self.box = self.model.box_for(int(n), density)
            self.x = lattice_positions(int(n), self.box, self.rng)
        else:
            self.x = np.array(as_positions(positions))
            n = len(self.x)
            if self.x.shape[1] != d:
                raise GlassmlError(f"model {self.model.name} is {d}-D; positions have shape {self.x.shape}")
            self.box = self.model.box_for(n, density)
        self.diameters = (polydisperse_diameters(n, seed=int(self.rng.integers(2**31))) if diameters is None
                          else np.array(diameters, dtype=np.float64))
        self.types = np.zeros(n, dtype=np.int64)
        self.temperature = float(temperature)
        self.p_swap = float(p_swap)
        self.step = float(step)
        self.skin = float(skin)
        self.rcut = self.model.max_cutoff(self.diameters)
        if np.any(self.box < 2 * (self.rcut + skin)):
            raise GlassmlError(f"box {self.box[0]:.3g} too small for N={n}: needs > {2 * (self.rcut + skin):.3g}")
        self._params = montecarlo.model_params(self.model)
        self.sweeps_done = 0
        self.accepted_moves = 0
        self.accepted_swaps = 0

    def run(self, sweeps: int, *, record_every: int = 0, p_swap: float | None = None) -> np.ndarray:
        """Run ``sweeps`` sweeps; return positions recorded every ``record_every`` sweeps (unwrapped)."""
        p = self.p_swap if p_swap is None else float(p_swap)
        traj, _, am, asw = montecarlo.mc_sweeps(
            self.x, self.types, self.diameters, self.box, *self._params, self.rcut, self.skin,
            1.0 / self.temperature, self.step, p, int(sweeps), int(record_every), int(self.rng.integers(1, 2**31 - 1)))
        self.sweeps_done += int(sweeps)
        self.accepted_moves += int(am)
        self.accepted_swaps += int(asw)
        return traj

    def potential_energy_per_particle(self) -> float:
        return float(self.model.potential_energy_per_particle(self.x, self.types, self.box, self.diameters).mean())


@dataclass
class SwapRuns:
    """Trajectories from one swap-equilibrated configuration, with and without swaps.

    Attributes
    ----------
    temperature: Monte Carlo temperature of both runs.
    times: (T,) sweeps at which positions were recorded.
    initial_positions: (N, d) the common start.
    swap: (T, N, d) unwrapped positions with swaps (``p_swap`` 0.2).
    plain: (T, N, d) unwrapped positions without swaps.
    max_sweeps: length of each run in sweeps.
    swap_acceptance: accepted fraction of the swap attempts of the recorded swap run.
    energy_per_particle: potential energy per particle at the end of the swap run.
    n: number of particles.
    model: model name.
    """

    temperature: float
    times: np.ndarray
    initial_positions: np.ndarray
    swap: np.ndarray
    plain: np.ndarray
    max_sweeps: int
    swap_acceptance: float
    energy_per_particle: float
    n: int
    model: str


def swap_and_plain_runs(model="poly-swap-3d", n: int = 500, temperature: float = 0.15, *, seed: int = 0,
                        equilibration_sweeps: int = 2000, max_sweeps: int = 20000, record_every: int = 10) -> SwapRuns:
    """Equilibrate by swap Monte Carlo (p_swap 0.2), then record ``max_sweeps`` sweeps with swaps
    and, from the same configuration and diameters, ``max_sweeps`` of plain Monte Carlo
    (seed ``seed + 1``), positions every ``record_every`` sweeps."""
    mc = SwapMonteCarlo(model, n, temperature, seed=seed, p_swap=0.2)
    mc.run(equilibration_sweeps)
    x0, d0 = mc.x.copy(), mc.diameters.copy()
    swaps_before, sweeps_before = mc.accepted_swaps, mc.sweeps_done
    traj_swap = mc.run(max_sweeps, record_every=record_every)
    times = record_every * np.arange(1, len(traj_swap) + 1, dtype=float)
    acc = (mc.accepted_swaps - swaps_before) / (0.2 * n * (mc.sweeps_done - sweeps_before))
    plain = SwapMonteCarlo(model, temperature=temperature, seed=seed + 1, p_swap=0.0, positions=x0, diameters=d0)
    traj_plain = plain.run(max_sweeps, record_every=record_every)
    return SwapRuns(float(temperature), times, x0, traj_swap, traj_plain, int(max_sweeps), float(acc),
                    mc.potential_energy_per_particle(), int(n), mc.model.name)
