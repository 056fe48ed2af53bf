"""glassml.systems: model definitions, potentials, forces, FIRE, and LAMMPS realising the same potential."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.systems import energies_and_forces, fire_minimize, get_model, list_models, polydisperse_diameters
from glassml.systems.models import POLY_RATIO

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "glassbench-ka2d" / "N1290T0.23_151_tc05.npz"


@pytest.mark.parametrize("name", ["ka3d", "ka2d", "poly-swap-2d", "poly-swap-3d"])
def test_potential_and_derivatives_vanish_at_cutoff(name):
    m = get_model(name)
    ti = tj = np.zeros(1, int)
    kw = {"sigma_i": np.ones(1), "sigma_j": np.ones(1)} if m.polydisperse else {}
    rc = float(m.cutoff(ti, tj, **kw)[0])
    h = 1e-4
    r = np.array([rc - h, rc - 2 * h, rc + h])
    v = m.pair_energy(r, np.zeros(3, int), np.zeros(3, int), **({k: np.ones(3) for k in kw}))
    f = m.pair_force_magnitude(r, np.zeros(3, int), np.zeros(3, int), **({k: np.ones(3) for k in kw}))
    assert abs(v[0]) < 1e-5 and v[2] == 0.0 and f[2] == 0.0
    if m.truncation == "smooth":  # V ~ (rc - r)^3 near the cutoff: V, V', V'' all vanish
        assert abs(f[0]) < 1e-6
        assert abs(v[1] / v[0] - 8.0) < 0.05


@pytest.mark.parametrize("name", ["ka3d", "ka2d", "poly-swap-3d"])
def test_force_is_minus_energy_derivative(name):
    m = get_model(name)
    rng = np.random.default_rng(1)
    r = rng.uniform(0.75, 2.4, 200)
    ti = rng.integers(0, m.n_species, 200)
    tj = rng.integers(0, m.n_species, 200)
    kw = {"sigma_i": rng.uniform(0.73, 1.6, 200), "sigma_j": rng.uniform(0.73, 1.6, 200)} if m.polydisperse else {}
    h = 1e-6
    num = (m.pair_energy(r - h, ti, tj, **kw) - m.pair_energy(r + h, ti, tj, **kw)) / (2 * h)
    np.testing.assert_allclose(m.pair_force_magnitude(r, ti, tj, **kw), num, rtol=1e-5, atol=1e-6)


def test_ka3d_parameters_and_minimum():
    m = get_model("ka3d")
    assert m.dimension == 3 and m.n_species == 2 and m.density == 1.2
    assert m.composition == (0.8, 0.2) and list(m.counts(4096)) == [3277, 819]
    assert m.max_cutoff() == pytest.approx(2.5)
    # LJ minimum at 2^(1/6) sigma with depth -eps (+ the shift)
    rmin = 2 ** (1 / 6) * 0.8
    shift = -4 * (2.5**-12 - 2.5**-6) * 1.5
    assert m.pair_energy(np.array([rmin]), [0], [1])[0] == pytest.approx(-1.5 + shift)
    assert abs(m.pair_force_magnitude(np.array([rmin]), [0], [1])[0]) < 1e-12


def test_hand_built_periodic_pairs_and_isolated_particle():
    """Two particles interacting through the periodic boundary of a non-square box, one isolated."""
    m = get_model("ka2d")
    box = np.array([6.0, 9.0])
    x = np.array([[0.2, 1.0], [5.5, 1.0], [3.0, 5.0]])  # 0-1 at distance 0.7 through x-wrap
    t = np.array([0, 1, 2])
    e, f, _ = energies_and_forces(m, x, t, box)
    v = m.pair_energy(np.array([0.7]), [0], [1])[0]
    fm = m.pair_force_magnitude(np.array([0.7]), [0], [1])[0]
    np.testing.assert_allclose(e, [v / 2, v / 2, 0.0], atol=1e-12)
    np.testing.assert_allclose(f[0], [fm, 0.0], atol=1e-9)  # pushed away from its image on the left
    np.testing.assert_allclose(f[1], [-fm, 0.0], atol=1e-9)
    np.testing.assert_allclose(f[2], 0.0)
    # translation and periodic-image invariance
    e2, f2, _ = energies_and_forces(m, x + np.array([7.3, -20.0]), t, box)
    np.testing.assert_allclose(e2, e, atol=1e-12)
    np.testing.assert_allclose(f2, f, atol=1e-9)


def test_polydisperse_diameters_follow_the_model():
    d = polydisperse_diameters(20000, seed=3)
    assert d.min() / d.max() == pytest.approx(POLY_RATIO, rel=2e-3)
    assert d.mean() == pytest.approx(1.0, rel=1e-3)
    # P(sigma) ∝ sigma^-3  =>  <sigma^2> = 2 ln(smax/smin) / (smin^-2 - smax^-2)
    smin, smax = d.min(), d.max()
    assert np.mean(d**2) == pytest.approx(2 * np.log(smax / smin) / (smin**-2 - smax**-2), rel=2e-3)
    m = get_model("poly-swap-3d")
    s = m.pair_sigma(None, None, np.array([1.0, 0.8]), np.array([1.0, 1.4]))
    np.testing.assert_allclose(s, [1.0, 1.1 * (1 - 0.2 * 0.6)])
    with pytest.raises(GlassmlError):
        m.pair_sigma(None, None)


def test_unknown_model_is_a_user_error():
    assert set(list_models()) == {"ka3d", "ka2d", "poly-swap-2d", "poly-swap-3d"}
    with pytest.raises(GlassmlError, match="unknown model"):
        get_model("ka4d")
    m = get_model("ka2d")
    assert get_model(m) is m and get_model(m.as_dict()) is m and get_model("KA2D") is m
    with pytest.raises(GlassmlError):
        get_model("ka2d").pair_energy(np.array([1.0]), [0], [3])


@pytest.fixture(scope="module")
def glassbench():
    if not DATA.exists():
        pytest.skip(f"GlassBench sample not found at {DATA}")
    d = np.load(DATA)
    return {k: d[k] for k in d.files}


def test_ka2d_forces_vanish_on_real_inherent_structure(glassbench):
    """GlassBench's inherent structure is a force minimum of glassml's KA2D potential."""
    m = get_model("ka2d")
    t = glassbench["types"] - 1
    box = float(glassbench["box"])
    rms = lambda f: float(np.sqrt(np.mean(np.sum(f**2, axis=1))))  # noqa: E731
    f_is = m.forces(glassbench["initial_positions_inherent"], t, box)
    f_th = m.forces(glassbench["initial_positions"], t, box)
    assert rms(f_is) < 0.05, rms(f_is)
    assert rms(f_th) > 5.0, rms(f_th)
    res = fire_minimize(m, glassbench["initial_positions_inherent"], t, box, force_tolerance=1e-6)
    assert res.converged and res.max_force < 1e-6
    e0 = m.potential_energy_per_particle(glassbench["initial_positions_inherent"], t, box).mean()
    assert 0.0 <= e0 - res.energy_per_particle < 1e-3


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


def test_lammps_realises_the_ka2d_potential(glassbench):
    m = get_model("ka2d")
    box = np.full(2, float(glassbench["box"]))
    x = np.mod(glassbench["initial_positions"], box)
    t = glassbench["types"] - 1
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
