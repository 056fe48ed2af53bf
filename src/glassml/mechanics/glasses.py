"""Glasses of different stability: linear quenches at several cooling rates.

A liquid melted at ``start_temperature`` is cooled linearly to ``end_temperature`` at
``cooling_rate`` (temperature per LJ time unit, Nosé–Hoover NVT with ramped target), then
minimised to its inherent state.  A slower quench leaves a more stable glass, of lower energy;
Barbot et al. (PRE 97, 033001 (2018)) prepare glasses at several quench rates and find higher
local yield stresses in the more relaxed ones.
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
