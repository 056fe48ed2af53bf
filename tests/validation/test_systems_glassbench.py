"""Reference: GlassBench's KA2D inherent structure (Jung et al., arXiv:2311.14752, CC-BY-4.0;
file N1290T0.23_151_tc05.npz in ../shared/data), minimised with the authors' own code: it must
be a force minimum of glassml's KA2D potential."""

from __future__ import annotations

import numpy as np

from glassml.systems import fire_minimize, get_model


def test_ka2d_forces_vanish_on_real_inherent_structure(ka2d_tc05_arrays):
    """GlassBench's inherent structure is a force minimum of glassml's KA2D potential."""
    m = get_model("ka2d")
    t = ka2d_tc05_arrays["types"] - 1
    box = float(ka2d_tc05_arrays["box"])
    rms = lambda f: float(np.sqrt(np.mean(np.sum(f**2, axis=1))))  # noqa: E731
    f_is = m.forces(ka2d_tc05_arrays["initial_positions_inherent"], t, box)
    f_th = m.forces(ka2d_tc05_arrays["initial_positions"], t, box)
    assert rms(f_is) < 0.05, rms(f_is)
    assert rms(f_th) > 5.0, rms(f_th)
    res = fire_minimize(m, ka2d_tc05_arrays["initial_positions_inherent"], t, box, force_tolerance=1e-6)
    assert res.converged and res.max_force < 1e-6
    e0 = m.potential_energy_per_particle(ka2d_tc05_arrays["initial_positions_inherent"], t, box).mean()
    assert 0.0 <= e0 - res.energy_per_particle < 1e-3
