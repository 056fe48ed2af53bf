"""Simulation protocols on a :class:`~glassml.simulate.engine.LammpsEngine`.

* :func:`equilibrate` — melt, then NVT (Nosé–Hoover) at the target temperature, then extend
  until the potential energy and pressure no longer drift (first half vs second half of the
  last window agree within ``drift_sigmas`` combined standard errors of block means) and the
  two halves relax alike (the self-intermediate scattering function measured from time
  origins in each half agrees: no ageing).
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
    fs_lag: float = float("nan")
    fs_first_half: float = float("nan")
    fs_second_half: float = float("nan")
    fs_error: float = float("nan")
    fs_stationary: bool = True
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


def sample_thermo(engine, steps: int, every: int, *, ensemble: str, temperature: float | None,
                  frames: int = 0) -> dict[str, np.ndarray]:
    """Run ``steps`` and record per-particle potential energy, temperature and pressure every ``every`` steps.

    With ``frames > 0``, also about that many equally spaced unwrapped configurations
    (``"positions"``, ``"position_steps"``); reading them does not perturb the run.
    """
    every = max(1, int(every))
    n = max(1, int(steps) // every)
    pe, tk, pr = np.empty(n), np.empty(n), np.empty(n)
    stride = max(1, n // frames) if frames else 0
    positions, position_steps = [], []
    for k in range(n):
        engine.run(every, ensemble=ensemble, temperature=temperature)
        th = engine.thermo()
        pe[k], tk[k], pr[k] = th.potential_energy, th.temperature, th.pressure
        if stride and (k + 1) % stride == 0:
            positions.append(engine.unwrapped_positions())
            position_steps.append((k + 1) * every)
    out = {"potential_energy": pe, "temperature": tk, "pressure": pr}
    if stride:
        out["positions"] = np.array(positions)
        out["position_steps"] = np.array(position_steps, dtype=np.int64)
    return out


def state_point(model, n: int, temperature: float, equilibration: float, production: float, *, seed: int = 1,
                species: int = 0) -> dict[str, float]:
    """Equilibrium averages of ``model`` at ``temperature`` from one NVT run: melt at T = 2, NVT for
    ``equilibration`` time units, then ``production`` time units with 40 frames.  Returns the mean
    potential energy per particle ``U``, pressure ``P`` and kinetic temperature ``T``, and the
    diffusion constant ``D`` of ``species``: the slope of its mean-square displacement (averaged
    over time origins) between a quarter and a half of the run, over ``2 d``.  Choose
    ``production`` so that a quarter of it is well beyond tau_alpha."""
    from glassml.simulate.engine import LammpsEngine

    engine = LammpsEngine.from_model(model, n, seed=seed)
    try:
        melt(engine, temperature=2.0, time=5.0, seed=seed + 1)
        engine.draw_velocities(temperature, seed + 2)
        engine.run(int(round(equilibration / engine.timestep)), ensemble="nvt", temperature=temperature)
        s = sample_thermo(engine, int(round(production / engine.timestep)), 50, ensemble="nvt",
                          temperature=temperature, frames=40)
        mine = engine.types == species
        dt = engine.timestep
    finally:
        engine.close()
    x, t = s["positions"][:, mine], s["position_steps"] * dt
    lags = np.arange(len(t) // 4, len(t) // 2 + 1)
    msd = np.array([((x[k:] - x[:-k]) ** 2).sum(-1).mean() for k in lags])
    return {"U": float(s["potential_energy"].mean()), "P": float(s["pressure"].mean()),
            "T": float(s["temperature"].mean()),
            "D": float(np.polyfit(lags * (t[1] - t[0]), msd, 1)[0] / (2 * x.shape[-1]))}


def fs_halves(positions: np.ndarray, k: float) -> tuple[int, float, float, float]:
    """The self-intermediate scattering function of each half of a run, at one common lag.

    ``positions`` (F, N, d) are equally spaced unwrapped frames.  In each half, Fs(k, L) =
    <cos(k Δx_a)> over particles, Cartesian axes a and time origins, at the lag L of a quarter
    of a half; the error is the spread of the per-origin values over the roughly
    half/L independent origins.  Returns (L in frames, Fs of the first half, of the second,
    combined standard error).  Equal values mean the run does not age.
    """
    f = len(positions) // 2
    lag = max(1, f // 4)
    values, errors = [], []
    for half in (positions[:f], positions[f:2 * f]):
        per_origin = np.array([np.cos(k * (half[t + lag] - half[t])).mean() for t in range(len(half) - lag)])
        values.append(float(per_origin.mean()))
        errors.append(float(per_origin.std(ddof=1) / np.sqrt(max(1.0, f / lag))) if len(per_origin) > 1 else np.inf)
    return lag, values[0], values[1], float(np.hypot(*errors))


def melt(engine, *, temperature: float = 2.0, time: float = 10.0, seed: int = 1) -> None:
    """Remove overlaps of a fresh (lattice) start with a loose minimisation, then run hot NVT."""
    engine.commands("min_style cg", "minimize 1.0e-2 1.0e-2 200 2000")
    engine.draw_velocities(temperature, seed)
    engine.run(int(round(time / engine.timestep)), ensemble="nvt", temperature=temperature)


def equilibrate(engine, temperature: float, time: float, *, seed: int = 1, check_time: float | None = None,
                max_extensions: int = 4, drift_sigmas: float = 3.0, sample_every: int = 50,
                fs_k: float = 2 * np.pi, fs_sigmas: float = 2.0) -> EquilibrationReport:
    """NVT at ``temperature`` for ``time``, then a drift check on energy, pressure and relaxation.

    The last ``check_time`` (default ``time / 2``) of the run is split into halves; if the
    half-means of potential energy or pressure differ by more than ``drift_sigmas`` combined
    standard errors, or the halves' Fs(k, L) (:func:`fs_halves`, k = ``fs_k``, 2π/σ_AA by
    default, near the first peak of S(k)) differ by more than ``fs_sigmas`` errors, another
    ``check_time`` is run (at most ``max_extensions`` times).  ``converged`` reports the
    energy and pressure test, ``fs_stationary`` the relaxation test.
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
        s = sample_thermo(engine, steps, sample_every, ensemble="nvt", temperature=temperature, frames=40)
        total += check_time
        windows += 1
        h = len(s["potential_energy"]) // 2
        drift = {}
        for key in ("potential_energy", "pressure"):
            m1, e1 = _block_stats(s[key][:h], 4)
            m2, e2 = _block_stats(s[key][h:], 4)
            drift[key] = (m2 - m1) / max(np.hypot(e1, e2), 1e-300)
        ok = abs(drift["potential_energy"]) < drift_sigmas and abs(drift["pressure"]) < drift_sigmas
        fs = None
        if len(s["positions"]) >= 8:
            fs = fs_halves(s["positions"], fs_k)
            fs_ok = abs(fs[1] - fs[2]) <= fs_sigmas * fs[3]
        else:
            fs_ok = True
        if (ok and fs_ok) or windows > max_extensions:
            break
    pe, pe_err = _block_stats(s["potential_energy"])
    pr, pr_err = _block_stats(s["pressure"])
    return EquilibrationReport(
        temperature=float(temperature), time=float(total), windows=windows, potential_energy=pe,
        potential_energy_error=pe_err, pressure=pr, pressure_error=pr_err,
        kinetic_temperature=float(np.mean(s["temperature"])),
        drift_potential_energy=float(drift["potential_energy"]), drift_pressure=float(drift["pressure"]),
        converged=bool(ok), samples=s,
        **({} if fs is None else {
            "fs_lag": float(fs[0] * (s["position_steps"][1] - s["position_steps"][0]) * dt),
            "fs_first_half": fs[1], "fs_second_half": fs[2], "fs_error": fs[3], "fs_stationary": bool(fs_ok)}),
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
