"""Glasses of different stability: linear quenches at several cooling rates, or instantaneous
quenches of equilibrium liquids at several parent temperatures.

:func:`quenched_glass`: a liquid melted at ``start_temperature`` is cooled linearly to
``end_temperature`` at ``cooling_rate`` (temperature per LJ time unit, Nosé–Hoover NVT with
ramped target), then minimised to its inherent state.  A slower quench leaves a more stable
glass, of lower energy.

:func:`parent_glass`: a liquid equilibrated at ``parent_temperature`` (with glassml's energy-
drift and ageing checks) is minimised at once: the glass is an inherent state of that liquid,
more stable the lower the parent temperature.  This is how Barbot et al. (PRE 97, 033001 (2018))
obtain their most relaxed glasses (their "ESL" protocol, an equilibrated supercooled liquid);
they find higher local yield stresses in the more relaxed ones.

:func:`swap_glass`: the same instantaneous quench for the polydisperse swap models, whose
liquids swap Monte Carlo equilibrates far below the mode-coupling temperature (Ninarello,
Berthier and Coslovich, PRX 7, 021039 (2017)); this is how Ozawa et al. (PNAS 115, 6656 (2018);
Phys. Rev. Research 2, 023203 (2020) in 2D) prepare glasses from ductile to brittle.  The
minimisation is glassml's own FIRE, since LAMMPS has no pair style for these models.
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError


def quenched_glass(model, n: int, cooling_rate: float, *, start_temperature: float = 1.0,
                   end_temperature: float = 0.05, melt_time: float = 5.0, seed: int = 0,
                   suffix: str | None = "opt") -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Inherent state of a linear quench: ``(positions, types, box, info)``.

    ``info`` holds the quench time, the energy per particle of the inherent state and the
    minimiser's convergence.

    Parameters
    ----------
    model: a :class:`~glassml.systems.Model` with a LAMMPS pair style.
    n: number of particles.
    cooling_rate: ``|dT/dt|`` in reduced units (positive).
    start_temperature, end_temperature: the ramp's ends; the liquid is melted at the first.
    melt_time: NVT time at ``start_temperature`` before the ramp.
    seed: seed of the start lattice, species and velocities.
    """
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import inherent_state, melt

    if not (np.isfinite(cooling_rate) and cooling_rate > 0):
        raise GlassmlError(f"cooling rate must be positive, got {cooling_rate}")
    if not (0 < end_temperature < start_temperature):
        raise GlassmlError(f"need 0 < end temperature < start temperature, got {end_temperature}, {start_temperature}")
    with LammpsEngine.from_model(model, n, seed=seed, suffix=suffix) as eng:
        melt(eng, temperature=start_temperature, time=melt_time, seed=seed + 1)
        duration = (start_temperature - end_temperature) / cooling_rate
        steps = max(1, int(round(duration / eng.timestep)))
        eng.commands("unfix integrate",
                     f"fix ramp all nvt temp {start_temperature!r} {end_temperature!r} {100 * eng.timestep!r}",
                     f"run {steps}", "unfix ramp")
        eng._integrator = None
        x, info = inherent_state(eng, eng.unwrapped_positions())
        info = {**info, "cooling_rate": float(cooling_rate), "quench_time": steps * eng.timestep,
                "energy": float(info["potential_energy"])}
        return x, eng.types.copy(), eng.box.copy(), info


def parent_glass(model, n: int, parent_temperature: float, equilibration_time: float, *, melt_temperature: float = 2.0,
                 melt_time: float = 5.0, seed: int = 0, suffix: str | None = "opt") -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Inherent state of a liquid equilibrated at ``parent_temperature``: ``(positions, types, box, info)``.

    ``info`` holds the inherent-state energy per particle (``energy``), the minimiser's
    convergence and the equilibration checks (``converged``: energy and pressure stationary;
    ``fs_stationary``: the two halves of the last stretch relax alike).  Choose
    ``equilibration_time`` as several tau_alpha of the parent liquid.

    Parameters
    ----------
    model: a :class:`~glassml.systems.Model` with a LAMMPS pair style.
    n: number of particles.
    parent_temperature: temperature of the equilibrium liquid that is quenched.
    equilibration_time: NVT time at the parent temperature (LJ units).
    melt_temperature, melt_time: the melt that erases the start lattice.
    seed: seed of the start lattice, species and velocities.
    """
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import equilibrate, inherent_state, melt

    if not (np.isfinite(parent_temperature) and parent_temperature > 0):
        raise GlassmlError(f"parent temperature must be positive, got {parent_temperature}")
    if not (np.isfinite(equilibration_time) and equilibration_time > 0):
        raise GlassmlError(f"equilibration time must be positive, got {equilibration_time}")
    with LammpsEngine.from_model(model, n, seed=seed, suffix=suffix) as eng:
        melt(eng, temperature=melt_temperature, time=melt_time, seed=seed + 1)
        report = equilibrate(eng, parent_temperature, equilibration_time, seed=seed + 2, max_extensions=1)
        x, info = inherent_state(eng, eng.unwrapped_positions())
        info = {**info, "parent_temperature": float(parent_temperature), "equilibration_time": float(report.time),
                "converged": bool(report.converged), "fs_stationary": bool(report.fs_stationary),
                "energy": float(info["potential_energy"])}
        return x, eng.types.copy(), eng.box.copy(), info


def swap_glass(model="poly-swap-2d", n: int = 300, parent_temperature: float = 0.1, equilibration_sweeps: int = 50_000,
               *, seed: int = 0, melt_temperature: float = 0.4, melt_sweeps: int = 200,
               force_tolerance: float = 1e-8) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
    """Inherent state of a polydisperse liquid equilibrated by swap Monte Carlo at
    ``parent_temperature``: ``(positions, types, box, diameters, info)``.

    ``info`` holds the inherent-state energy per particle (``energy``), the parent liquid's
    energy and its equilibration checks (``converged``: the energy of the last two quarters
    agrees and the run decorrelated, see :class:`glassml.simulate.swap.EnergyTrace`), the swap
    acceptance and the minimiser's largest force.  Choose ``equilibration_sweeps`` as ten or more
    swap relaxation times (``benchmarks/swap.py`` measures them; about 6e3 sweeps at T = 0.10 in 2D).

    Parameters
    ----------
    model: ``poly-swap-2d`` or ``poly-swap-3d``.
    n: number of particles.
    parent_temperature: temperature of the equilibrium liquid that is quenched.
    equilibration_sweeps: swap Monte Carlo sweeps at ``parent_temperature``.
    seed: seed of the start lattice, diameters and Monte Carlo moves.
    melt_temperature, melt_sweeps: the melt that erases the start lattice.
    force_tolerance: the inherent state's largest force ``max_i |F_i|``.
    """
    from glassml.simulate.swap import swap_equilibrated
    from glassml.systems import fire_minimize

    if not (np.isfinite(parent_temperature) and parent_temperature > 0):
        raise GlassmlError(f"parent temperature must be positive, got {parent_temperature}")
    if int(equilibration_sweeps) < 1:
        raise GlassmlError(f"equilibration sweeps must be positive, got {equilibration_sweeps}")
    mc, trace = swap_equilibrated(model, int(n), float(parent_temperature), seed=seed,
                                  equilibration_sweeps=int(equilibration_sweeps), melt_temperature=melt_temperature,
                                  melt_sweeps=int(melt_sweeps))
    res = fire_minimize(mc.model, mc.x, mc.types, mc.box, diameters=mc.diameters, force_tolerance=force_tolerance)
    if not res.converged:
        raise GlassmlError(f"FIRE did not reach max |F| < {force_tolerance:g} ({res.max_force:.3g} after {res.n_steps} steps)")
    info = {"parent_temperature": float(parent_temperature), "equilibration_sweeps": int(equilibration_sweeps),
            "parent_energy": mc.potential_energy_per_particle(), "converged": bool(trace.converged),
            "swap_acceptance": mc.swap_acceptance,
            "energy": float(res.energy_per_particle), "max_force": float(res.max_force)}
    return res.positions, mc.types.copy(), mc.box.copy(), mc.diameters.copy(), info
