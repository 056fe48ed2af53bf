"""Mechanics of swap-equilibrated polydisperse glasses on glassml's own engines (LAMMPS has no
pair style for these models): AQS, the dataset commands on a poly-swap-2d dataset, local yield
stress, and the one-line errors."""

import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from glassml.cli import app
from glassml.errors import GlassmlError
from glassml.mechanics import AthermalQuasistaticShear, compare_dataset, modes_dataset, shear_dataset
from glassml.mechanics.glasses import swap_glass
from glassml.store import Dataset
from glassml.systems import energies_and_forces, get_model

MODEL = "poly-swap-2d"


@pytest.fixture(scope="module")
def glasses():
    """Three N = 100 glasses quenched from swap-equilibrated liquids at T = 0.2 (above T_MCT = 0.12)."""
    return [swap_glass(MODEL, 100, 0.2, 2000, seed=s) for s in (1, 2, 3)]


def test_swap_glass_is_an_inherent_state_of_its_liquid(glasses):
    x, t, box, dia, info = glasses[0]
    model = get_model(MODEL)
    e, f, _ = energies_and_forces(model, x, t, box, dia)
    assert np.max(np.linalg.norm(f, axis=1)) < 1e-8 and info["max_force"] < 1e-8
    assert e.mean() == pytest.approx(info["energy"], abs=1e-12)
    assert info["energy"] < info["parent_energy"]  # the minimum lies below the thermal state
    assert info["swap_acceptance"] > 0.05 and info["parent_temperature"] == 0.2
    with pytest.raises(GlassmlError, match="parent temperature must be positive"):
        swap_glass(MODEL, 100, -0.1, 10)


def test_aqs_of_a_polydisperse_glass_runs_on_glassml_s_engine(glasses):
    x, t, box, dia, _ = glasses[0]
    model = get_model(MODEL)
    aqs = AthermalQuasistaticShear(strain_step=2e-3, max_strain=0.01).compute(model, x, t, box, diameters=dia)
    assert aqs.engine_ == "numpy"
    assert aqs.shear_modulus_ > 0 and aqs.stress_[0] == pytest.approx(0.0, abs=0.05)
    # the curve starts elastic: the energy rises by the work sigma dgamma V / N
    work = 0.5 * (aqs.stress_[0] + aqs.stress_[1]) * 2e-3 * np.prod(box) / len(x)
    assert aqs.energy_[1] - aqs.energy_[0] == pytest.approx(work, rel=0.02)
    with pytest.raises(GlassmlError, match="LAMMPS has no pair style"):
        AthermalQuasistaticShear(engine="lammps").compute(model, x, t, box, diameters=dia)
    with pytest.raises(GlassmlError, match="pass the particle diameters"):
        AthermalQuasistaticShear().compute(model, x, t, box)


@pytest.fixture(scope="module")
def poly_dataset(glasses, tmp_path_factory):
    path = tmp_path_factory.mktemp("poly") / "ds"
    ds = Dataset.create(path, model=MODEL, dimension=2, temperature=0.2, times=np.array([1.0]), n_replicas=1)
    for k, (x, t, box, dia, _) in enumerate(glasses):
        ds.write_sample(f"s{k}", {"types": t, "box": box, "initial_positions": x, "initial_positions_inherent": x,
                                  "diameters": dia}, seed=k)
    return path


def test_dataset_commands_on_a_polydisperse_dataset(poly_dataset):
    shear = shear_dataset(poly_dataset, strain_step=2e-3, max_strain=0.2, max_events=1, show_progress=False)
    assert set(shear) == {"s0", "s1", "s2"} and all(s["events"] for s in shear.values())
    modes = modes_dataset(poly_dataset, n_modes=5, show_progress=False)
    assert all(len(m["eigenvalues"]) == 5 and min(m["eigenvalues"]) > 0 for m in modes.values())
    res = compare_dataset(poly_dataset, softness=False, show_progress=False)
    assert res["n_samples"] == 3
    assert {"low-mode participation", "local potential energy", "random"} <= set(res["auc"])
    assert not any(k.startswith("local yield stress") for k in res["auc"])


def test_local_yield_stress_of_a_polydisperse_dataset(poly_dataset):
    """The frozen-matrix probes on glassml's own engine: one probe per sample, resumable, and the
    LAMMPS engine refused in one line with exit status 2."""
    r = CliRunner().invoke(app, ["mechanics", "yield-stress", str(poly_dataset), "--radius", "2.5", "--directions", "1",
                                 "--spacing", "20", "--strain-step", "5e-3", "--max-strain", "0.3", "--json"])
    assert r.exit_code == 0, r.output
    z = np.load(poly_dataset / "mechanics" / "yield_stress" / "s0.npz")
    assert z["threshold"].shape == (1, 1) and np.isfinite(z["threshold"]).all() and z["threshold"][0, 0] > 0
    p = subprocess.run([sys.executable, "-m", "glassml", "mechanics", "yield-stress", str(poly_dataset), "--force",
                        "--radius", "2.5", "--engine", "lammps"], capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    lines = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.strip()]
    assert len(lines) == 1 and "LAMMPS has no pair style" in lines[0], lines


def test_a_polydisperse_sample_without_diameters_is_refused_before_any_work(glasses, tmp_path):
    x, t, box, _, _ = glasses[0]
    ds = Dataset.create(tmp_path / "ds", model=MODEL, dimension=2, temperature=0.2, times=np.array([1.0]), n_replicas=1)
    ds.write_sample("s0", {"types": t, "box": box, "initial_positions": x, "initial_positions_inherent": x}, seed=0)
    with pytest.raises(GlassmlError, match="has no 'diameters'"):
        shear_dataset(tmp_path / "ds", show_progress=False)
    assert not (tmp_path / "ds" / "mechanics" / "shear").exists()
