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
    with pytest.raises(GlassmlError, match="different active simulation"):
        simulate_dataset(tmp_path / "d", model, run, n_samples=2, seed=6)


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
