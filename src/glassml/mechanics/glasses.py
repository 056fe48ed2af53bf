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
