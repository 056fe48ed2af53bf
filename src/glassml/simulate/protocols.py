"""Simulation protocols on a :class:`~glassml.simulate.engine.LammpsEngine`.

* :func:`equilibrate` — melt, then NVT (Nosé–Hoover) at the target temperature, then extend
  until the potential energy and pressure no longer drift (first half vs second half of the
  last window agree within ``drift_sigmas`` combined standard errors of block means).
* :func:`isoconfigurational_ensemble` — the isoconfigurational ensemble of Widmer-Cooper,
  Harrowell and Fynewever (PRL 93, 135701 (2004)): from one configuration, ``R`` NVE runs,
  each from fresh Maxwell–Boltzmann velocities with its own recorded seed; unwrapped positions
  recorded on a time grid.
* :func:`inherent_state` — FIRE minimisation (Bitzek et al., PRL 97, 170201 (2006)) to a
  stated force tolerance (Stillinger & Weber's inherent structure).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import wrap


def log_time_grid(t_min: float, t_max: float, n: int, timestep: float) -> np.ndarray:
    """``n`` log-spaced times from ``t_min`` to ``t_max`` rounded to whole steps (duplicates dropped)."""
    if not (0 < t_min < t_max) or n < 1:
        raise GlassmlError(f"time grid needs 0 < t_min < t_max and n >= 1, got {t_min}, {t_max}, {n}")
    steps = np.unique(np.maximum(1, np.round(np.geomspace(t_min, t_max, n) / timestep)).astype(np.int64))
    return steps * timestep


def time_to_steps(times, timestep: float) -> np.ndarray:
    """Step counts of a time grid; times must be (close to) whole multiples of the step."""
    times = np.asarray(times, dtype=float)
    steps = np.round(times / timestep).astype(np.int64)
    if np.any(steps <= 0) or np.any(np.diff(steps) <= 0):
        raise GlassmlError(f"time grid must be positive, increasing and at least one step ({timestep}) apart")
    return steps


@dataclass
class EquilibrationReport:
    """What :func:`equilibrate` did and measured."""

    temperature: float
    time: float
    windows: int
    potential_energy: float
    potential_energy_error: float
    pressure: float
    pressure_error: float
    kinetic_temperature: float
    drift_potential_energy: float
    drift_pressure: float
    converged: bool
    samples: dict = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("samples")
        return d


def _block_stats(a: np.ndarray, n_blocks: int = 8) -> tuple[float, float]:
    """Mean and standard error from block averages."""
    blocks = np.array_split(np.asarray(a, float), n_blocks)
    means = np.array([b.mean() for b in blocks if len(b)])
    return float(np.mean(a)), float(np.std(means, ddof=1) / np.sqrt(len(means))) if len(means) > 1 else float("inf")


def sample_thermo(engine, steps: int, every: int, *, ensemble: str, temperature: float | None) -> dict[str, np.ndarray]:
    """Run ``steps`` and record per-particle potential energy, temperature and pressure every ``every`` steps."""
    every = max(1, int(every))
    n = max(1, int(steps) // every)
    pe, tk, pr = np.empty(n), np.empty(n), np.empty(n)
    for k in range(n):
        engine.run(every, ensemble=ensemble, temperature=temperature)
        th = engine.thermo()
        pe[k], tk[k], pr[k] = th.potential_energy, th.temperature, th.pressure
    return {"potential_energy": pe, "temperature": tk, "pressure": pr}


def melt(engine, *, temperature: float = 2.0, time: float = 10.0, seed: int = 1) -> None:
    """Remove overlaps of a fresh (lattice) start with a loose minimisation, then run hot NVT."""
    engine.commands("min_style cg", "minimize 1.0e-2 1.0e-2 200 2000")
    engine.draw_velocities(temperature, seed)
    engine.run(int(round(time / engine.timestep)), ensemble="nvt", temperature=temperature)


def equilibrate(engine, temperature: float, time: float, *, seed: int = 1, check_time: float | None = None,
                max_extensions: int = 4, drift_sigmas: float = 3.0, sample_every: int = 50) -> EquilibrationReport:
    """NVT at ``temperature`` for ``time``, then a drift check on energy and pressure.

    The last ``check_time`` (default ``time / 2``) of the run is split into halves; if the
    half-means of potential energy or pressure differ by more than ``drift_sigmas`` combined
    standard errors, another ``check_time`` is run (at most ``max_extensions`` times).
    """
    if not (np.isfinite(temperature) and temperature > 0):
        raise GlassmlError(f"temperature must be positive, got {temperature}")
    if time <= 0:
        raise GlassmlError(f"equilibration time must be positive, got {time}")
    dt = engine.timestep
    check_time = time / 2 if check_time is None else check_time
    engine.draw_velocities(temperature, seed)
    engine.run(int(round((time - check_time) / dt)), ensemble="nvt", temperature=temperature)
    total, windows = time - check_time, 0
    while True:
        steps = int(round(check_time / dt))
        s = sample_thermo(engine, steps, sample_every, ensemble="nvt", temperature=temperature)
        total += check_time
        windows += 1
        h = len(s["potential_energy"]) // 2
        drift = {}
        for key in ("potential_energy", "pressure"):
            m1, e1 = _block_stats(s[key][:h], 4)
            m2, e2 = _block_stats(s[key][h:], 4)
            drift[key] = (m2 - m1) / max(np.hypot(e1, e2), 1e-300)
        ok = abs(drift["potential_energy"]) < drift_sigmas and abs(drift["pressure"]) < drift_sigmas
        if ok or windows > max_extensions:
            break
    pe, pe_err = _block_stats(s["potential_energy"])
    pr, pr_err = _block_stats(s["pressure"])
    return EquilibrationReport(
        temperature=float(temperature), time=float(total), windows=windows, potential_energy=pe,
        potential_energy_error=pe_err, pressure=pr, pressure_error=pr_err,
        kinetic_temperature=float(np.mean(s["temperature"])),
        drift_potential_energy=float(drift["potential_energy"]), drift_pressure=float(drift["pressure"]),
        converged=bool(ok), samples=s,
    )


def isoconfigurational_ensemble(engine, positions, temperature: float, times, seeds) -> np.ndarray:
    """(T, R, N, d) unwrapped positions of ``R = len(seeds)`` NVE replicas from ``positions``.

    Every replica starts from the same positions with Maxwell–Boltzmann velocities at
    ``temperature`` drawn with its own seed; positions are recorded at ``times``.
    """
    steps = time_to_steps(times, engine.timestep)
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise GlassmlError("replica seeds must be distinct")
    out = np.empty((len(steps), len(seeds), engine.n, engine.dimension))
    x0 = np.asarray(positions, dtype=float)
    for r, seed in enumerate(seeds):
        engine.set_positions(x0)
        engine.draw_velocities(temperature, seed)
        out[:, r] = engine.record(steps, ensemble="nve")
    # unwrapped positions are continuous from the wrapped start: shift to start at `positions`
    return out + (x0 - wrap(x0, engine.box))[None, None]


def equilibrium_trajectory(engine, temperature: float, every: int, n_frames: int) -> np.ndarray:
    """(n_frames, N, d) unwrapped positions every ``every`` steps of NVT from the engine's current state.

    The first frame is the current configuration; frames are continuous with its wrapped
    positions (``engine.positions()``), so frame 0 equals them exactly.
    """
    if every < 1 or n_frames < 2:
        raise GlassmlError(f"a trajectory needs at least 2 frames at least one step apart, got {n_frames} every {every}")
    x0 = engine.positions()
    u0 = engine.unwrapped_positions()
    frames = engine.record(np.arange(n_frames, dtype=np.int64) * int(every), ensemble="nvt", temperature=temperature)
    return frames + (x0 - u0)[None]


def inherent_state(engine, positions, *, force_tolerance: float = 1e-6, max_iterations: int = 100_000) -> tuple[np.ndarray, dict]:
    """FIRE-minimised positions (unwrapped, continuous with ``positions``) and convergence info."""
    x0 = np.asarray(positions, dtype=float)
    engine.set_positions(x0)
    info = engine.minimize(force_tolerance=force_tolerance, max_iterations=max_iterations, style="fire")
    x = engine.unwrapped_positions() + (x0 - wrap(x0, engine.box))
    return x, info
