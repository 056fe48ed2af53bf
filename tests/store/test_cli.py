"""``glassml info`` and ``glassml convert`` through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from glassml.cli import main
from glassml.data import tiny_dataset as make_dataset, tiny_sample as make_sample
from glassml.store import Dataset


def _json(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_info_of_a_real_glassbench_file(ka2d_tc05):
    """``glassml info`` of one GlassBench file, through ``python -m glassml``."""
    proc = subprocess.run([sys.executable, "-m", "glassml", "info", str(ka2d_tc05), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["n_particles"] == 1290 and info["dimension"] == 2 and info["n_replicas"] == 20
    assert info["species_counts"] == {"0": 600, "1": 330, "2": 360}
    assert info["species_map"] == {"1": 0, "2": 1, "3": 2}
    assert info["box"] == [32.8962, 32.8962]
    assert info["model"] == "KA2D" and info["temperature"] == 0.23 and info["times"] == [0.1]
    assert info["format"] == "glassbench-trajectories" and info["verified"] is True


def test_convert_real_files_then_info_of_the_dataset(tmp_path, capsys, ka2d_tc05, ka2d_tc40):
    dst = tmp_path / "ka2d"
    out = _json(capsys, ["convert", str(ka2d_tc05.parent / "N1290T0.23_151_tc*.npz"), str(dst), "--json"])
    assert out["n_samples"] == 1 and out["verified"]["complete"]
    info = _json(capsys, ["info", str(dst), "--json"])
    assert info["times"] == [0.1, 1.5e6] and info["n_replicas"] == 20 and info["n_particles"] == 1290
    assert info["species_counts"] == {"0": 600, "1": 330, "2": 360} and info["species_map"] == {"1": 0, "2": 1, "3": 2}
    assert main(["verify", str(dst)]) == 0


def test_info_human_readable(tmp_path, capsys):
    make_dataset(tmp_path / "ds")
    assert main(["info", str(tmp_path / "ds")]) == 0
    out = capsys.readouterr().out
    assert "n_samples" in out and "train" in out and "complete" in out


def test_verify_reports_a_corrupt_sample_with_status_1(tmp_path, capsys):
    ds = make_dataset(tmp_path / "ds")
    ds.sample_path("s1").write_bytes(ds.sample_path("s0").read_bytes())
    capsys.readouterr()
    assert main(["verify", str(ds.path), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["corrupt"] == ["s1"]


def test_convert_needs_force_to_replace(tmp_path, capsys):
    make_dataset(tmp_path / "a", n_samples=2)
    make_dataset(tmp_path / "b", n_samples=1)
    assert main(["convert", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert len(Dataset.open(tmp_path / "b")) == 1
    assert main(["convert", str(tmp_path / "a"), str(tmp_path / "b"), "--force"]) == 0
    assert len(Dataset.open(tmp_path / "b")) == 2


@pytest.mark.parametrize("to,ext", [("lammps-dump", ".dump"), ("extxyz", ".xyz"), ("gsd", ".gsd")])
def test_convert_to_and_from_a_frame_format(tmp_path, capsys, to, ext):
    make_dataset(tmp_path / "a", n_samples=2, n_replicas=1)
    out = _json(capsys, ["convert", str(tmp_path / "a"), str(tmp_path / "files"), "--to", to, "--json"])
    assert sorted(out["written"]) == [str(tmp_path / "files" / f"s{i}{ext}") for i in range(2)]
    back = _json(capsys, ["convert", str(tmp_path / "files"), str(tmp_path / "b"), "--temperature", "0.5", "--json"])
    assert back["n_samples"] == 2 and back["temperature"] == 0.5 and back["n_replicas"] == 1
    a, b = Dataset.open(tmp_path / "a"), Dataset.open(tmp_path / "b")
    atol = 1e-4 if to == "gsd" else 0
    np.testing.assert_allclose(b["s1"]["positions"], a["s1"]["positions"], rtol=0, atol=atol)


def test_convert_many_samples_with_a_progress_bar(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(25):
        a = make_sample(seed=i)
        np.savez(src / f"N9T0.5_{i}.npz", types=a["types"] + 1, initial_positions=a["initial_positions"], md_prop=a["md_prop"])
    assert main(["convert", str(src), str(tmp_path / "ds"), "--from", "glassbench", "--density", "0.5"]) == 0
    assert "writing samples" in capsys.readouterr().err
    ds = Dataset.open(tmp_path / "ds")
    assert len(ds) == 25 and ds.manifest["species_map"] == {"1": 0, "2": 1, "3": 2}
    np.testing.assert_allclose(ds["N9T0.5_3"]["box"], np.sqrt(9 / 0.5))


def test_species_map_option_keeps_absent_species(tmp_path, capsys):
    (tmp_path / "a.dump").write_text("ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 5\n0 5\n0 5\n"
                                     "ITEM: ATOMS id type xu yu zu\n1 3 1 1 1\n2 3 2 2 2\n")
    assert _json(capsys, ["info", str(tmp_path / "a.dump"), "--json"])["species_counts"] == {"0": 2}
    info = _json(capsys, ["info", str(tmp_path / "a.dump"), "--json", "--species-map", "1=0,2=1,3=2"])
    assert info["species_counts"] == {"2": 2} and info["species_map"] == {"1": 0, "2": 1, "3": 2}


@pytest.mark.parametrize("to,ext", [("lammps-dump", ".dump"), ("extxyz", ".xyz"), ("gsd", ".gsd")])
def test_convert_one_sample_into_a_directory(tmp_path, capsys, to, ext):
    make_dataset(tmp_path / "a", n_samples=1, n_replicas=1)
    out = _json(capsys, ["convert", str(tmp_path / "a"), str(tmp_path / "files"), "--to", to, "--json"])
    assert out["written"] == [str(tmp_path / "files" / f"s0{ext}")]
    assert [p.name for p in (tmp_path / "files").iterdir()] == [f"s0{ext}"]


@pytest.mark.parametrize("argv,message", [
    (["--species-map", "1=0,2=2"], "--species-map must map onto 0..K-1 once each"),
    (["--species-map", "1:0"], "--species-map must look like '1=0,2=1,3=2'"),
    (["--times", "0.1,soon"], "--times must be comma-separated numbers"),
])
def test_bad_reader_options_are_one_line_errors(tmp_path, capsys, argv, message):
    make_dataset(tmp_path / "a", n_samples=1)
    capsys.readouterr()
    assert main(["convert", str(tmp_path / "a"), str(tmp_path / "b"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "b").exists()
