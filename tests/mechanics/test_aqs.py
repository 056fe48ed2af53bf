"""AQS shear against an independent LAMMPS input script, D²min on hand-built deformations, bad input."""

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.mechanics.aqs import AthermalQuasistaticShear, d2min, inherent_state_of

STEP = 1e-3


def reference_curve(model, x, types, box, n_steps, tmp_path):
    """The stress–strain curve from plain LAMMPS commands: a data file, change_box, minimize."""
    from glassml.systems.lammps import load_lammps, pair_commands

    lammps = load_lammps()
    data = tmp_path / "glass.data"
    lines = ["glass", "", f"{len(x)} atoms", f"{model.n_species} atom types",
             f"0 {box[0]:.17g} xlo xhi", f"0 {box[1]:.17g} ylo yhi", "-0.5 0.5 zlo zhi", "", "Atoms # atomic", ""]
    xw = np.mod(x, box)
    lines += [f"{k + 1} {int(t) + 1} {p[0]:.17g} {p[1]:.17g} 0.0" for k, (t, p) in enumerate(zip(types, xw))]
    data.write_text("\n".join(lines) + "\n")
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    try:
        for c in ["units lj", "dimension 2", "atom_style atomic", "atom_modify map array sort 0 0.0",
                  "boundary p p p", f"read_data {data}", *pair_commands(model, str(tmp_path)),
                  "neighbor 0.3 bin", "neigh_modify every 1 delay 0 check yes", "fix twod all enforce2d",
                  "change_box all triclinic", "thermo_modify norm yes", "variable sxy equal -pxy",
                  "min_style fire"]:
            lmp.command(c)
        out = []
        for k in range(n_steps + 1):
            if k:
                lmp.command(f"change_box all xy final {k * STEP * box[1]:.17g} remap units box")
            lmp.command("minimize 0.0 1e-6 100000 1000000")
            lmp.command("run 0")
            out.append(lmp.extract_variable("sxy"))
        return np.array(out)
    finally:
        lmp.close()


def test_curve_matches_lammps_script_before_first_event(ka2d_glass, tmp_path):
    model, x, types, box = ka2d_glass
    aqs = AthermalQuasistaticShear(strain_step=STEP, max_strain=0.03, max_events=1).compute(model, x, types, box)
    assert aqs.events_, "no plastic event within 3% strain"
    ev = aqs.events_[0]
    n = ev.step  # steps 0..n are elastic (before the drop)
    ref = reference_curve(model, x, types, box, n + 1, tmp_path)
    diff = np.max(np.abs(aqs.stress_[: n + 1] - ref[: n + 1]))
    print(f"max |sigma - sigma_ref| before the first event: {diff:.3g} over {n + 1} points")
    assert diff < 1e-6
    # the reference script sees the same drop
    assert ref[n] - ref[n + 1] == pytest.approx(ev.stress_drop, abs=1e-6)
    assert ev.stress_drop > aqs.stress_drop_threshold
    # elastic branch: positive shear modulus, energy rises as sigma dgamma V / N
    assert aqs.shear_modulus_ > 0
    assert np.allclose(aqs.strain_, STEP * np.arange(len(aqs.strain_)))
    # the event is localised: the largest D²min is far above the median
    assert ev.d2min[ev.particle] > 10 * np.median(ev.d2min)


def test_numpy_engine_matches_the_lammps_engine(ka2d_glass):
    """glassml's own FIRE and stress (the engine of the polydisperse models) against LAMMPS on
    the same KA2D glass: the same curve through the first event, the same event and centre.  The
    residual difference (measured 5e-7 in stress, 4e-7 per particle in energy; 1.1e-6 and 4e-7 at a
    1000 times tighter force tolerance) is LAMMPS' tabulated potential against the analytic one."""
    model, x, types, box = ka2d_glass
    ref = AthermalQuasistaticShear(strain_step=STEP, max_strain=0.03, max_events=1).compute(model, x, types, box)
    own = AthermalQuasistaticShear(strain_step=STEP, max_strain=0.03, max_events=1, engine="numpy").compute(model, x, types, box)
    assert (ref.engine_, own.engine_) == ("lammps", "numpy")
    assert own.events_ and own.events_[0].step == ref.events_[0].step
    assert own.events_[0].particle == ref.events_[0].particle
    assert np.max(np.abs(own.stress_ - ref.stress_)) < 2e-6
    assert np.max(np.abs(own.energy_ - ref.energy_)) < 1e-6
    assert own.events_[0].stress_drop == pytest.approx(ref.events_[0].stress_drop, abs=2e-6)
    assert np.allclose(own.events_[0].d2min, ref.events_[0].d2min, rtol=1e-3, atol=1e-6)


def test_d2min_hand_built():
    rng = np.random.default_rng(0)
    box = np.array([8.0, 8.0])
    g = np.stack(np.meshgrid(np.arange(8), np.arange(8), indexing="ij"), -1).reshape(-1, 2) + 0.5
    x0 = g + rng.normal(0, 0.05, g.shape)
    # an affine simple shear of the whole cell: D²min = 0 everywhere
    gamma = 0.03
    shear = np.array([[1.0, gamma], [0.0, 1.0]])
    x1 = x0 @ shear.T
    from glassml.geometry import Box

    dm = d2min(x0, x1, Box(box), Box(box, [gamma * box[1]]), cutoff=1.5)
    assert np.max(dm) < 1e-20
    # one particle displaced by u: its own D²min is exact by hand when its neighbours sit still
    x2 = x0.copy()
    u = np.array([0.1, -0.05])
    x2[10] += u
    dm = d2min(x0, x2, box, box, cutoff=1.5)
    assert np.argmax(dm) == 10
    nb_vec = (x0 - x0[10])
    nb_vec -= box * np.round(nb_vec / box)
    r = np.linalg.norm(nb_vec, axis=1)
    v0 = nb_vec[(r < 1.5) & (r > 0)]
    v1 = v0 - u
    jac = (v1.T @ v0) @ np.linalg.inv(v0.T @ v0)
    assert dm[10] == pytest.approx(np.sum((v1 - v0 @ jac.T) ** 2), rel=1e-10)


def test_bad_input(ka2d_glass):
    model, x, types, box = ka2d_glass
    for step in (0.0, -1e-3):
        with pytest.raises(GlassmlError, match="strain step must be positive"):
            AthermalQuasistaticShear(strain_step=step).compute(model, x, types, box)
    with pytest.raises(GlassmlError, match="engine must be one of"):
        AthermalQuasistaticShear(engine="gpu").compute(model, x, types, box)
    with pytest.raises(GlassmlError, match="no inherent state"):
        inherent_state_of({"types": types, "box": box, "initial_positions": x})
