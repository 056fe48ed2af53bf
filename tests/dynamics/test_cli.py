"""``glassml targets`` and ``glassml dynamics`` end to end on small random-walk datasets, and the
library call behind ``glassml dynamics``."""

from __future__ import annotations

import json

import numpy as np

from glassml.cli import main
from glassml.store import Dataset


def walk_dataset(path, temperature=0.5, n_times=4, scale=0.3, n_samples=2, seed=0):
    rng = np.random.default_rng(seed)
    n, box = 64, np.array([8.0, 8.0])
    times = np.logspace(0, n_times - 1, n_times)
    ds = Dataset.create(path, model="ka2d", dimension=2, temperature=temperature, times=times, n_replicas=4)
    for s in range(n_samples):
        x0 = rng.uniform(0, 8, (n, 2))
        steps = rng.normal(0, 1, (n_times, 4, n, 2)) * np.sqrt(np.diff(np.concatenate([[0], times])))[:, None, None, None] * scale
        types = rng.integers(0, 3, n)
        ds.write_sample(f"s{s}", {"types": types, "box": box, "initial_positions": x0, "positions": x0 + np.cumsum(steps, axis=0), "times": times})
    return ds


def test_targets_and_dynamics_commands(tmp_path, capsys):
    walk_dataset(tmp_path / "ds")
    assert main(["targets", str(tmp_path / "ds")]) == 0
    capsys.readouterr()
    assert main(["targets", str(tmp_path / "ds"), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert len(record["md_prop"]["ceiling"]) == 4
    assert main(["dynamics", str(tmp_path / "ds"), "--json", "--out", str(tmp_path / "plots")]) == 0
    res = json.loads(capsys.readouterr().out)["datasets"][0]
    assert len(res["msd"]) == 4 and res["n_samples"] == 2 and res["n_replicas"] == 4
    for name in ("msd.png", "fs.png", "chi4.png", "s4.png", "observables.json"):
        assert (tmp_path / "plots" / name).stat().st_size > 0
    # a random walk: MSD = 2 d D t with D = scale^2 / 2 per unit time -> MSD = 4 * 0.045 t in 2D
    assert abs(res["msd"][-1] / (0.18 * res["times"][-1]) - 1) < 0.1


def test_fits_across_temperatures(tmp_path, capsys):
    paths = []
    for i, (T, scale) in enumerate(((0.5, 0.05), (0.6, 0.1), (0.8, 0.2))):
        walk_dataset(tmp_path / f"T{T}", temperature=T, n_times=5, scale=scale, n_samples=1, seed=i)
        paths.append(str(tmp_path / f"T{T}"))
    assert main(["dynamics", *paths, "--json", "--no-plots", "--k", "3.0"]) == 0
    fits = json.loads(capsys.readouterr().out)["temperature_fits"]
    assert set(fits["fits"]) == {"arrhenius", "vft", "parabolic", "mode_coupling"}
    assert fits["T"] == [0.5, 0.6, 0.8]
    assert fits["stokes_einstein"]["xi"] is not None


def test_a_rung_that_failed_equilibration_is_named_not_hidden(tmp_path, capfd):
    paths = []
    for i, (T, scale) in enumerate(((0.5, 0.05), (0.6, 0.1), (0.8, 0.2))):
        ds = walk_dataset(tmp_path / f"T{T}", temperature=T, n_times=5, scale=scale, n_samples=1, seed=i)
        paths.append(str(ds.path))
    ds = Dataset.open(paths[0])
    ds.manifest["samples"]["s0"]["equilibration"] = {"converged": True, "fs_stationary": False}  # what a campaign records
    ds.save_manifest()
    assert main(["dynamics", *paths, "--no-plots", "--k", "3.0", "--json"]) == 0
    out = json.loads(capfd.readouterr().out)
    assert out["datasets"][0]["not_equilibrated"] == ["s0"] and out["datasets"][1]["not_equilibrated"] == []
    assert out["temperature_fits"]["not_equilibrated_T"] == [0.5]
    assert out["temperature_fits"]["k"] == [3.0] and out["temperature_fits"]["k_differs"] is False
    assert main(["dynamics", *paths, "--no-plots", "--k", "3.0"]) == 0
    cap = capfd.readouterr()
    out, err = " ".join(cap.out.split()), " ".join(cap.err.split())
    assert "1 samples failed the equilibration test: s0" in err and "datasets at T = 0.5 have samples" in err
    assert "mode_coupling: tau0" in out and "vft: tau0" in out


def test_bad_input_one_line_exit_2(tmp_path, capsys):
    ds = walk_dataset(tmp_path / "one", n_times=1, n_samples=1)
    assert main(["dynamics", str(ds.path), "--no-plots"]) == 2
    err = capsys.readouterr().err.strip()
    assert "at least 2" in err and err.count("\n") == 0
    assert main(["targets", str(tmp_path / "missing")]) == 2


def test_observables_report_is_the_library_call_behind_the_command(tmp_path):
    from glassml.dynamics import observables_report
    from glassml.dynamics.plots import FIGURES, TEMPERATURE_FIGURES

    datasets = [walk_dataset(tmp_path / f"T{T}", temperature=T, n_times=5, scale=s, n_samples=3, seed=i)
                for i, (T, s) in enumerate(((0.5, 0.05), (0.6, 0.1), (0.8, 0.2)))]
    summary = observables_report(datasets, out=tmp_path / "figures", k=3.0)
    assert [r["temperature"] for r in summary["datasets"]] == [0.5, 0.6, 0.8]
    fits = summary["temperature_fits"]
    assert fits["T"] == [0.5, 0.6, 0.8]
    # errors from the three independent samples, and the chi4 peak at every temperature
    assert all(e is not None and e > 0 for e in fits["D_A_error"])
    assert len(fits["chi4_peak"]["height"]) == 3
    assert all((tmp_path / "figures" / name).stat().st_size > 0 for name in TEMPERATURE_FIGURES)
    for ds in datasets:  # one folder per dataset under out
        folder = tmp_path / "figures" / ds.path.name
        assert all((folder / name).stat().st_size > 0 for name in FIGURES)
        assert json.loads((folder / "observables.json").read_text())["temperature"] == ds.manifest["temperature"]
    quiet = observables_report([datasets[0]], plots=False, k=3.0)
    assert "plots" not in quiet["datasets"][0] and "temperature_fits" not in quiet
    assert not (datasets[0].path / "dynamics").exists()
