"""Local yield stress (frozen matrix): a crystal against Cauchy–Born stresses and the stability of
the frozen-matrix Hessian, against whole-system shear, a glass probe, and bad input."""

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.mechanics.yield_stress import (LocalYieldStress, grid_centres, nearest_probe_field, region_stress,
                                            resolved_shear_stress, shear_gradient)

STEP = 1e-2


def triangular_crystal(nx=12, ny=14, a=1.1):
    box = np.array([nx * a, ny * a * np.sqrt(3) / 2])
    ii, jj = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    x = np.column_stack([((ii + 0.5 * (jj % 2) + 0.25) * a).ravel(), ((jj + 0.5) * a * np.sqrt(3) / 2).ravel()])
    return x, np.zeros(len(x), dtype=np.int64), box


def test_shear_gradient_and_resolved_stress():
    assert np.allclose(shear_gradient(0.0, 0.1), [[1, 0.1], [0, 1]])
    # simple shear along 90 degrees moves y with x
    assert np.allclose(shear_gradient(np.pi / 2, 0.1), [[1, 0], [-0.1, 1]])
    sig = np.array([[0.3, 0.2], [0.2, -0.1]])
    assert resolved_shear_stress(sig, 0.0) == pytest.approx(0.2)
    # tau(alpha) = sigma_xy cos 2a + (sigma_yy - sigma_xx)/2 sin 2a
    a = 0.3
    assert resolved_shear_stress(sig, a) == pytest.approx(0.2 * np.cos(2 * a) + (-0.1 - 0.3) / 2 * np.sin(2 * a))
    c = grid_centres([10.0, 6.0], 2.0)
    assert c.shape == (15, 2) and np.allclose(c[0], [1.0, 1.0]) and np.allclose(c[-1], [9.0, 5.0])
    f = nearest_probe_field(np.array([[9.9, 0.5], [4.0, 2.0]]), [10.0, 6.0], [[1.0, 1.0], [5.0, 3.0]], [7.0, 8.0])
    assert f.tolist() == [7.0, 8.0]  # the first particle is nearest to (1, 1) through the boundary


def test_crystal_local_yield_stress_against_cauchy_born_and_whole_system():
    pytest.importorskip("lammps")
    from glassml.geometry import Box
    from glassml.mechanics.aqs import AthermalQuasistaticShear
    from glassml.mechanics.modes import hessian
    from glassml.systems import get_model

    model = get_model("ka2d")
    x, t, box = triangular_crystal()
    c = box / 2
    radius = 3.0
    ly = LocalYieldStress(radius=radius, n_directions=1, strain_step=STEP, max_strain=0.2, jitter=1e-4,
                          seed=1).compute(model, x, t, box, centres=[c])
    strain, tau = ly.curves_[0][0]
    # independent: the affine (Cauchy-Born) state, its local stress by numpy, and the first strain at
    # which the Hessian restricted to the free particles loses positive definiteness
    rel = Box(box).minimum_image(x - c)
    inner = np.linalg.norm(rel, axis=1) < radius
    dof = np.repeat(inner, 2)
    lam_inner, lam_whole = [], []
    for g in strain:
        f = shear_gradient(0.0, g)
        xs = c + rel @ f.T
        lam_inner.append(np.linalg.eigvalsh(hessian(model, xs, t, box).toarray()[np.ix_(dof, dof)])[0])
        h = hessian(model, x @ f.T, t, Box(box, [g * box[1]])).toarray()
        lam_whole.append(np.linalg.eigvalsh(h)[2])  # after the two translations
    lam_inner, lam_whole = np.array(lam_inner), np.array(lam_whole)
    k_local = int(np.argmax(lam_inner < 0)) - 1  # last stable step of the frozen-matrix region
    k_whole = int(np.argmax(lam_whole < 0)) - 1
    check = [0, 5, 10, k_local]
    cb = {k: region_stress(model, c + rel @ shear_gradient(0.0, strain[k]).T, t, box, inner)[0, 1] for k in check}
    print(f"crystal: tau_c {ly.yield_stress_[0, 0]:.6f} at {ly.yield_strain_[0, 0]:.2f}; Cauchy-Born "
          f"{cb[k_local]:.6f} at {strain[k_local]:.2f}; whole system unstable after {strain[k_whole]:.2f}")
    assert 0 < k_whole <= k_local  # interlacing: freezing the matrix cannot make the region softer
    assert ly.yield_strain_[0, 0] == pytest.approx(strain[k_local])
    assert ly.yield_stress_[0, 0] == pytest.approx(cb[k_local], rel=1e-5)
    assert np.allclose([tau[k] for k in check], [cb[k] for k in check], atol=1e-5)
    assert ly.stress_drop_[0, 0] > 0.1
    assert ly.threshold_[0, 0] == pytest.approx(ly.yield_stress_[0, 0])  # tau_0 = 0 in a perfect crystal
    # whole-system AQS of the same crystal: the same stress on the elastic branch
    aqs = AthermalQuasistaticShear(strain_step=STEP, max_strain=0.05).compute(model, x, t, box)
    assert np.allclose(aqs.stress_, tau[: len(aqs.stress_)], atol=1e-6)


def test_glass_probe(ka2d_glass):
    model, x, types, box = ka2d_glass
    c = np.array([[3.0, 4.0]])
    step = 5e-3
    ly = LocalYieldStress(radius=3.0, n_directions=2, strain_step=step, max_strain=0.15).compute(model, x, types, box, c)
    ok = np.isfinite(ly.yield_stress_[0])
    assert ok.any(), ly.yield_stress_  # a direction without a drop below max_strain stays nan
    assert np.all(ly.threshold_[0, ok] > 0) and np.all(ly.stress_drop_[0, ok] > ly.stress_drop_threshold)
    assert ly.minimum_threshold_[0] == pytest.approx(np.min(ly.threshold_[0, ok]))
    from glassml.geometry import Box

    inner = np.linalg.norm(Box(box).minimum_image(x - c[0]), axis=1) < 3.0
    sig0 = region_stress(model, x, types, box, inner)
    assert ly.n_inner_[0] == inner.sum()
    assert np.allclose(ly.residual_stress_[0], [resolved_shear_stress(sig0, a) for a in ly.angles_], atol=1e-5)
    for (strain, tau), g in zip(ly.curves_[0], ly.yield_strain_[0]):
        if np.isnan(g):
            assert len(tau) == 31 and np.all(np.diff(tau) > -1e-3)  # sheared to max_strain without a drop
            continue
        k = int(round(g / step))
        assert np.all(np.diff(tau[: k + 1]) > -1e-3) and tau[k] - tau[k + 1] > 1e-3


def test_bad_input():
    x, t, box = triangular_crystal()
    with pytest.raises(GlassmlError, match="larger than half the box"):
        LocalYieldStress(radius=0.6 * box.min()).check_parameters(box)
    with pytest.raises(GlassmlError, match="plus the interaction cutoff"):
        LocalYieldStress(radius=0.45 * box.min()).check_parameters(box, 2.5)
    with pytest.raises(GlassmlError, match="strain step must be positive"):
        LocalYieldStress(strain_step=0.0).check_parameters(box)
    from glassml.mechanics.glasses import quenched_glass
    from glassml.systems import get_model

    with pytest.raises(GlassmlError, match="cooling rate"):
        quenched_glass(get_model("ka2d"), 100, -1.0)


def test_glasses_of_colder_parents_sit_lower_in_the_landscape():
    """Inherent states of KA2D liquids equilibrated at T = 0.45 (about 10 tau_alpha) lie below those
    of liquids at T = 2.0: 0.065 per particle at N = 300 (four glasses each), with a standard error
    of 0.018 (at N = 100 the sample scatter, up to 0.05, hides the difference)."""
    from glassml.mechanics.glasses import parent_glass
    from glassml.systems import get_model

    model = get_model("ka2d")
    hot = [parent_glass(model, 300, 2.0, 5.0, seed=s)[3] for s in (1, 2, 3, 4)]
    cold = [parent_glass(model, 300, 0.45, 70.0, seed=s)[3] for s in (1, 2, 3, 4)]
    assert np.mean([h["energy"] for h in hot]) > np.mean([c["energy"] for c in cold]) + 0.02
    assert all(np.isfinite(c["energy"]) and c["parent_temperature"] == 0.45 and "fs_stationary" in c for c in cold)
    with pytest.raises(GlassmlError, match="parent temperature"):
        parent_glass(model, 100, 0.0, 5.0)
    with pytest.raises(GlassmlError, match="equilibration time"):
        parent_glass(model, 100, 0.5, -1.0)


def test_numpy_probes_match_the_lammps_probes(ka2d_glass):
    """The frozen-matrix probes on glassml's own FIRE (the engine of the polydisperse models)
    against LAMMPS on the same KA2D glass: the same local yield strain, and stress curves within
    5e-6 (measured 2.3e-6: LAMMPS's tabulated potential against the analytic one)."""
    model, x, t, box = ka2d_glass
    c = np.array([[3.0, 4.0]])
    ref = LocalYieldStress(radius=3.0, n_directions=2, strain_step=2e-3).compute(model, x, t, box, c)
    own = LocalYieldStress(radius=3.0, n_directions=2, strain_step=2e-3, engine="numpy").compute(model, x, t, box, c)
    assert (ref.engine_, own.engine_) == ("lammps", "numpy")
    assert np.isfinite(ref.yield_strain_).all() and np.array_equal(own.yield_strain_, ref.yield_strain_)
    assert np.allclose(own.yield_stress_, ref.yield_stress_, rtol=0, atol=1e-5)
    for a in range(2):
        (sa, ta), (sb, tb) = ref.curves_[0][a], own.curves_[0][a]
        assert np.array_equal(sa, sb) and np.max(np.abs(ta - tb)) < 5e-6
