"""Swap Monte Carlo for the polydisperse soft-sphere model.

Ninarello, Berthier and Coslovich (PRX 7, 021039 (2017)) equilibrate their continuously
polydisperse, non-additive r^-12 model far below the mode-coupling temperature by adding
*swap* moves to ordinary Metropolis Monte Carlo: with probability ``p_swap`` (they use 0.2) an
attempt picks two particles and exchanges their diameters, accepted with the Metropolis rule.
This module implements that algorithm in numba (Verlet lists with a skin, rebuilt when a
particle has moved more than half the skin; :func:`glassml.simulate._mc.build_list` says why
the kernel builds them itself), and measures the speed-up it brings: the relaxation time of the self-intermediate scattering function with and without swaps, from the
same equilibrated configuration at the same temperature.  Time is counted in Monte Carlo
sweeps (N attempted moves, swaps included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import as_positions
from glassml.simulate import _mc
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
        self._params = _mc.model_params(self.model)
        self.sweeps_done = 0
        self.accepted_moves = 0
        self.accepted_swaps = 0

    def run(self, sweeps: int, *, record_every: int = 0, p_swap: float | None = None) -> np.ndarray:
        """Run ``sweeps`` sweeps; return positions recorded every ``record_every`` sweeps (unwrapped)."""
        p = self.p_swap if p_swap is None else float(p_swap)
        traj, _, am, asw = _mc.mc_sweeps(
            self.x, self.types, self.diameters, self.box, *self._params, self.rcut, self.skin,
            1.0 / self.temperature, self.step, p, int(sweeps), int(record_every), int(self.rng.integers(1, 2**31 - 1)))
        self.sweeps_done += int(sweeps)
        self.accepted_moves += int(am)
        self.accepted_swaps += int(asw)
        return traj

    def potential_energy_per_particle(self) -> float:
        return float(self.model.potential_energy_per_particle(self.x, self.types, self.box, self.diameters).mean())


def self_intermediate_scattering(traj: np.ndarray, x0: np.ndarray, q: float) -> np.ndarray:
    """F_s(q, t) = < cos(q . dr) > averaged over particles and the Cartesian directions of q."""
    dr = traj - x0[None]
    return np.mean(np.cos(q * dr), axis=(1, 2))


def relaxation_time(times: np.ndarray, fs: np.ndarray, level: float = np.exp(-1)) -> float:
    """First time F_s drops below ``level`` (log-linear interpolation); inf if it never does."""
    below = np.nonzero(fs < level)[0]
    if below.size == 0:
        return float("inf")
    k = below[0]
    if k == 0:
        return float(times[0])
    t1, t2, f1, f2 = np.log(times[k - 1]), np.log(times[k]), fs[k - 1], fs[k]
    return float(np.exp(t1 + (level - f1) * (t2 - t1) / (f2 - f1)))


@dataclass
class SwapSpeedup:
    temperature: float
    tau_swap: float
    tau_plain: float
    speedup: float
    swap_acceptance: float
    energy_per_particle: float
    n: int
    model: str


def measure_swap_speedup(model="poly-swap-3d", n: int = 500, temperature: float = 0.15, *, seed: int = 0,
                         equilibration_sweeps: int = 2000, max_sweeps: int = 20000, q: float = 2 * np.pi,
                         record_every: int = 10) -> SwapSpeedup:
    """Relaxation time (sweeps) of F_s(q, t) with swaps (p_swap 0.2) and without, same T, same start.

    The start is equilibrated by swap Monte Carlo; ``tau_plain`` is inf if plain Monte Carlo does not
    relax within ``max_sweeps`` (the speed-up is then a lower bound, reported as tau_plain / tau_swap
    with tau_plain = max_sweeps).
    """
    mc = SwapMonteCarlo(model, n, temperature, seed=seed, p_swap=0.2)
    mc.run(equilibration_sweeps)
    x0, d0 = mc.x.copy(), mc.diameters.copy()
    swaps_before, sweeps_before = mc.accepted_swaps, mc.sweeps_done
    traj = mc.run(max_sweeps, record_every=record_every)
    times = record_every * np.arange(1, len(traj) + 1, dtype=float)
    tau_s = relaxation_time(times, self_intermediate_scattering(traj, x0, q))
    acc = (mc.accepted_swaps - swaps_before) / (0.2 * n * (mc.sweeps_done - sweeps_before))
    plain = SwapMonteCarlo(model, temperature=temperature, seed=seed + 1, p_swap=0.0, positions=x0, diameters=d0)
    traj = plain.run(max_sweeps, record_every=record_every)
    tau_p = relaxation_time(times, self_intermediate_scattering(traj, x0, q))
    speed = (min(tau_p, max_sweeps) / tau_s) if np.isfinite(tau_s) else float("nan")
    return SwapSpeedup(float(temperature), tau_s, tau_p, float(speed), float(acc), mc.potential_energy_per_particle(),
                       int(n), mc.model.name)
